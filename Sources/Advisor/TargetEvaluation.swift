import Foundation
import Inference
import Simulation
import Targets

/// Everything measured and simulated for one workload: the model, its calibration here and
/// each target's simulated deployment.
public struct TargetEvaluation: Sendable {
    public var workload: Workload
    public var graph: ModelGraph
    public var profile: ModelProfile
    public var calibration: ModelCalibration
    public var traffic: TrafficSpec
    public var configurations: TargetConfigurations
    public var pricing: Pricing
    public var results: [TargetResult]

    /// The tool's version (in cache keys and reports).
    public static let toolVersion = "0.1.0"

    /// The model with the weights every calibration uses (seeded, seed 1) and its measurement
    /// here, cached under the model, batch and tool version. Every command that measures a
    /// model goes through this, so one cache key always means the same measurement.
    public static func measure(
        _ architecture: ModelGraph, batch: Int, cacheDirectory: String?
    ) throws -> (weighted: ModelGraph, calibration: ModelCalibration) {
        let weighted = try architecture.withRandomWeights(seed: 1)
        let calibration = try ServiceTimeModel.calibrate(
            weighted, modelKey: architecture.name, batch: batch, cacheDirectory: cacheDirectory, toolVersion: toolVersion)
        return (weighted, calibration)
    }

    /// A measurement ``measure(_:batch:cacheDirectory:)`` cached earlier, without measuring.
    public static func cachedCalibration(_ architecture: ModelGraph, batch: Int, cacheDirectory: String) -> ModelCalibration? {
        ModelCalibration.cached(modelKey: architecture.name, batch: batch, cacheDirectory: cacheDirectory, toolVersion: toolVersion)
    }

    /// Loads the model, calibrates it here (cached), and runs `targets`.
    ///
    /// - Parameters:
    ///   - cacheDirectory: calibration cache; nil measures every time.
    ///   - progress: called with a short description before each long phase.
    public static func run(
        _ workload: Workload, targets: [TargetKind] = TargetKind.allCases, configurations: TargetConfigurations = .init(),
        pricing: Pricing = .defaults, cacheDirectory: String?, progress: (String) -> Void = { _ in }
    ) throws -> TargetEvaluation {
        let architecture = try ModelZoo.graph(workload.model)
        progress("calibrating \(architecture.name) (batch \(workload.batch)) on this machine")
        let (graph, calibration) = try measure(architecture, batch: workload.batch, cacheDirectory: cacheDirectory)
        let profile = try graph.profile()
        let traffic = try workload.traffic(inputShape: graph.inputShape, edge: configurations.edge)
        let simulator = TargetSimulator(
            graph: graph, modelName: graph.name, batch: workload.batch, calibration: calibration, traffic: traffic,
            configurations: configurations, pricing: pricing, existingCluster: workload.existingCluster)
        var results: [TargetResult] = []
        for t in targets {
            progress("simulating \(t.rawValue)")
            results.append(try simulator.run(t))
        }
        return TargetEvaluation(
            workload: workload, graph: graph, profile: profile, calibration: calibration, traffic: traffic,
            configurations: configurations, pricing: pricing, results: results)
    }
}
