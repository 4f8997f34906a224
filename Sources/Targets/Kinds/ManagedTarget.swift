import Foundation
import Inference
import Simulation

/// Azure Machine Learning managed online endpoint (CLI/SDK v2): a deployment of
/// `instance_count` instances of one `instance_type`, each running the scoring container on
/// the whole VM, behind Azure ML's endpoint front end; Azure Monitor autoscale rules between a
/// minimum and a maximum; no cluster to create or operate. Today's replacement for the
/// document's ACI and AKS web services (SDK/CLI v1).
///
/// Sources: concept-endpoints-online (turnkey, recommended way), reference-yaml-deployment-
/// managed-online (`instance_count`: at least 3 for high availability), the request settings
/// and overload behaviour on ``ManagedConfiguration``, how-to-autoscale-endpoints (Azure
/// Monitor rules on `CpuUtilizationPercentage`).
package struct ManagedTarget: DeploymentTarget {
    package var kind: TargetKind { .managed }
    package var displayName: String { "Azure ML managed online endpoint" }
    package var deploymentPath: DeploymentPath { .managedOnlineEndpoint }

    /// Instances a production deployment keeps (Azure ML: "for high availability, set
    /// instance_count to at least 3").
    static let productionInstances = 3
    /// Share of an instance's memory the scoring container may use (the rest runs the VM's
    /// system and Azure ML's agents; as AKS's allocatable share).
    static let usableMemory = 0.8

    package func deployPhases(_ context: TargetContext) -> [String: Double] {
        var p = DeployTimeModel.common(modelGB: Double(context.profile.weightBytes) / 1e9, pullGBps: DeployTimeModel.cloudPullGBps)
        p["instanceProvision"] = DeployTimeModel.managedProvisionMinutes
        return p
    }

    package func cost(_ settings: TargetConfigurations, _ context: TargetContext) throws -> TargetCost {
        let c = settings.managed
        guard let price = context.pricing.managedInstanceHour[c.instanceType] else {
            throw TargetError(
                "no price for managed instance type '\(c.instanceType)'; the pricing file's managedInstanceHour lists: \(context.pricing.managedInstanceHour.keys.sorted().joined(separator: ", "))"
            )
        }
        // Billed at the most instances the autoscale profile allows (the peak's), as AKS's nodes.
        return TargetCost(perHourUSD: Double(c.autoscaleMaxInstances) * price.usd, isEstimate: price.estimate)
    }

    package func parameters(_ settings: TargetConfigurations, _ context: TargetContext) throws -> [String: ConfigValue] {
        let c = settings.managed
        let vm = try HardwareProfile.named(c.instanceType)
        return [
            "instance_type": .text(c.instanceType), "instance_count": .integer(c.instanceCount), "vcpus_per_instance": .number(vm.cores),
            "memory_gb_per_instance": .number(vm.ramGB),
            "max_concurrent_requests_per_instance": .integer(c.maxConcurrentRequestsPerInstance),
            "request_timeout_ms": .number(c.requestTimeoutMs), "autoscale_min_instances": .integer(c.autoscaleMinInstances),
            "autoscale_max_instances": .integer(c.autoscaleMaxInstances), "scale_out_threshold": .number(c.scaleOutThreshold),
            "scale_in_threshold": .number(c.scaleInThreshold), "cooldown_minutes": .number(c.cooldownMinutes),
        ]
    }

    package func summary(_ settings: TargetConfigurations, _ context: TargetContext) -> String {
        let c = settings.managed
        let scale =
            c.autoscaleMinInstances < c.autoscaleMaxInstances
            ? " (autoscale \(c.autoscaleMinInstances)–\(c.autoscaleMaxInstances))" : ""
        return "\(c.instanceCount) instance\(c.instanceCount == 1 ? "" : "s") × \(c.instanceType)\(scale)"
    }

    /// One request's service time on `vm` when `concurrent` requests share its vCPUs.
    func serviceTime(_ context: TargetContext, vm: HardwareProfile, concurrent: Int) -> ServiceTime {
        ServiceTimeModel.scale(context.calibration, to: vm, cores: vm.cores / Double(max(1, concurrent)))
    }

    package func deployment(_ settings: TargetConfigurations, _ context: TargetContext, traffic: TrafficSpec) throws -> Deployment {
        let c = settings.managed
        var d = Deployment(parameters: try parameters(settings, context), cost: try cost(settings, context))
        let vm = try HardwareProfile.named(c.instanceType)
        if let refusal = memoryRefusal(context, availableGB: vm.ramGB * Self.usableMemory) {
            d.refusal = refusal
            return d
        }
        let st = serviceTime(context, vm: vm, concurrent: c.maxConcurrentRequestsPerInstance)
        d.scaling = st.scaling
        var sim = serving(traffic, st, replicas: c.instanceCount)
        sim.concurrency = c.maxConcurrentRequestsPerInstance
        // 2 × max_concurrent_requests_per_instance × instance_count admitted: as many waiting as running.
        sim.queueCapacity = c.maxConcurrentRequestsPerInstance * c.instanceCount
        sim.timeoutSeconds = c.requestTimeoutMs / 1000
        d.notes.append(
            "at most \(2 * c.maxConcurrentRequestsPerInstance * c.instanceCount) requests admitted at once (2 × max_concurrent_requests_per_instance × instance_count); more get 429, and a request past request_timeout_ms (\(Int(c.requestTimeoutMs)) ms) gets 408"
        )
        if c.autoscaleMinInstances < c.autoscaleMaxInstances {
            // Azure Monitor's rule (average CPU over the window above the threshold → one more
            // instance, then the cooldown) modelled as target tracking at the threshold,
            // evaluated once per cooldown; a new instance serves after `instanceStartSeconds`.
            sim.autoscaler = .init(
                minReplicas: c.autoscaleMinInstances, maxReplicas: c.autoscaleMaxInstances, refreshSeconds: c.cooldownMinutes * 60,
                targetUtilization: c.scaleOutThreshold / 100, replicaStartSeconds: c.instanceStartSeconds,
                scaleDownDelaySeconds: c.cooldownMinutes * 60)
            d.notes.append(
                String(
                    format:
                        "autoscale between %d and %d instances on CpuUtilizationPercentage > %.0f%% (cooldown %.0f min); a new instance serves after about %.0f s",
                    c.autoscaleMinInstances, c.autoscaleMaxInstances, c.scaleOutThreshold, c.cooldownMinutes, c.instanceStartSeconds))
        }
        d.simulation = sim
        return d
    }

    package func candidates(_ context: TargetContext, rate: Double) -> [CandidateFamily] {
        let base = context.base
        let policy = context.policy
        let concurrent = base.managed.maxConcurrentRequestsPerInstance
        let fewest = context.production ? Self.productionInstances : 1
        return HardwareProfile.managedInstances.map { vm in
            let st = serviceTime(context, vm: vm, concurrent: concurrent)
            let perInstance = Double(concurrent) / st.meanSeconds
            let start = max(1, Int((rate / perInstance).rounded(.up)))
            // Sized, like AKS, to be at most `sizingUtilization` busy at the peak; the mean load's for the fewest.
            let sizing = max(fewest, Int((rate / perInstance / policy.sizingUtilization).rounded(.up)))
            let floor = max(fewest, Int((context.meanRps / perInstance / policy.sizingUtilization).rounded(.up)))
            let usable = vm.ramGB * Self.usableMemory
            let excluded =
                context.replicaMemoryGB > usable
                ? String(format: "the model needs %.2f GB; %@ leaves %.3g GB to the container", context.replicaMemoryGB, vm.id, usable)
                : nil
            return CandidateFamily(
                service: st, servers: start...(start + policy.maxExtraReplicas),
                series: vm.id.hasPrefix("Standard_DS") ? "DSv2" : "Fsv2", size: vm.cores, excluded: excluded
            ) { n in
                var s = base
                s.managed.instanceType = vm.id
                s.managed.instanceCount = max(n, sizing)
                s.managed.autoscaleMaxInstances = s.managed.instanceCount
                s.managed.autoscaleMinInstances = min(floor, s.managed.instanceCount)
                return s
            }
        }
    }

    package func infeasibility(_ context: TargetContext, rate: Double, sloMs: Double, networkMs: Double, closestP99Ms: Double?)
        -> Infeasibility
    {
        let largest = HardwareProfile.managedInstances.map { $0.ramGB * Self.usableMemory }.max() ?? 0
        if let refusal = memoryRefusal(context, availableGB: largest) { return refusal }
        return .latency(sloMs: sloMs, networkMs: networkMs, closestP99Ms: closestP99Ms)
    }

    package func larger(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        var s = settings
        s.managed.instanceCount += max(1, Int(Double(s.managed.instanceCount) * context.policy.replicaGrowthOnMiss))
        s.managed.autoscaleMaxInstances = s.managed.instanceCount
        return s
    }

    package func steadier(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        var s = settings
        guard let raised = Self.raisedMinimum(s.managed.autoscaleMinInstances, toward: s.managed.autoscaleMaxInstances) else {
            return nil
        }
        s.managed.autoscaleMinInstances = raised
        s.managed.instanceCount = max(s.managed.instanceCount, raised)
        return s
    }

    package func explain(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String {
        guard case .latency(let slo, let network, let closest) = infeasibility,
            let largest = HardwareProfile.managedInstances.max(by: { $0.cores < $1.cores })
        else { return Self.explainCommon(infeasibility, requirements) }
        return String(
            format: "no instance type (up to %g vCPU, %@) meets the SLO of %.4g ms with a network p99 of %.3g ms per request%@",
            largest.cores, largest.id, slo, network, closest.map { String(format: " (the closest reached %.3g ms)", $0) } ?? "")
    }

    package func rules(_ r: Requirements, plan: TargetPlan, alternatives: Alternatives, policy: DecisionPolicy) -> [Reason] {
        var reasons: [Reason] = []
        if r.environment == .production && !r.existingCluster {
            reasons.append(
                Reason(
                    .turnkeyProduction, .favors, evidence: "environment: production, no existing cluster",
                    text:
                        "production without a cluster to create or operate: Azure ML runs, scales, secures and monitors the instances (v2's recommended path)",
                    weight: policy.strongCriterionWeight))
        }
        if r.existingCluster {
            reasons.append(
                Reason(
                    .clusterExists, .against, evidence: "existingCluster: true",
                    text:
                        "a cluster already exists: Azure ML's Kubernetes online endpoint deploys on it (the AKS column) rather than on separate instances",
                    weight: policy.strongCriterionWeight))
        }
        if r.environment == .devTest {
            reasons.append(
                Reason(
                    .devTest, .info, evidence: "environment: dev-test",
                    text: "one small instance is Azure ML's supported replacement for an ACI web service in dev/test"))
        }
        if plan.feasible {
            let c = plan.settings.managed
            if c.autoscaleMinInstances < c.autoscaleMaxInstances {
                reasons.append(
                    Reason(
                        .autoscalingFastResponse, .info,
                        evidence: String(format: "peak %.4g vs mean %.4g requests/s", r.peakRps, r.rps),
                        text:
                            "Azure Monitor autoscale between \(c.autoscaleMinInstances) and \(c.autoscaleMaxInstances) instances; rules act over minutes, so the peak's instances are the starting count"
                    ))
            }
        }
        return reasons
    }
}
