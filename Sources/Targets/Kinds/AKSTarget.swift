import Foundation
import Inference
import Simulation

/// Azure Kubernetes Service: replicas behind azureml-fe with admission control and its
/// autoscaler, on a node pool; the document's large-scale production target.
package struct AKSTarget: DeploymentTarget {
    package var kind: TargetKind { .aks }
    package var displayName: String { "Azure Kubernetes Service" }
    package var deploymentPath: DeploymentPath { .aksWebService }

    /// Replica CPU sizes the planner tries (up to 90% of a node's cores, the rest for the kubelet and system pods).
    static let coreSizes: [Double] = [0.5, 1, 2, 3, 4, 6, 7]
    /// Share of a node's cores and memory replicas may request (the rest is reserved by AKS).
    static let allocatableCores = 0.9
    static let allocatableMemory = 0.8
    /// A production cluster has at least this many vCPU (three nodes of 4 vCPU: Azure ML's minimum for production AKS).
    static let productionClusterCores = 12.0

    package func deployPhases(_ context: TargetContext) -> [String: Double] {
        var p = DeployTimeModel.common(modelGB: Double(context.profile.weightBytes) / 1e9, pullGBps: DeployTimeModel.cloudPullGBps)
        p["clusterCreate"] = context.existingCluster ? 0 : DeployTimeModel.aksClusterMinutes
        return p
    }

    /// Replicas that fit on one node and the nodes `settings` need at their most replicas.
    func packing(_ settings: TargetConfigurations, _ context: TargetContext) throws -> (perNode: Int, nodes: Int) {
        let c = settings.aks
        let node = try HardwareProfile.named(c.nodeSize)
        let memory = max(c.memoryGB, context.replicaMemoryGB)
        let perNode = max(
            1, Int(min(Self.allocatableCores * node.cores / c.cpuCores, Self.allocatableMemory * node.ramGB / memory).rounded(.down)))
        let minNodes = context.production ? Int((Self.productionClusterCores / node.cores).rounded(.up)) : 1
        return (perNode, max(minNodes, Int((Double(maxReplicas(c)) / Double(perNode)).rounded(.up))))
    }

    func maxReplicas(_ c: AKSConfiguration) -> Int { c.autoscaleEnabled ? c.autoscaleMaxReplicas : (c.numReplicas ?? 1) }
    func minReplicas(_ c: AKSConfiguration) -> Int { c.autoscaleEnabled ? c.autoscaleMinReplicas : (c.numReplicas ?? 1) }

    package func cost(_ settings: TargetConfigurations, _ context: TargetContext) throws -> TargetCost {
        let nodes = try packing(settings, context).nodes
        let price = context.pricing.aksNodeHour[settings.aks.nodeSize]?.usd ?? 0
        return TargetCost(perHourUSD: Double(nodes) * price + context.pricing.aksControlPlaneHour.usd)
    }

    package func parameters(_ settings: TargetConfigurations, _ context: TargetContext) throws -> [String: ConfigValue] {
        let c = settings.aks
        let (perNode, nodes) = try packing(settings, context)
        var p: [String: ConfigValue] = [
            "autoscale_enabled": .flag(c.autoscaleEnabled), "cpu_cores": .number(c.cpuCores), "memory_gb": .number(c.memoryGB),
            "replica_max_concurrent_requests": .integer(c.replicaMaxConcurrentRequests),
            "max_request_wait_time": .number(c.maxRequestWaitTime), "scoring_timeout_ms": .number(c.scoringTimeoutMs),
            "node_size": .text(c.nodeSize), "nodes": .integer(nodes), "replicas_per_node": .integer(perNode),
        ]
        if c.autoscaleEnabled {
            p["autoscale_min_replicas"] = .integer(c.autoscaleMinReplicas)
            p["autoscale_max_replicas"] = .integer(c.autoscaleMaxReplicas)
            p["autoscale_target_utilization"] = .number(c.autoscaleTargetUtilization)
            p["autoscale_refresh_seconds"] = .number(c.autoscaleRefreshSeconds)
        } else {
            p["num_replicas"] = .integer(c.numReplicas ?? 1)
        }
        return p
    }

    package func summary(_ settings: TargetConfigurations, _ context: TargetContext) throws -> String {
        let c = settings.aks
        let (low, high) = (minReplicas(c), maxReplicas(c))
        let replicas = low == high ? "\(high) replica\(high == 1 ? "" : "s")" : "\(low)–\(high) replicas"
        return String(format: "%@ × %g cpu_cores on %d × %@", replicas, c.cpuCores, try packing(settings, context).nodes, c.nodeSize)
    }

    /// One replica's service time on `node` with `cores` vCPU, with the per-request logging and data-collection overhead.
    func serviceTime(_ context: TargetContext, node: HardwareProfile, cores: Double, _ c: AKSConfiguration) -> ServiceTime {
        ServiceTimeModel.scale(
            context.calibration, to: node, cores: cores, extraSeconds: (c.loggingOverheadMs + c.dataCollectionOverheadMs) / 1000)
    }

    package func deployment(_ settings: TargetConfigurations, _ context: TargetContext, traffic: TrafficSpec) throws -> Deployment {
        let c = settings.aks
        var d = Deployment(parameters: try parameters(settings, context), cost: try cost(settings, context))
        let st = serviceTime(context, node: try HardwareProfile.named(c.nodeSize), cores: c.cpuCores, c)
        d.scaling = st.scaling
        if context.replicaMemoryGB > c.memoryGB {
            d.notes.append(
                String(
                    format: "the model needs about %.2f GB per replica but memory_gb is %.2g: the pod would be OOM-killed; raise memory_gb",
                    context.replicaMemoryGB, c.memoryGB))
        }
        var sim = serving(traffic, st, replicas: minReplicas(c))
        sim.concurrency = c.replicaMaxConcurrentRequests
        sim.maxWaitSeconds = c.maxRequestWaitTime / 1000
        sim.timeoutSeconds = c.scoringTimeoutMs / 1000
        if c.autoscaleEnabled {
            sim.autoscaler = .init(
                minReplicas: c.autoscaleMinReplicas, maxReplicas: c.autoscaleMaxReplicas, refreshSeconds: c.autoscaleRefreshSeconds,
                targetUtilization: c.autoscaleTargetUtilization / 100, replicaStartSeconds: c.replicaStartSeconds,
                scaleDownDelaySeconds: c.scaleDownDelaySeconds)
        }
        d.simulation = sim
        return d
    }

    package func candidates(_ context: TargetContext, rate: Double) throws -> [CandidateFamily] {
        let base = context.base
        var families: [CandidateFamily] = []
        let policy = context.policy
        for node in HardwareProfile.aksNodes {
            for cores in Self.coreSizes where cores <= Self.allocatableCores * node.cores {
                let st = serviceTime(context, node: node, cores: cores, context.base.aks)
                let start = max(1, Int((rate * st.meanSeconds).rounded(.up)))
                let memory = context.roundedMemoryGB
                // Azure ML's sizing rule for the most replicas, and the mean load's for the fewest.
                let sizing = Int((rate * st.meanSeconds / policy.sizingUtilization).rounded(.up))
                let floor = max(1, Int((context.meanRps * st.meanSeconds / policy.sizingUtilization).rounded(.up)))
                // The replicas at the peak: never fewer than the sizing rule's (one rule for the
                // settings and the planner's analytic figure).
                let peak: @Sendable (Int) -> Int = { max($0, sizing) }
                families.append(
                    CandidateFamily(
                        service: st, servers: start...(start + policy.maxExtraReplicas), series: node.id, size: cores,
                        peakServers: peak
                    ) {
                        replicas in
                        var s = base
                        s.aks.nodeSize = node.id
                        s.aks.cpuCores = cores
                        s.aks.memoryGB = memory
                        s.aks.autoscaleMaxReplicas = peak(replicas)
                        s.aks.autoscaleMinReplicas = min(floor, s.aks.autoscaleMaxReplicas)
                        return s
                    })
            }
        }
        return families
    }

    package func infeasibility(_ context: TargetContext, rate: Double, sloMs: Double, networkMs: Double, closestP99Ms: Double?)
        -> Infeasibility
    {
        .latency(sloMs: sloMs, networkMs: networkMs, closestP99Ms: closestP99Ms)
    }

    package func larger(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        var s = settings
        s.aks.autoscaleMaxReplicas += max(1, Int(Double(s.aks.autoscaleMaxReplicas) * context.policy.replicaGrowthOnMiss))
        s.aks.autoscaleMinReplicas = s.aks.autoscaleMaxReplicas
        return s
    }

    package func steadier(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        var s = settings
        guard s.aks.autoscaleEnabled, let raised = Self.raisedMinimum(s.aks.autoscaleMinReplicas, toward: s.aks.autoscaleMaxReplicas)
        else { return nil }
        s.aks.autoscaleMinReplicas = raised
        return s
    }

    package func explain(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String {
        guard case .latency(let slo, let network, _) = infeasibility,
            let largest = HardwareProfile.aksNodes.max(by: { $0.cores < $1.cores })
        else { return Self.explainCommon(infeasibility, requirements) }
        let cores = Self.coreSizes.filter { $0 <= Self.allocatableCores * largest.cores }.max() ?? 1
        return String(
            format: "no replica size (up to %g vCPU on %@) meets the SLO of %.4g ms with a network p99 of %.3g ms per request", cores,
            largest.id,
            slo, network)
    }

    package func rules(_ r: Requirements, plan: TargetPlan, alternatives: Alternatives, policy: DecisionPolicy) -> [Reason] {
        var reasons: [Reason] = []
        if r.environment == .production {
            reasons.append(
                Reason(
                    .largeScaleProduction, .favors, evidence: "environment: production",
                    text: "the document positions AKS for large-scale production"))
        }
        if plan.feasible && (r.peakRps > r.rps * policy.variableLoadRatio || r.peakRps >= policy.largeScaleRps) {
            let c = plan.settings.aks
            reasons.append(
                Reason(
                    .autoscalingFastResponse, .favors, evidence: String(format: "peak %.4g vs mean %.4g requests/s", r.peakRps, r.rps),
                    text: minReplicas(c) == maxReplicas(c)
                        ? "\(minReplicas(c)) replicas carry the peak (autoscale min = max)"
                        : "autoscaling follows the load between \(minReplicas(c)) and \(maxReplicas(c)) replicas"))
        }
        if r.environment == .devTest {
            reasons.append(
                Reason(.devTest, .against, evidence: "environment: dev-test", text: "a cluster is more than a dev/test deployment needs"))
        }
        return reasons
    }
}
