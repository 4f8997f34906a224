import Advisor
import ArgumentParser
import Foundation
import Inference
import Reporting
import Targets

extension DeployAdvisor {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the report: index.html (self-contained, plots inline), summary.md, results.json and CSV.")

        @OptionGroup var workloadOptions: WorkloadOptions
        @OptionGroup var targetOptions: TargetOptions
        @OptionGroup var manifestOptions: ManifestOptions

        @Option(help: "The report directory (created if needed; other files in it are kept).")
        var out: String

        @Option(help: "A `deploy-advisor load --format json` result to show as a \"measured here\" series.")
        var measured: String?

        @Flag(help: "Also serve the model here and compare the local target's prediction with the measurement (see `validate`).")
        var validate = false
        @Option(name: .customLong("validate-levels"), help: "With --validate: load levels, fractions of the predicted capacity.")
        var validateLevels = "0.3,0.6,0.85"
        @Option(name: .customLong("validate-duration-s"), help: "With --validate: seconds of measured load per level.")
        var validateDurationS = 20.0

        func run() async throws {
            guard !out.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--out must name a directory") }
            let workload = try workloadOptions.resolve()
            let progress = Progress()
            let started = Date()
            let command = (["deploy-advisor"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
            let measuredSeries = try measured.map { try ReportData.MeasuredSeries.load(path: $0) }
            let study = try Study.prepare(
                workload, configurations: try targetOptions.configurations(), pricing: try targetOptions.loadPricing(),
                cacheDirectory: targetOptions.cacheDirectory, progress: progress.step)
            var data = try ReportBuilder.build(try study.evaluate(progress: progress.step), command: command)
            data.measured = measuredSeries
            if validate {
                progress.step("validating the local target: serving \(study.model.name) here")
                data.validation = try await Validate.perform(
                    study.model, levels: try LocalValidation.levels(validateLevels), durationSeconds: validateDurationS,
                    seed: workload.seed, cacheDirectory: targetOptions.cacheDirectory)
            }
            progress.step("rendering plots and writing \(out)")
            let outcome: ReportWriter.Outcome
            do {
                let refs = try manifestOptions.references(workload, model: study.model)
                outcome = try ReportWriter.write(
                    data, to: out, manifests: try DeploymentManifests.files(data.recommendation.deployable(data.plans), references: refs))
            } catch let error as CocoaError {
                let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
                let posix = underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? $0.code : nil }
                let detail = posix.map { String(cString: strerror(Int32($0))) } ?? error.localizedDescription
                throw EnvironmentFailure("\(out): cannot write the report (\(detail)); nothing was changed there")
            }
            progress.finish()
            if let w = outcome.plotWarning { warn("warning: \(w)") }
            let rec = data.recommendation
            print(rec.recommendation.map { "Recommendation: \($0.rawValue) — \($0.displayName)" } ?? "Recommendation: none")
            print(rec.summary)
            print(
                String(
                    format: "wrote %@/index.html (+ %@) in %.1f s", out,
                    outcome.files.filter { $0 != "index.html" }.joined(separator: ", "), Date().timeIntervalSince(started)))
        }
    }
}
