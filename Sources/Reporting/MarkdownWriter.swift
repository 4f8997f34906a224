import Advisor
import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// `summary.md`: the recommendation, reasons and comparison, for CI job summaries and pull requests.
enum MarkdownWriter {
    static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var lines = ["| " + header.map(cell).joined(separator: " | ") + " |", "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
        lines += rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n")
    }

    static func render(_ d: ReportData, deployFiles: [String] = []) -> String {
        var m: [String] = []
        m.append("# Where to deploy `\(d.model.name)`: \(d.title)")
        m.append("")
        if let r = d.recommendation.recommendation {
            m.append("**Recommendation: \(r.displayName) (`\(r.rawValue)`).** \(d.recommendation.summary)")
        } else {
            m.append("**Recommendation: none.** \(d.recommendation.summary)")
        }
        if let spread = d.loadCurve?.spreadText { m.append("\n(\(spread).)") }
        m.append("")
        m.append(
            String(
                format: "Workload: %@ at %.4g requests/s (peak %.4g), SLO p99 %.4g ms, %@, connectivity %@, privacy %@, seed %llu.",
                d.workload.load.pattern.rawValue, d.workload.load.rps, d.workload.load.effectivePeakRps, d.workload.effectiveP99Ms ?? 0,
                d.workload.environment.rawValue, d.workload.connectivity.rawValue, d.workload.privacy.rawValue, d.workload.seed)
                + " " + AccuracyStatement.weights(d))
        m.append("")
        m.append("## Verdicts")
        m.append("")
        for v in d.recommendation.ranking {
            m.append(
                "- **\(v.target.rawValue)** — \(v.verdict.rawValue)\(v.verdict == .ruledOut ? "" : String(format: " (score %.1f)", v.score))"
            )
            for r in v.reasons {
                m.append("  - \(r.blocking ? "✗" : r.effect == .favors ? "✓" : "·") `\(r.criterion.rawValue)`: \(r.text) (\(r.evidence))")
            }
        }
        m.append("")
        m.append("## What would change the answer")
        m.append("")
        m.append(ScoreTable.sentence(d) + " " + ScoreTable.weights(d))
        m.append("")
        m.append(table(ScoreTable.header, ScoreTable.rows(d)))
        m.append("")
        if !d.sensitivity.isEmpty {
            m.append(table(ScoreTable.sensitivityHeader, ScoreTable.sensitivityRows(d)))
            m.append("")
        }
        m.append("## Deployment paths")
        m.append("")
        m.append(SupportTable.caption)
        m.append("")
        m.append(table(SupportTable.header, SupportTable.rows(d)))
        m.append("")
        if !deployFiles.isEmpty {
            m.append(DeployFiles.caption + ": " + deployFiles.map { "[`\($0)`](\($0))" }.joined(separator: ", ") + ".")
            m.append("")
        }
        m.append("## Comparison")
        m.append(ComparisonRow.caption)
        m.append("")
        m.append(table(ComparisonRow.header, ComparisonRow.rows(d).map(\.cells)))
        m.append("")
        if let x = d.measured {
            m.append(
                String(
                    format: "Measured here (`deploy-advisor load`, %@ at %.4g requests/s): p50 %.2f ms, p99 %.2f ms.", x.url,
                    x.scheduledRps, x.latencyMs["p50"] ?? 0, x.latencyMs["p99"] ?? 0))
            m.append("")
        }
        if let v = d.validation {
            m.append("## Predicted vs measured here")
            m.append("")
            m.append(ValidationTable.caption(v))
            m.append("")
            m.append(table(ValidationTable.header, ValidationTable.rows(v)))
            m.append("")
        }
        m.append("## Capacity plan")
        m.append("")
        m.append(
            table(
                ["target", "configuration", "p99 ms", "$/month", "simulated at the peak: smaller neighbours, or the closest tried"],
                d.plans.map {
                    [
                        $0.target.rawValue, $0.feasible ? $0.summary : "cannot: \($0.reason ?? "")",
                        $0.p99Ms.map { String(format: "%.2f", $0) } ?? "—", $0.feasible ? String(format: "%.2f", $0.costPerMonthUSD) : "—",
                        PlanEvidence.cell($0),
                    ]
                }))
        m.append("")
        m.append("## Alternatives within each target")
        m.append("")
        m.append(AlternativesTable.caption)
        m.append("")
        m.append(table(AlternativesTable.header, AlternativesTable.rows(d)))
        m.append("")
        m.append("## FPGA number formats")
        m.append("")
        m.append(AccuracyStatement.fpga(d))
        m.append("")
        m.append(table(AccuracyStatement.header, AccuracyStatement.rows(d)))
        m.append("")
        m.append(
            "Generated by \(d.generatedBy) on \(d.reproducibility.host.cpuModel) (\(d.reproducibility.host.cores) cores). Full report: `index.html`; data: `results.json` and CSV."
        )
        return m.joined(separator: "\n") + "\n"
    }
}

