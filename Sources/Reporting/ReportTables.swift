import Advisor
import FPGAEmulation
import Foundation
import Simulation
import Targets

/// The predicted-versus-measured table (`report --validate`), shared by HTML and Markdown.
enum ValidationTable {
    static let header = [
        "level", "offered/s", "p50 ms pred / meas", "p50 err %", "p95 ms pred / meas", "p95 err %", "p99 ms pred / meas", "p99 err %",
        "throughput/s pred / meas", "slot ms as served", "p50 / p99 ms pred at served slot",
    ]

    static func rows(_ v: LocalValidation.Report) -> [[String]] {
        func f(_ x: Double) -> String { String(format: "%.2f", x) }
        func e(_ x: Double?) -> String { x.map { String(format: "%+.1f", $0) } ?? "—" }
        return v.levels.map { l in
            let p = l.predicted
            let m = l.measured
            return [
                String(format: "%.2f", l.level), f(l.offeredRps), "\(f(p.p50)) / \(m.map { f($0.p50) } ?? "—")", e(l.errorPct?.p50),
                "\(f(p.p95)) / \(m.map { f($0.p95) } ?? "—")", e(l.errorPct?.p95), "\(f(p.p99)) / \(m.map { f($0.p99) } ?? "—")",
                e(l.errorPct?.p99), "\(f(p.throughputRps)) / \(m.map { f($0.throughputRps) } ?? "—")",
                l.servedSlotMeanMs.map { String(format: "%.3f", $0) } ?? "—",
                l.predictedAtServedSlot.map { "\(f($0.p50)) / \(f($0.p99))" } ?? "—",
            ]
        }
    }

    static func caption(_ v: LocalValidation.Report) -> String {
        String(
            format:
                "The local target (this machine, scaled by the same model as every target) predicted %@ at %.3f ms per request in the model's slot plus %.3f ms that the request path (HTTP over loopback, JSON both ways; measured at a light load) adds outside it, capacity %.1f requests/s; the model was then served here and driven open-loop for %.0f s per level. Error = (measured − predicted) / measured. The last two columns: the slot's mean as served during the level, and the prediction redone with it (what remains of the error once the service time is right). %@",
            v.model, v.serviceMeanMs, v.requestOverheadMs, v.capacityRps, v.durationSeconds, v.notes.joined(separator: " "))
    }
}

/// The comparison table's rows, shared by HTML, Markdown and CSV so they agree by construction
/// (and the tests check them against results.json).
/// Each target's deployment path and its support status (the verdicts' data), for the
/// Markdown and HTML "Deployment paths" tables.
enum SupportTable {
    static let header = ["target", "deployment path", "status", "as of", "supported equivalent", "source"]
    static let caption =
        "How each target's plan is deployed today and whether Microsoft still supports that path; a plan on a path out of support deploys unchanged on its supported equivalent."

    static func rows(_ d: ReportData) -> [[String]] {
        d.recommendation.ranking.compactMap { v in
            v.deploymentPath.map { p in
                [v.target.rawValue, p.name, p.status.rawValue, p.asOf, p.equivalent ?? "—", p.source]
            }
        }
    }
}

/// The deployment files written beside a report.
enum DeployFiles {
    static let caption =
        "The files that deploy each feasible plan exactly (Azure ML v2 YAML and autoscale commands, v1 deployment configurations, Kubernetes, IoT Edge; `deploy-advisor manifests` writes the same)"
}

/// The evidence that each plan is minimal, as one cell: its smaller neighbours and what the
/// simulation at the peak gave them (the Markdown and HTML capacity-plan tables share it).
enum PlanEvidence {
    static func cell(_ p: TargetPlan) -> String {
        guard p.feasible else { return p.bestAttempt.map { describe("closest tried", $0) } ?? "—" }
        let checks = [("one fewer", p.smallerCheck), ("smaller size", p.smallerSizeCheck)].compactMap { label, c in
            c.map { describe(label, $0) }
        }
        if checks.isEmpty { return p.simulatedP99Ms == nil ? "not simulated (quick)" : "nothing smaller to try" }
        return checks.joined(separator: "; ")
    }

    /// A configuration next to the plan and what the simulation at the peak gave it; a p99 that
    /// is not a number (the backlog grows, too many not served) is said in words.
    static func describe(_ label: String, _ c: NeighbourCheck) -> String {
        if let why = c.notSimulated { return "\(label): \(c.summary) — not simulated: \(why)" }
        let p99 = c.simulatedP99Ms.map { String(format: "p99 %.2f ms", $0) } ?? c.caveat ?? "no request completed"
        let served = String(format: "%.1f%% served", 100 * (c.simulatedSuccessRate ?? 0))
        return "\(label): \(c.summary) — \(p99), \(served)\(c.caveat == "backlog grows without bound" ? " within the run" : "")"
    }
}

