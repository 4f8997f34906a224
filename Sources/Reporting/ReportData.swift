import Advisor
import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// Everything a report shows, in one value (written as `results.json`).
package struct ReportData: Sendable, Codable {
    /// 2: typed target ids, numeric configuration values, the model's source, `fpga.randomWeights`.
    package var schemaVersion = 2
    package var title: String
    package var generatedBy: String
    package var workload: Workload
    package var model: ModelSummary
    package var recommendation: Recommendation
    /// Each target simulated under the workload's traffic with its planned configuration.
    package var targets: [TargetResult]
    package var plans: [TargetPlan]
    package var curve: [CurvePoint]
    /// What would change the answer, nearest first.
    package var sensitivity: [Sensitivity]
    /// The recommended plan against load, and its p99 spread over seeds.
    package var loadCurve: LoadCurve?
    package var fpga: Study.FPGAEvaluation
    package var assumptions: Assumptions
    package var reproducibility: Reproducibility
    /// Measured here with `load` (optional "measured here" series).
    package var measured: MeasuredSeries?
    /// Predicted versus measured on this machine (`report --validate`).
    package var validation: LocalValidation.Report?

    package struct ModelSummary: Sendable, Codable {
        package var name: String
        /// A built-in architecture or an ONNX file (with its SHA-256).
        package var source: ModelSource.Origin
        package var parameters: Int
        package var flops: Int
        package var weightBytes: Int
        package var activationBytes: Int
        package var inputShape: [Int]
        /// Whether the weights are a built-in model's seeded random ones.
        package var randomWeights: Bool
    }

    package struct Assumptions: Sendable, Codable {
        package var hardware: [HardwareProfile]
        package var pricing: Pricing
        package var network: String
        package var deployTime: String
        package var serviceTimeModel: String
    }

    package struct Reproducibility: Sendable, Codable {
        package var seed: UInt64
        package var toolVersion: String
        package var host: HostCalibration
        package var calibration: [StepMeasurement]
        package var calibrationMedianMs1: Double
        package var calibrationMedianMsAll: Double
        package var command: String
    }

    /// A `deploy-advisor load --format json` result: latencies measured here against a real
    /// endpoint (e.g. `deploy-advisor serve`), shown beside the simulated targets.
    package struct MeasuredSeries: Sendable, Codable {
        package var label: String
        package var url: String
        package var scheduledRps: Double
        package var achievedRps: Double
        package var latencyMs: [String: Double]
        package var statusCounts: [String: Int]

        /// Reads a `load --format json` file.
        package static func load(path: String) throws -> MeasuredSeries {
            struct LoadResult: Decodable {
                var url: String
                var scheduledRps: Double
                var achievedRps: Double
                var latencyMs: [String: Double]
                var statusCounts: [String: Int]
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CocoaError(
                    .fileReadNoSuchFile,
                    userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "\(path): cannot read the measured results"])
            }
            do {
                let r = try JSONDecoder().decode(LoadResult.self, from: data)
                return MeasuredSeries(
                    label: "measured here (\(r.url))", url: r.url, scheduledRps: r.scheduledRps, achievedRps: r.achievedRps,
                    latencyMs: r.latencyMs, statusCounts: r.statusCounts)
            } catch {
                throw CocoaError(
                    .fileReadCorruptFile,
                    userInfo: [
                        NSFilePathErrorKey: path,
                        NSLocalizedDescriptionKey: "\(path): not a `deploy-advisor load --format json` result: \(error)",
                    ])
            }
        }
    }
}
