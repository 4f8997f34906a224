import Advisor
import ArgumentParser
import Foundation
import Inference
import Simulation
import Targets

extension DeployAdvisor {
    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deploy the model to each target's simulator and run the workload's load through it.")

        @OptionGroup var workloadOptions: WorkloadOptions
        @OptionGroup var targetOptions: TargetOptions

        @Option(help: "The target to simulate, or all.")
        var target: TargetChoice = .all

        @Flag(help: "Include timelines and CDF points in JSON.")
        var detail = false

        @OptionGroup var output: FormatOption

        struct Report: Encodable {
            /// 2: typed target ids, numeric configuration values, every key present (null when absent).
            var schemaVersion = 2
            var workload: Workload
            var model: String
            var hostCalibration: HostCalibration
            var targets: [TargetResult]
        }

        func run() throws {
            let progress = Progress()
            let study = try Study.prepare(workloadOptions, targets: targetOptions, quick: false, progress: progress)
            let workload = study.workload
            var results = try study.simulate(target.kinds, progress: progress.step)
            progress.finish()
            if !detail {
                for i in results.indices {
                    results[i].timeline = nil
                    results[i].cdf = []
                }
            }
            if output.format == .json {
                try printJSON(
                    Report(workload: workload, model: study.model.name, hostCalibration: study.calibration.host, targets: results)
                )
                return
            }
            print(
                String(
                    format: "%@: %@, batch %d, %@ at %.4g requests/s for %.0f s (seed %llu)", workload.name, study.model.name,
                    workload.batch,
                    workload.load.pattern.rawValue, try study.traffic.offeredRps, workload.load.durationSeconds, workload.seed))
            print(TargetTable.render(results, sloMs: workload.effectiveP99Ms))
            for r in results {
                if !r.serviceScaling.isEmpty { print("\n\(r.target.rawValue): \(r.serviceScaling)") }
                for n in r.notes { print("  note: \(n)") }
                if let f = r.forwarding {
                    print(
                        "  store-and-forward: \(f.delivered) delivered (\(f.delayed) after an outage), \(f.dropped) dropped (TTL), \(f.pending) still stored"
                    )
                }
            }
        }
    }
}

/// The comparison table shared by simulate and report.
enum TargetTable {
    static func render(_ results: [TargetResult], sloMs: Double?) -> String {
        func ms(_ x: Double?) -> String { x.map { $0 >= 100 ? String(format: "%.0f", $0) : String(format: "%.2f", $0) } ?? "—" }
        return Show.grid(
            ["target", "p50 ms", "p95 ms", "p99 ms", "SLO", "success", "rps", "replicas", "$/month", "$/M req", "deploy min"],
            results.map { r in
                guard r.deployable else {
                    return [
                        r.target.rawValue, "—", "—", "—", "no", "—", "—", "—", String(format: "%.0f", r.costPerMonthUSD), "—",
                        String(format: "%.1f", r.deployMinutes),
                    ]
                }
                let met = sloMs.map { slo in (r.latencyMs?.p99 ?? .infinity) <= slo && r.successRate >= 0.999 ? "yes" : "no" } ?? "—"
                return [
                    r.target.rawValue, ms(r.latencyMs?.p50), ms(r.latencyMs?.p95), ms(r.latencyMs?.p99), met,
                    String(format: "%.2f%%", 100 * r.successRate), String(format: "%.1f", r.throughputRps),
                    r.replicas.min == r.replicas.max ? "\(r.replicas.max)" : "\(r.replicas.min)–\(r.replicas.max)",
                    String(format: "%.0f%@", r.costPerMonthUSD, r.costIsEstimate ? "*" : ""),
                    r.costPerMillionUSD.map { String(format: "%.2f", $0) } ?? "—", String(format: "%.1f", r.deployMinutes),
                ]
            })
    }
}

/// Progress lines on a terminal (stderr), silent otherwise.
final class Progress: @unchecked Sendable {
    let enabled = isatty(STDERR_FILENO) == 1
    var started = Date()
    var last = ""

    func step(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)…".utf8))
        last = text
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
