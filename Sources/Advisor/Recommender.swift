import Foundation
import Inference
import Targets

/// How much each preference counts when ranking targets that pass every hard constraint.
/// The four weights are normalized to sum to 1.
package struct PreferenceWeights: Sendable, Codable, Equatable {
    /// How well the target matches the document's criteria for this workload.
    package var fit = 0.35
    /// Monthly cost (cheapest = 1).
    package var cost = 0.25
    /// p99 headroom under the SLO.
    package var latency = 0.25
    /// Deploy time (0 min = 1, 60 min or more = 0).
    package var deploy = 0.15

    package init() {}

    /// Parses `fit=0.4,cost=0.3,latency=0.2,deploy=0.1` (any subset).
    package init(parsing text: String) throws(WorkloadError) {
        for item in text.split(separator: ",") {
            let kv = item.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let v = Double(kv[1]), v >= 0, v.isFinite else {
                throw WorkloadError("--weights: '\(item)' must be name=number with a number ≥ 0 (names: fit, cost, latency, deploy)")
            }
            switch kv[0] {
            case "fit": fit = v
            case "cost": cost = v
            case "latency": latency = v
            case "deploy": deploy = v
            default: throw WorkloadError("--weights: unknown weight '\(kv[0])'; weights: fit, cost, latency, deploy")
            }
        }
        guard fit + cost + latency + deploy > 0 else { throw WorkloadError("--weights: at least one weight must be positive") }
    }

    var normalized: PreferenceWeights {
        let total = fit + cost + latency + deploy
        var w = self
        w.fit /= total
        w.cost /= total
        w.latency /= total
        w.deploy /= total
        return w
    }
}

/// A target's verdict.
package enum Verdict: String, Sendable, Codable {
    case recommended
    case viable
    case ruledOut = "ruled-out"
}

/// How a target's score was made: each preference's value (0…1) and the normalized weights.
package struct ScoreBreakdown: Sendable, Codable, Equatable {
    /// Fit with the document's criteria: baseline ± one step per criterion (weighted).
    package var fit: Double
    /// Cheapest feasible target's monthly cost / this one's.
    package var cost: Double
    /// p99 headroom under the SLO: `1 − p99/SLO`.
    package var latency: Double
    /// `1 − deploy minutes / horizon`.
    package var deploy: Double
    package var weights: PreferenceWeights
    /// 0–100.
    package var total: Double {
        100 * (weights.fit * fit + weights.cost * cost + weights.latency * latency + weights.deploy * deploy)
    }

    enum CodingKeys: String, CodingKey { case fit, cost, latency, deploy, weights, total }

    package init(fit: Double, cost: Double, latency: Double, deploy: Double, weights: PreferenceWeights) {
        self.fit = fit
        self.cost = cost
        self.latency = latency
        self.deploy = deploy
        self.weights = weights
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fit = try c.decode(Double.self, forKey: .fit)
        cost = try c.decode(Double.self, forKey: .cost)
        latency = try c.decode(Double.self, forKey: .latency)
        deploy = try c.decode(Double.self, forKey: .deploy)
        weights = try c.decode(PreferenceWeights.self, forKey: .weights)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fit, forKey: .fit)
        try c.encode(cost, forKey: .cost)
        try c.encode(latency, forKey: .latency)
        try c.encode(deploy, forKey: .deploy)
        try c.encode(weights, forKey: .weights)
        try c.encode(total, forKey: .total)
    }
}

/// One target's place in the ranking.
package struct TargetVerdict: Sendable, Codable, Equatable {
    package var target: TargetKind
    package var verdict: Verdict
    /// 0–100 (0 when ruled out).
    package var score: Double
    /// How the score was made (nil when ruled out).
    package var scoreBreakdown: ScoreBreakdown?
    package var reasons: [Reason]
    package var plan: TargetPlan

    /// The reasons that rule the target out.
    package var blockers: [Reason] { reasons.filter(\.blocking) }
}

/// The answer to "where should I deploy?".
package struct Recommendation: Sendable, Codable, Equatable {
    /// 2: targets are typed ids, plan configurations hold numbers as numbers, reasons carry
    /// `weight`, verdicts a `scoreBreakdown`, and the policy that decided is included.
    package var schemaVersion = 2
    /// The recommended target, or nil when no target satisfies every hard constraint.
    package var recommendation: TargetKind?
    package var ranking: [TargetVerdict]
    /// A one-paragraph explanation.
    package var summary: String
    /// When nothing qualifies: the target with the fewest blocking constraints.
    package var nearestOption: TargetKind?
    package var weights: PreferenceWeights
    /// Every number that decided.
    package var policy: DecisionPolicy
    package var quick: Bool

    /// The verdict of `target`.
    package func verdict(_ target: TargetKind) -> TargetVerdict? { ranking.first { $0.target == target } }
}

