import Foundation
import Inference
import Simulation

/// Azure IoT Edge: the model runs on devices at the site, results are stored and forwarded
/// to IoT Hub; the document's target for no connection, data too large, local real-time
/// processing and privacy.
package struct IoTEdgeTarget: DeploymentTarget {
    package var kind: TargetKind { .iotEdge }
    package var displayName: String { "Azure IoT Edge" }
    package var scoresOnSite: Bool { true }
    /// Share of a device's memory the inference module may use (the OS and edgeHub keep the rest).
    static let usableMemory = 0.8

    package func deployPhases(_ context: TargetContext) -> [String: Double] {
        // Images are pulled over the site's link.
        DeployTimeModel.common(
            modelGB: Double(context.profile.weightBytes) / 1e9, pullGBps: max(context.siteLinkMbps, 0.1) / 8 / 1000)
    }

    package func cost(_ settings: TargetConfigurations, _ context: TargetContext) throws -> TargetCost {
        let c = settings.edge
        let device = try HardwareProfile.named(c.device)
        let devicePrice = context.pricing.edgeDevice[c.device]?.usd ?? device.hardwareUSD
        let perMonth =
            Double(c.devices) * devicePrice / context.pricing.edgeAmortizationMonths
            + Double(c.iotHubUnits) * context.pricing.iotHubUnitMonth.usd
        return TargetCost(perHourUSD: perMonth / Pricing.hoursPerMonth)
    }

    package func parameters(_ settings: TargetConfigurations, _ context: TargetContext) throws -> [String: ConfigValue] {
        let c = settings.edge
        let device = try HardwareProfile.named(c.device)
        return [
            "device": .text(c.device), "devices": .integer(c.devices), "cores": .number(c.cores ?? device.cores),
            "timeToLiveSecs": .number(c.timeToLiveSecs), "iot_hub_units": .integer(c.iotHubUnits),
        ]
    }

    package func summary(_ settings: TargetConfigurations, _ context: TargetContext) throws -> String {
        "\(settings.edge.devices) × \(settings.edge.device)"
    }

    package func deployment(_ settings: TargetConfigurations, _ context: TargetContext, traffic: TrafficSpec) throws -> Deployment {
        let c = settings.edge
        let device = try HardwareProfile.named(c.device)
        var d = Deployment(parameters: try parameters(settings, context), cost: try cost(settings, context))
        if let refusal = memoryRefusal(context, availableGB: device.ramGB * Self.usableMemory) {
            d.refusal = refusal
            return d
        }
        let st = ServiceTimeModel.scale(context.calibration, to: device, cores: c.cores ?? device.cores)
        d.scaling = st.scaling
        var sim = serving(traffic, st, replicas: c.devices)
        sim.overNetwork = false
        sim.storeAndForward = .init(messageBytes: c.messageBytes, timeToLiveSeconds: c.timeToLiveSecs)
        d.simulation = sim
        return d
    }

    package func candidates(_ context: TargetContext, rate: Double) -> [CandidateFamily] {
        let base = context.base
        return HardwareProfile.edgeDevices.compactMap { device -> CandidateFamily? in
            guard context.replicaMemoryGB <= device.ramGB * Self.usableMemory else { return nil }
            let st = ServiceTimeModel.scale(context.calibration, to: device, cores: device.cores)
            let start = max(1, Int((rate * st.meanSeconds).rounded(.up)))
            guard start <= context.policy.maxEdgeDevices else { return nil }
            return CandidateFamily(service: st, servers: start...context.policy.maxEdgeDevices) { n in
                var s = base
                s.edge.device = device.id
                s.edge.devices = n
                return s
            }
        }
    }

    package func infeasibility(_ context: TargetContext, rate: Double, sloMs: Double, networkMs: Double, closestP99Ms: Double?)
        -> Infeasibility
    {
        let largest = HardwareProfile.edgeDevices.map(\.ramGB).max()! * Self.usableMemory
        if context.replicaMemoryGB > largest { return .memory(neededGB: context.replicaMemoryGB, availableGB: largest) }
        return .latency(sloMs: sloMs, networkMs: 0, closestP99Ms: closestP99Ms)
    }

    package func larger(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        var s = settings
        s.edge.devices += 1
        return s
    }

    package func explain(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String {
        switch infeasibility {
        case .memory(let needed, _):
            String(format: "the model needs %.2f GB, more than any edge device offers", needed)
        case .latency(let slo, _, _):
            String(
                format: "no edge device (%@) meets the SLO of %.4g ms at %.4g requests/s",
                HardwareProfile.edgeDevices.map(\.id).joined(separator: ", "), slo, requirements.peakRps)
        default: Self.explainCommon(infeasibility, requirements)
        }
    }

    package func rules(_ r: Requirements, plan: TargetPlan, bestCPUP99Ms: Double?, policy: DecisionPolicy) -> [Reason] {
        var reasons: [Reason] = []
        let strong = policy.strongCriterionWeight
        if r.connectivity != .always {
            reasons.append(
                Reason(
                    .noCloudConnection, .favors, evidence: "connectivity: \(r.connectivity.rawValue)",
                    text: "inference on the device keeps working without a cloud connection; results are stored and forwarded",
                    weight: strong))
        }
        if r.dataExceedsUplink {
            reasons.append(
                Reason(
                    .dataTooLargeToSend, .favors,
                    evidence: String(format: "%.4g Mbit/s produced > %.4g Mbit/s uplink", r.dataMbps, r.uplinkMbps),
                    text: "data is scored where it is produced", weight: strong))
        }
        if r.privacy != .none {
            reasons.append(
                Reason(
                    .dataPrivacy, .favors, evidence: "privacy: \(r.privacy.rawValue)", text: "only results leave the device", weight: strong
                ))
        }
        if r.networkMs >= policy.localProcessingNetworkShare * r.sloMs {
            reasons.append(
                Reason(
                    .realTimeLocalProcessing, .favors,
                    evidence: String(
                        format: "network %.4g ms per request (RTT + upload) ≥ %.0f%% of the SLO (%.4g ms)", r.networkMs,
                        100 * policy.localProcessingNetworkShare, r.sloMs),
                    text: "scoring on the device avoids sending the data to the cloud and waiting"))
        }
        if r.environment == .production && r.connectivity == .always && r.privacy == .none && !r.dataExceedsUplink {
            reasons.append(
                Reason(
                    .largeScaleProduction, .against, evidence: "connected, no privacy or data-volume constraint",
                    text: "devices must be bought and managed on site; the document's edge criteria do not apply"))
        }
        return reasons
    }
}
