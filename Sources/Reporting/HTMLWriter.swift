import Advisor
import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// The self-contained HTML report (well-formed XHTML syntax, CSS and SVG inline, no external references).
enum HTMLWriter {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func table(_ header: [String], _ rows: [[String]], id: String? = nil) -> String {
        var h = "<div class=\"scroll\"><table\(id.map { " id=\"\($0)\"" } ?? "")><thead><tr>"
        h += header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for r in rows {
            h += "<tr>" + r.map { isNumber($0) ? "<td class=\"num\">\(escape($0))</td>" : "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        return h + "</tbody></table></div>"
    }

    /// A cell that is a number (with an optional unit or "%"), right-aligned in its column.
    static func isNumber(_ cell: String) -> Bool {
        let core = cell.replacingOccurrences(of: " (estimate)", with: "").split(separator: " ").first.map(String.init) ?? ""
        let digits = core.trimmingCharacters(in: CharacterSet(charactersIn: "%"))
        return !digits.isEmpty && Double(digits.replacingOccurrences(of: ",", with: "")) != nil
            && (cell.split(separator: " ").count <= 2 || cell.hasSuffix("(estimate)"))
    }

    static let css = """
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#222;line-height:1.45}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
        .verdict{font-size:1.15rem;background:#f3f8f3;border-left:6px solid #2ca02c;padding:.7rem 1rem}
        .verdict.none{background:#fbf1f1;border-color:#d62728}
        table{border-collapse:collapse;font-size:.88rem;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f5f5f5}.scroll{overflow-x:auto}.blocks{color:#b00}.for{color:#176017}.against{color:#8a5a00}
        figure{margin:1rem 0;page-break-inside:avoid;overflow-x:auto}figure svg{max-width:100%;min-width:560px;height:auto}figcaption{font-size:.85rem;color:#555}
        .missing{border:1px dashed #c00;padding:1rem;color:#900;background:#fff6f6}
        \(TargetKind.allCases.map { ".target-\($0.rawValue){color:\(Charts.colour($0))}" }.joined())
        code{background:#f4f4f4;padding:0 .2rem}small{color:#666}
        td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        @media print{body{max-width:none}.scroll{overflow:visible}h2,h3{break-after:avoid}table,figure,.verdict{break-inside:avoid}}
        """

    /// The page up to `<body>`: doctype, charset, viewport, title and the report's CSS.
    static func head(title: String) -> String {
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + "<title>\(escape(title))</title><style>\(css)</style></head><body>"
    }

    /// The "Charts" section: each chart's figure (its SVG, or why it is missing) and caption.
    static func charts(_ plots: [(Charts.Chart, String?)], note: String?) -> String {
        var h = "<h2>Charts</h2>"
        if let note { h += "<p class=\"missing\">\(escape(note))</p>" }
        for (chart, svg) in plots {
            h += "<figure id=\"plot-\(chart.id)\" class=\"plot\"><h3>\(escape(chart.title))</h3>"
            h +=
                svg
                ?? "<div class=\"missing\">Plot not rendered: \(escape(note ?? "gnuplot unavailable")). The data is in the CSV files beside this report.</div>"
            h += "<figcaption>\(escape(chart.caption))</figcaption></figure>"
        }
        return h
    }

    static func render(_ d: ReportData, plots: [(Charts.Chart, String?)], plotNote: String?, deployFiles: [String] = []) -> String {
        let rec = d.recommendation
        let slo = d.workload.effectiveP99Ms ?? 100
        var h = head(title: "\(d.title) — DeployAdvisor report")
        h += "<h1>Where to deploy <code>\(escape(d.model.name))</code>: \(escape(d.title))</h1>"
        h += String(
            format: "<p><small>%@ · %@ at %.4g requests/s (peak %.4g) for %.0f s · SLO p99 %.4g ms · %@ · seed %llu</small></p>",
            escape(d.generatedBy), escape(d.workload.load.pattern.rawValue), d.workload.load.rps, d.workload.load.effectivePeakRps,
            d.workload.load.durationSeconds, slo, escape(d.workload.environment.rawValue), d.workload.seed)
        h += "<p><small id=\"weights\">\(escape(AccuracyStatement.weights(d)))</small></p>"
        // Recommendation first.
        if let r = rec.recommendation {
            h +=
                "<p class=\"verdict\" id=\"recommendation\" data-target=\"\(r.rawValue)\"><strong>Recommendation: <span class=\"target-\(r.rawValue)\">\(escape(r.displayName))</span></strong><br/>\(escape(rec.summary))</p>"
        } else {
            h +=
                "<p class=\"verdict none\" id=\"recommendation\" data-target=\"none\"><strong>Recommendation: none.</strong><br/>\(escape(rec.summary))</p>"
        }
        if let spread = d.loadCurve?.spreadText { h += "<p><small id=\"seed-spread\">\(escape(spread)).</small></p>" }
        h += "<h2>Verdicts and reasons</h2><ul>"
        for v in rec.ranking {
            h +=
                "<li><strong class=\"target-\(v.target.rawValue)\">\(escape(v.target.rawValue))</strong> — \(escape(v.verdict.rawValue))\(v.verdict == .ruledOut ? "" : String(format: ", score %.1f", v.score))<ul>"
            for r in v.reasons {
                h +=
                    "<li class=\"\(r.effect.rawValue)\">[\(escape(r.criterion.rawValue))] \(escape(r.text)) <small>(\(escape(r.evidence)))</small></li>"
            }
            h += "</ul></li>"
        }
        h += "</ul>"
        h += "<h2>What would change the answer</h2><p id=\"sensitivity-sentence\">\(escape(ScoreTable.sentence(d)))</p>"
        h += "<p>\(escape(ScoreTable.weights(d)))</p>"
        h += table(ScoreTable.header, ScoreTable.rows(d), id: "scores")
        if !d.sensitivity.isEmpty { h += table(ScoreTable.sensitivityHeader, ScoreTable.sensitivityRows(d), id: "sensitivity") }
        h += "<h2>Deployment paths</h2><p>\(escape(SupportTable.caption))</p>"
        h += table(SupportTable.header, SupportTable.rows(d), id: "support")
        if !deployFiles.isEmpty {
            h += "<p id=\"deploy\">\(escape(DeployFiles.caption)):</p><ul>"
            for f in deployFiles { h += "<li><a href=\"\(escape(f))\">\(escape(f))</a></li>" }
            h += "</ul>"
        }
        h +=
            "<h2>Comparison</h2><p>\(escape(ComparisonRow.caption))</p>"
        h += table(ComparisonRow.header, ComparisonRow.rows(d).map(\.cells), id: "comparison")
        if let m = d.measured {
            let l = m.latencyMs
            h +=
                "<p><strong>Measured here</strong> with <code>deploy-advisor load</code> against \(escape(m.url)) at \(String(format: "%.4g", m.scheduledRps)) requests/s (achieved \(String(format: "%.4g", m.achievedRps))/s):</p>"
            h += table(
                ["series", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "status"],
                [
                    [
                        "measured here", String(format: "%.2f", l["p50"] ?? 0), String(format: "%.2f", l["p90"] ?? 0),
                        String(format: "%.2f", l["p99"] ?? 0), String(format: "%.2f", l["p999"] ?? 0),
                        m.statusCounts.keys.sorted().map { "\($0) × \(m.statusCounts[$0]!)" }.joined(separator: ", "),
                    ]
                ],
                id: "measured")
        }
        if let v = d.validation {
            h += "<h2>Predicted vs measured here</h2><p>\(escape(ValidationTable.caption(v)))</p>"
            h += table(ValidationTable.header, ValidationTable.rows(v), id: "validation")
        }
        for r in d.targets where !r.notes.isEmpty || r.forwarding != nil {
            h += "<p><strong>\(escape(r.target.rawValue))</strong>: " + r.notes.map(escape).joined(separator: " ")
            if let f = r.forwarding {
                h +=
                    " Store-and-forward: \(f.delivered) results delivered (\(f.delayed) after an outage), \(f.dropped) dropped after timeToLiveSecs, \(f.pending) still on the device."
            }
            h += "</p>"
        }
        h += charts(plots, note: plotNote)
        h +=
            "<h2>Capacity plan</h2><p>The smallest configuration per target meeting the SLO at the peak rate (\(String(format: "%.4g", d.workload.load.effectivePeakRps)) requests/s): queueing analytics, then verified by simulation, which walks down while one server fewer or a smaller size costing no more still meets the SLO; the last column is that evidence.</p>"
        h += table(
            [
                "target", "configuration", "analytic p99 ms", "simulated p99 ms", "$/month", "deploy min",
                "simulated at the peak: smaller neighbours, or the closest tried",
            ],
            d.plans.map { p in
                [
                    p.target.rawValue, p.feasible ? p.summary : "cannot: \(p.reason ?? "")",
                    p.analyticP99Ms.map { String(format: "%.2f", $0) } ?? "—",
                    p.simulatedP99Ms.map { String(format: "%.2f", $0) } ?? "—",
                    p.feasible ? Grouped.fixed(p.costPerMonthUSD) : "—", String(format: "%.1f", p.deployMinutes),
                    PlanEvidence.cell(p),
                ]
            }, id: "plan")
        h += "<h3>Alternatives within each target</h3><p>\(escape(AlternativesTable.caption))</p>"
        h += table(AlternativesTable.header, AlternativesTable.rows(d), id: "alternatives")
        h += "<p>Cheapest target meeting the SLO by load level:</p>"
        h += table(
            ["requests/s", "cheapest", "configuration", "$/month"],
            d.curve.map {
                [
                    Grouped.fixed($0.rps, 0), $0.target?.rawValue ?? "—", $0.summary, $0.costPerMonthUSD.map { Grouped.fixed($0) } ?? "—",
                ]
            }, id: "curve")
        h += "<h2>FPGA emulation</h2>"
        h += String(
            format:
                "<p>%@ (%@): %d tile engines × native dimension %d × %d lanes at %.0f MHz (%.1f peak TFLOPS); %@. Batch-1 NPU latency %.3f ms, %.2f effective TFLOPS; weights %.1f MB (%@ on chip).</p>",
            escape(d.fpga.preset.name), escape(d.fpga.preset.device), d.fpga.preset.tileEngines, d.fpga.preset.nativeDimension,
            d.fpga.preset.lanes,
            d.fpga.preset.clockMHz, d.fpga.preset.peakTFLOPS, escape(d.fpga.format), d.fpga.estimate.latencyMs,
            d.fpga.estimate.effectiveTflops,
            Double(d.fpga.estimate.weightBytes) / 1e6, d.fpga.estimate.fitsOnChip ? "fits" : "does not fit")
        h += "<p id=\"accuracy-statement\">\(escape(AccuracyStatement.fpga(d)))</p>"
        h += table(AccuracyStatement.header, AccuracyStatement.rows(d), id: "accuracy")
        h += "<h2>Assumptions and sources</h2>"
        h += table(
            ["hardware", "cores", "GFLOP/s per core", "memory GB/s", "RAM GB", "source"],
            d.assumptions.hardware.map {
                [
                    $0.name, String(format: "%g", $0.cores), String(format: "%.1f", $0.perCoreGflops),
                    String(format: "%.1f", $0.memoryGBps), String(format: "%g", $0.ramGB), $0.source,
                ]
            })
        let p = d.assumptions.pricing
        var prices: [[String]] = [
            ["ACI vCPU-second", String(format: "%.7f", p.aciVcpuSecond.usd), p.aciVcpuSecond.asOf, p.aciVcpuSecond.source],
            ["ACI GB-second", String(format: "%.7f", p.aciGbSecond.usd), p.aciGbSecond.asOf, p.aciGbSecond.source],
        ]
        for k in p.aksNodeHour.keys.sorted() {
            prices.append([
                "AKS node \(k), hour", String(format: "%.3f", p.aksNodeHour[k]!.usd), p.aksNodeHour[k]!.asOf, p.aksNodeHour[k]!.source,
            ])
        }
        prices.append([
            "IoT Hub S1, unit-month", String(format: "%.2f", p.iotHubUnitMonth.usd), p.iotHubUnitMonth.asOf, p.iotHubUnitMonth.source,
        ])
        for k in p.edgeDevice.keys.sorted() {
            prices.append([
                "edge device \(k) (amortized \(Int(p.edgeAmortizationMonths)) months)", String(format: "%.0f", p.edgeDevice[k]!.usd),
                p.edgeDevice[k]!.asOf, p.edgeDevice[k]!.source,
            ])
        }
        prices.append([
            "FPGA VM Standard_PB6s, hour\(p.fpgaVmHour.estimate ? " (ESTIMATE)" : "")", String(format: "%.2f", p.fpgaVmHour.usd),
            p.fpgaVmHour.asOf, p.fpgaVmHour.source,
        ])
        h += table(["price", "USD", "as of", "source"], prices)
        h +=
            "<ul><li>Network: \(escape(d.assumptions.network))</li><li>Deploy time: \(escape(d.assumptions.deployTime))</li><li>Service time: \(escape(d.assumptions.serviceTimeModel))</li>"
        h += "<li>NPU: \(escape(d.fpga.preset.source))</li></ul>"
        for r in d.targets where !r.serviceScaling.isEmpty {
            h += "<p><small>\(escape(r.target.rawValue)): \(escape(r.serviceScaling))</small></p>"
        }
        let rp = d.reproducibility
        h += "<h2>Reproducibility</h2><ul>"
        h += "<li>Command: <code>\(escape(rp.command))</code></li><li>Seed \(rp.seed), tool version \(escape(rp.toolVersion))</li>"
        h += "<li>Host: \(escape(rp.host.cpuModel)), \(rp.host.cores) cores; OpenBLAS: \(escape(rp.host.openblas))</li>"
        h += String(
            format:
                "<li>Measured here: sgemm %.1f GFLOP/s (1 thread), %.1f GFLOP/s (%d threads), copy bandwidth %.1f GB/s; the model: %.2f ms (1 thread), %.2f ms (all cores) per batch</li></ul>",
            rp.host.sgemmGflops1, rp.host.sgemmGflopsAll, rp.host.cores, rp.host.memoryGBps, rp.calibrationMedianMs1,
            rp.calibrationMedianMsAll)
        h += "<details><summary>Per-layer calibration (\(rp.calibration.count) steps)</summary>"
        h += table(
            ["step", "GFLOP", "MB moved", "ms (1 thread)", "ms (all cores)"],
            rp.calibration.map {
                [
                    $0.name, String(format: "%.3f", $0.flops / 1e9), String(format: "%.2f", $0.bytes / 1e6),
                    String(format: "%.3f", $0.seconds1 * 1e3), String(format: "%.3f", $0.secondsAll * 1e3),
                ]
            })
        h += "</details></body></html>\n"
        return h
    }
}
