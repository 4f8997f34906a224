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

    package var normalized: PreferenceWeights {
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
    /// The cheapest target that can be chosen: its monthly cost / this one's.
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
    /// A document criterion that defines the target's role speaks against it here (ACI in
    /// production): it ranks after every viable target without one, whatever the scores
    /// (unless the fit with the document is weighted 0).
    package var disfavoured = false
    /// How the plan is deployed and whether that path is still supported.
    package var deploymentPath: DeploymentPath?

    /// Ranking order: viable first, then not disfavoured, then by score.
    package var rank: (Int, Int, Double) { (verdict != .ruledOut ? 1 : 0, disfavoured ? 0 : 1, score) }

    /// The reasons that rule the target out.
    package var blockers: [Reason] { reasons.filter(\.blocking) }
}

/// The answer to "where should I deploy?".
package struct Recommendation: Sendable, Codable, Equatable {
    /// 2: targets are typed ids, plan configurations hold numbers as numbers, reasons carry
    /// `weight`, verdicts a `scoreBreakdown`, and the policy that decided is included.
    /// 3: `boundaries` (where the answer changes); `nearestOption` only for targets blocked by
    /// requirements the user can relax.
    /// 4: the `managed` target; each verdict's `deploymentPath` (support status, its date and
    /// source, the supported equivalent); the summary ends with "Support: …" when the
    /// recommended path is deprecated or out of support.
    package var schemaVersion = 4
    /// The recommended target, or nil when no target satisfies every hard constraint.
    package var recommendation: TargetKind?
    package var ranking: [TargetVerdict]
    /// A one-paragraph explanation.
    package var summary: String
    /// When nothing qualifies: the target that needs the least relaxation of the SLO, the
    /// budget or the deadline (nil when every target is ruled out by something else).
    package var nearestOption: TargetKind?
    /// Where the answer would change (see ``AnswerBoundary``).
    package var boundaries: [AnswerBoundary]
    package var weights: PreferenceWeights
    /// Every number that decided.
    package var policy: DecisionPolicy
    package var quick: Bool

    /// The verdict of `target`.
    package func verdict(_ target: TargetKind) -> TargetVerdict? { ranking.first { $0.target == target } }
}

