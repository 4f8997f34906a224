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
        let graph = try architecture.withRandomWeights(seed: 1)
        let profile = try graph.profile()
        progress("calibrating \(graph.name) (batch \(workload.batch)) on this machine")
        let calibration = try ServiceTimeModel.calibrate(
            graph, modelKey: graph.name, batch: workload.batch, cacheDirectory: cacheDirectory, toolVersion: toolVersion)
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
