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

    package init(
        target: TargetKind, feasible: Bool, infeasibility: Infeasibility?, reason: String?, configuration: [String: ConfigValue],
        summary: String, analyticP99Ms: Double?, simulatedP99Ms: Double?, simulatedSuccessRate: Double?, costPerMonthUSD: Double,
        costIsEstimate: Bool, deployMinutes: Double, deployBreakdown: [String: Double], closestP99Ms: Double?,
        settings: TargetConfigurations, smallerCheck: NeighbourCheck? = nil
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
    }

    /// The p99 that decides (simulated when available), ms.
    package var p99Ms: Double? { simulatedP99Ms ?? analyticP99Ms }

    enum CodingKeys: String, CodingKey {
        case target, feasible, infeasibility, reason, configuration, summary, analyticP99Ms, simulatedP99Ms, simulatedSuccessRate
        case costPerMonthUSD, costIsEstimate, deployMinutes, deployBreakdown, closestP99Ms, settings, smallerCheck
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
    }
}

/// A configuration next to a plan, simulated at the same peak.
package struct NeighbourCheck: Sendable, Codable, Equatable {
    package var summary: String
    package var simulatedP99Ms: Double?
    package var simulatedSuccessRate: Double

    package init(summary: String, simulatedP99Ms: Double?, simulatedSuccessRate: Double) {
        self.summary = summary
        self.simulatedP99Ms = simulatedP99Ms
        self.simulatedSuccessRate = simulatedSuccessRate
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(summary, forKey: .summary)
        try c.encode(simulatedP99Ms, forKey: .simulatedP99Ms)
        try c.encode(simulatedSuccessRate, forKey: .simulatedSuccessRate)
    }
}
