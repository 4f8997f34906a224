import FPGAEmulation
import Foundation
import Inference
import Simulation

/// Deploys a model to each target's simulator and runs the traffic through it.
public struct TargetSimulator: Sendable {
    /// The DNNs Azure offered on FPGAs (the document): others need custom work.
    public static let fpgaSupportedModels = ["resnet50", "resnet152", "densenet121", "vgg16", "ssd-vgg"]

    public var graph: ModelGraph
    public var modelName: String
    public var batch: Int
    public var calibration: ModelCalibration
    public var traffic: TrafficSpec
    public var configurations: TargetConfigurations
    public var pricing: Pricing
    public var existingCluster: Bool

    public init(
        graph: ModelGraph, modelName: String, batch: Int, calibration: ModelCalibration, traffic: TrafficSpec,
        configurations: TargetConfigurations = TargetConfigurations(), pricing: Pricing = .defaults, existingCluster: Bool = false
    ) {
        self.graph = graph
        self.modelName = modelName
        self.batch = batch
        self.calibration = calibration
        self.traffic = traffic
        self.configurations = configurations
        self.pricing = pricing
        self.existingCluster = existingCluster
    }

    /// Memory a replica needs: fp32 weights, the batch's peak activations and ~300 MB of scoring runtime, GB.
    public func replicaMemoryGB() throws -> Double {
        let p = try graph.profile()
        return (Double(p.weightBytes) + Double(p.activationBytes * batch) * 2) / 1e9 + 0.3
    }

