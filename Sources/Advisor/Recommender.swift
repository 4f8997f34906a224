import Foundation
import Inference
import Targets

/// How much each preference counts when ranking targets that pass every hard constraint.
/// The four weights are normalized to sum to 1.
public struct PreferenceWeights: Sendable, Codable, Equatable {
    /// How well the target matches the document's criteria for this workload.
    public var fit = 0.35
    /// Monthly cost (cheapest = 1).
    public var cost = 0.25
    /// p99 headroom under the SLO.
    public var latency = 0.25
    /// Deploy time (0 min = 1, 60 min or more = 0).
    public var deploy = 0.15

    public init() {}

    /// Parses `fit=0.4,cost=0.3,latency=0.2,deploy=0.1` (any subset).
    public init(parsing text: String) throws(WorkloadError) {
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
public enum Verdict: String, Sendable, Codable {
    case recommended
    case viable
    case ruledOut = "ruled-out"
}

/// One target's place in the ranking.
public struct TargetVerdict: Sendable, Codable, Equatable {
    public var target: String
    public var verdict: Verdict
    /// 0–100 (0 when ruled out).
    public var score: Double
    public var reasons: [Reason]
    public var plan: TargetPlan
}

/// The answer to "where should I deploy?".
public struct Recommendation: Sendable, Codable, Equatable {
    public var schemaVersion = 1
    /// The recommended target, or nil when no target satisfies every hard constraint.
    public var recommendation: String?
    public var ranking: [TargetVerdict]
    /// A one-paragraph explanation.
    public var summary: String
    /// When nothing qualifies: the target with the fewest blocking constraints.
    public var nearestOption: String?
    public var weights: PreferenceWeights
    public var quick: Bool
}

/// Applies the document's criteria and the quantitative checks to the capacity plans.
///
/// Hard constraints (any one rules a target out): privacy and connectivity for the cloud
/// targets, the uplink against the data rate, memory fit, the p99 SLO at the peak rate, one
/// ACI container group's capacity and the quota, supported DNNs for the FPGA, the deploy
/// deadline and the budget. The rest are ranked by ``PreferenceWeights``: fit with the
/// document's criteria, cost, latency headroom and deploy time.
public struct Recommender: Sendable {
    public var workload: Workload
    public var plans: [TargetPlan]
    public var weights: PreferenceWeights
    public var quick: Bool
    public var modelName: String
    /// Client ↔ cloud time per request without queueing (RTT + payload transfer), ms.
    public var networkMs: Double

    public init(
        workload: Workload, plans: [TargetPlan], modelName: String, networkMs: Double, weights: PreferenceWeights = .init(),
        quick: Bool = false
    ) {
        self.workload = workload
        self.networkMs = networkMs
        self.plans = plans
        self.weights = weights
        self.quick = quick
        self.modelName = modelName
    }

    public func recommend() -> Recommendation {
        let w = workload
        let slo = w.effectiveP99Ms ?? w.latency.p95Ms ?? w.latency.p50Ms ?? 100
        let dataMbps = w.dataMBps * 8
        let base = modelName.split(separator: ":").first.map(String.init) ?? modelName
        var verdicts: [TargetVerdict] = []
        let feasibleCosts = plans.filter(\.feasible).map(\.costPerMonthUSD)
        let cheapest = max(feasibleCosts.min() ?? 1, 0.01)
        let cpuP99 = plans.filter { $0.target != TargetKind.fpga.rawValue && $0.feasible }.compactMap(\.p99Ms).min()
        for plan in plans {
            guard let target = TargetKind(rawValue: plan.target) else { continue }
            let cloud = target != .iotEdge
            var reasons: [Reason] = []
            var positives = 0
            var negatives = 0
            // MARK: Hard constraints
            if cloud && w.privacy != .none {
                reasons.append(
                    Reason(
                        .dataPrivacy, evidence: "privacy: \(w.privacy.rawValue)",
                        text:
                            "the data may not leave the \(w.privacy == .onDevice ? "device" : "premises"); \(target.displayName) runs in Azure's cloud",
                        blocking: true))
            }
            if cloud && w.connectivity != .always {
                reasons.append(
                    Reason(
                        .noCloudConnection, evidence: "connectivity: \(w.connectivity.rawValue)",
                        text: "requests cannot reach a cloud endpoint while the site is disconnected", blocking: true))
            }
            if cloud && dataMbps > w.network.uplinkMbps {
                reasons.append(
                    Reason(
                        .dataTooLargeToSend,
                        evidence: String(
                            format: "%.4g MB/s = %.4g Mbit/s > uplink %.4g Mbit/s", w.dataMBps, dataMbps, w.network.uplinkMbps),
                        text: "the site produces data faster than its uplink can send it to the cloud", blocking: true))
            }
            if target == .fpga && !TargetSimulator.fpgaSupportedModels.contains(base) {
                reasons.append(
                    Reason(
                        .supportedDNN, evidence: "model: \(modelName)",
                        text:
                            "\(modelName) is not one of the DNNs offered on Azure FPGAs (\(TargetSimulator.fpgaSupportedModels.joined(separator: ", "))); it would need custom NPU work",
                        blocking: true))
            }
            if !plan.feasible {
                let reason = plan.reason ?? "no configuration meets the SLO"
                let criterion: Criterion =
                    reason.contains("GB")
                    ? .memoryFit
                    : (target == .aci && reason.contains("groups")
                        ? (reason.contains("quota") ? .aciQuota : .singleGroupCapacity) : .latencySLO)
                reasons.append(
                    Reason(
                        criterion, evidence: String(format: "SLO p99 %.4g ms at %.4g requests/s", slo, w.load.effectivePeakRps),
                        text: reason, blocking: true))
            } else if let p = plan.p99Ms {
                reasons.append(
                    Reason(
                        .latencySLO,
                        evidence: String(
                            format: "p99 %.2f ms ≤ SLO %.4g ms at %.4g requests/s (%@)", p, slo, w.load.effectivePeakRps,
                            plan.simulatedP99Ms != nil ? "simulated" : "analytic"), text: "meets the latency SLO with \(plan.summary)"))
            }
            if let deadline = w.deployDeadlineMinutes, plan.deployMinutes > deadline {
                reasons.append(
                    Reason(
                        .deployDeadline, evidence: String(format: "deploy %.1f min > deadline %.4g min", plan.deployMinutes, deadline),
                        text: target == .aks && !w.existingCluster
                            ? "creating the AKS cluster alone takes about 20 minutes" : "cannot be serving by the deadline", blocking: true)
                )
            }
            if let budget = w.budgetUSDPerMonth, plan.feasible, plan.costPerMonthUSD > budget {
                reasons.append(
                    Reason(
                        .budget, evidence: String(format: "USD %.2f/month > budget USD %.4g", plan.costPerMonthUSD, budget),
                        text: "costs more than the budget", blocking: true))
            }
            // MARK: Document fit (preferences)
            switch target {
            case .aci:
                if w.environment == .devTest {
                    positives += 1
                    reasons.append(
                        Reason(
                            .devTest, evidence: "environment: dev-test", text: "the document positions ACI for development and test",
                            effect: "for"))
                }
                if let d = w.deployDeadlineMinutes, d < 30 {
                    positives += 1
                    reasons.append(
                        Reason(
                            .quickDeployValidation, evidence: String(format: "deploy %.1f min, deadline %.4g min", plan.deployMinutes, d),
                            text: "ACI deploys in under 5 minutes", effect: "for"))
                }
                if w.environment == .production {
                    negatives += 2
                    reasons.append(
                        Reason(
                            .largeScaleProduction, evidence: "environment: production",
                            text:
                                "one container group, no autoscaling: the document positions ACI for quick validation and dev/test, AKS for production",
                            effect: "against"))
                }
            case .aks:
                if w.environment == .production {
                    positives += 1
                    reasons.append(
                        Reason(
                            .largeScaleProduction, evidence: "environment: production",
                            text: "the document positions AKS for large-scale production", effect: "for"))
                }
                if plan.feasible && (w.load.effectivePeakRps > w.load.rps * 1.2 || w.load.effectivePeakRps >= 100) {
                    positives += 1
                    reasons.append(
                        Reason(
                            .autoscalingFastResponse,
                            evidence: String(format: "peak %.4g vs mean %.4g requests/s", w.load.effectivePeakRps, w.load.rps),
                            text:
                                "autoscaling follows the load between \(plan.configuration["autoscale_min_replicas"] ?? "?") and \(plan.configuration["autoscale_max_replicas"] ?? "?") replicas",
                            effect: "for"))
                }
                if w.environment == .devTest {
                    negatives += 1
                    reasons.append(
                        Reason(
                            .devTest, evidence: "environment: dev-test", text: "a cluster is more than a dev/test deployment needs",
                            effect: "against"))
                }
            case .iotEdge:
                if w.connectivity != .always {
                    positives += 2
                    reasons.append(
                        Reason(
                            .noCloudConnection, evidence: "connectivity: \(w.connectivity.rawValue)",
                            text: "inference on the device keeps working without a cloud connection; results are stored and forwarded",
                            effect: "for"))
                }
                if dataMbps > w.network.uplinkMbps {
                    positives += 2
                    reasons.append(
                        Reason(
                            .dataTooLargeToSend,
                            evidence: String(format: "%.4g Mbit/s produced > %.4g Mbit/s uplink", dataMbps, w.network.uplinkMbps),
                            text: "data is scored where it is produced", effect: "for"))
                }
                if w.privacy != .none {
                    positives += 2
                    reasons.append(
                        Reason(
                            .dataPrivacy, evidence: "privacy: \(w.privacy.rawValue)", text: "only results leave the device", effect: "for"))
                }
                if networkMs >= 0.5 * slo {
                    positives += 1
                    reasons.append(
                        Reason(
                            .realTimeLocalProcessing,
                            evidence: String(format: "network %.4g ms per request (RTT + upload) ≥ half the SLO (%.4g ms)", networkMs, slo),
                            text: "scoring on the device avoids sending the data to the cloud and waiting", effect: "for"))
                }
                if w.environment == .production && w.connectivity == .always && w.privacy == .none && dataMbps <= w.network.uplinkMbps {
                    negatives += 1
                    reasons.append(
                        Reason(
                            .largeScaleProduction, evidence: "connected, no privacy or data-volume constraint",
                            text: "devices must be bought and managed on site; the document's edge criteria do not apply", effect: "against"
                        ))
                }
            case .fpga:
                if TargetSimulator.fpgaSupportedModels.contains(base) {
                    positives += 1
                    reasons.append(Reason(.supportedDNN, evidence: "model: \(modelName)", text: "offered on Azure FPGAs", effect: "for"))
                }
                if let p = plan.p99Ms, cpuP99 == nil || p < cpuP99! * 0.7 || slo <= 20 {
                    positives += 1
                    let versus = cpuP99.map { String(format: "best CPU target %.2f ms", $0) } ?? "no CPU target meets the SLO"
                    reasons.append(
                        Reason(
                            .ultraLowLatency, evidence: String(format: "p99 %.2f ms; %@; SLO %.4g ms", p, versus, slo),
                            text: "extremely low latency for real-time inference", effect: "for"))
                }
            }
            let blocked = reasons.contains(where: \.blocking)
            var score = 0.0
            if !blocked {
                let n = weights.normalized
                let fit = min(1, max(0, 0.5 + 0.25 * Double(positives) - 0.25 * Double(negatives)))
                let costScore = min(1, cheapest / max(plan.costPerMonthUSD, 0.01))
                let latencyScore = plan.p99Ms.map { min(1, max(0, 1 - $0 / slo)) } ?? 0
                let deployScore = min(1, max(0, 1 - plan.deployMinutes / 60))
                score = 100 * (n.fit * fit + n.cost * costScore + n.latency * latencyScore + n.deploy * deployScore)
                reasons.append(
                    Reason(
                        .latencySLO,
                        evidence: String(
                            format: "fit %.2f, cost %.2f (USD %.2f/month%@), latency %.2f, deploy %.2f (%.1f min)", fit, costScore,
                            plan.costPerMonthUSD, plan.costIsEstimate ? ", estimate" : "", latencyScore, deployScore, plan.deployMinutes),
                        text: String(format: "score %.1f", score)))
                reasons[reasons.count - 1].criterion = "score"
            }
            verdicts.append(
                TargetVerdict(target: plan.target, verdict: blocked ? .ruledOut : .viable, score: score, reasons: reasons, plan: plan))
        }
        verdicts.sort { ($0.verdict != .ruledOut ? 1 : 0, $0.score) > ($1.verdict != .ruledOut ? 1 : 0, $1.score) }
        var recommendation: String?
        var nearest: String?
        var summary: String
        if let i = verdicts.firstIndex(where: { $0.verdict == .viable }) {
            verdicts[i].verdict = .recommended
            let v = verdicts[i]
            recommendation = v.target
            let deciding = v.reasons.filter { $0.effect == "for" }.map(\.text)
            summary =
                "Deploy to \(TargetKind(rawValue: v.target)!.displayName) (\(v.plan.summary)): "
                + (deciding.isEmpty ? "" : deciding.joined(separator: "; ") + "; ")
                + String(format: "p99 %.2f ms within the %.4g ms SLO, USD %.2f/month.", v.plan.p99Ms ?? 0, slo, v.plan.costPerMonthUSD)
            let out = verdicts.filter { $0.verdict == .ruledOut }
            if !out.isEmpty {
                summary +=
                    " Ruled out: " + out.map { "\($0.target) (\($0.reasons.first(where: \.blocking)!.text))" }.joined(separator: "; ") + "."
            }
        } else {
            // Nearest: fewest blocking constraints, then the closest any configuration came to the SLO.
            let closest = verdicts.min { a, b in
                let ab = a.reasons.filter(\.blocking).count
                let bb = b.reasons.filter(\.blocking).count
                if ab != bb { return ab < bb }
                let ag = a.plan.closestP99Ms ?? .infinity
                let bg = b.plan.closestP99Ms ?? .infinity
                return ag != bg ? ag < bg : a.plan.costPerMonthUSD < b.plan.costPerMonthUSD
            }
            nearest = closest?.target
            summary =
                "No target satisfies every requirement. "
                + verdicts.map { v in
                    "\(v.target): " + v.reasons.filter(\.blocking).map { "\($0.criterion) (\($0.evidence))" }.joined(separator: ", ")
                }.joined(separator: "; ") + "."
                + (nearest.map {
                    " Nearest option: \($0), blocked only by "
                        + (closest!.reasons.filter(\.blocking).map(\.criterion).joined(separator: ", ")) + "."
                } ?? "")
        }
        return Recommendation(
            recommendation: recommendation, ranking: verdicts, summary: summary, nearestOption: nearest, weights: weights, quick: quick)
    }
}

extension Recommendation {
    enum CodingKeys: String, CodingKey {
        case schemaVersion, recommendation, ranking, summary, nearestOption, weights, quick
    }

    /// Encodes `recommendation` and `nearestOption` as explicit `null` when absent (a stable
    /// shape for scripts).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schemaVersion, forKey: .schemaVersion)
        try c.encode(recommendation, forKey: .recommendation)
        try c.encode(ranking, forKey: .ranking)
        try c.encode(summary, forKey: .summary)
        try c.encode(nearestOption, forKey: .nearestOption)
        try c.encode(weights, forKey: .weights)
        try c.encode(quick, forKey: .quick)
    }
}
