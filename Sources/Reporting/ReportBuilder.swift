import Advisor
import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// Measures, plans, recommends and simulates everything a report needs.
public enum ReportBuilder {
    /// - Parameters:
    ///   - progress: called before each long phase (calibration, planning, each target, FPGA).
    public static func build(
        workload: Workload, configurations: TargetConfigurations, pricing: Pricing, cacheDirectory: String?, command: String,
        progress: (String) -> Void = { _ in }
    ) throws -> ReportData {
        let architecture = try ModelZoo.graph(workload.model)
        let profile = try architecture.profile()
        progress("calibrating \(architecture.name) on this machine")
        let (weighted, calibration) = try TargetEvaluation.measure(architecture, batch: workload.batch, cacheDirectory: cacheDirectory)
        let planner = CapacityPlanner(
            workload: workload, graph: architecture, calibration: calibration, pricing: pricing, base: configurations)
        progress("planning capacity")
        let plans = try planner.plan(verify: true)
        let payload = workload.resolvedPayloadBytes(inputShape: architecture.inputShape)
        let recommendation = Recommender(
            workload: workload, plans: plans, modelName: architecture.name, networkMs: planner.requestNetworkMs
        ).recommend()
        progress("computing the cost curve")
        let curve = try planner.curve()
        var results: [TargetResult] = []
        let traffic = try workload.traffic(inputShape: architecture.inputShape, edge: configurations.edge)
        for plan in plans {
            guard let kind = TargetKind(rawValue: plan.target) else { continue }
            progress("simulating \(kind.rawValue)")
            let settings = plan.feasible ? plan.settings : configurations
            let sim = TargetSimulator(
                graph: architecture, modelName: architecture.name, batch: workload.batch, calibration: calibration, traffic: traffic,
                configurations: settings, pricing: pricing, existingCluster: workload.existingCluster)
            results.append(try sim.run(kind))
        }
        progress("emulating the FPGA")
        let npu = try NPUConfiguration.named(configurations.fpga.preset)
        var format = try NumberFormat.named(configurations.fpga.numberFormat ?? npu.defaultFormat)
        if format.name.hasPrefix("ms-fp") { format = format.withBlockSize(npu.nativeDimension) }
        let estimate = try NPUCycleModel.estimate(architecture, preset: npu, format: format, batch: workload.batch)
        var accuracy: [EmulationAccuracy] = []
        for name in ["bf16", "msfp16", "mxfp8-e4m3", "msfp12", "ms-fp9", "ms-fp8", "mxfp4-e2m1"] {
            var f = try NumberFormat.named(name)
            if f.name.hasPrefix("ms-fp") { f = f.withBlockSize(npu.nativeDimension) }
            accuracy.append(try EmulationAccuracy.measure(weighted, format: f, samples: 2, seed: workload.seed))
        }
        let hardware = [
            HardwareProfile.aciHost, try HardwareProfile.named(configurations.aks.nodeSize),
            try HardwareProfile.named(configurations.edge.device), .pb6s,
        ]
        return ReportData(
            title: workload.name, generatedBy: "deploy-advisor \(TargetEvaluation.toolVersion)", workload: workload,
            model: .init(
                name: architecture.name, parameters: profile.parameters, flops: profile.flops, weightBytes: profile.weightBytes,
                activationBytes: profile.activationBytes, inputShape: profile.inputShape),
            recommendation: recommendation, targets: results, plans: plans, curve: curve,
            fpga: .init(preset: npu, format: format.name, estimate: estimate, accuracy: accuracy),
            assumptions: .init(
                hardware: hardware, pricing: pricing,
                network: String(
                    format:
                        "client ↔ cloud: RTT %.4g ms, uplink %.4g Mbit/s, %d-byte requests (lognormal jitter, CV 0.1); edge devices score locally",
                    workload.network.rttMs, workload.network.uplinkMbps, payload),
                deployTime:
                    "image build 2.5 min; image pull at 100 MB/s (cloud) or the site link (edge); container start 20 s; model load at 200 MB/s + 10 s; AKS cluster 20 min unless one exists; FPGA VM provisioning 8 min + model conversion 4 min",
                serviceTimeModel:
                    "per-layer roofline from the measurement here to each target's attainable GFLOP/s and memory bandwidth; parallel efficiency measured here; CPU limits below one core enforced as CFS quotas (100 ms period); FPGA latency from the NPU cycle model"
            ),
            reproducibility: .init(
                seed: workload.seed, toolVersion: TargetEvaluation.toolVersion, host: calibration.host, calibration: calibration.steps,
                calibrationMedianMs1: calibration.median1 * 1000, calibrationMedianMsAll: calibration.medianAll * 1000, command: command),
            measured: nil)
    }
}