    /// Runs one target.
    public func run(_ target: TargetKind) throws -> TargetResult {
        let profile = try graph.profile()
        let modelBytes = profile.weightBytes
        let deploy = DeployTimeModel.phases(
            target, modelBytes: modelBytes, existingCluster: existingCluster, edgeDownlinkMbps: traffic.uplinkBitsPerSecond / 1e6)
        let deployMinutes = deploy.keys.sorted().reduce(0) { $0 + deploy[$1]! }
        var notes: [String] = []
        var sim: ServingSimulation
        var config: [String: String] = [:]
        var costPerHour = 0.0
        var estimate = false
        var scaling = ""
        let memoryGB = try replicaMemoryGB()
        switch target {
        case .aci:
            let c = configurations.aci
            config = ["cpu_cores": fmt(c.cpu_cores), "memory_gb": fmt(c.memory_gb), "container_groups": "1"]
            costPerHour = 3600 * (c.cpu_cores * pricing.aciVcpuSecond.usd + c.memory_gb * pricing.aciGbSecond.usd)
            if memoryGB > c.memory_gb {
                return refused(
                    target, config: config, deploy: deploy,
                    String(
                        format: "the model needs %.2f GB (weights, activations, runtime) but the container has memory_gb %.2g", memoryGB,
                        c.memory_gb),
                    cost: costPerHour)
            }
            let st = ServiceTimeModel.scale(calibration, to: .aciHost, cores: c.cpu_cores)
            scaling = st.scaling
            sim = ServingSimulation(traffic: traffic, service: distribution(st), replicas: 1)
            sim.queueCapacity = 100
            sim.maxWaitSeconds = 60
            sim.waitLimitIsTimeout = true
            sim.timeoutSeconds = 60
            let capacity = Double(batch) / st.meanSeconds
            let groups = Int((traffic.offeredRps / (0.7 * capacity)).rounded(.up))
            if groups > 1 {
                notes.append(
                    String(
                        format: "one container group serves about %.2f requests/s; the load needs %d groups at 70%% utilization%@",
                        capacity, groups,
                        groups > c.containerGroupQuota ? " — more than the quota of \(c.containerGroupQuota) per subscription" : ""))
            }
        case .aks:
            let c = configurations.aks
            let node = try HardwareProfile.named(c.nodeSize)
            let st = ServiceTimeModel.scale(
                calibration, to: node, cores: c.cpu_cores, extraSeconds: (c.loggingOverheadMs + c.dataCollectionOverheadMs) / 1000)
            scaling = st.scaling
            let initial = c.autoscale_enabled ? c.autoscale_min_replicas : (c.num_replicas ?? 1)
            let maxReplicas = c.autoscale_enabled ? c.autoscale_max_replicas : initial
            if memoryGB > c.memory_gb {
                notes.append(
                    String(
                        format:
                            "the model needs about %.2f GB per replica but memory_gb is %.2g: the pod would be OOM-killed; raise memory_gb",
                        memoryGB, c.memory_gb))
            }
            sim = ServingSimulation(traffic: traffic, service: distribution(st), replicas: initial)
            sim.concurrency = c.replica_max_concurrent_requests
            sim.maxWaitSeconds = c.max_request_wait_time / 1000
            sim.timeoutSeconds = c.scoring_timeout_ms / 1000
            if c.autoscale_enabled {
                sim.autoscaler = .init(
                    minReplicas: c.autoscale_min_replicas, maxReplicas: c.autoscale_max_replicas,
                    refreshSeconds: c.autoscale_refresh_seconds,
                    targetUtilization: c.autoscale_target_utilization / 100, replicaStartSeconds: c.replicaStartSeconds,
                    scaleDownDelaySeconds: c.scaleDownDelaySeconds)
            }
            let perNode = max(1, Int(min(0.9 * node.cores / c.cpu_cores, 0.8 * node.ramGB / max(c.memory_gb, memoryGB)).rounded(.down)))
            let minNodes = traffic.production ? Int((12 / node.cores).rounded(.up)) : 1
            let nodes = max(minNodes, Int((Double(maxReplicas) / Double(perNode)).rounded(.up)))
            let price = pricing.aksNodeHour[c.nodeSize]?.usd ?? 0
            costPerHour = Double(nodes) * price + pricing.aksControlPlaneHour.usd
            config = [
                "autoscale_enabled": String(c.autoscale_enabled), "autoscale_min_replicas": String(c.autoscale_min_replicas),
                "autoscale_max_replicas": String(c.autoscale_max_replicas),
                "autoscale_target_utilization": fmt(c.autoscale_target_utilization),
                "autoscale_refresh_seconds": fmt(c.autoscale_refresh_seconds), "cpu_cores": fmt(c.cpu_cores), "memory_gb": fmt(c.memory_gb),
                "replica_max_concurrent_requests": String(c.replica_max_concurrent_requests),
                "max_request_wait_time": fmt(c.max_request_wait_time), "scoring_timeout_ms": fmt(c.scoring_timeout_ms),
                "node_size": c.nodeSize, "nodes": String(nodes), "replicas_per_node": String(perNode),
            ]
            if !c.autoscale_enabled { config["num_replicas"] = String(initial) }
        case .iotEdge:
            let c = configurations.edge
            let device = try HardwareProfile.named(c.device)
            let cores = c.cores ?? device.cores
            if memoryGB > device.ramGB * 0.8 {
                return refused(
                    target, config: ["device": c.device, "devices": String(c.devices)], deploy: deploy,
                    String(format: "the model needs %.2f GB but the %@ has %.0f GB (80%% usable)", memoryGB, device.name, device.ramGB),
                    cost: 0)
            }
            let st = ServiceTimeModel.scale(calibration, to: device, cores: cores)
            scaling = st.scaling
            var t = traffic
            t.connectivity = traffic.connectivity
            sim = ServingSimulation(traffic: t, service: distribution(st), replicas: c.devices)
            sim.overNetwork = false
            sim.storeAndForward = .init(messageBytes: c.messageBytes, timeToLiveSeconds: c.timeToLiveSecs)
            let devicePrice = pricing.edgeDevice[c.device]?.usd ?? device.hardwareUSD
            costPerHour =
                Double(c.devices) * devicePrice / pricing.edgeAmortizationMonths / Pricing.hoursPerMonth
                + Double(c.iotHubUnits) * pricing.iotHubUnitMonth.usd / Pricing.hoursPerMonth
            config = [
                "device": c.device, "devices": String(c.devices), "cores": fmt(cores), "timeToLiveSecs": fmt(c.timeToLiveSecs),
                "iot_hub_units": String(c.iotHubUnits),
            ]
        case .fpga:
            let c = configurations.fpga
            let fpga = try fpgaServiceTime()
            let npu = fpga.preset
            let format = fpga.format
            let e = fpga.estimate
            let base = modelName.split(separator: ":").first.map(String.init) ?? modelName
            if !Self.fpgaSupportedModels.contains(base) {
                notes.append(
                    "\(modelName) is not one of the DNNs Azure offered on FPGAs (\(Self.fpgaSupportedModels.joined(separator: ", "))): deploying it needs custom NPU work; latency below is the emulator's estimate"
                )
            }
            if !e.fitsOnChip {
                notes.append(
                    String(
                        format:
                            "weights (%.1f MB in %@) exceed the FPGA's on-chip memory; %d FPGAs would pin them, on one FPGA streaming adds %.2f ms",
                        Double(e.weightBytes) / 1e6, format.name, e.fpgasNeeded, e.weightStreamingMs))
            }
            let hostMs = fpga.hostMs
            let serviceMs = fpga.serviceSeconds * 1000
            scaling = String(
                format: "NPU cycle model (%@, %@): %.3f ms; host layers on %@: %.3f ms; transfer %.2f ms", npu.name, format.name,
                e.latencyMs, HardwareProfile.pb6s.id, hostMs, c.transferOverheadMs)
            sim = ServingSimulation(traffic: traffic, service: .deterministic(serviceMs / 1000), replicas: c.fpgas)
            sim.timeoutSeconds = 60
            costPerHour = Double(c.fpgas) * pricing.fpgaVmHour.usd
            estimate = pricing.fpgaVmHour.estimate
            config = ["preset": npu.name, "fpgas": String(c.fpgas), "number_format": format.name, "vm_size": "Standard_PB6s"]
        }
        let o = sim.run()
        let duration = traffic.durationSeconds
        let throughput = Double(o.completed * batch) / duration
        let r = o.latency
        let latency =
            o.completed > 0
            ? LatencySummary(
                p50: r.percentile(50) * 1e3, p90: r.percentile(90) * 1e3, p95: r.percentile(95) * 1e3, p99: r.percentile(99) * 1e3,
                p999: r.percentile(99.9) * 1e3, mean: r.mean * 1e3) : nil
        let n = Double(max(1, o.completed))
        var forwarding: ForwardingSummary?
        if target == .iotEdge {
            forwarding = ForwardingSummary(
                delivered: o.messagesDelivered, delayed: o.messagesDelayed, dropped: o.messagesDropped,
                pending: o.completed - o.messagesDelivered - o.messagesDropped)
        }
        return TargetResult(
            target: target.rawValue, config: config, deployable: true, refusal: nil, deployMinutes: deployMinutes,
            deployBreakdown: deploy, latencyMs: latency,
            latencyBreakdownMs: o.completed > 0
                ? LatencyBreakdown(network: o.networkSum / n * 1e3, queue: o.queueSum / n * 1e3, service: o.serviceSum / n * 1e3) : nil,
            offeredRps: Double(o.offered) / duration, throughputRps: throughput,
            successRate: o.offered > 0 ? Double(o.completed) / Double(o.offered) : 1,
            errors: ErrorCounts(rejected: o.rejected, timeouts: o.timeouts, offline: o.offline),
            replicas: ReplicaSummary(min: o.replicasMin, max: o.replicasMax, mean: o.replicasMean),
            costPerHourUSD: costPerHour, costPerMonthUSD: costPerHour * Pricing.hoursPerMonth,
            costPerMillionUSD: throughput > 0 ? costPerHour / (throughput * 3600) * 1e6 : nil, costIsEstimate: estimate,
            bytesLeftDevice: o.bytesLeftDevice, forwarding: forwarding,
            serviceMs: o.completed > 0 ? o.serviceSum / n * 1e3 : 0, serviceScaling: scaling, notes: notes,
            timeline: o.timeline, cdf: r.cdf(points: 120).map { [$0.seconds * 1e3, $0.fraction] }, events: o.events)
    }

