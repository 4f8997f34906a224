/// The smallest configuration of one target that meets the SLO at the peak rate (or why none does).
package struct TargetPlan: Sendable, Codable, Equatable {
    package var target: TargetKind
    package var feasible: Bool
    /// Why no configuration works (when not feasible).
    package var infeasibility: Infeasibility?
    /// ``infeasibility`` as a sentence.
    package var reason: String?
    /// The chosen configuration in Azure ML's parameter names.
    package var configuration: [String: ConfigValue]
    /// The configuration as people read it.
    package var summary: String
    /// p99 at the peak rate from queueing analytics (Erlang C with Allen–Cunneen scaling), ms.
    package var analyticP99Ms: Double?
    /// The simulation of the chosen configuration at the peak rate (nil in quick mode).
    package var simulatedP99Ms: Double?
    package var simulatedSuccessRate: Double?
    package var costPerMonthUSD: Double
    package var costIsEstimate: Bool
    package var deployMinutes: Double
    /// Deploy time by phase, minutes.
    package var deployBreakdown: [String: Double]
    /// The lowest p99 any configuration tried reached (even above the SLO), ms: how close the target came.
    package var closestP99Ms: Double?
    /// The full settings, for re-running the simulator.
    package var settings: TargetConfigurations
    /// The evidence that the plan is minimal: one server fewer of the same size, simulated at
    /// the peak, missed the SLO (nil when not verified or when the plan is the family's smallest).
    package var smallerCheck: NeighbourCheck?
    /// The other half of that evidence: the next smaller server size of the same series, with
    /// as many servers as cost no more than the plan (and reserve fewer vCPU or devices' worth),
    /// simulated at the peak, missed the SLO — or the reason no such configuration exists (nil
    /// when not verified or when the plan's size is its series' smallest).
    package var smallerSizeCheck: NeighbourCheck?
    /// When no configuration meets the SLO: the one that came closest (the lowest analytic p99,
    /// with servers enough to approach its service time; or, when none keeps up, the most
    /// capacity the target offers), simulated at the peak. Reports simulate and show it in place
    /// of the target's defaults, marked as not meeting the SLO.
    package var bestAttempt: NeighbourCheck?
    /// The plan simulated under the workload's own load pattern (nil when that is the steady
    /// peak, or not verified): the pattern can need a higher minimum than the peak does.
    package var patternCheck: NeighbourCheck?
    /// Other configurations of this target that also meet the SLO at the peak in simulation
    /// (up to two, cheapest first): what more headroom or another size costs.
    package var alternatives: [PlanAlternative] = []
    /// The plan's cost per million requests at the peak rate (feasible plans).
    package var costPerMillionUSD: Double?
    /// The run under the workload's own pattern that ``patternCheck`` summarizes, kept in
    /// memory (not written) so a report does not simulate the same run again.
    package var patternRun: TargetResult? = nil

    package init(
        target: TargetKind, feasible: Bool, infeasibility: Infeasibility?, reason: String?, configuration: [String: ConfigValue],
        summary: String, analyticP99Ms: Double?, simulatedP99Ms: Double?, simulatedSuccessRate: Double?, costPerMonthUSD: Double,
        costIsEstimate: Bool, deployMinutes: Double, deployBreakdown: [String: Double], closestP99Ms: Double?,
        settings: TargetConfigurations, smallerCheck: NeighbourCheck? = nil, smallerSizeCheck: NeighbourCheck? = nil,
        patternCheck: NeighbourCheck? = nil, alternatives: [PlanAlternative] = [], costPerMillionUSD: Double? = nil,
        bestAttempt: NeighbourCheck? = nil
    ) {
        self.target = target
        self.feasible = feasible
        self.infeasibility = infeasibility
        self.reason = reason
        self.configuration = configuration
        self.summary = summary
        self.analyticP99Ms = analyticP99Ms
        self.simulatedP99Ms = simulatedP99Ms
        self.simulatedSuccessRate = simulatedSuccessRate
        self.costPerMonthUSD = costPerMonthUSD
        self.costIsEstimate = costIsEstimate
        self.deployMinutes = deployMinutes
        self.deployBreakdown = deployBreakdown
        self.closestP99Ms = closestP99Ms
        self.settings = settings
        self.smallerCheck = smallerCheck
        self.smallerSizeCheck = smallerSizeCheck
        self.bestAttempt = bestAttempt
        self.patternCheck = patternCheck
        self.alternatives = alternatives
        self.costPerMillionUSD = costPerMillionUSD
    }

    /// The p99 that decides (simulated when available), ms.
    package var p99Ms: Double? { simulatedP99Ms ?? analyticP99Ms }

    enum CodingKeys: String, CodingKey {
        case target, feasible, infeasibility, reason, configuration, summary, analyticP99Ms, simulatedP99Ms, simulatedSuccessRate
        case costPerMonthUSD, costIsEstimate, deployMinutes, deployBreakdown, closestP99Ms, settings, smallerCheck, smallerSizeCheck
        case bestAttempt, patternCheck, alternatives, costPerMillionUSD
    }

    /// Every key is written, absent values as `null` (a stable shape for scripts).
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(target, forKey: .target)
        try c.encode(feasible, forKey: .feasible)
        try c.encode(infeasibility, forKey: .infeasibility)
        try c.encode(reason, forKey: .reason)
        try c.encode(configuration, forKey: .configuration)
        try c.encode(summary, forKey: .summary)
        try c.encode(analyticP99Ms, forKey: .analyticP99Ms)
        try c.encode(simulatedP99Ms, forKey: .simulatedP99Ms)
        try c.encode(simulatedSuccessRate, forKey: .simulatedSuccessRate)
        try c.encode(costPerMonthUSD, forKey: .costPerMonthUSD)
        try c.encode(costIsEstimate, forKey: .costIsEstimate)
        try c.encode(deployMinutes, forKey: .deployMinutes)
        try c.encode(deployBreakdown, forKey: .deployBreakdown)
        try c.encode(closestP99Ms, forKey: .closestP99Ms)
        try c.encode(settings, forKey: .settings)
        try c.encode(smallerCheck, forKey: .smallerCheck)
        try c.encode(smallerSizeCheck, forKey: .smallerSizeCheck)
        try c.encode(bestAttempt, forKey: .bestAttempt)
        try c.encode(patternCheck, forKey: .patternCheck)
        try c.encode(alternatives, forKey: .alternatives)
        try c.encode(costPerMillionUSD, forKey: .costPerMillionUSD)
    }
}

