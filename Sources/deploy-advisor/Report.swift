import Advisor
import ArgumentParser
import Foundation
import Reporting
import Targets

extension DeployAdvisor {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the report: index.html (self-contained, plots inline), summary.md, results.json and CSV.")

        @OptionGroup var workloadOptions: WorkloadOptions
        @OptionGroup var targetOptions: TargetOptions

        @Option(help: "The report directory (created if needed; other files in it are kept).")
        var out: String

        @Option(help: "A `deploy-advisor load --format json` result to show as a \"measured here\" series.")
        var measured: String?

        func run() throws {
            let workload = try workloadOptions.resolve()
            let progress = Progress()
            let started = Date()
            let command = (["deploy-advisor"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            let cache = targetOptions.noCache ? nil : (targetOptions.cacheDir ?? ServiceTimeModel.defaultCacheDirectory)
            let measuredSeries = try measured.map { try ReportData.MeasuredSeries.load(path: $0) }
            var data = try ReportBuilder.build(
                workload: workload, configurations: try targetOptions.configurations(), pricing: try targetOptions.loadPricing(),
                cacheDirectory: cache, command: command, progress: progress.step)
            data.measured = measuredSeries
            progress.step("rendering plots and writing \(out)")
            let outcome = try ReportWriter.write(data, to: out)
            progress.finish()
            if let w = outcome.plotWarning { warn("warning: \(w)") }
            let rec = data.recommendation
            print(rec.recommendation.map { "Recommendation: \($0) — \(TargetKind(rawValue: $0)!.displayName)" } ?? "Recommendation: none")
            print(rec.summary)
            print(
                String(
                    format: "wrote %@/index.html (+ %@) in %.1f s", out,
                    outcome.files.filter { $0 != "index.html" }.joined(separator: ", "), Date().timeIntervalSince(started)))
        }
    }
}