    /// Runs every target in `targets`, in order.
    public func run(_ targets: [TargetKind] = TargetKind.allCases) throws -> [TargetResult] {
        try targets.map { try run($0) }
    }

    func distribution(_ st: ServiceTime) -> Distribution {
        // Per request, batch samples are served together: the batch's service time.
        if let e = EmpiricalDistribution(samples: st.samples) { return .empirical(e) }
        return .deterministic(st.meanSeconds)
    }

    func refused(_ target: TargetKind, config: [String: String], deploy: [String: Double], _ why: String, cost: Double) -> TargetResult {
        TargetResult(
            target: target.rawValue, config: config, deployable: false, refusal: why,
            deployMinutes: deploy.keys.sorted().reduce(0) { $0 + deploy[$1]! },
            deployBreakdown: deploy, latencyMs: nil, latencyBreakdownMs: nil, offeredRps: traffic.offeredRps, throughputRps: 0,
            successRate: 0, errors: ErrorCounts(rejected: 0, timeouts: 0, offline: 0), replicas: ReplicaSummary(min: 0, max: 0, mean: 0),
            costPerHourUSD: cost, costPerMonthUSD: cost * Pricing.hoursPerMonth, costPerMillionUSD: nil, costIsEstimate: false,
            bytesLeftDevice: 0, forwarding: nil, serviceMs: 0, serviceScaling: "", notes: [why], timeline: nil, cdf: [], events: 0)
    }
}

func fmt(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(format: "%g", x)
}

extension TargetSimulator {
    /// The FPGA target's service time per request and how it is made up.
    public struct FPGAServiceTime: Sendable {
        public var preset: NPUConfiguration
        public var format: NumberFormat
        public var estimate: NPUEstimate
        /// The host CPU's share (layers after the featurizer), ms.
        public var hostMs: Double
        /// NPU + host + transfer, seconds.
        public var serviceSeconds: Double
    }

    /// NPU latency from the cycle model, plus the layers after the featurizer on the FPGA
    /// VM's CPU (their share of the measured time, scaled to the VM), plus the transfer overhead.
    public func fpgaServiceTime() throws -> FPGAServiceTime {
        let c = configurations.fpga
        let npu = try NPUConfiguration.named(c.preset)
        var format = try NumberFormat.named(c.numberFormat ?? npu.defaultFormat)
        if format.name.hasPrefix("ms-fp") { format = format.withBlockSize(npu.nativeDimension) }
        let profile = try graph.profile()
        let e = try NPUCycleModel.estimate(graph, preset: npu, format: format, batch: batch)
        let hostShare = profile.flops > 0 ? Double(e.hostFlops) / Double(profile.flops) : 0
        let hostMs = ServiceTimeModel.scale(calibration, to: .pb6s, cores: 1).meanSeconds * hostShare * 1000
        return FPGAServiceTime(
            preset: npu, format: format, estimate: e, hostMs: hostMs, serviceSeconds: (e.latencyMs + hostMs + c.transferOverheadMs) / 1000)
    }

    /// The FPGA target's service time per request, seconds.
    public func fpgaServiceSeconds() throws -> Double { try fpgaServiceTime().serviceSeconds }
}