/// The CSV files.
enum CSVWriter {
    static func field(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    static func csv(_ header: [String], _ rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func files(_ d: ReportData) -> [String: String] {
        func n(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "" }
        var files: [String: String] = [:]
        files["latency.csv"] = csv(
            [
                "target", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "p999_ms", "mean_ms", "network_ms", "queue_ms", "service_ms",
                "offered_rps", "throughput_rps", "success_rate", "rejected", "timeouts", "offline", "cost_per_hour_usd",
                "cost_per_month_usd", "cost_per_million_usd", "deploy_minutes", "bytes_left_device", "served_within_run",
                "latency_caveat",
            ],
            d.targets.map { r in
                // A censored percentile is left empty and the caveat says why (results.json keeps the raw figures).
                [r.target.rawValue] + [50, 90, 95, 99, 99.9].map { n(r.reportedLatencyMs(percentile: $0)) } + [
                    n(r.backlogGrows ? nil : r.latencyMs?.mean),
                    n(r.latencyBreakdownMs?.network), n(r.latencyBreakdownMs?.queue), n(r.latencyBreakdownMs?.service), n(r.offeredRps),
                    n(r.throughputRps),
                    n(r.successRate), String(r.errors.rejected), String(r.errors.timeouts), String(r.errors.offline), n(r.costPerHourUSD),
                    n(r.costPerMonthUSD),
                    n(r.costPerMillionUSD), n(r.deployMinutes), n(r.bytesLeftDevice), n(r.servedWithinRun), r.latencyCaveat ?? "",
                ]
            })
        for r in d.targets {
            if let t = r.timeline {
                files["timeline-\(r.target.rawValue).csv"] = csv(
                    ["time_s"] + t.names, t.rows.enumerated().map { [n(Double($0.offset) * t.intervalSeconds)] + $0.element.map { n($0) } })
            }
        }
        files["cdf.csv"] = csv(
            ["target", "latency_ms", "fraction"], d.targets.flatMap { r in r.cdf.map { [r.target.rawValue, n($0[0]), n($0[1])] } })
        files["curve.csv"] = csv(
            ["rps", "cheapest", "configuration", "cost_per_month_usd"] + TargetKind.allCases.map { "\($0.rawValue)_usd" }
                + TargetKind.allCases.map { "\($0.rawValue)_p99_ms" },
            d.curve.map { c -> [String] in
                let costs = TargetKind.allCases.map { n(c.costByTarget[$0]) }
                let p99s = TargetKind.allCases.map { n(c.p99ByTarget[$0]) }
                return [n(c.rps), c.target?.rawValue ?? "", c.summary, n(c.costPerMonthUSD)] + costs + p99s
            })
        files["fpga-layers.csv"] = csv(
            ["layer", "kind", "unit", "cycles", "time_ms", "utilization"],
            d.fpga.estimate.layers.map { [$0.name, $0.kind, $0.unit.rawValue, String($0.cycles), n($0.timeMs), n($0.utilization)] })
        return files
    }
}