/// A configuration next to a plan, simulated at the same peak — or named with the reason it
/// was not simulated (a sizing rule excludes it, or it cannot carry the load for any cost
/// within the plan's).
package struct NeighbourCheck: Sendable, Codable, Equatable {
    package var summary: String
    package var simulatedP99Ms: Double?
    package var simulatedSuccessRate: Double?
    /// Why the neighbour was not simulated (nil when it was).
    package var notSimulated: String?
    /// Its full settings, for re-running the simulator.
    package var settings: TargetConfigurations
    /// Why its simulated p99 is not a number (``TargetResult/latencyCaveat``), when it is not.
    package var caveat: String?

    package init(
        summary: String, settings: TargetConfigurations, simulatedP99Ms: Double?, simulatedSuccessRate: Double?,
        notSimulated: String? = nil, caveat: String? = nil
    ) {
        self.summary = summary
        self.settings = settings
        self.simulatedP99Ms = simulatedP99Ms
        self.simulatedSuccessRate = simulatedSuccessRate
        self.notSimulated = notSimulated
        self.caveat = caveat
    }

    /// Whether the neighbour is shown not to do the job: simulated and missed the SLO or the
    /// success floor, or excluded without simulation.
    package func fails(sloMs: Double, minSuccessRate: Double) -> Bool {
        guard notSimulated == nil else { return true }
        return (simulatedP99Ms ?? .infinity) > sloMs || (simulatedSuccessRate ?? 0) < minSuccessRate
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(summary, forKey: .summary)
        try c.encode(simulatedP99Ms, forKey: .simulatedP99Ms)
        try c.encode(simulatedSuccessRate, forKey: .simulatedSuccessRate)
        try c.encode(notSimulated, forKey: .notSimulated)
        try c.encode(settings, forKey: .settings)
        try c.encode(caveat, forKey: .caveat)
    }
}

/// Another configuration of a feasible target, simulated at the peak.
package struct PlanAlternative: Sendable, Codable, Equatable {
    package var summary: String
    package var settings: TargetConfigurations
    package var simulatedP99Ms: Double
    package var costPerMonthUSD: Double
    /// Cost per million requests at the peak rate.
    package var costPerMillionUSD: Double

    package init(
        summary: String, settings: TargetConfigurations, simulatedP99Ms: Double, costPerMonthUSD: Double, costPerMillionUSD: Double
    ) {
        self.summary = summary
        self.settings = settings
        self.simulatedP99Ms = simulatedP99Ms
        self.costPerMonthUSD = costPerMonthUSD
        self.costPerMillionUSD = costPerMillionUSD
    }
}
