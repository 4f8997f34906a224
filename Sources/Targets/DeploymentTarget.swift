import Foundation
import Inference
import Simulation

/// One deployment target's behaviour, in one type: its configuration space and the candidates
/// the planner tries, its cost, its deploy time, how its simulator is set up, and the
/// document's rules for it. Registered in ``TargetKind/target``; a new target is a new case
/// there and a new file in `Kinds/`.
package protocol DeploymentTarget: Sendable {
    var kind: TargetKind { get }
    var displayName: String { get }
    /// True when the model runs where the data is produced (requests do not cross the WAN).
    var scoresOnSite: Bool { get }
    /// How a plan of this target is deployed, and whether Microsoft still supports that path.
    var deploymentPath: DeploymentPath { get }

    /// Minutes from "deploy" to a serving endpoint, by phase.
    func deployPhases(_ context: TargetContext) -> [String: Double]
    /// What `settings` cost, per hour (the one cost function planner and simulator share).
    func cost(_ settings: TargetConfigurations, _ context: TargetContext) throws -> TargetCost
    /// The deployment parameters of `settings`, in Azure ML's names.
    func parameters(_ settings: TargetConfigurations, _ context: TargetContext) throws -> [String: ConfigValue]
    /// `settings` as people read them ("3–12 replicas × 2 cpu_cores (Standard_D4s_v3)").
    func summary(_ settings: TargetConfigurations, _ context: TargetContext) throws -> String

    /// The simulator of `settings`, or why the target cannot be deployed with them.
    func deployment(_ settings: TargetConfigurations, _ context: TargetContext, traffic: TrafficSpec) throws -> Deployment

    /// The configuration families the planner searches at `rate` requests/s: each fixes a
    /// service time and lets the number of servers vary.
    func candidates(_ context: TargetContext, rate: Double) throws -> [CandidateFamily]
    /// Why no candidate meets the SLO at `rate` (with `closestP99Ms`, the best any reached).
    func infeasibility(_ context: TargetContext, rate: Double, sloMs: Double, networkMs: Double, closestP99Ms: Double?) throws
        -> Infeasibility
    /// The next larger configuration after a plan missed in simulation (nil: none).
    func larger(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations?
    /// The same capacity at the peak with less reliance on autoscaling (a higher minimum), for
    /// a plan that meets the SLO at a steady peak but not while the workload's load rises
    /// faster than replicas start; nil when the target does not scale or already keeps its peak size.
    func steadier(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations?

    /// The document's rules for this target (preferences and target-specific hard constraints).
    func rules(_ requirements: Requirements, plan: TargetPlan, alternatives: Alternatives, policy: DecisionPolicy) -> [Reason]
    /// Why the target is infeasible, as a sentence.
    func explain(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String
}

/// A target's price for a configuration.
package struct TargetCost: Sendable, Equatable {
    package var perHourUSD: Double
    /// True when a price in it is this tool's estimate (no public price).
    package var isEstimate = false
    package var perMonthUSD: Double { perHourUSD * Pricing.hoursPerMonth }
    /// Cost per million requests when serving `rps` requests/s around the clock.
    package func perMillionUSD(atRps rps: Double) -> Double { rps > 0 ? perHourUSD / (rps * 3600) * 1e6 : .infinity }
}

/// Everything about the model and the environment a target needs.
package struct TargetContext: Sendable {
    package var graph: ModelGraph
    package var profile: ModelProfile
    package var modelName: String
    /// Whether the model is one of the DNNs Azure offered on FPGAs.
    package var fpgaOffered: Bool
    package var batch: Int
    package var calibration: ModelCalibration
    package var pricing: Pricing
    /// Production deployments get production-sized clusters.
    package var production: Bool
    package var existingCluster: Bool
    /// The site's link, for pulling images to edge devices, Mbit/s.
    package var siteLinkMbps: Double
    /// The mean offered rate, requests/s (autoscaling's floor).
    package var meanRps: Double
    package var policy: DecisionPolicy
    /// The user's settings, which the planner's candidates start from.
    package var base: TargetConfigurations

    package init(
        graph: ModelGraph, modelName: String? = nil, fpgaOffered: Bool = false, batch: Int, calibration: ModelCalibration,
        pricing: Pricing = .defaults, production: Bool = true, existingCluster: Bool = false, siteLinkMbps: Double = 20,
        meanRps: Double = 0, policy: DecisionPolicy = .standard, base: TargetConfigurations = .init()
    ) throws {
        self.graph = graph
        self.profile = try graph.profile()
        self.modelName = modelName ?? graph.name
        self.fpgaOffered = fpgaOffered
        self.batch = batch
        self.calibration = calibration
        self.pricing = pricing
        self.production = production
        self.existingCluster = existingCluster
        self.siteLinkMbps = siteLinkMbps
        self.meanRps = meanRps
        self.policy = policy
        self.base = base
    }

    /// Memory a replica needs: fp32 weights, the batch's peak activations (twice, in and out) and
    /// ~300 MB of scoring runtime, GB.
    package var replicaMemoryGB: Double {
        (Double(profile.weightBytes) + Double(profile.activationBytes * batch) * 2) / 1e9 + 0.3
    }

    /// The replica memory rounded up to the next half GB (Azure ML's `memory_gb` granularity in practice), at least 0.5.
    package var roundedMemoryGB: Double { max(0.5, (replicaMemoryGB * 2).rounded(.up) / 2) }
}

/// A family of configurations with one service time and a varying number of servers.
package struct CandidateFamily: Sendable {
    /// Service time of one request on one server.
    package var service: ServiceTime
    /// The numbers of servers to try, smallest first.
    package var servers: ClosedRange<Int>
    /// Each server receives its own `1/n` share of the requests in its own queue (edge devices
    /// at a site), rather than all servers sharing one queue (replicas behind a load balancer).
    package var partitioned = false
    /// The configuration with `n` servers.
    package var settings: @Sendable (Int) -> TargetConfigurations
    /// The families of one target that differ only in server size share a series (an AKS node
    /// type; one series for ACI's container sizes and one for edge device classes).
    package var series = ""
    /// The size of one server within its series (vCPU, or a device's price): what "one size
    /// smaller" steps down.
    package var size = 0.0
    /// Why the planner may not use this size (a sizing rule), when it may not; it is still
    /// named as a plan's smaller neighbour.
    package var excluded: String?
    /// How many servers `settings(n)` has at the peak, when a sizing rule raises it above `n`
    /// (AKS's autoscale maximum from Azure ML's `ceil(rps × seconds / utilization)`).
    package var peakServers: @Sendable (Int) -> Int = { $0 }

    /// What `servers` of this family reserve for the same work, in the size's unit: the size ×
    /// one request's mean service time (what the sizing rule's replica count is proportional to,
    /// before it rounds up), or the size × the count for a partitioned family (a site's devices,
    /// whose number the site fixes). Between equal-cost configurations the planner compares
    /// demands: unlike replicas × size after rounding (31 × 0.5 vCPU against 16 × 1 vCPU), they
    /// do not change order with the last percent of the measured service time, since every
    /// size's time scales alike when the host is faster or slower.
    package func demand(servers n: Int) -> Double {
        partitioned ? size * Double(n) : size * service.meanSeconds
    }

    package init(
        service: ServiceTime, servers: ClosedRange<Int>, partitioned: Bool = false, series: String = "", size: Double = 0,
        excluded: String? = nil, peakServers: @escaping @Sendable (Int) -> Int = { $0 },
        settings: @escaping @Sendable (Int) -> TargetConfigurations
    ) {
        self.peakServers = peakServers
        self.service = service
        self.servers = servers
        self.partitioned = partitioned
        self.series = series
        self.size = size
        self.excluded = excluded
        self.settings = settings
    }
}

/// A target set up for simulation, or refused.
package struct Deployment: Sendable {
    package var parameters: [String: ConfigValue]
    package var cost: TargetCost
    /// Set when the target cannot be deployed with these settings.
    package var refusal: Infeasibility?
    package var simulation: ServingSimulation?
    /// How the service time was derived from the measurement here.
    package var scaling: String = ""
    package var notes: [String] = []
}

/// Why a target has no configuration that works. Text is made from it by the target's
/// ``DeploymentTarget/explain(_:_:)``.
package enum Infeasibility: Sendable, Codable, Equatable {
    /// The model does not fit: it needs `neededGB`; the largest container or device offers `availableGB`.
    case memory(neededGB: Double, availableGB: Double)
    /// One ACI container group carries `groupRps` requests/s; the load needs `groupsNeeded` of them (quota `quota`).
    case groupCapacity(groupRps: Double, groupsNeeded: Int, quota: Int)
    /// No configuration meets the SLO; `closestP99Ms` is the best any reached.
    case latency(sloMs: Double, networkMs: Double, closestP99Ms: Double?)
    /// The analytic plan missed the SLO (or the success rate) in its verifying simulation, even grown.
    case missedInSimulation(p99Ms: Double?, successRate: Double)
    /// The plan meets the SLO at a steady peak but not under the workload's own load pattern
    /// (`pattern`), even with its minimum raised to its peak size: p99 `p99Ms` (nil when it is
    /// not a number), `lostShare` of the requests lost to capacity.
    case missedUnderPattern(pattern: String, p99Ms: Double?, lostShare: Double)
    /// The requests leave a site through one uplink that cannot carry them: `neededMbps` at the
    /// peak over a link of `uplinkMbps` (uploads queue without bound).
    case uplinkSaturated(neededMbps: Double, uplinkMbps: Double)
    /// No number format the NPU runs keeps the accuracy floor (`floor`, as text) on `inputs`;
    /// `best` says how close the most accurate came.
    case accuracy(floor: String, inputs: String, best: String)

    /// The criterion it violates.
    package var criterion: Criterion {
        switch self {
        case .memory: .memoryFit
        case .groupCapacity(_, let groups, let quota): groups > quota ? .aciQuota : .singleGroupCapacity
        case .latency: .latencySLO
        case .missedInSimulation: .latencySLO
        case .missedUnderPattern: .latencySLO
        case .uplinkSaturated: .latencySLO
        case .accuracy: .accuracyFloor
        }
    }
}

extension DeploymentTarget {
    package var scoresOnSite: Bool { false }

    package func steadier(than settings: TargetConfigurations, _ context: TargetContext) -> TargetConfigurations? { nil }

    /// A minimum raised halfway to the maximum (at least one more), or nil when it is the maximum.
    package static func raisedMinimum(_ minimum: Int, toward maximum: Int) -> Int? {
        minimum < maximum ? min(maximum, minimum + max(1, (maximum - minimum + 1) / 2)) : nil
    }

    /// The common sentences; targets with more to say override it.
    package func explain(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String {
        Self.explainCommon(infeasibility, requirements)
    }

    package static func explainCommon(_ infeasibility: Infeasibility, _ requirements: Requirements) -> String {
        switch infeasibility {
        case .memory(let needed, let available):
            String(
                format: "the model needs %.2f GB (weights, activations, runtime); the most this target offers is %.3g GB", needed, available
            )
        case .groupCapacity(let rps, let groups, let quota):
            String(
                format: "one container group serves %.3g requests/s at the sizing utilization; %.4g requests/s needs %d groups%@", rps,
                requirements.peakRps, groups, groups > quota ? " (over the quota of \(quota))" : "")
        case .latency(let slo, let network, let closest):
            String(format: "no configuration meets the SLO of %.4g ms", slo)
                + (network > 0 ? String(format: " with a network p99 of %.3g ms per request", network) : "")
                + (closest.map { String(format: " (the closest reached %.3g ms)", $0) } ?? "")
        case .missedInSimulation(let p99, let success):
            String(
                format: "the chosen configuration missed the SLO in simulation (p99 %@, success %.2f%%)",
                p99.map { String(format: "%.1f ms", $0) } ?? "none completed", 100 * success)
        case .missedUnderPattern(let pattern, let p99, let lost):
            String(
                format:
                    "meets the SLO at a steady peak but not under the workload's %@ load, even at its peak size from the start (p99 %@, %.2f%% of the requests lost to capacity)",
                pattern, p99.map { String(format: "%.1f ms", $0) } ?? "not a number: the backlog grows", 100 * lost)
        case .accuracy(let floor, let inputs, let best):
            "no number format the NPU runs keeps \(floor) against float32 on \(inputs) (the most accurate, \(best))"
        case .uplinkSaturated(let needed, let link):
            String(
                format:
                    "the site's uplink cannot carry the requests: %.3g requests/s × %@ is %.3g Mbit/s over a %.3g Mbit/s link, so uploads queue without bound (score on site, or send smaller payloads)",
                requirements.peakRps, Self.bytesText(needed * 1e6 / 8 / max(requirements.peakRps, 1e-9)), needed, link)
        }
    }

    /// A byte count as people write it (150 KB, 1.2 MB).
    static func bytesText(_ bytes: Double) -> String {
        bytes >= 1e6 ? String(format: "%.3g MB", bytes / 1e6) : String(format: "%.3g KB", bytes / 1e3)
    }

    /// The replicas' memory check shared by targets that refuse a model that does not fit.
    package func memoryRefusal(_ context: TargetContext, availableGB: Double) -> Infeasibility? {
        context.replicaMemoryGB > availableGB ? .memory(neededGB: context.replicaMemoryGB, availableGB: availableGB) : nil
    }

    /// The samples a simulator draws service times from.
    /// The serving simulation of `replicas` replicas with service time `st` (and its CPU quota, if any).
    package func serving(_ traffic: TrafficSpec, _ st: ServiceTime, replicas: Int) -> ServingSimulation {
        var sim = ServingSimulation(traffic: traffic, service: distribution(st), replicas: replicas)
        sim.cpuShare = st.cpuShare
        return sim
    }

    /// Under a CFS quota these are CPU seconds (see ``ServingSimulation/cpuShare``).
    package func distribution(_ st: ServiceTime) -> Distribution {
        if let e = EmpiricalDistribution(samples: st.cpuSeconds ?? st.samples) { return .empirical(e) }
        return .deterministic(st.meanSeconds)
    }
}