/// Applies the document's criteria and the quantitative checks to the capacity plans.
///
/// Hard constraints (any one rules a target out): where requests come from (IoT Edge serves
/// only a site's own requests), privacy, connectivity and the uplink against the data rate
/// for targets that score in the cloud; each target's own (the FPGA's supported DNNs); the
/// plan's feasibility (memory, ACI's group capacity and quota, the p99 SLO at the peak rate);
/// the deploy deadline and the budget. A target the document positions against the workload
/// with a defining criterion (ACI in production) is chosen only when nothing else is viable.
/// Among the rest, the answer is the cheapest plan that meets every requirement, or a plan
/// within ``DecisionPolicy/costTolerance`` of it that scores better on ``PreferenceWeights``
/// (fit with the document's criteria, cost, latency headroom, deploy time); the ranking
/// lists the others by score. Every number comes from ``DecisionPolicy``.
///
/// Properties (tested by sweeps on synthetic calibrations): loosening only the SLO never
/// makes the recommended plan costlier by more than the cost tolerance; raising only the
/// budget changes the answer exactly at the budget the previous answer names, and to the
/// target it names (``AnswerBoundary``); a change of load changes the answer only at a load
/// the previous answer names, and never back to a target it left; quick and full answers
/// agree on at least 90% of the expert scenarios.
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

    /// - Parameter loadBoundaries: where a change of load changes the answer (computed by the
    ///   caller, which can plan other loads), named in the summary and the JSON.
    package func recommend(loadBoundaries: [AnswerBoundary] = []) -> Recommendation {
        let alternatives = cpuAlternatives()
        let allReasons = plans.map { self.reasons($0, alternatives: alternatives) }
        // Cost is scored against the cheapest target that can actually be chosen.
        let viableCosts = zip(plans, allReasons).filter { !$0.1.contains(where: \.blocking) }.map { $0.0.costPerMonthUSD }
        let cheapest = max(viableCosts.min() ?? 1, 0.01)
        var verdicts = zip(plans, allReasons).map { self.verdict($0.0, reasons: $0.1, cheapestUSD: cheapest) }
        verdicts.sort { $0.rank > $1.rank }
        var recommendation: TargetKind?
        var nearest: TargetKind?
        if let i = choose(verdicts) {
            var chosen = verdicts.remove(at: i)
            chosen.verdict = .recommended
            verdicts.insert(chosen, at: 0)
            recommendation = chosen.target
        } else {
            nearest = Self.nearest(verdicts, requirements)?.target
        }
        let boundaries = (recommendation.map { self.boundaries(verdicts, recommended: $0, cheapestUSD: cheapest) } ?? []) + loadBoundaries
        return Recommendation(
            recommendation: recommendation, ranking: verdicts,
            summary: RecommendationSummary.render(
                verdicts, recommended: recommendation, nearest: nearest, requirements: requirements, boundaries: boundaries),
            nearestOption: nearest, boundaries: boundaries, weights: weights, policy: policy, quick: quick)
    }

    /// How much above the cheapest eligible plan the answer may cost: the policy's tolerance
    /// with the default weights; unbounded when the user weighs the preferences (`--weights`),
    /// so the weighted score alone decides.
    var costTolerance: Double { weights == PreferenceWeights() ? policy.costTolerance : .infinity }

    /// The recommended verdict's index: among the viable targets (those the document does not
    /// disfavour, if any), the cheapest plan and every plan within ``costTolerance`` of it
    /// compete, and the best score among them wins.
    func choose(_ verdicts: [TargetVerdict]) -> Int? {
        let viable = verdicts.indices.filter { verdicts[$0].verdict != .ruledOut }
        let preferred = viable.filter { !verdicts[$0].disfavoured }
        let pool = preferred.isEmpty ? viable : preferred
        guard let cheapest = pool.map({ verdicts[$0].plan.costPerMonthUSD }).min() else { return nil }
        let band = pool.filter { verdicts[$0].plan.costPerMonthUSD <= cheapest * (1 + costTolerance) + 1e-9 }
        return band.max { verdicts[$0].score < verdicts[$1].score }
    }

    /// The CPU targets' plans that meet the SLO and that the workload's own constraints allow.
    func cpuAlternatives() -> Alternatives {
        let cpu = plans.filter { plan in
            plan.target != .fpga && plan.feasible && !commonConstraints(plan.target.target, plan).contains(where: \.blocking)
        }
        let cheapest = cpu.min { $0.costPerMonthUSD < $1.costPerMonthUSD }
        return Alternatives(
            bestCPUP99Ms: cpu.compactMap(\.p99Ms).min(), cheapestCPU: cheapest?.target, cheapestCPUUSD: cheapest?.costPerMonthUSD)
    }

    /// Requirements a user can relax (the rest describe the workload or the target's nature).
    static let relaxable: Set<Criterion> = [.latencySLO, .deployDeadline, .budget]

    /// How far `v`'s relaxable blocker must move to unblock it (the required value over the
    /// given one), nil for a blocker that cannot be relaxed.
    static func relaxation(_ reason: Reason, _ v: TargetVerdict, _ r: Requirements) -> Double? {
        switch reason.criterion {
        case .budget: return v.plan.costPerMonthUSD / max(r.budgetUSDPerMonth ?? 0, 1)
        case .deployDeadline: return v.plan.deployMinutes / max(r.deployDeadlineMinutes ?? 1, 1e-9)
        case .latencySLO: return v.plan.closestP99Ms.map { $0 / r.sloMs }
        default: return nil
        }
    }

    /// When nothing qualifies, the option that needs the least relaxation: blocked only by
    /// requirements the user sets (SLO, budget, deadline), fewest of them, then the smallest
    /// relaxation (under a budget: the cheapest blocked plan). A target blocked by what it is
    /// (an unsupported model, a request source it cannot serve, memory) is never "nearest".
    static func nearest(_ verdicts: [TargetVerdict], _ r: Requirements) -> TargetVerdict? {
        let candidates = verdicts.compactMap { v -> (TargetVerdict, Double)? in
            let factors = v.blockers.map { relaxation($0, v, r) }
            guard !factors.isEmpty, !factors.contains(where: { $0 == nil }) else { return nil }
            return (v, factors.reduce(1) { $0 * $1! })
        }
        return candidates.min { a, b in (a.0.blockers.count, a.1) < (b.0.blockers.count, b.1) }?.0
    }

    /// Where a higher budget would change the answer: raising the budget unblocks the targets
    /// ruled out only by it, cheapest first; the first budget at which the choice moves is named.
    func boundaries(_ verdicts: [TargetVerdict], recommended: TargetKind, cheapestUSD: Double) -> [AnswerBoundary] {
        var out: [AnswerBoundary] = []
        if let budget = requirements.budgetUSDPerMonth {
            var hypothetical = verdicts
            let overBudget = verdicts.indices.filter { i in
                verdicts[i].verdict == .ruledOut && !verdicts[i].blockers.isEmpty
                    && verdicts[i].blockers.allSatisfy { $0.criterion == .budget }
            }.sorted { verdicts[$0].plan.costPerMonthUSD < verdicts[$1].plan.costPerMonthUSD }
            for i in overBudget {
                let v = verdicts[i]
                hypothetical[i] = verdict(v.plan, reasons: v.reasons.filter { $0.criterion != .budget }, cheapestUSD: cheapestUSD)
                guard let c = choose(hypothetical), hypothetical[c].target != recommended else { continue }
                let w = hypothetical[c]
                out.append(
                    AnswerBoundary(
                        requirement: .budget, target: w.target, value: v.plan.costPerMonthUSD,
                        text: String(
                            format: "with a budget of ≥ %@/month (yours: USD %.4g) the answer is %@ (%@)",
                            Grouped.usd(v.plan.costPerMonthUSD), budget, w.target.rawValue, w.plan.summary)))
                break
            }
        }
        return out
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
                    .budget, .blocks, evidence: String(format: "%@/month > budget USD %.4g", Grouped.usd(plan.costPerMonthUSD), budget),
                    text: "costs more than the budget"))
        }
        return reasons
    }

    /// Every reason bearing on `plan`: the shared hard constraints, the target's own rules, the plan's.
    func reasons(_ plan: TargetPlan, alternatives: Alternatives) -> [Reason] {
        let target = plan.target.target
        let rules = target.rules(requirements, plan: plan, alternatives: alternatives, policy: policy)
        return commonConstraints(target, plan) + rules.filter(\.blocking) + planConstraints(plan) + rules.filter { !$0.blocking }
    }

    func verdict(_ plan: TargetPlan, reasons: [Reason], cheapestUSD: Double) -> TargetVerdict {
        guard !reasons.contains(where: \.blocking) else {
            return TargetVerdict(
                target: plan.target, verdict: .ruledOut, score: 0, scoreBreakdown: nil, reasons: reasons, plan: plan,
                deploymentPath: plan.target.target.deploymentPath)
        }
        let criteria = reasons.reduce(0) { $0 + ($1.effect == .favors ? $1.weight : $1.effect == .against ? -$1.weight : 0) }
        let breakdown = ScoreBreakdown(
            fit: min(1, max(0, policy.fitBaseline + policy.fitStep * Double(criteria))),
            cost: min(1, cheapestUSD / max(plan.costPerMonthUSD, 0.01)),
            latency: plan.p99Ms.map { min(1, max(0, 1 - $0 / requirements.sloMs)) } ?? 0,
            deploy: min(1, max(0, 1 - plan.deployMinutes / policy.deployScoreHorizonMinutes)), weights: weights.normalized)
        return TargetVerdict(
            target: plan.target, verdict: .viable, score: breakdown.total, scoreBreakdown: breakdown, reasons: reasons, plan: plan,
            disfavoured: weights.fit > 0 && reasons.contains { $0.effect == .against && $0.weight >= policy.strongCriterionWeight },
            deploymentPath: plan.target.target.deploymentPath)
    }
}

