import Foundation
import Inference
import Simulation
import Targets

/// The cheapest feasible target and configuration at one load level.
package struct CurvePoint: Sendable, Codable, Equatable {
    package var rps: Double
    package var target: TargetKind?
    package var summary: String
    package var costPerMonthUSD: Double?
    package var p99Ms: Double?
    /// Per target: monthly cost of its cheapest feasible configuration (absent when none).
    package var costByTarget: [TargetKind: Double]
    package var p99ByTarget: [TargetKind: Double]
}

/// Finds, per target, the smallest configuration meeting the SLO at the peak rate —
/// analytically first (Erlang C for the wait, scaled by Allen–Cunneen's `(ca² + cs²)/2`, plus
/// the service time's 99th percentile and the network), then verified by simulating it at the
/// peak rate; if the simulation misses the SLO the target's next larger configuration is tried.
/// The candidates, costs and step-ups are each target's own (``DeploymentTarget``).
package struct CapacityPlanner: Sendable {
    package var workload: Workload
    package var graph: ModelGraph
    package var calibration: ModelCalibration
    package var pricing: Pricing
    package var base: TargetConfigurations
    package var fpgaOffered: Bool
    package var policy: DecisionPolicy

    package init(
        workload: Workload, graph: ModelGraph, calibration: ModelCalibration, pricing: Pricing = .defaults,
        base: TargetConfigurations = .init(), fpgaOffered: Bool = false, policy: DecisionPolicy = .standard
    ) {
        self.workload = workload
        self.graph = graph
        self.calibration = calibration
        self.pricing = pricing
        self.base = base
        self.fpgaOffered = fpgaOffered
        self.policy = policy
    }

    /// The SLO's p99 in seconds.
    var sloSeconds: Double { workload.sloP99Ms / 1000 }

    /// Client ↔ cloud time of the workload's requests (RTT + payload upload + response), the
    /// 99th percentile of its jitter, ms: the one network figure every cloud target's plan adds
    /// and every rule and message quotes.
    package var requestNetworkMs: Double { (try? peakTraffic(rate: workload.load.effectivePeakRps).networkP99Seconds * 1000) ?? 0 }

    /// Analytic p99 response with `servers` servers of service times `samples` at `rate` requests/s
    /// (nil when the utilization is at or above `maxUtilization`).
    package static func analyticP99(samples: [Double], servers: Int, rate: Double, maxUtilization: Double = 0.98) -> Double? {
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        let cs2 = mean > 0 ? variance / (mean * mean) : 0
        guard mean > 0, let q = try? ErlangC(servers: servers, arrivalRate: rate, serviceRate: 1 / mean), q.utilization < maxUtilization
        else { return nil }
        let sorted = samples.sorted()
        let s99 = sorted[min(sorted.count - 1, Int(0.99 * Double(sorted.count)))]
        return q.waitPercentile(0.99) * (1 + cs2) / 2 + s99
    }

    func context() throws -> TargetContext {
        try TargetContext(
            graph: graph, fpgaOffered: fpgaOffered, batch: workload.batch, calibration: calibration, pricing: pricing,
            production: workload.environment == .production, existingCluster: workload.existingCluster,
            siteLinkMbps: workload.uplinkMbps, meanRps: workload.load.rps, policy: policy, base: workload.site(base))
    }

    /// Traffic at a constant-rate Poisson peak, for verification.
    func peakTraffic(rate: Double) throws -> TrafficSpec {
        var w = workload
        w.load.pattern = .poisson
        w.load.rps = rate
        w.load.peakRps = nil
        w.load.traceFile = nil
        w.load.durationSeconds = max(60, min(workload.load.durationSeconds, 600))
        w.connectivity = .always  // capacity is planned for a connected service; connectivity is judged by the advisor
        return try w.traffic(inputShape: graph.inputShape, edge: base.edge)
    }

    /// Plans every target at the workload's peak rate.
    ///
    /// - Parameter verify: simulate each chosen configuration (false: analytics only).
    package func plan(verify: Bool = true) throws -> [TargetPlan] {
        try TargetKind.allCases.map { try plan($0, rate: workload.load.effectivePeakRps, verify: verify) }
    }

    /// A configuration the analytic search accepted.
    struct Candidate {
        var settings: TargetConfigurations
        /// Analytic p99 response including the network, seconds.
        var p99Seconds: Double
        var cost: TargetCost
        /// Its family and number of servers, to try one fewer.
        var family: CandidateFamily
        var servers: Int
    }

    /// The cheapest configuration of each family that meets the SLO analytically, and the
    /// lowest p99 any configuration reached.
    func search(_ target: any DeploymentTarget, _ context: TargetContext, rate: Double, networkSeconds: Double) throws
        -> (candidates: [Candidate], closestSeconds: Double?)
    {
        var candidates: [Candidate] = []
        var closest = Double.infinity
        for family in try target.candidates(context, rate: rate) {
            let worst = family.service.samples.max() ?? family.service.meanSeconds
            for n in family.servers {
                guard
                    let p = Self.analyticP99(
                        samples: family.service.samples, servers: family.partitioned ? 1 : n,
                        rate: family.partitioned ? rate / Double(n) : rate, maxUtilization: policy.maxAnalyticUtilization)
                else { continue }  // not enough servers for the load yet
                closest = min(closest, p + networkSeconds)
                if p + networkSeconds <= sloSeconds {
                    let settings = family.settings(n)
                    candidates.append(
                        Candidate(
                            settings: settings, p99Seconds: p + networkSeconds, cost: try target.cost(settings, context), family: family,
                            servers: n))
                    break
                }
                // No number of servers brings the slowest request under the SLO.
                if worst + networkSeconds > sloSeconds { break }
            }
        }
        return (candidates, closest.isFinite ? closest : nil)
    }

    /// Plans one target at `rate` requests/s.
    package func plan(_ kind: TargetKind, rate: Double, verify: Bool) throws -> TargetPlan {
        let target = kind.target
        let context = try context()
        let traffic = try peakTraffic(rate: rate)
        let networkSeconds = target.scoresOnSite ? 0 : traffic.networkP99Seconds
        let deploy = target.deployPhases(context)
        let deployMinutes = deploy.keys.sorted().reduce(0) { $0 + deploy[$1]! }
        let (candidates, closest) = try search(target, context, rate: rate, networkSeconds: networkSeconds)
        let requirements = Requirements(
            sloMs: sloSeconds * 1000, peakRps: rate, devices: workload.devices, devicesInstalled: workload.devicesInstalled)
        let ordered = candidates.sorted { ($0.cost.perHourUSD, $0.p99Seconds) < ($1.cost.perHourUSD, $1.p99Seconds) }
        guard let cheapest = ordered.first else {
            let why = try target.infeasibility(
                context, rate: rate, sloMs: sloSeconds * 1000, networkMs: networkSeconds * 1000, closestP99Ms: closest.map { $0 * 1000 })
            return TargetPlan(
                target: kind, feasible: false, infeasibility: why, reason: target.explain(why, requirements), configuration: [:],
                summary: "cannot", analyticP99Ms: nil, simulatedP99Ms: nil, simulatedSuccessRate: nil, costPerMonthUSD: 0,
                costIsEstimate: false, deployMinutes: deployMinutes, deployBreakdown: deploy, closestP99Ms: closest.map { $0 * 1000 },
                settings: base)
        }
        var chosen = cheapest.settings
        var simulated: TargetResult?
        var smallerCheck: NeighbourCheck?
        if verify {
            (chosen, simulated, smallerCheck) = try verified(target, kind, ordered, context: context, traffic: traffic)
        }
        let feasible = simulated.map(meets) ?? true
        let missed: Infeasibility? =
            feasible ? nil : .missedInSimulation(p99Ms: simulated?.latencyMs?.p99, successRate: simulated?.successRate ?? 0)
        let cost = try target.cost(chosen, context)
        return TargetPlan(
            target: kind, feasible: feasible, infeasibility: missed, reason: missed.map { target.explain($0, requirements) },
            configuration: try target.parameters(chosen, context), summary: try target.summary(chosen, context),
            analyticP99Ms: cheapest.p99Seconds * 1000, simulatedP99Ms: simulated?.latencyMs?.p99,
            simulatedSuccessRate: simulated?.successRate, costPerMonthUSD: cost.perMonthUSD, costIsEstimate: cost.isEstimate,
            deployMinutes: deployMinutes, deployBreakdown: deploy, closestP99Ms: min(closest ?? .infinity, cheapest.p99Seconds) * 1000,
            settings: chosen, smallerCheck: smallerCheck)
    }

    /// Simulates the analytic candidates, cheapest first, until one meets the SLO; then steps
    /// its number of servers down while one fewer still meets it, so the plan is the smallest
    /// the simulation accepts (the failing neighbour is the evidence). When no candidate meets
    /// it, grows the cheapest with ``DeploymentTarget/larger(than:_:)``. At most
    /// `policy.verificationAttempts` simulations in the first two phases, as many again to grow.
    func verified(
        _ target: any DeploymentTarget, _ kind: TargetKind, _ ordered: [Candidate], context: TargetContext, traffic: TrafficSpec
    ) throws -> (TargetConfigurations, TargetResult, NeighbourCheck?) {
        func simulate(_ s: TargetConfigurations) throws -> TargetResult {
            try TargetSimulator(context: context, traffic: traffic, configurations: s).run(kind)
        }
        var budget = policy.verificationAttempts
        var first: TargetResult?
        for candidate in ordered where budget > 0 {
            let result = try simulate(candidate.settings)
            budget -= 1
            if first == nil { first = result }
            guard meets(result) else { continue }
            var best = (candidate.settings, result)
            var n = candidate.servers
            while n - 1 >= candidate.family.servers.lowerBound {
                let fewer = candidate.family.settings(n - 1)
                let r = try simulate(fewer)
                guard meets(r) else {
                    let check = NeighbourCheck(
                        summary: try target.summary(fewer, context), simulatedP99Ms: r.latencyMs?.p99, simulatedSuccessRate: r.successRate)
                    return (best.0, best.1, check)
                }
                best = (fewer, r)
                n -= 1
                if budget <= 0 { break }
                budget -= 1
            }
            return (best.0, best.1, nil)
        }
        // Nothing the analytics accepted meets the SLO in simulation: grow the cheapest.
        var chosen = ordered[0].settings
        var result = try first ?? simulate(chosen)
        for _ in 1..<max(2, policy.verificationAttempts) where !meets(result) {
            // The plan reports the last configuration simulated.
            guard let next = target.larger(than: chosen, context) else { break }
            chosen = next
            result = try simulate(chosen)
        }
        return (chosen, result, nil)
    }

    /// Whether a simulated configuration meets the SLO and the success floor.
    func meets(_ r: TargetResult) -> Bool {
        (r.latencyMs?.p99 ?? .infinity) <= sloSeconds * 1000 && r.successRate >= policy.minSuccessRate
    }

    /// The cheapest feasible target and configuration across load levels (analytics only).
    package func curve(rates: [Double] = [10, 30, 100, 300, 1000, 3000, 10000]) throws -> [CurvePoint] {
        try rates.map { rate in
            var costs: [TargetKind: Double] = [:]
            var p99s: [TargetKind: Double] = [:]
            var best: TargetPlan?
            for t in TargetKind.allCases {
                let p = try plan(t, rate: rate, verify: false)
                guard p.feasible, let analytic = p.analyticP99Ms else { continue }
                costs[t] = p.costPerMonthUSD
                p99s[t] = analytic
                if best == nil || p.costPerMonthUSD < best!.costPerMonthUSD { best = p }
            }
            return CurvePoint(
                rps: rate, target: best?.target, summary: best?.summary ?? "nothing meets the SLO", costPerMonthUSD: best?.costPerMonthUSD,
                p99Ms: best?.analyticP99Ms, costByTarget: costs, p99ByTarget: p99s)
        }
    }
}
