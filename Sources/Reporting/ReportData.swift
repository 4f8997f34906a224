import Advisor
import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// Everything a report shows, in one value (written as `results.json`).
public struct ReportData: Sendable, Codable {
    /// 2: typed target ids, numeric configuration values, the model's source, `fpga.randomWeights`.
    public var schemaVersion = 2
    public var title: String
    public var generatedBy: String
    public var workload: Workload
    public var model: ModelSummary
    public var recommendation: Recommendation
    /// Each target simulated under the workload's traffic with its planned configuration.
    public var targets: [TargetResult]
    public var plans: [TargetPlan]
    public var curve: [CurvePoint]
    public var fpga: Study.FPGAEvaluation
    public var assumptions: Assumptions
    public var reproducibility: Reproducibility
    /// Measured here with `load` (optional "measured here" series).
    public var measured: MeasuredSeries?

    public struct ModelSummary: Sendable, Codable {
        public var name: String
        /// A built-in architecture or an ONNX file (with its SHA-256).
        public var source: ModelSource.Origin
        public var parameters: Int
        public var flops: Int
        public var weightBytes: Int
        public var activationBytes: Int
        public var inputShape: [Int]
        /// Whether the weights are a built-in model's seeded random ones.
        public var randomWeights: Bool
    }

    public struct Assumptions: Sendable, Codable {
        public var hardware: [HardwareProfile]
        public var pricing: Pricing
        public var network: String
        public var deployTime: String
        public var serviceTimeModel: String
    }

    public struct Reproducibility: Sendable, Codable {
        public var seed: UInt64
        public var toolVersion: String
        public var host: HostCalibration
        public var calibration: [StepMeasurement]
        public var calibrationMedianMs1: Double
        public var calibrationMedianMsAll: Double
        public var command: String
    }

    /// A `deploy-advisor load --format json` result: latencies measured here against a real
    /// endpoint (e.g. `deploy-advisor serve`), shown beside the simulated targets.
    public struct MeasuredSeries: Sendable, Codable {
        public var label: String
        public var url: String
        public var scheduledRps: Double
        public var achievedRps: Double
        public var latencyMs: [String: Double]
        public var statusCounts: [String: Int]

        /// Reads a `load --format json` file.
        public static func load(path: String) throws -> MeasuredSeries {
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