/// Applies the document's criteria and the quantitative checks to the capacity plans.
///
/// Hard constraints (any one rules a target out): privacy, connectivity and the uplink
/// against the data rate for targets that score in the cloud; each target's own (the FPGA's
/// supported DNNs); the plan's feasibility (memory, ACI's group capacity and quota, the p99
/// SLO at the peak rate); the deploy deadline and the budget. The rest are ranked by
/// ``PreferenceWeights``: fit with the document's criteria (each target's rules), cost,
/// latency headroom and deploy time. Every number comes from ``DecisionPolicy``.
package struct Recommender: Sendable {
    package var plans: [TargetPlan]
    package var requirements: Requirements
    package var weights: PreferenceWeights
    package var policy: DecisionPolicy
    package var quick: Bool

    package init(
        requirements: Requirements, plans: [TargetPlan], weights: PreferenceWeights = .init(), policy: DecisionPolicy = .standard,
        quick: Bool = false
    ) {
        self.requirements = requirements
        self.plans = plans
        self.weights = weights
        self.policy = policy
        self.quick = quick
    }

    package func recommend() -> Recommendation {
        let feasibleCosts = plans.filter(\.feasible).map(\.costPerMonthUSD)
        let cheapest = max(feasibleCosts.min() ?? 1, 0.01)
        let cpuP99 = plans.filter { $0.target != .fpga && $0.feasible }.compactMap(\.p99Ms).min()
        var verdicts = plans.map { verdict($0, cheapestUSD: cheapest, bestCPUP99Ms: cpuP99) }
        verdicts.sort { ($0.verdict != .ruledOut ? 1 : 0, $0.score) > ($1.verdict != .ruledOut ? 1 : 0, $1.score) }
        var recommendation: TargetKind?
        var nearest: TargetKind?
        if let i = verdicts.firstIndex(where: { $0.verdict == .viable }) {
            verdicts[i].verdict = .recommended
            recommendation = verdicts[i].target
        } else {
            // Nearest: fewest blocking constraints, then the closest any configuration came to the SLO.
            nearest =
                verdicts.min { a, b in
                    (a.blockers.count, a.plan.closestP99Ms ?? .infinity, a.plan.costPerMonthUSD)
                        < (b.blockers.count, b.plan.closestP99Ms ?? .infinity, b.plan.costPerMonthUSD)
                }?.target
        }
        return Recommendation(
            recommendation: recommendation, ranking: verdicts,
            summary: RecommendationSummary.render(verdicts, recommended: recommendation, nearest: nearest, sloMs: requirements.sloMs),
            nearestOption: nearest, weights: weights, policy: policy, quick: quick)
    }

    /// The hard constraints every target shares.
    func commonConstraints(_ target: any DeploymentTarget, _ plan: TargetPlan) -> [Reason] {
        let r = requirements
        var reasons: [Reason] = []
        if target.scoresOnSite && r.requestsFrom != .site {
            reasons.append(
                Reason(
                    .requestSource, .blocks, evidence: "requestsFrom: \(r.requestsFrom.rawValue)",
                    text: r.requestsFrom == .azure
                        ? "requests come from Azure services, which call a cloud endpoint; \(target.displayName) runs on devices at a site"
                        : "requests come from the internet and reach a cloud endpoint; \(target.displayName) runs on devices at a site, "
                            + "not as a server pool for cloud traffic (set requestsFrom: site when the devices produce the requests)"))
        }
        if !target.scoresOnSite {
            if r.privacy != .none {
                reasons.append(
                    Reason(
                        .dataPrivacy, .blocks, evidence: "privacy: \(r.privacy.rawValue)",
                        text:
                            "the data may not leave the \(r.privacy == .onDevice ? "device" : "premises"); \(target.displayName) runs in Azure's cloud"
                    ))
            }
            if r.connectivity != .always {
                reasons.append(
                    Reason(
                        .noCloudConnection, .blocks, evidence: "connectivity: \(r.connectivity.rawValue)",
                        text: "requests cannot reach a cloud endpoint while the site is disconnected"))
            }
            if r.dataExceedsUplink {
                reasons.append(
                    Reason(
                        .dataTooLargeToSend, .blocks,
                        evidence: String(format: "%.4g MB/s = %.4g Mbit/s > uplink %.4g Mbit/s", r.dataMBps, r.dataMbps, r.uplinkMbps),
                        text: "the site produces data faster than its uplink can send it to the cloud"))
            }
        }
        return reasons
    }

    /// The plan's own verdict: infeasible, or meeting the SLO; then the deadline and the budget.
    func planConstraints(_ plan: TargetPlan) -> [Reason] {
        let r = requirements
        var reasons: [Reason] = []
        if let why = plan.infeasibility, !plan.feasible {
            reasons.append(
                Reason(
                    why.criterion, .blocks, evidence: String(format: "SLO p99 %.4g ms at %.4g requests/s", r.sloMs, r.peakRps),
                    text: plan.reason ?? "no configuration meets the SLO"))
        } else if let p = plan.p99Ms {
            reasons.append(
                Reason(
                    .latencySLO, .info,
                    evidence: String(
                        format: "p99 %.2f ms ≤ SLO %.4g ms at %.4g requests/s (%@)", p, r.sloMs, r.peakRps,
                        plan.simulatedP99Ms != nil ? "simulated" : "analytic"), text: "meets the latency SLO with \(plan.summary)"))
        }
        if let deadline = r.deployDeadlineMinutes, plan.deployMinutes > deadline {
            let longest = plan.deployBreakdown.max { ($0.value, $1.key) < ($1.value, $0.key) }
            reasons.append(
                Reason(
                    .deployDeadline, .blocks, evidence: String(format: "deploy %.1f min > deadline %.4g min", plan.deployMinutes, deadline),
                    text: "cannot be serving by the deadline"
                        + (longest.map { String(format: " (the longest phase, %@, takes %.1f min)", $0.key, $0.value) } ?? "")))
        }
        if let budget = r.budgetUSDPerMonth, plan.feasible, plan.costPerMonthUSD > budget {
            reasons.append(
                Reason(
                    .budget, .blocks, evidence: String(format: "USD %.2f/month > budget USD %.4g", plan.costPerMonthUSD, budget),
                    text: "costs more than the budget"))
        }
        return reasons
    }

    func verdict(_ plan: TargetPlan, cheapestUSD: Double, bestCPUP99Ms: Double?) -> TargetVerdict {
        let target = plan.target.target
        let rules = target.rules(requirements, plan: plan, bestCPUP99Ms: bestCPUP99Ms, policy: policy)
        let reasons =
            commonConstraints(target, plan) + rules.filter(\.blocking) + planConstraints(plan) + rules.filter { !$0.blocking }
        guard !reasons.contains(where: \.blocking) else {
            return TargetVerdict(target: plan.target, verdict: .ruledOut, score: 0, scoreBreakdown: nil, reasons: reasons, plan: plan)
        }
        let criteria = reasons.reduce(0) { $0 + ($1.effect == .favors ? $1.weight : $1.effect == .against ? -$1.weight : 0) }
        let breakdown = ScoreBreakdown(
            fit: min(1, max(0, policy.fitBaseline + policy.fitStep * Double(criteria))),
            cost: min(1, cheapestUSD / max(plan.costPerMonthUSD, 0.01)),
            latency: plan.p99Ms.map { min(1, max(0, 1 - $0 / requirements.sloMs)) } ?? 0,
            deploy: min(1, max(0, 1 - plan.deployMinutes / policy.deployScoreHorizonMinutes)), weights: weights.normalized)
        return TargetVerdict(
            target: plan.target, verdict: .viable, score: breakdown.total, scoreBreakdown: breakdown, reasons: reasons, plan: plan)
    }
}