struct ComparisonRow {
    var target: TargetKind
    var cells: [String]

    static let caption =
        "Each target simulated under the workload's own traffic (its pattern, duration and connectivity) with its plan or, where no configuration meets the SLO, the closest configuration the planner tried. Percentiles are of every request sent: one the run cannot give as a number (the backlog grows without bound, or more requests than the percentile leaves out were not served) is shown as — and the SLO column says why. The capacity plan's p99 (and the headline's) is the steady peak's; this table's is the workload's own run."

    static let header = [
        "target", "configuration", "p50 ms", "p95 ms", "p99 ms", "SLO met", "max rps at SLO", "success", "$/hour", "$/month", "$/million",
        "deploy min", "bytes leaving the device",
    ]

    static func rows(_ d: ReportData) -> [ComparisonRow] {
        let slo = d.workload.effectiveP99Ms ?? 100
        return d.targets.map { r in
            func ms(_ q: Double) -> String { r.reportedLatencyMs(percentile: q).map { String(format: "%.2f", $0) } ?? "—" }
            let plan = d.plans.first { $0.target == r.target }
            let met = r.meetsSLO(sloMs: slo, minSuccessRate: d.recommendation.policy.minSuccessRate)
            let configuration: String
            if !r.deployable {
                configuration = "cannot deploy: \(r.refusal ?? "")"
            } else if let plan, plan.feasible {
                configuration = plan.summary
            } else if let attempt = plan?.bestAttempt {
                configuration = "closest tried, no plan: \(attempt.summary)"
            } else {
                configuration = "defaults (no configuration meets the SLO)"
            }
            return ComparisonRow(
                target: r.target,
                cells: [
                    r.target.rawValue, configuration, ms(50), ms(95), ms(99),
                    (met ? "yes" : "no") + (r.latencyCaveat.map { ": \($0)" } ?? ""),
                    maxRpsAtSLO(r, slo: slo, d).map { String(format: "%.1f", $0) } ?? "—",
                    String(format: "%.2f%%%@", 100 * r.reportedSuccessRate, r.backlogGrows ? " within the run" : ""),
                    Grouped.fixed(r.costPerHourUSD, 3), Grouped.fixed(r.costPerMonthUSD) + (r.costIsEstimate ? " (estimate)" : ""),
                    r.costPerMillionUSD.map { Grouped.fixed($0) } ?? "—", String(format: "%.1f", r.deployMinutes),
                    humanBytes(r.bytesLeftDevice),
                ])
        }
    }

    /// Bytes as people read them: 153.6 MB, 45.0 GB.
    static func humanBytes(_ b: Double) -> String {
        for (unit, size) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] where b >= size {
            return String(format: "%.1f %@", b / size, unit)
        }
        return String(format: "%.0f B", b)
    }

    /// The largest arrival rate at which the simulated configuration still meets the p99 SLO:
    /// the planner's analytics (Erlang C wait scaled by Allen–Cunneen, near-deterministic
    /// service as calibrated) on its servers and mean service time, with the network's p99.
    static func maxRpsAtSLO(_ r: TargetResult, slo: Double, _ d: ReportData) -> Double? {
        guard r.deployable, r.serviceMs > 0 else { return nil }
        let servers = max(1, r.replicas.max) * Int(r.config["replica_max_concurrent_requests"]?.number ?? 1)
        let network = (r.latencyBreakdownMs?.network ?? 0) * 1.25
        let service = r.serviceMs / 1000
        guard service * 1000 + network <= slo else { return 0 }
        var lo = 0.0
        var hi = Double(servers) / service
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if let p = CapacityPlanner.analyticP99(samples: [service], servers: servers, rate: max(mid, 1e-9)), p * 1000 + network <= slo {
                lo = mid
            } else {
                hi = mid
            }
        }
        return lo * Double(d.workload.batch)
    }
}

/// What the model's weights are and what the accuracy figures rest on, said once for the
/// HTML and the Markdown.
enum AccuracyStatement {
    /// Under the headline: the weights' provenance and what it means.
    static func weights(_ d: ReportData) -> String {
        d.model.randomWeights
            ? "The weights are seeded random ones (`\(d.model.name)` is a built-in architecture, not a trained model): latency and cost do not depend on the values, but the number formats' accuracy on a trained model differs — run your own ONNX file (and your inputs with --samples DIR) for accuracy that holds."
            : "The weights are the model file's own."
    }

