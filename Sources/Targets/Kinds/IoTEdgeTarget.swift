import Foundation
import Inference
import Simulation

/// Azure IoT Edge: the model runs on devices at the site, results are stored and forwarded
/// to IoT Hub; the document's target for no connection, data too large, local real-time
/// processing and privacy.
package struct IoTEdgeTarget: DeploymentTarget {
    package var kind: TargetKind { .iotEdge }
    package var displayName: String { "Azure IoT Edge" }
    package var deploymentPath: DeploymentPath { .iotEdgeModule }
    package var scoresOnSite: Bool { true }
    /// Share of a device's memory the inference module may use (the OS and edgeHub keep the rest).
    static let usableMemory = 0.8

    package func deployPhases(_ context: TargetContext) -> [String: Double] {
        // Images are pulled over the site's link; devices that are not there yet must be bought first.
        var p = DeployTimeModel.common(
            modelGB: Double(context.profile.weightBytes) / 1e9, pullGBps: max(context.siteLinkMbps, 0.1) / 8 / 1000)
        if !context.base.edge.installed { p["procurement"] = context.base.edge.procurementDays * 24 * 60 }
        return p
    }

    package func cost(_ settings: TargetConfigurations, _ context: TargetContext) throws -> TargetCost {
        let c = settings.edge
        let device = try HardwareProfile.named(c.device)
        // Installed devices are already paid for: only IoT Hub is charged.
        let devicePrice = c.installed ? 0 : context.pricing.edgeDevice[c.device]?.usd ?? device.hardwareUSD
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
            "timeToLiveSecs": .number(c.timeToLiveSecs), "iot_hub_units": .integer(c.iotHubUnits), "installed": .flag(c.installed),
        ]
    }

    package func summary(_ settings: TargetConfigurations, _ context: TargetContext) throws -> String {
        "\(settings.edge.devices) × \(settings.edge.device)\(settings.edge.installed ? " (installed)" : "")"
    }

    /// Each device scores its own share of the requests in its own queue, so one device is
    /// simulated with `1/devices` of the traffic (by symmetry, its latencies are every device's).
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
        var share = traffic
        if c.devices > 1 {
            share.arrivals = traffic.arrivals.share(of: c.devices)
            d.notes.append(
                "one of the \(c.devices) devices simulated with its 1/\(c.devices) share of the requests (each device scores its own)")
        }
        var sim = serving(share, st, replicas: 1)
        sim.overNetwork = false
        sim.storeAndForward = .init(messageBytes: c.messageBytes, timeToLiveSeconds: c.timeToLiveSecs)
        d.simulation = sim
        return d
    }

    /// The device classes to choose from: the installed one, or every class that holds the model.
    func classes(_ context: TargetContext) -> [HardwareProfile] {
        let base = context.base.edge
        let pool = base.installed ? HardwareProfile.edgeDevices.filter { $0.id == base.device } : HardwareProfile.edgeDevices
        return pool.filter { context.replicaMemoryGB <= $0.ramGB * Self.usableMemory }
    }

    package func candidates(_ context: TargetContext, rate: Double) -> [CandidateFamily] {
        let base = context.base
        let n = base.edge.devices
        return classes(context).map { device in
            let st = ServiceTimeModel.scale(context.calibration, to: device, cores: device.cores)
            return CandidateFamily(service: st, servers: n...n, partitioned: true, series: "edge", size: device.hardwareUSD) { n in
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
        let pool =
            context.base.edge.installed
            ? HardwareProfile.edgeDevices.filter { $0.id == context.base.edge.device } : HardwareProfile.edgeDevices
        let largest = pool.map(\.ramGB).max()! * Self.usableMemory
        if context.replicaMemoryGB > largest { return .memory(neededGB: context.replicaMemoryGB, availableGB: largest) }
        return .latency(sloMs: sloMs, networkMs: 0, closestP99Ms: closestP99Ms)
    }

    /// The next faster device class (the number of devices is the site's).
    package func larger(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        guard !settings.edge.installed, let current = try? HardwareProfile.named(settings.edge.device) else { return nil }
        func speed(_ p: HardwareProfile) -> Double { p.gflops(cores: p.cores) }
        guard let next = classes(context).filter({ speed($0) > speed(current) }).min(by: { speed($0) < speed($1) }) else { return nil }
        var s = settings
        s.edge.device = next.id
        return s
    }

    package func explain(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String {
        switch infeasibility {
        case .memory(let needed, _):
            String(
                format: "the model needs %.2f GB, more than %@ offers", needed,
                requirements.devicesInstalled ? "the installed device" : "any edge device")
        case .latency(let slo, _, let closest):
            String(
                format: "%@ keeps up: each of the %d devices scores %.4g requests/s and must meet the SLO of %.4g ms%@",
                requirements.devicesInstalled
                    ? "the installed device class no longer"
                    : "no device class (\(HardwareProfile.edgeDevices.map(\.id).joined(separator: ", ")))",
                requirements.devices, requirements.peakRps / Double(requirements.devices), slo,
                closest.map { String(format: " (the fastest reaches p99 %.4g ms)", $0) } ?? " (every class is saturated)")
        default: Self.explainCommon(infeasibility, requirements)
        }
    }

    package func rules(_ r: Requirements, plan: TargetPlan, alternatives: Alternatives, policy: DecisionPolicy) -> [Reason] {
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
        if r.networkMs >= policy.localProcessingNetworkShare * r.sloMs && r.requestsFrom == .site {
            reasons.append(
                Reason(
                    .realTimeLocalProcessing, .favors,
                    evidence: r.networkMs.isFinite
                        ? String(
                            format:
                                "network p99 %.4g ms per request (RTT + upload, the shared uplink's queue included) ≥ %.0f%% of the SLO (%.4g ms)",
                            r.networkMs, 100 * policy.localProcessingNetworkShare, r.sloMs)
                        : String(
                            format: "the site's %.4g Mbit/s uplink cannot carry the requests at the peak: uploads queue without bound",
                            r.uplinkMbps),
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
