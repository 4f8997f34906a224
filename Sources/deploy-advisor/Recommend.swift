import Advisor
import ArgumentParser
import Foundation
import Inference
import Targets

extension Study {
    /// The study of the command line's workload: the model resolved and measured (or, with
    /// `quick`, a cached measurement or the profile's estimate).
    static func prepare(_ options: WorkloadOptions, targets: TargetOptions, quick: Bool, progress: Progress) throws -> Study {
        try Study.prepare(
            options.resolve(), configurations: try targets.configurations(), pricing: try targets.loadPricing(),
            cacheDirectory: targets.cacheDirectory, quick: quick, progress: progress.step)
    }
}

extension DeployAdvisor {
    struct Recommend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where should this model run? Ranked targets with verdicts and the evidence behind each.")

        @OptionGroup var workloadOptions: WorkloadOptions
        @OptionGroup var targetOptions: TargetOptions

        @Flag(help: "Answer from the model's profile and queueing analytics only (no measurement, no simulation).")
        var quick = false

        @Option(help: "Preference weights, e.g. fit=0.35,cost=0.25,latency=0.25,deploy=0.15.")
        var weights: String?

        @OptionGroup var output: FormatOption

        func run() throws {
            let progress = Progress()
            let study = try Study.prepare(workloadOptions, targets: targetOptions, quick: quick, progress: progress)
            let w = try weights.map { try PreferenceWeights(parsing: $0) } ?? PreferenceWeights()
            progress.step("planning capacity per target")
            let rec = study.recommend(try study.plan(verify: !quick), weights: w, quick: quick)
            progress.finish()
            if output.format == .json {
                try printJSON(rec)
                return
            }
            print(RecommendationText.render(rec, measured: study.measured, quick: quick))
        }
    }
}

enum RecommendationText {
    static func render(_ rec: Recommendation, measured: Bool, quick: Bool) -> String {
        var lines: [String] = []
        if let r = rec.recommendation {
            lines.append("Recommendation: \(r.rawValue) — \(r.displayName)")
        } else {
            lines.append("Recommendation: none — no target satisfies every requirement")
        }
        lines.append(rec.summary)
        if quick {
            lines.append(
                "(quick: estimated from the model's profile and queueing analytics, the same on every machine; run without --quick to measure and simulate)"
            )
        }
        lines.append("")
        for v in rec.ranking {
            let head = v.verdict == .ruledOut ? "ruled out" : String(format: "%@, score %.1f", v.verdict.rawValue, v.score)
            lines.append("\(v.target.rawValue) (\(head)): \(v.plan.feasible ? v.plan.summary : "no feasible configuration")")
            for r in v.reasons {
                lines.append("  \(r.blocking ? "✗" : "·") [\(r.criterion.rawValue)] \(r.text) — \(r.evidence)")
            }
            if let s = v.scoreBreakdown {
                lines.append(
                    String(
                        format: "  = fit %.2f, cost %.2f (%@/month%@), latency %.2f, deploy %.2f (%.1f min)", s.fit, s.cost,
                        Grouped.usd(v.plan.costPerMonthUSD), v.plan.costIsEstimate ? ", estimate" : "", s.latency, s.deploy,
                        v.plan.deployMinutes))
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension DeployAdvisor {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Capacity plan: the smallest configuration per target meeting the SLO at the peak rate, its cost, and the cheapest option across load levels."
        )

        @OptionGroup var workloadOptions: WorkloadOptions
        @OptionGroup var targetOptions: TargetOptions

        @Flag(help: "Analytics only (no simulation to verify).")
        var quick = false

        @OptionGroup var output: FormatOption

        struct Report: Encodable {
            /// 2: typed target ids and numeric configuration values.
            var schemaVersion = 2
            var workload: Workload
            var plans: [TargetPlan]
            var curve: [CurvePoint]
        }

        func run() throws {
            let progress = Progress()
            let study = try Study.prepare(workloadOptions, targets: targetOptions, quick: quick, progress: progress)
            progress.step("planning capacity per target")
            let plans = try study.plan(verify: !quick)
            progress.step("computing the cost curve")
            let curve = try study.planner.curve()
            progress.finish()
            if output.format == .json {
                try printJSON(Report(workload: study.workload, plans: plans, curve: curve))
                return
            }
            print(
                String(
                    format: "Capacity plan for %@ at a peak of %.4g requests/s, SLO p99 %.4g ms", study.model.name,
                    study.workload.load.effectivePeakRps, study.workload.sloP99Ms))
            print(PlanText.plans(plans))
            print("\nCheapest option by load (analytic):")
            print(PlanText.curve(curve))
        }
    }
}

enum PlanText {
    static func plans(_ plans: [TargetPlan]) -> String {
        Show.grid(
            ["target", "configuration", "p99 ms (analytic)", "p99 ms (simulated)", "$/month", "deploy min"],
            plans.map { p in
                [
                    p.target.rawValue, p.feasible ? p.summary : "cannot: \(p.reason ?? "")",
                    p.analyticP99Ms.map { String(format: "%.2f", $0) } ?? "—", p.simulatedP99Ms.map { String(format: "%.2f", $0) } ?? "—",
                    p.feasible ? String(format: "%.0f%@", p.costPerMonthUSD, p.costIsEstimate ? "*" : "") : "—",
                    String(format: "%.1f", p.deployMinutes),
                ]
            }, left: [0, 1])
    }

    static func curve(_ curve: [CurvePoint]) -> String {
        Show.grid(
            ["requests/s", "cheapest", "configuration", "$/month"] + TargetKind.allCases.map(\.rawValue),
            curve.map { c in
                [
                    String(format: "%.0f", c.rps), c.target?.rawValue ?? "—", c.summary,
                    c.costPerMonthUSD.map { String(format: "%.0f", $0) } ?? "—",
                ]
                    + TargetKind.allCases.map { t in c.costByTarget[t].map { String(format: "%.0f", $0) } ?? "—" }
            }, left: [1, 2])
    }
}
