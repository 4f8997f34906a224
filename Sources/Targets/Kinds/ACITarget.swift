import Foundation
import Inference
import Simulation

/// Azure Container Instances: one container group per deployment, no scaling; the document's
/// quick-deploy and dev/test target.
package struct ACITarget: DeploymentTarget {
    package var kind: TargetKind { .aci }
    package var displayName: String { "Azure Container Instances" }
    package var deploymentPath: DeploymentPath { .aciWebService }

    /// CPU sizes the planner tries (ACI accepts fractions of a core up to 4 per group).
    static let coreSizes: [Double] = [0.25, 0.5, 1, 2, 3, 4]
    /// The most memory one container group gets, GB (ACI's per-group limit in most regions).
    static let maxMemoryGB = 16.0

    package func deployPhases(_ context: TargetContext) -> [String: Double] {
        DeployTimeModel.common(modelGB: Double(context.profile.weightBytes) / 1e9, pullGBps: DeployTimeModel.cloudPullGBps)
    }

    package func cost(_ settings: TargetConfigurations, _ context: TargetContext) -> TargetCost {
        let c = settings.aci
        return TargetCost(
            perHourUSD: 3600 * (c.cpuCores * context.pricing.aciVcpuSecond.usd + c.memoryGB * context.pricing.aciGbSecond.usd))
    }

    package func parameters(_ settings: TargetConfigurations, _ context: TargetContext) -> [String: ConfigValue] {
        ["cpu_cores": .number(settings.aci.cpuCores), "memory_gb": .number(settings.aci.memoryGB), "container_groups": 1]
    }

    package func summary(_ settings: TargetConfigurations, _ context: TargetContext) -> String {
        String(format: "1 container group, cpu_cores %g, memory_gb %g", settings.aci.cpuCores, settings.aci.memoryGB)
    }

    /// The service time of one group with `cores` vCPU.
    func serviceTime(_ context: TargetContext, cores: Double) -> ServiceTime {
        ServiceTimeModel.scale(context.calibration, to: .aciHost, cores: cores)
    }

    package func deployment(_ settings: TargetConfigurations, _ context: TargetContext, traffic: TrafficSpec) -> Deployment {
        let c = settings.aci
        var d = Deployment(parameters: parameters(settings, context), cost: cost(settings, context))
        if let refusal = memoryRefusal(context, availableGB: c.memoryGB) {
            d.refusal = refusal
            return d
        }
        let st = serviceTime(context, cores: c.cpuCores)
        d.scaling = st.scaling
        var sim = serving(traffic, st, replicas: 1)
        // ACI has no admission control: requests queue in the container (about 100 before the
        // server refuses connections) and the client gives up after a minute.
        sim.queueCapacity = 100
        sim.maxWaitSeconds = 60
        sim.waitLimitIsTimeout = true
        sim.timeoutSeconds = 60
        d.simulation = sim
        let capacity = Double(context.batch) / st.meanSeconds
        let groups = Int((traffic.offeredRps / (context.policy.sizingUtilization * capacity)).rounded(.up))
        if groups > 1 {
            d.notes.append(
                String(
                    format: "one container group serves about %.2f requests/s; the load needs %d groups at %.0f%% utilization%@",
                    capacity, groups, 100 * context.policy.sizingUtilization,
                    groups > c.containerGroupQuota ? " — more than the quota of \(c.containerGroupQuota) per subscription" : ""))
        }
        return d
    }

    package func candidates(_ context: TargetContext, rate: Double) -> [CandidateFamily] {
        let base = context.base
        let memory = context.roundedMemoryGB
        guard memory <= Self.maxMemoryGB else { return [] }
        // One group has no autoscaling: it is sized, like AKS replicas, to be at most
        // `sizingUtilization` busy at the peak (the capacity the group-capacity message quotes).
        return Self.coreSizes.map { cores in
            let st = serviceTime(context, cores: cores)
            let busy = rate * st.meanSeconds / Double(context.batch)
            let excluded =
                busy <= context.policy.sizingUtilization
                ? nil
                : String(
                    format: "one group would be %.0f%% busy at the peak; groups are sized to at most %.0f%%", 100 * busy,
                    100 * context.policy.sizingUtilization)
            return CandidateFamily(service: st, servers: 1...1, series: "aci", size: cores, excluded: excluded) { _ in
                var s = base
                s.aci.cpuCores = cores
                s.aci.memoryGB = memory
                return s
            }
        }
    }

    package func infeasibility(_ context: TargetContext, rate: Double, sloMs: Double, networkMs: Double, closestP99Ms: Double?)
        -> Infeasibility
    {
        if context.roundedMemoryGB > Self.maxMemoryGB {
            return .memory(neededGB: context.replicaMemoryGB, availableGB: Self.maxMemoryGB)
        }
        let largest = serviceTime(context, cores: Self.coreSizes.last!)
        let groupRps = context.policy.sizingUtilization * Double(context.batch) / largest.meanSeconds
        let groups = Int((rate / groupRps).rounded(.up))
        if groups > 1 {
            return .groupCapacity(groupRps: groupRps, groupsNeeded: groups, quota: ACIConfiguration().containerGroupQuota)
        }
        return .latency(sloMs: sloMs, networkMs: networkMs, closestP99Ms: closestP99Ms)
    }

    package func larger(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? {
        guard let next = Self.coreSizes.first(where: { $0 > settings.aci.cpuCores }) else { return nil }
        var s = settings
        s.aci.cpuCores = next
        return s
    }

    package func explain(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String {
        switch infeasibility {
        case .memory(let needed, let available):
            String(
                format:
                    "the model needs %.2f GB (weights, activations, runtime) but the container has memory_gb %.3g (ACI gives at most %g)",
                needed, available, Self.maxMemoryGB)
        case .groupCapacity(let rps, let groups, let quota):
            String(
                format:
                    "one container group (%g vCPU, the most ACI gives) serves %.3g requests/s at %.0f%% utilization; %.4g requests/s needs %d groups%@",
                Self.coreSizes.last!, rps, 100 * DecisionPolicy.standard.sizingUtilization, requirements.peakRps, groups,
                groups > quota ? " (over the quota of \(quota))" : "")
        case .latency(let slo, let network, let closest):
            String(
                format: "even at %g vCPU the p99 (%@ with a network p99 of %.3g ms) exceeds the SLO of %.4g ms", Self.coreSizes.last!,
                closest.map { String(format: "%.3g ms", $0) } ?? "unbounded", network, slo)
        default: Self.explainCommon(infeasibility, requirements)
        }
    }

    package func rules(_ r: Requirements, plan: TargetPlan, alternatives: Alternatives, policy: DecisionPolicy) -> [Reason] {
        var reasons: [Reason] = []
        if r.environment == .devTest {
            reasons.append(
                Reason(.devTest, .favors, evidence: "environment: dev-test", text: "the document positions ACI for development and test"))
        }
        if let d = r.deployDeadlineMinutes, d < policy.quickDeployDeadlineMinutes {
            reasons.append(
                Reason(
                    .quickDeployValidation, .favors, evidence: String(format: "deploy %.1f min, deadline %.4g min", plan.deployMinutes, d),
                    text: "ACI deploys in under 5 minutes"))
        }
        if r.environment == .production {
            reasons.append(
                Reason(
                    .largeScaleProduction, .against, evidence: "environment: production",
                    text:
                        "one container group, no autoscaling: the document positions ACI for quick validation and dev/test, AKS for production",
                    weight: policy.strongCriterionWeight))
        }
        return reasons
    }
}
