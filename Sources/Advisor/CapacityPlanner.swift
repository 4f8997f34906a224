import Foundation
import Inference
import Simulation
import Targets

/// The smallest configuration of one target that meets the SLO at the peak rate.
public struct TargetPlan: Sendable, Codable, Equatable {
    public var target: String
    public var feasible: Bool
    /// Why no configuration works (when not feasible).
    public var reason: String?
    /// The chosen configuration in Azure ML's parameter names.
    public var configuration: [String: String]
    public var summary: String
    /// p99 at the peak rate from queueing analytics (Erlang C with Allen–Cunneen scaling), ms.
    public var analyticP99Ms: Double?
    /// The simulation of the chosen configuration at the peak rate (nil in quick mode).
    public var simulatedP99Ms: Double?
    public var simulatedSuccessRate: Double?
    public var costPerMonthUSD: Double
    public var costIsEstimate: Bool
    public var deployMinutes: Double
    /// The lowest p99 any configuration tried reached (even above the SLO), ms: how close the target came.
    public var closestP99Ms: Double?
    /// The full settings, for re-running the simulator.
    public var settings: TargetConfigurations

    /// The p99 that decides (simulated when available), ms.
    public var p99Ms: Double? { simulatedP99Ms ?? analyticP99Ms }
}

/// The cheapest feasible target and configuration at one load level.
public struct CurvePoint: Sendable, Codable, Equatable {
    public var rps: Double
    public var target: String?
    public var summary: String
    public var costPerMonthUSD: Double?
    public var p99Ms: Double?
    /// Per target: monthly cost of its cheapest feasible configuration (nil when none).
    public var costByTarget: [String: Double]
    public var p99ByTarget: [String: Double]
}

/// Finds, per target, the smallest configuration meeting the SLO at the peak rate —
/// analytically first (Erlang C for the wait, scaled by Allen–Cunneen's `(ca² + cs²)/2`, plus
/// the service time's 99th percentile and the network), then verified by simulating it at the
/// peak rate; if the simulation misses the SLO the next larger configuration is tried.
public struct CapacityPlanner: Sendable {
    public var workload: Workload
    public var graph: ModelGraph
    public var calibration: ModelCalibration
    public var pricing: Pricing
    public var base: TargetConfigurations

    public init(
        workload: Workload, graph: ModelGraph, calibration: ModelCalibration, pricing: Pricing = .defaults,
        base: TargetConfigurations = .init()
    ) {
        self.workload = workload
        self.graph = graph
        self.calibration = calibration
        self.pricing = pricing
        self.base = base
    }

    /// The SLO's p99 in seconds.
    var sloSeconds: Double { (workload.effectiveP99Ms ?? workload.latency.p95Ms ?? workload.latency.p50Ms ?? 100) / 1000 }

    /// Client ↔ cloud time per request (no queueing), seconds.
    public func networkSeconds(payloadBytes: Int) -> Double {
        workload.network.rttMs / 1000 + Double(payloadBytes + 4096) * 8 / (workload.network.uplinkMbps * 1e6)
    }

    /// Client ↔ cloud time for one of the workload's own requests (its payload), ms.
    public var requestNetworkMs: Double {
        networkSeconds(payloadBytes: workload.resolvedPayloadBytes(inputShape: graph.inputShape)) * 1000
    }

    /// The network time's 99th percentile: the simulators jitter it lognormally with a
    /// coefficient of variation of 0.1, whose 99th percentile is `exp(2.326σ − σ²/2)` ≈ 1.25× the mean.
    public func networkP99Seconds(payloadBytes: Int) -> Double {
        let sigma = log(1 + 0.01).squareRoot()
        return networkSeconds(payloadBytes: payloadBytes) * exp(2.326 * sigma - sigma * sigma / 2)
    }

    /// Analytic p99 response with `servers` servers of service times `samples` at `rate` requests/s.
    public static func analyticP99(samples: [Double], servers: Int, rate: Double) -> Double? {
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        let cs2 = mean > 0 ? variance / (mean * mean) : 0
        guard mean > 0, let q = try? ErlangC(servers: servers, arrivalRate: rate, serviceRate: 1 / mean), q.utilization < 0.98 else {
            return nil
        }
        let sorted = samples.sorted()
        let s99 = sorted[min(sorted.count - 1, Int(0.99 * Double(sorted.count)))]
        return q.waitPercentile(0.99) * (1 + cs2) / 2 + s99
    }

    func simulator(_ configurations: TargetConfigurations, traffic: TrafficSpec) -> TargetSimulator {
        TargetSimulator(
            graph: graph, modelName: graph.name, batch: workload.batch, calibration: calibration, traffic: traffic,
            configurations: configurations, pricing: pricing, existingCluster: workload.existingCluster)
    }