    /// The FPGA section's paragraph: the inputs, the floor and the plan's format.
    static func fpga(_ d: ReportData) -> String {
        let floor =
            d.fpga.choice.map { "Floor: \($0.floor.text). The FPGA plan \($0.sentence)." }
            ?? "The plan's format was not checked against an accuracy floor (quick answer)."
        return
            "Accuracy against float32 on \(d.fpga.inputs), on the model's \(d.model.randomWeights ? "seeded random" : "own") weights. \(floor)"
    }

    static let header = ["format", "SQNR dB", "max |error|", "top-1 agreement", "inputs", "the plan's"]

    static func rows(_ d: ReportData) -> [[String]] {
        d.fpga.accuracy.map {
            [
                $0.format, String(format: "%.1f", $0.sqnrDB), String(format: "%.3g", $0.maxAbsError),
                String(format: "%.0f%%", 100 * $0.top1Agreement), String($0.samples), $0.format == d.fpga.choice?.chosen ? "yes" : "",
            ]
        }
    }
}

/// How the answer was scored and what would change it (HTML and Markdown share it).
enum ScoreTable {
    static func weights(_ d: ReportData) -> String {
        let w = d.recommendation.weights.normalized
        return String(
            format:
                "Weights: fit %.2f, cost %.2f, latency %.2f, deploy %.2f (--weights changes them). Each factor scores 0–1: fit with the document's criteria, cost against the cheapest viable plan, p99 headroom under the SLO, deploy time; the score is 100 × the weighted sum. Ruled-out targets are not scored.",
            w.fit, w.cost, w.latency, w.deploy)
    }

    static let header = ["target", "verdict", "fit", "cost", "latency", "deploy", "score"]

    static func rows(_ d: ReportData) -> [[String]] {
        d.recommendation.ranking.map { v in
            let b = v.scoreBreakdown
            func f(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "—" }
            return [
                v.target.rawValue, v.verdict.rawValue, f(b?.fit), f(b?.cost), f(b?.latency), f(b?.deploy),
                v.verdict == .ruledOut ? "—" : String(format: "%.1f", v.score),
            ]
        }
    }

    /// The one sentence: the nearest change, or that none was found.
    static func sentence(_ d: ReportData) -> String {
        guard let first = d.sensitivity.first else {
            return "Within a factor 10 of the load and the SLO and over every weight, the answer does not change."
        }
        return "Nearest change: \(first.text)."
    }

    static let sensitivityHeader = ["what moves", "now", "changes at", "answer there"]

    static func sensitivityRows(_ d: ReportData) -> [[String]] {
        d.sensitivity.map { [$0.factor, $0.now, $0.changesAt, $0.becomes] }
    }
}

/// The top configurations of each feasible target (the plan, then its alternatives), as
/// SageMaker Inference Recommender lists them.
enum AlternativesTable {
    static let caption =
        "Up to three configurations per feasible target that meet the SLO at the peak in simulation: the plan (the smallest), then other server sizes or one more server, cheapest first — the price of more headroom."
    static let header = ["target", "configuration", "p99 ms at the peak", "$/month", "$/million at the peak", "against the plan"]

    static func rows(_ d: ReportData) -> [[String]] {
        d.plans.filter(\.feasible).flatMap { p -> [[String]] in
            let first = [
                p.target.rawValue, p.summary, p.p99Ms.map { String(format: "%.2f", $0) } ?? "—", Grouped.fixed(p.costPerMonthUSD),
                p.costPerMillionUSD.map { Grouped.fixed($0) } ?? "—", "the plan",
            ]
            return [first]
                + p.alternatives.map { a in
                    let dCost = p.costPerMonthUSD > 0 ? 100 * (a.costPerMonthUSD / p.costPerMonthUSD - 1) : 0
                    let dP99 = (p.p99Ms ?? 0) > 0 ? 100 * (a.simulatedP99Ms / p.p99Ms! - 1) : 0
                    return [
                        p.target.rawValue, a.summary, String(format: "%.2f", a.simulatedP99Ms), Grouped.fixed(a.costPerMonthUSD),
                        Grouped.fixed(a.costPerMillionUSD), String(format: "cost %+.0f%%, p99 %+.0f%%", dCost, dP99),
                    ]
                }
        }
    }
}
