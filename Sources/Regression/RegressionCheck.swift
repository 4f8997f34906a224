import Foundation

/// One compared metric.
package struct MetricComparison: Sendable, Codable, Equatable {
    package enum Status: String, Sendable, Codable {
        case pass
        case regression
        case improvement
    }

    package var name: String
    package var baselineMedian: Double
    package var currentMedian: Double
    /// current / baseline (medians); > 1 is slower.
    package var ratio: Double
    package var ratioCI95: [Double]?
    /// One-sided Mann–Whitney p-value for "current is slower".
    package var pValue: Double?
    package var status: Status
    package var explanation: String
}

/// The outcome of `check`.
package struct RegressionReport: Sendable, Codable, Equatable {
    package var schemaVersion = 1
    package var model: String
    package var normalized: Bool
    package var thresholdPercent: Double
    package var alpha: Double
    package var metrics: [MetricComparison]
    package var warnings: [String]
    package var regressed: Bool { metrics.contains { $0.status == .regression } }
}

/// Compares a current benchmark with a baseline: a slowdown fails only when it is both
/// statistically significant (one-sided Mann–Whitney U, p < α) and larger than the practical
/// threshold (the median ratio exceeds 1 + threshold). With `normalize`, each sample is
/// multiplied by the run's own sgemm GFLOP/s (latency × speed = work), so a baseline made on
/// one machine holds on another of the same architecture.
package enum RegressionCheck {
    package static func compare(
        baseline: BenchmarkResult, current: BenchmarkResult, thresholdPercent: Double = 5, alpha: Double = 0.01, normalize: Bool = false
    ) throws(RegressionInputError) -> RegressionReport {
        guard baseline.modelKey == current.modelKey else {
            throw RegressionInputError(
                "different models: the baseline measured '\(baseline.modelKey)', the current run '\(current.modelKey)'")
        }
        guard baseline.batch == current.batch else {
            throw RegressionInputError("different batch sizes: baseline \(baseline.batch), current \(current.batch)")
        }
        var warnings: [String] = []
        if baseline.threads != current.threads {
            warnings.append(
                "thread counts differ (baseline \(baseline.threads), current \(current.threads)); a change here is part of what is compared"
            )
        }
        if !normalize && baseline.environment.cpuModel != current.environment.cpuModel {
            warnings.append("different CPUs (\(baseline.environment.cpuModel) vs \(current.environment.cpuModel)); consider --normalize")
        }
        let scaleB = normalize ? baseline.calibration.sgemmGflops : 1
        let scaleC = normalize ? current.calibration.sgemmGflops : 1
        let b = baseline.samplesMs.map { $0 * scaleB }
        let c = current.samplesMs.map { $0 * scaleC }
        let threshold = thresholdPercent / 100
        let mw = MannWhitneyU(c, b)
        let slower = MannWhitneyU(b, c)
        let boot = MedianRatioBootstrap(c, b)
        var status = MetricComparison.Status.pass
        var text: String
        if mw.pGreater < alpha && boot.ratio > 1 + threshold {
            status = .regression
            text = String(
                format: "%.1f%% slower (95%% CI %.1f%% to %.1f%%), significant (p = %.2g < %.2g) and above the %.4g%% threshold",
                (boot.ratio - 1) * 100, (boot.lower - 1) * 100, (boot.upper - 1) * 100, mw.pGreater, alpha, thresholdPercent)
        } else if slower.pGreater < alpha && boot.ratio < 1 - threshold {
            status = .improvement
            text = String(
                format: "%.1f%% faster (95%% CI %.1f%% to %.1f%%), p = %.2g", (1 - boot.ratio) * 100, (1 - boot.upper) * 100,
                (1 - boot.lower) * 100, slower.pGreater)
        } else if mw.pGreater < alpha {
            text = String(
                format: "%.1f%% slower, significant (p = %.2g) but within the %.4g%% threshold", (boot.ratio - 1) * 100, mw.pGreater,
                thresholdPercent)
        } else {
            text = String(format: "%+.1f%% (p = %.2g): no significant slowdown", (boot.ratio - 1) * 100, mw.pGreater)
        }
        func median(_ v: [Double]) -> Double {
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        var metrics = [
            MetricComparison(
                name: normalize ? "latency × sgemm GFLOP/s (normalized)" : "latency (ms)", baselineMedian: median(b),
                currentMedian: median(c),
                ratio: boot.ratio, ratioCI95: [boot.lower, boot.upper], pValue: mw.pGreater, status: status, explanation: text)
        ]
        // Simulated target percentiles (single numbers): threshold only.
        if let bs = baseline.simulated, let cs = current.simulated {
            for target in bs.keys.sorted() {
                guard let bp = bs[target]?["p99"], let cp = cs[target]?["p99"], bp > 0 else { continue }
                let r = cp / bp
                let regress = r > 1 + threshold
                metrics.append(
                    MetricComparison(
                        name: "\(target) simulated p99 (ms)", baselineMedian: bp, currentMedian: cp, ratio: r, ratioCI95: nil, pValue: nil,
                        status: regress ? .regression : .pass,
                        explanation: String(format: "%+.1f%% (simulated, deterministic for the seed: threshold only)", (r - 1) * 100)))
            }
        }
        return RegressionReport(
            model: current.modelKey, normalized: normalize, thresholdPercent: thresholdPercent, alpha: alpha, metrics: metrics,
            warnings: warnings)
    }

    /// JUnit XML: one test case per metric, a failure for each regression.
    package static func junit(_ r: RegressionReport) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
                of: ">", with: "&gt;"
            ).replacingOccurrences(of: "\"", with: "&quot;")
        }
        let failures = r.metrics.filter { $0.status == .regression }.count
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"\(r.metrics.count)\" failures=\"\(failures)\">\n"
        x += "  <testsuite name=\"deploy-advisor latency: \(esc(r.model))\" tests=\"\(r.metrics.count)\" failures=\"\(failures)\">\n"
        for m in r.metrics {
            x += "    <testcase classname=\"\(esc(r.model))\" name=\"\(esc(m.name))\">"
            if m.status == .regression {
                x += "<failure message=\"\(esc(m.explanation))\">baseline \(m.baselineMedian), current \(m.currentMedian)</failure>"
            }
            x += "<system-out>\(esc(m.explanation))</system-out></testcase>\n"
        }
        return x + "  </testsuite>\n</testsuites>\n"
    }

    /// A Markdown table for job summaries.
    package static func markdown(_ r: RegressionReport) -> String {
        var m = ["## Latency check: `\(r.model)` — \(r.regressed ? "❌ regression" : "✅ pass")", ""]
        m.append("| metric | baseline | current | change | 95% CI | p | result |")
        m.append("|---|---|---|---|---|---|---|")
        for x in r.metrics {
            let ci = x.ratioCI95.map { String(format: "%+.1f%% … %+.1f%%", ($0[0] - 1) * 100, ($0[1] - 1) * 100) } ?? "—"
            m.append(
                String(
                    format: "| %@ | %.4g | %.4g | %+.1f%% | %@ | %@ | %@ |", x.name, x.baselineMedian, x.currentMedian, (x.ratio - 1) * 100,
                    ci, x.pValue.map { String(format: "%.2g", $0) } ?? "—", x.status.rawValue))
        }
        m.append("")
        m.append(
            String(
                format: "A regression needs p < %.2g (one-sided Mann–Whitney U) and a slowdown above %.4g%%%@.", r.alpha,
                r.thresholdPercent, r.normalized ? "; latencies normalized by each run's sgemm GFLOP/s" : ""))
        for w in r.warnings { m.append("> ⚠️ \(w)") }
        return m.joined(separator: "\n") + "\n"
    }
}