    /// Traffic at a constant-rate Poisson peak, for verification.
    func peakTraffic(rate: Double) throws -> TrafficSpec {
        var w = workload
        w.load.pattern = .poisson
        w.load.rps = rate
        w.load.peakRps = nil
        w.load.traceFile = nil
        w.load.durationSeconds = max(60, min(workload.load.durationSeconds, 600))
        w.connectivity = .always  // capacity is planned for a connected service; connectivity is judged by the advisor
        return try w.traffic(inputShape: graph.inputShape, edge: base.edge)
    }

    /// Plans every target at the workload's peak rate.
    ///
    /// - Parameter verify: simulate each chosen configuration (false: analytics only).
    public func plan(verify: Bool = true) throws -> [TargetPlan] {
        try TargetKind.allCases.map { try plan($0, rate: workload.load.effectivePeakRps, verify: verify) }
    }

    /// Plans one target at `rate` requests/s.
    public func plan(_ target: TargetKind, rate: Double, verify: Bool) throws -> TargetPlan {
        let profile = try graph.profile()
        let payload = workload.resolvedPayloadBytes(inputShape: graph.inputShape)
        let network = networkP99Seconds(payloadBytes: payload)
        let requestRate = rate
        let slo = sloSeconds
        let sim = simulator(base, traffic: try peakTraffic(rate: rate))
        let memoryGB = try sim.replicaMemoryGB()
        let deploy = DeployTimeModel.phases(
            target, modelBytes: profile.weightBytes, existingCluster: workload.existingCluster,
            edgeDownlinkMbps: workload.network.uplinkMbps)
        let deployMinutes = deploy.keys.sorted().reduce(0) { $0 + deploy[$1]! }
        var candidates: [(config: TargetConfigurations, summary: String, p99: Double, cost: Double, detail: [String: String])] = []
        var why = ""
        var closest = Double.infinity
        func seen(_ p: Double) { closest = min(closest, p) }
        switch target {
        case .aci:
            let memory = max(0.5, (memoryGB * 2).rounded(.up) / 2)
            for cores in [0.25, 0.5, 1, 2, 3, 4] {
                var c = base
                c.aci.cpu_cores = cores
                c.aci.memory_gb = memory
                let st = ServiceTimeModel.scale(calibration, to: .aciHost, cores: cores)
                guard let p = Self.analyticP99(samples: st.samples, servers: 1, rate: requestRate) else { continue }
                seen(p + network)
                let cost = 3600 * Pricing.hoursPerMonth * (cores * pricing.aciVcpuSecond.usd + memory * pricing.aciGbSecond.usd)
                if p + network <= slo {
                    candidates.append(
                        (
                            c, String(format: "1 container group, cpu_cores %g, memory_gb %g", cores, memory), p + network, cost,
                            ["cpu_cores": fmt(cores), "memory_gb": fmt(memory), "container_groups": "1"]
                        ))
                }
            }
            let best = ServiceTimeModel.scale(calibration, to: .aciHost, cores: 4)
            let groups = Int((requestRate * best.meanSeconds / Double(workload.batch) / 0.7).rounded(.up))
            why =
                groups > 1
                ? String(
                    format:
                        "one container group (4 vCPU, the most ACI gives) serves %.1f requests/s at 70%% utilization; %.4g requests/s needs %d groups%@",
                    0.7 / best.meanSeconds, requestRate, groups, groups > base.aci.containerGroupQuota ? " (over the quota of 20)" : "")
                : String(
                    format: "even at 4 vCPU the p99 (%.1f ms with %.1f ms of network) exceeds the SLO of %.1f ms",
                    ((Self.analyticP99(samples: best.samples, servers: 1, rate: requestRate) ?? .infinity) + network) * 1000,
                    network * 1000, slo * 1000)
        case .aks:
            for node in HardwareProfile.aksNodes {
                let price = pricing.aksNodeHour[node.id]?.usd ?? 0
                for cores in [0.5, 1, 2, 3, 4, 6, 7] where cores <= 0.9 * node.cores {
                    let st = ServiceTimeModel.scale(
                        calibration, to: node, cores: cores,
                        extraSeconds: (base.aks.loggingOverheadMs + base.aks.dataCollectionOverheadMs) / 1000)
                    let memory = max(0.5, (memoryGB * 2).rounded(.up) / 2)
                    let start = max(1, Int((requestRate * st.meanSeconds).rounded(.up)))
                    var found: (Int, Double)?
                    for c in start...(start + 2000) {
                        let analytic = Self.analyticP99(samples: st.samples, servers: c, rate: requestRate)
                        if let a = analytic { seen(a + network) }
                        if let p = analytic, p + network <= slo {
                            found = (c, p)
                            break
                        }
                        if st.samples.max()! + network > slo { break }
                    }
                    guard let (replicas, p) = found else { continue }
                    let sizing = Int((requestRate * st.meanSeconds / 0.7).rounded(.up))  // Azure ML's sizing rule
                    let maxReplicas = max(replicas, sizing)
                    let minReplicas = max(1, Int((workload.load.rps * st.meanSeconds / 0.7).rounded(.up)))
                    var c = base
                    c.aks.nodeSize = node.id
                    c.aks.cpu_cores = cores
                    c.aks.memory_gb = memory
                    c.aks.autoscale_min_replicas = min(minReplicas, maxReplicas)
                    c.aks.autoscale_max_replicas = maxReplicas
                    let perNode = max(1, Int(min(0.9 * node.cores / cores, 0.8 * node.ramGB / memory).rounded(.down)))
                    let minNodes = workload.environment == .production ? Int((12 / node.cores).rounded(.up)) : 1
                    let nodes = max(minNodes, Int((Double(maxReplicas) / Double(perNode)).rounded(.up)))
                    candidates.append(
                        (
                            c,
                            String(
                                format: "%d–%d replicas × %g cpu_cores on %d × %@", c.aks.autoscale_min_replicas, maxReplicas, cores, nodes,
                                node.id), p + network,
                            Double(nodes) * price * Pricing.hoursPerMonth,
                            [
                                "cpu_cores": fmt(cores), "memory_gb": fmt(memory),
                                "autoscale_min_replicas": String(c.aks.autoscale_min_replicas),
                                "autoscale_max_replicas": String(maxReplicas), "node_size": node.id, "nodes": String(nodes),
                            ]
                        ))
                }
            }
            why = String(
                format: "no replica size (up to 7 vCPU on Standard_F8s_v2) meets the SLO of %.1f ms with %.1f ms of network per request",
                slo * 1000, network * 1000)
        case .iotEdge:
            for device in HardwareProfile.edgeDevices {
                guard memoryGB <= device.ramGB * 0.8 else { continue }
                let st = ServiceTimeModel.scale(calibration, to: device, cores: device.cores)
                let start = max(1, Int((requestRate * st.meanSeconds).rounded(.up)))
                guard start <= 256 else { continue }
                for n in start...256 {
                    let analytic = Self.analyticP99(samples: st.samples, servers: n, rate: requestRate)
                    if let a = analytic { seen(a) }
                    if let p = analytic, p <= slo {
                        var c = base
                        c.edge.device = device.id
                        c.edge.devices = n
                        let price = pricing.edgeDevice[device.id]?.usd ?? device.hardwareUSD
                        let cost =
                            Double(n) * price / pricing.edgeAmortizationMonths + Double(c.edge.iotHubUnits) * pricing.iotHubUnitMonth.usd
                        candidates.append((c, "\(n) × \(device.name)", p, cost, ["device": device.id, "devices": String(n)]))
                        break
                    }
                    if st.samples.max()! > slo { break }
                }
            }
            why =
                memoryGB > HardwareProfile.edgeDevices.map(\.ramGB).max()! * 0.8
                ? String(format: "the model needs %.2f GB, more than any edge device offers", memoryGB)
                : String(
                    format: "no edge device (Pi 4, Jetson Nano, NUC) meets the SLO of %.1f ms at %.4g requests/s", slo * 1000, requestRate)
        case .fpga:
            var c = base
            let one = try simulator(c, traffic: try peakTraffic(rate: rate)).fpgaServiceSeconds()
            for n in 1...64 {
                let analytic = Self.analyticP99(samples: [one], servers: n, rate: requestRate)
                if let a = analytic { seen(a + network) }
                if let p = analytic, p + network <= slo {
                    c.fpga.fpgas = n
                    candidates.append(
                        (
                            c, "\(n) × Standard_PB6s (\(c.fpga.preset))", p + network,
                            Double(n) * pricing.fpgaVmHour.usd * Pricing.hoursPerMonth, ["fpgas": String(n), "preset": c.fpga.preset]
                        ))
                    break
                }
            }
            why = String(
                format: "the NPU serves one request in %.2f ms, but with %.1f ms of network the SLO of %.1f ms cannot be met", one * 1000,
                network * 1000, slo * 1000)
        }
        guard var best = candidates.min(by: { $0.cost < $1.cost || ($0.cost == $1.cost && $0.p99 < $1.p99) }) else {
            return TargetPlan(
                target: target.rawValue, feasible: false, reason: why, configuration: [:], summary: "cannot", analyticP99Ms: nil,
                simulatedP99Ms: nil, simulatedSuccessRate: nil, costPerMonthUSD: 0, costIsEstimate: false, deployMinutes: deployMinutes,
                closestP99Ms: closest.isFinite ? closest * 1000 : nil, settings: base)
        }
        var simulated: TargetResult?
        if verify {
            let traffic = try peakTraffic(rate: rate)
            verification: for _ in 0..<6 {
                let r = try simulator(best.config, traffic: traffic).run(target)
                simulated = r
                if let p = r.latencyMs?.p99, p <= slo * 1000, r.successRate >= 0.999 { break }
                // Step up and try again.
                switch target {
                case .aci:
                    guard let next = [0.25, 0.5, 1, 2, 3, 4].first(where: { $0 > best.config.aci.cpu_cores }) else { break verification }
                    best.config.aci.cpu_cores = next
                    best.detail["cpu_cores"] = fmt(next)
                case .aks:
                    best.config.aks.autoscale_max_replicas += max(1, best.config.aks.autoscale_max_replicas / 4)
                    best.config.aks.autoscale_min_replicas = best.config.aks.autoscale_max_replicas
                    best.detail["autoscale_max_replicas"] = String(best.config.aks.autoscale_max_replicas)
                    best.detail["autoscale_min_replicas"] = String(best.config.aks.autoscale_min_replicas)
                case .iotEdge:
                    best.config.edge.devices += 1
                    best.detail["devices"] = String(best.config.edge.devices)
                case .fpga:
                    best.config.fpga.fpgas += 1
                    best.detail["fpgas"] = String(best.config.fpga.fpgas)
                }
            }
            if let r = simulated {
                best.cost = r.costPerMonthUSD
                if let nodes = r.config["nodes"] { best.detail["nodes"] = nodes }
            }
        }
        let feasible = simulated.map { ($0.latencyMs?.p99 ?? .infinity) <= slo * 1000 && $0.successRate >= 0.999 } ?? true
        return TargetPlan(
            target: target.rawValue, feasible: feasible,
            reason: feasible
                ? nil
                : String(
                    format: "the chosen configuration missed the SLO in simulation (p99 %.1f ms, success %.2f%%)",
                    simulated?.latencyMs?.p99 ?? .infinity, 100 * (simulated?.successRate ?? 0)),
            configuration: best.detail, summary: summary(target, best.config, fallback: best.summary), analyticP99Ms: best.p99 * 1000,
            simulatedP99Ms: simulated?.latencyMs?.p99, simulatedSuccessRate: simulated?.successRate, costPerMonthUSD: best.cost,
            costIsEstimate: target == .fpga && pricing.fpgaVmHour.estimate, deployMinutes: deployMinutes,
            closestP99Ms: min(closest, best.p99) * 1000, settings: best.config)
    }