/// The recommendation's paragraph, rendered from the verdicts.
enum RecommendationSummary {
    static func render(_ verdicts: [TargetVerdict], recommended: TargetKind?, nearest: TargetKind?, sloMs: Double) -> String {
        if let kind = recommended, let v = verdicts.first(where: { $0.target == kind }) {
            let deciding = v.reasons.filter { $0.effect == .favors }.map(\.text)
            var summary =
                "Deploy to \(kind.displayName) (\(v.plan.summary)): "
                + (deciding.isEmpty ? "" : deciding.joined(separator: "; ") + "; ")
                + String(format: "p99 %.2f ms within the %.4g ms SLO, USD %.2f/month.", v.plan.p99Ms ?? 0, sloMs, v.plan.costPerMonthUSD)
            let out = verdicts.filter { $0.verdict == .ruledOut }
            if !out.isEmpty {
                summary += " Ruled out: " + out.map { "\($0.target.rawValue) (\($0.blockers.first!.text))" }.joined(separator: "; ") + "."
            }
            return summary
        }
        var summary =
            "No target satisfies every requirement. "
            + verdicts.map { v in
                "\(v.target.rawValue): " + v.blockers.map { "\($0.criterion.rawValue) (\($0.evidence))" }.joined(separator: ", ")
            }.joined(separator: "; ") + "."
        if let nearest, let v = verdicts.first(where: { $0.target == nearest }) {
            summary +=
                " Nearest option: \(nearest.rawValue), blocked only by \(v.blockers.map(\.criterion.rawValue).joined(separator: ", "))."
        }
        return summary
    }
}

extension Recommendation {
    enum CodingKeys: String, CodingKey {
        case schemaVersion, recommendation, ranking, summary, nearestOption, weights, policy, quick
    }

    /// Encodes `recommendation` and `nearestOption` as explicit `null` when absent (a stable
    /// shape for scripts).
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(recommendation, forKey: .recommendation)
        try c.encode(ranking, forKey: .ranking)
        try c.encode(summary, forKey: .summary)
        try c.encode(nearestOption, forKey: .nearestOption)
        try c.encode(weights, forKey: .weights)
        try c.encode(policy, forKey: .policy)
        try c.encode(quick, forKey: .quick)
    }
}
