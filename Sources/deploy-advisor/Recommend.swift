import Advisor
import ArgumentParser
import Foundation
import Inference
import Targets

/// Shared by recommend, plan and report: the workload's model, calibrated (or estimated).
struct Study {
    var workload: Workload
    var graph: ModelGraph
    var calibration: ModelCalibration
    var planner: CapacityPlanner
    var calibrated: Bool

    static func make(_ workload: Workload, targets: TargetOptions, quick: Bool, progress: Progress) throws -> Study {
        let architecture = try ModelZoo.graph(workload.model)
        let profile = try architecture.profile()
        let cache = targets.noCache ? nil : (targets.cacheDir ?? ServiceTimeModel.defaultCacheDirectory)
        var calibration: ModelCalibration
        var calibrated = true
        if quick {
            if let cache, let c = TargetEvaluation.cachedCalibration(architecture, batch: workload.batch, cacheDirectory: cache) {
                calibration = c
            } else {
                calibration = ModelCalibration.estimated(profile, batch: workload.batch)
                calibrated = false
            }
        } else {
            progress.step("calibrating \(architecture.name) (batch \(workload.batch)) on this machine")
            calibration = try TargetEvaluation.measure(architecture, batch: workload.batch, cacheDirectory: cache).calibration
        }
        let planner = CapacityPlanner(
            workload: workload, graph: architecture, calibration: calibration, pricing: try targets.loadPricing(),
            base: try targets.configurations())
        return Study(workload: workload, graph: architecture, calibration: calibration, planner: planner, calibrated: calibrated)
    }

    /// Measures (or estimates) the model and plans every target — the common start of
    /// `recommend` and `plan`.
    static func planned(
        _ options: WorkloadOptions, targets: TargetOptions, quick: Bool, progress: Progress
    ) throws -> (Study, [TargetPlan]) {
        let study = try make(options.resolve(), targets: targets, quick: quick, progress: progress)
        progress.step("planning capacity per target")
        return (study, try study.planner.plan(verify: !quick))
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
            let (study, plans) = try Study.planned(workloadOptions, targets: targetOptions, quick: quick, progress: progress)
            progress.finish()
            let workload = study.workload
            let w = try weights.map { try PreferenceWeights(parsing: $0) } ?? PreferenceWeights()
            let rec = Recommender(
                workload: workload, plans: plans, modelName: study.graph.name, networkMs: study.planner.requestNetworkMs, weights: w,
                quick: quick
            ).recommend()
            if output.format == .json {
                try printJSON(rec)
                return
            }
            print(RecommendationText.render(rec, workload: workload, calibrated: study.calibrated, quick: quick))
        }
    }
}

enum RecommendationText {
    static func render(_ rec: Recommendation, workload: Workload, calibrated: Bool, quick: Bool) -> String {
        var lines: [String] = []
        if let r = rec.recommendation {
            lines.append("Recommendation: \(r) — \(TargetKind(rawValue: r)!.displayName)")
        } else {
            lines.append("Recommendation: none — no target satisfies every requirement")
        }
        lines.append(rec.summary)
        if quick {
            lines.append(
                calibrated
                    ? "(quick: cached measurement + queueing analytics, no simulation)"
                    : "(quick: estimated from the model's profile and queueing analytics; run without --quick to measure and simulate)")
        }
        lines.append("")
        for v in rec.ranking {
            let head = v.verdict == .ruledOut ? "ruled out" : String(format: "%@, score %.1f", v.verdict.rawValue, v.score)
            lines.append("\(v.target) (\(head)): \(v.plan.feasible ? v.plan.summary : "no feasible configuration")")
            for r in v.reasons where r.criterion != "score" {
                lines.append("  \(r.blocking ? "✗" : "·") [\(r.criterion)] \(r.text) — \(r.evidence)")
            }
            if let s = v.reasons.first(where: { $0.criterion == "score" }) { lines.append("  = \(s.evidence)") }
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
            var schemaVersion = 1
            var workload: Workload
            var plans: [TargetPlan]
            var curve: [CurvePoint]
        }

        func run() throws {
            let progress = Progress()
            let (study, plans) = try Study.planned(workloadOptions, targets: targetOptions, quick: quick, progress: progress)
            let workload = study.workload
            progress.step("computing the cost curve")
            let curve = try study.planner.curve()
            progress.finish()
            if output.format == .json {
                try printJSON(Report(workload: workload, plans: plans, curve: curve))
                return
            }
            print(
                String(
                    format: "Capacity plan for %@ at a peak of %.4g requests/s, SLO p99 %.4g ms", study.graph.name,
                    workload.load.effectivePeakRps, workload.effectiveP99Ms ?? 0))
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
                    p.target, p.feasible ? p.summary : "cannot: \(p.reason ?? "")",
                    p.analyticP99Ms.map { String(format: "%.2f", $0) } ?? "—", p.simulatedP99Ms.map { String(format: "%.2f", $0) } ?? "—",
                    p.feasible ? String(format: "%.0f%@", p.costPerMonthUSD, p.costIsEstimate ? "*" : "") : "—",
                    String(format: "%.1f", p.deployMinutes),
                ]
            }, left: [0, 1])
    }

    static func curve(_ curve: [CurvePoint]) -> String {
        Show.grid(
            ["requests/s", "cheapest", "configuration", "$/month", "aci", "aks", "iot-edge", "fpga"],
            curve.map { c in
                [String(format: "%.0f", c.rps), c.target ?? "—", c.summary, c.costPerMonthUSD.map { String(format: "%.0f", $0) } ?? "—"]
                    + ["aci", "aks", "iot-edge", "fpga"].map { t in c.costByTarget[t].map { String(format: "%.0f", $0) } ?? "—" }
            }, left: [1, 2])
    }
}
