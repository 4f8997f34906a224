import Advisor
import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// Everything a report shows, in one value (written as `results.json`).
public struct ReportData: Sendable, Codable {
    public var schemaVersion = 1
    public var title: String
    public var generatedBy: String
    public var workload: Workload
    public var model: ModelSummary
    public var recommendation: Recommendation
    /// Each target simulated under the workload's traffic with its planned configuration.
    public var targets: [TargetResult]
    public var plans: [TargetPlan]
    public var curve: [CurvePoint]
    public var fpga: FPGASection
    public var assumptions: Assumptions
    public var reproducibility: Reproducibility
    /// Measured here with `load` (optional "measured here" series).
    public var measured: MeasuredSeries?

    public struct ModelSummary: Sendable, Codable {
        public var name: String
        public var parameters: Int
        public var flops: Int
        public var weightBytes: Int
        public var activationBytes: Int
        public var inputShape: [Int]
    }

    public struct FPGASection: Sendable, Codable {
        public var preset: NPUConfiguration
        public var format: String
        public var estimate: NPUEstimate
        public var accuracy: [EmulationAccuracy]
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

    public struct MeasuredSeries: Sendable, Codable {
        public var label: String
        public var rps: Double
        public var latencyMs: [String: Double]
    }
}