/// A change of one requirement that would change the answer, named so a reader sees where
/// the recommendation flips.
package struct AnswerBoundary: Sendable, Codable, Equatable {
    /// The requirement that moves.
    package enum Requirement: String, Sendable, Codable {
        /// `budgetUSDPerMonth` rising to `value`.
        case budget = "budgetUSDPerMonth"
        /// The peak load rising to `value` (or falling to it, when `value` is below the peak).
        case peakRps
    }

    package var requirement: Requirement
    /// The target the answer moves to (nil: nothing would qualify).
    package var target: TargetKind?
    /// The threshold, in the requirement's unit (USD/month, requests/s).
    package var value: Double
    package var text: String

    package init(requirement: Requirement, target: TargetKind?, value: Double, text: String) {
        self.requirement = requirement
        self.target = target
        self.value = value
        self.text = text
    }
}

/// The recommendation's paragraph, rendered from the verdicts.
enum RecommendationSummary {
    static func render(
        _ verdicts: [TargetVerdict], recommended: TargetKind?, nearest: TargetKind?, requirements r: Requirements,
        boundaries: [AnswerBoundary]
    ) -> String {
        if let kind = recommended, let v = verdicts.first(where: { $0.target == kind }) {
            let deciding = v.reasons.filter { $0.effect == .favors }.map(\.text)
            var summary =
                "Deploy to \(kind.displayName) (\(v.plan.summary)): "
                + (deciding.isEmpty ? "" : deciding.joined(separator: "; ") + "; ")
                + String(
                    format: "p99 %.2f ms at the %.4g requests/s peak within the %.4g ms SLO, %@/month%@.", v.plan.p99Ms ?? 0,
                    r.peakRps, r.sloMs, Grouped.usd(v.plan.costPerMonthUSD), v.plan.costIsEstimate ? " (estimate)" : "")
            let out = verdicts.filter { $0.verdict == .ruledOut }
            if !out.isEmpty {
                summary += " Ruled out: " + out.map { "\($0.target.rawValue) (\($0.blockers.first!.text))" }.joined(separator: "; ") + "."
            }
            if !boundaries.isEmpty { summary += " Where the answer changes: " + boundaries.map(\.text).joined(separator: "; ") + "." }
            if let warning = kind.target.deploymentPath.warning { summary += " Support: " + warning }
            return summary
        }
        var summary =
            "No target satisfies every requirement. "
            + verdicts.map { v in
                "\(v.target.rawValue): " + v.blockers.map { "\($0.criterion.rawValue) (\($0.evidence))" }.joined(separator: ", ")
            }.joined(separator: "; ") + "."
        if let nearest, let v = verdicts.first(where: { $0.target == nearest }) {
            let needs = v.blockers.map { b -> String in
                switch b.criterion {
                case .budget: "a budget of \(Grouped.usd(v.plan.costPerMonthUSD))/month"
                case .deployDeadline: String(format: "a deadline of %.1f minutes", v.plan.deployMinutes)
                case .latencySLO: v.plan.closestP99Ms.map { String(format: "an SLO of %.4g ms", $0) } ?? "a looser SLO"
                default: b.criterion.rawValue
                }
            }
            summary +=
                " Nearest option: \(nearest.rawValue)\(v.plan.feasible ? " (\(v.plan.summary))" : ""), which needs \(needs.joined(separator: " and "))."
        } else {
            summary +=
                " No target is within reach by relaxing the SLO, the budget or the deadline alone: each is ruled out by what the workload or the target is."
        }
        return summary
    }
}

extension Recommendation {
    enum CodingKeys: String, CodingKey {
        case schemaVersion, recommendation, ranking, summary, nearestOption, boundaries, weights, policy, quick
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
        try c.encode(boundaries, forKey: .boundaries)
        try c.encode(weights, forKey: .weights)
        try c.encode(policy, forKey: .policy)
        try c.encode(quick, forKey: .quick)
    }
}

extension Recommendation {
    /// The plans worth deploying: feasible, and not ruled out by this recommendation (an FPGA
    /// plan for a model Azure does not offer on FPGAs, an edge plan for internet traffic, …).
    package func deployable(_ plans: [TargetPlan]) -> [TargetPlan] {
        plans.filter { $0.feasible && verdict($0.target)?.verdict != .ruledOut }
    }
}