    func summary(_ target: TargetKind, _ c: TargetConfigurations, fallback: String) -> String {
        switch target {
        case .aci: String(format: "1 container group, cpu_cores %g, memory_gb %g", c.aci.cpu_cores, c.aci.memory_gb)
        case .aks:
            String(
                format: "%d–%d replicas × %g cpu_cores (%@)", c.aks.autoscale_min_replicas, c.aks.autoscale_max_replicas, c.aks.cpu_cores,
                c.aks.nodeSize)
        case .iotEdge: "\(c.edge.devices) × \(c.edge.device)"
        case .fpga: "\(c.fpga.fpgas) × Standard_PB6s (\(c.fpga.preset))"
        }
    }

    /// The cheapest feasible target and configuration across load levels (analytics only).
    public func curve(rates: [Double] = [10, 30, 100, 300, 1000, 3000, 10000]) throws -> [CurvePoint] {
        try rates.map { rate in
            var costs: [String: Double] = [:]
            var p99s: [String: Double] = [:]
            var best: TargetPlan?
            for t in TargetKind.allCases {
                let p = try plan(t, rate: rate, verify: false)
                guard p.feasible, p.analyticP99Ms != nil else { continue }
                costs[t.rawValue] = p.costPerMonthUSD
                p99s[t.rawValue] = p.analyticP99Ms
                if best == nil || p.costPerMonthUSD < best!.costPerMonthUSD { best = p }
            }
            return CurvePoint(
                rps: rate, target: best?.target, summary: best?.summary ?? "nothing meets the SLO", costPerMonthUSD: best?.costPerMonthUSD,
                p99Ms: best?.analyticP99Ms, costByTarget: costs, p99ByTarget: p99s)
        }
    }
}

func fmt(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(format: "%g", x)
}
