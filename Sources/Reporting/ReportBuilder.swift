import Advisor
import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// Turns a study's evaluation into what a report shows (no measuring, planning or simulating
/// here: ``Study/evaluate(progress:)`` did that).
package enum ReportBuilder {
    /// - Parameter command: the command line that produced the report, for the reproducibility section.
    package static func build(_ evaluation: Study.Evaluation, command: String) throws -> ReportData {
        let study = evaluation.study
        let workload = study.workload
        let profile = study.profile
        let calibration = study.calibration
        let configurations = study.configurations
        let traffic = try study.traffic
        let hardware = [
            HardwareProfile.aciHost, try HardwareProfile.named(configurations.aks.nodeSize),
            try HardwareProfile.named(configurations.edge.device), .pb6s,
        ]
        return ReportData(
            title: workload.name, generatedBy: "deploy-advisor \(Study.toolVersion)", workload: workload,
            model: .init(
                name: study.model.name, source: study.model.origin, parameters: profile.parameters, flops: profile.flops,
                weightBytes: profile.weightBytes, activationBytes: profile.activationBytes, inputShape: profile.inputShape,
                randomWeights: study.model.weightsAreRandom),
            recommendation: evaluation.recommendation, targets: evaluation.results, plans: evaluation.plans, curve: evaluation.curve,
            sensitivity: evaluation.sensitivity, loadCurve: evaluation.loadCurve, fpga: evaluation.fpga,
            assumptions: .init(
                hardware: hardware, pricing: study.pricing,
                network: String(
                    format:
                        "client ↔ cloud: RTT %.4g ms, uplink %.4g Mbit/s, %d-byte requests and %d-byte responses (lognormal jitter, CV %.2g); edge devices score locally",
                    workload.rttMs, workload.uplinkMbps, traffic.payloadBytes, traffic.responseBytes,
                    traffic.networkJitterCV),
                deployTime: DeployTimeModel.assumptions,
                serviceTimeModel:
                    "per-layer roofline from the measurement here to each target's attainable GFLOP/s and memory bandwidth; parallel efficiency measured here; CPU limits below one core enforced as CFS quotas (100 ms period); FPGA latency from the NPU cycle model"
            ),
            reproducibility: .init(
                seed: workload.seed, toolVersion: Study.toolVersion, host: calibration.host, calibration: calibration.steps,
                calibrationMedianMs1: calibration.median1 * 1000, calibrationMedianMsAll: calibration.medianAll * 1000, command: command),
            measured: nil)
    }
}
