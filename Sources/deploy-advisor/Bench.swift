import Advisor
import ArgumentParser
import Foundation
import Inference
import Regression
import Targets

extension DeployAdvisor {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency measurements for the regression gate: stable repeated inference, raw samples, host calibration, environment."
        )

        @Argument(help: "A workload file (.yaml/.yml/.json) or a model (built-in name or .onnx path).")
        var subject: String

        @OptionGroup var shapes: InputShapeOptions

        @Option(help: "Where to write the result (JSON).")
        var output: String

        @Option(help: "Maximum timed iterations.")
        var iterations: Int = 300

        @Option(help: "OpenBLAS threads (default: all cores).")
        var threads: Int?

        @Option(help: "Samples per inference.")
        var batch: Int?

        @Option(help: "Identity compared by check (default: the model spec); set it to compare model variants on purpose.")
        var modelKey: String?

        @Option(help: "Stability tolerance between the last three window medians, percent.")
        var tolerancePercent: Double = 10

        func validate() throws {
            guard (10...1_000_000).contains(iterations) else {
                throw ValidationError("--iterations must be 10 to 1000000, got \(iterations)")
            }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1 to 256, got \(threads)") }
            if let batch, !(1...4096).contains(batch) { throw ValidationError("--batch must be 1 to 4096, got \(batch)") }
        }

        func run() throws {
            let lower = subject.lowercased()
            let isWorkload = lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json")
            var workload: Workload?
            let spec: String
            if isWorkload {
                let w = try Workload.load(path: subject)
                workload = w
                spec = w.model
            } else {
                spec = subject
            }
            let n = batch ?? workload?.batch ?? 1
            let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
            var given = workload?.modelInputShapes ?? InputShapes()
            for (name, dims) in try shapes.shapes().byName { given.byName[name] = dims }
            if let dims = try shapes.shapes().unnamed { given.unnamed = dims }
            let graph = try ModelSource.load(spec, inputShapes: given).weighted()
            let executor = try CPUExecutor(graph: graph, batch: n, threads: threadCount)
            var bench = LatencyBench()
            bench.maxIterations = iterations
            bench.minIterations = min(30, iterations)
            bench.tolerance = tolerancePercent / 100
            let run = bench.run(executor)
            BLAS.setThreads(threadCount)
            let gflops = SgemmPeak.measure(n: 1536, repetitions: 3)
            let bandwidth = HostCalibration.memoryBandwidth()
            var simulated: [String: [String: Double]]?
            if let w = workload {
                let study = try Study.prepare(w, cacheDirectory: ServiceTimeModel.defaultCacheDirectory)
                var s: [String: [String: Double]] = [:]
                for r in try study.simulate() { if let l = r.latencyMs { s[r.target.rawValue] = ["p50": l.p50, "p99": l.p99] } }
                simulated = s
            }
            let formatter = ISO8601DateFormatter()
            let result = BenchmarkResult(
                modelKey: modelKey ?? graph.name, model: graph.name, batch: n, threads: threadCount, samplesMs: run.samplesMs,
                stopReason: run.stopReason, warmup: bench.warmup, windows: run.windows,
                calibration: .init(sgemmGflops: gflops, memoryGBps: bandwidth),
                environment: .init(
                    cpuModel: HostCalibration.cpuModelName(), cores: ProcessInfo.processInfo.activeProcessorCount,
                    openblas: BLAS.configuration,
                    toolVersion: DeployAdvisor.version, gitCommit: LatencyBench.gitCommit(), date: formatter.string(from: Date())),
                simulated: simulated)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do {
                try encoder.encode(result).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw EnvironmentFailure("\(output): cannot write the result: \(error.localizedDescription)")
            }
            print(
                String(
                    format: "%@: median %.3f ms over %d runs (%@); sgemm %.1f GFLOP/s, copy %.1f GB/s → %@", graph.name, result.medianMs,
                    run.samplesMs.count, run.stopReason, gflops, bandwidth, output))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Statistical latency regression check (exit 0 pass, 1 regression, 2 bad input).")

        @Option(help: "The baseline bench result.") var baseline: String
        @Option(help: "The current bench result.") var current: String
        @Option(help: "Practical threshold, e.g. 5%.") var threshold: String = "5%"
        @Option(help: "Significance level of the one-sided Mann–Whitney test.") var alpha: Double = 0.01
        @Flag(help: "Compare latency × the run's sgemm GFLOP/s (portable across machines of one architecture).") var normalize = false
        @Option(help: "Write JUnit XML here.") var junit: String?
        @Option(help: "Write a Markdown summary here.") var markdown: String?
        @OptionGroup var output: FormatOption

        func run() throws {
            guard let t = Double(threshold.replacingOccurrences(of: "%", with: "")), t >= 0, t < 1000 else {
                throw ValidationError("--threshold must be a percentage such as 5%, got '\(threshold)'")
            }
            guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be in (0, 1), got \(alpha)") }
            let b = try BenchmarkResult.load(path: baseline)
            let c = try BenchmarkResult.load(path: current)
            let report = try RegressionCheck.compare(baseline: b, current: c, thresholdPercent: t, alpha: alpha, normalize: normalize)
            if let junit { try RegressionCheck.junit(report).write(toFile: junit, atomically: true, encoding: .utf8) }
            if let markdown { try RegressionCheck.markdown(report).write(toFile: markdown, atomically: true, encoding: .utf8) }
            if output.format == .json {
                try printJSON(report)
            } else {
                print(
                    Show.grid(
                        ["metric", "baseline", "current", "change", "95% CI", "p", "result"],
                        report.metrics.map { m in
                            [
                                m.name, String(format: "%.4g", m.baselineMedian), String(format: "%.4g", m.currentMedian),
                                String(format: "%+.1f%%", (m.ratio - 1) * 100),
                                m.ratioCI95.map { String(format: "%+.1f%%…%+.1f%%", ($0[0] - 1) * 100, ($0[1] - 1) * 100) } ?? "—",
                                m.pValue.map { String(format: "%.2g", $0) } ?? "—", m.status.rawValue,
                            ]
                        }, left: [0, 6]))
                for m in report.metrics { print("\(m.name): \(m.explanation)") }
                for w in report.warnings { warn("warning: \(w)") }
                print(report.regressed ? "REGRESSION" : "pass")
            }
            if report.regressed { throw ExitCode(1) }
        }
    }
}
