import FPGAEmulation
import Foundation
import Inference
import Simulation

/// The DNNs Azure offered on FPGAs (Project Brainwave), by zoo name: the document's list.
package enum FPGAOffer {
    package static let models = ["resnet50", "resnet152", "densenet121", "vgg16", "ssd-vgg"]
}

/// FPGA (Project Brainwave): Standard_PB6s VMs whose NPU serves the featurizer at batch 1;
/// the document's target for extremely low latency on the common DNNs.
package struct FPGATarget: DeploymentTarget {
    package var kind: TargetKind { .fpga }
    package var displayName: String { "FPGA (Project Brainwave)" }
    package var deploymentPath: DeploymentPath { .fpgaAccelModels }
    /// The VM size with the FPGA.
    static let vmSize = HardwareProfile.pb6s

    package func deployPhases(_ context: TargetContext) -> [String: Double] {
        var p = DeployTimeModel.common(modelGB: Double(context.profile.weightBytes) / 1e9, pullGBps: DeployTimeModel.cloudPullGBps)
        p["fpgaProvision"] = DeployTimeModel.fpgaProvisionMinutes
        p["modelConversion"] = DeployTimeModel.fpgaConversionMinutes
        return p
    }

    package func cost(_ settings: TargetConfigurations, _ context: TargetContext) -> TargetCost {
        TargetCost(
            perHourUSD: Double(settings.fpga.fpgas) * context.pricing.fpgaVmHour.usd, isEstimate: context.pricing.fpgaVmHour.estimate)
    }

    package func parameters(_ settings: TargetConfigurations, _ context: TargetContext) throws -> [String: ConfigValue] {
        let s = try serviceTime(settings, context)
        return [
            "preset": .text(s.preset.name), "fpgas": .integer(settings.fpga.fpgas), "number_format": .text(s.format.name),
            "vm_size": .text(Self.vmSize.id),
        ]
    }

    package func summary(_ settings: TargetConfigurations, _ context: TargetContext) -> String {
        "\(settings.fpga.fpgas) × \(Self.vmSize.id) (\(settings.fpga.preset)\(settings.fpga.numberFormat.map { ", \($0)" } ?? ""))"
    }

    /// The FPGA's service time per request and how it is made up.
    package struct ServiceBreakdown: Sendable {
        package var preset: NPUConfiguration
        package var format: NumberFormat
        package var estimate: NPUEstimate
        /// The host CPU's share (layers after the featurizer), ms.
        package var hostMs: Double
        /// NPU + host + transfer, seconds.
        package var serviceSeconds: Double
    }

    /// NPU latency from the cycle model, plus the layers after the featurizer on the FPGA
    /// VM's CPU (their share of the measured time, scaled to the VM), plus the transfer overhead.
    package func serviceTime(_ settings: TargetConfigurations, _ context: TargetContext) throws -> ServiceBreakdown {
        let c = settings.fpga
        let npu = try NPUConfiguration.named(c.preset)
        let format = try NumberFormat.named(c.numberFormat ?? npu.defaultFormat).native(to: npu)
        let e = try NPUCycleModel.estimate(context.graph, preset: npu, format: format, batch: context.batch)
        let hostShare = context.profile.flops > 0 ? Double(e.hostFlops) / Double(context.profile.flops) : 0
        let hostMs = ServiceTimeModel.scale(context.calibration, to: Self.vmSize, cores: 1).meanSeconds * hostShare * 1000
        return ServiceBreakdown(
            preset: npu, format: format, estimate: e, hostMs: hostMs, serviceSeconds: (e.latencyMs + hostMs + c.transferOverheadMs) / 1000)
    }

    package func deployment(_ settings: TargetConfigurations, _ context: TargetContext, traffic: TrafficSpec) throws -> Deployment {
        let c = settings.fpga
        let s = try serviceTime(settings, context)
        var d = Deployment(parameters: try parameters(settings, context), cost: cost(settings, context))
        if !context.fpgaOffered {
            d.notes.append(
                "\(context.modelName) is not one of the DNNs Azure offered on FPGAs (\(FPGAOffer.models.joined(separator: ", "))): deploying it needs custom NPU work; latency below is the emulator's estimate"
            )
        }
        let e = s.estimate
        if !e.fitsOnChip {
            d.notes.append(
                String(
                    format:
                        "weights (%.1f MB in %@) exceed the FPGA's on-chip memory; %d FPGAs would pin them, on one FPGA streaming adds %.2f ms",
                    Double(e.weightBytes) / 1e6, s.format.name, e.fpgasNeeded, e.weightStreamingMs))
        }
        d.scaling = String(
            format: "NPU cycle model (%@, %@): %.3f ms; host layers on %@: %.3f ms; transfer %.2f ms", s.preset.name, s.format.name,
            e.latencyMs, Self.vmSize.id, s.hostMs, c.transferOverheadMs)
        var sim = ServingSimulation(traffic: traffic, service: .deterministic(s.serviceSeconds), replicas: c.fpgas)
        sim.timeoutSeconds = 60
        d.simulation = sim
        return d
    }

    package func candidates(_ context: TargetContext, rate: Double) throws -> [CandidateFamily] {
        let base = context.base
        let seconds = try serviceTime(context.base, context).serviceSeconds
        let st = ServiceTime(meanSeconds: seconds, samples: [seconds], scaling: "", steps: [])
        return [
            CandidateFamily(service: st, servers: 1...context.policy.maxFPGAs, series: "fpga", size: 1) { n in
                var s = base
                s.fpga.fpgas = n
                return s
            }
        ]
    }

    package func infeasibility(_ context: TargetContext, rate: Double, sloMs: Double, networkMs: Double, closestP99Ms: Double?)
        -> Infeasibility
    {
        .latency(sloMs: sloMs, networkMs: networkMs, closestP99Ms: closestP99Ms)
    }

    package func larger(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        var s = settings
        s.fpga.fpgas += 1
        return s
    }

    /// The FPGA counts for the document's "extremely low latency" only when the SLO needs it:
    /// no CPU target meets it, or they meet it only at a higher cost. Being one of the offered
    /// DNNs is a prerequisite, not a reason to prefer it; dev/test counts against a dedicated FPGA VM.
    package func rules(_ r: Requirements, plan: TargetPlan, alternatives: Alternatives, policy: DecisionPolicy) -> [Reason] {
        var reasons: [Reason] = []
        if r.fpgaOffered {
            reasons.append(Reason(.supportedDNN, .info, evidence: "model: \(r.modelName)", text: "offered on Azure FPGAs"))
        } else {
            reasons.append(
                Reason(
                    .supportedDNN, .blocks, evidence: "model: \(r.modelName)",
                    text:
                        "\(r.modelName) is not one of the DNNs offered on Azure FPGAs (\(FPGAOffer.models.joined(separator: ", "))); it would need custom NPU work"
                ))
        }
        if let note = r.fpgaFormatNote, plan.feasible {
            reasons.append(Reason(.accuracyFloor, .info, evidence: note, text: "its number format keeps the accuracy floor"))
        }
        if plan.feasible, let p = plan.p99Ms {
            if let cpu = alternatives.cheapestCPU, let cpuUSD = alternatives.cheapestCPUUSD {
                if cpuUSD > plan.costPerMonthUSD {
                    reasons.append(
                        Reason(
                            .ultraLowLatency, .favors,
                            evidence: String(
                                format:
                                    "p99 %.2f ms at %@/month; the cheapest CPU target meeting the SLO of %.4g ms, %@, costs %@",
                                p, Grouped.usd(plan.costPerMonthUSD), r.sloMs, cpu.rawValue, Grouped.usd(cpuUSD)),
                            text: "the SLO needs the FPGA's latency to be met at the lowest cost"))
                } else {
                    reasons.append(
                        Reason(
                            .ultraLowLatency, .against,
                            evidence: String(format: "%@ meets the SLO of %.4g ms at %@/month", cpu.rawValue, r.sloMs, Grouped.usd(cpuUSD)),
                            text: "the SLO does not need an FPGA: a CPU target meets it for less"))
                }
            } else {
                reasons.append(
                    Reason(
                        .ultraLowLatency, .favors,
                        evidence: String(format: "p99 %.2f ms; no CPU target meets the SLO of %.4g ms", p, r.sloMs),
                        text: "extremely low latency for real-time inference: only the FPGA meets the SLO"))
            }
        }
        if r.environment == .devTest {
            reasons.append(
                Reason(
                    .devTest, .against, evidence: "environment: dev-test",
                    text: "a dedicated FPGA VM is more than a dev/test deployment needs"))
        }
        return reasons
    }
}
