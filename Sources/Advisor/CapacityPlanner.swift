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
    /// Rules the FPGA out whatever its plan (no number format keeps the accuracy floor); the
    /// plan that the most accurate format would need is kept as the best attempt.
    package var fpgaRefusal: Infeasibility?
    /// Simulate what only a report shows (answers do not depend on it): up to two alternatives
    /// per feasible plan, and each ruled-out target's best attempt at the peak.
    package var forReport = false

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

    /// The analytic p99 of `n` servers of `f` at `rate` (a partitioned family: one server with
    /// its `1/n` share; a sizing rule's servers at the peak counted).
    func analyticP99(_ f: CandidateFamily, _ n: Int, rate: Double, maxUtilization: Double) -> Double? {
        let servers = f.peakServers(n)
        return Self.analyticP99(
            samples: f.service.samples, servers: f.partitioned ? 1 : servers, rate: f.partitioned ? rate / Double(servers) : rate,
            maxUtilization: maxUtilization)
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

    /// Plans one target, ruled out when the FPGA's number formats cannot keep the accuracy floor.
    package func plan(_ kind: TargetKind, rate: Double, verify: Bool) throws -> TargetPlan {
        var p = try capacityPlan(kind, rate: rate, verify: verify)
        guard kind == .fpga, let why = fpgaRefusal else { return p }
        if p.feasible {
            p.bestAttempt = NeighbourCheck(
                summary: p.summary, settings: p.settings, simulatedP99Ms: p.simulatedP99Ms, simulatedSuccessRate: p.simulatedSuccessRate,
                notSimulated: p.simulatedP99Ms == nil ? "analytics only (quick)" : nil)
        }
        p.feasible = false
        p.infeasibility = why
        p.reason = kind.target.explain(why, Requirements(sloMs: sloSeconds * 1000, peakRps: rate))
        return p
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
        -> (candidates: [Candidate], closestSeconds: Double?, families: [CandidateFamily], bestAttempt: TargetConfigurations?)
    {
        var candidates: [Candidate] = []
        var closest = Double.infinity
        var closestAt: (family: CandidateFamily, servers: Int)?
        // When no configuration keeps up: the one with the most capacity (servers per mean service time).
        var largest: (capacity: Double, settings: TargetConfigurations)?
        let families = try target.candidates(context, rate: rate)
        for family in families {
            let capacity = Double(family.servers.upperBound) / max(family.service.meanSeconds, 1e-12)
            if largest == nil || capacity > largest!.capacity { largest = (capacity, family.settings(family.servers.upperBound)) }
        }
        for family in families where family.excluded == nil {
            let worst = family.service.samples.max() ?? family.service.meanSeconds
            for n in family.servers {
                // No figure: not enough servers for the load yet.
                guard let p = analyticP99(family, n, rate: rate, maxUtilization: policy.maxAnalyticUtilization) else { continue }
                if p + networkSeconds < closest {
                    closest = p + networkSeconds
                    closestAt = (family, n)
                }
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
        if let cheapest = candidates.min(by: { ($0.cost.perHourUSD, $0.p99Seconds) < ($1.cost.perHourUSD, $1.p99Seconds) }) {
            return (candidates, closest.isFinite ? closest : nil, families, cheapest.settings)
        }
        guard let at = closestAt else { return (candidates, nil, families, largest?.settings) }
        let attempt = withHeadroom(at, rate: rate)
        return (candidates, min(closest, attempt.p99Seconds + networkSeconds), families, attempt.settings)
    }

    /// The best attempt of a family whose requests miss the SLO with any number of servers:
    /// from the fewest servers that keep up, the first count whose analytic p99 is within 5%
    /// of the family's floor (its service time's p99 alone), so the attempt shows what the size
    /// can do rather than a queue at the edge of saturation.
    func withHeadroom(_ at: (family: CandidateFamily, servers: Int), rate: Double) -> (
        settings: TargetConfigurations, p99Seconds: Double
    ) {
        let f = at.family
        let sorted = f.service.samples.sorted()
        let floor = sorted.isEmpty ? f.service.meanSeconds : sorted[min(sorted.count - 1, Int(0.99 * Double(sorted.count)))]
        var best = (settings: f.settings(at.servers), p99Seconds: Double.infinity)
        for n in at.servers...min(f.servers.upperBound, at.servers + 256) {
            guard
                let p = analyticP99(f, n, rate: rate, maxUtilization: policy.maxAnalyticUtilization), p < best.p99Seconds
            else { continue }
            best = (f.settings(n), p)
            if p <= 1.05 * floor { break }
        }
        return best
    }

    /// Plans one target's capacity at `rate` requests/s.
    func capacityPlan(_ kind: TargetKind, rate: Double, verify: Bool) throws -> TargetPlan {
        let target = kind.target
        let context = try context()
        let traffic = try peakTraffic(rate: rate)
        let networkSeconds = target.scoresOnSite ? 0 : traffic.networkP99Seconds
        let deploy = target.deployPhases(context)
        let deployMinutes = deploy.keys.sorted().reduce(0) { $0 + deploy[$1]! }
        let requirements = Requirements(
            sloMs: sloSeconds * 1000, peakRps: rate, devices: workload.devices, devicesInstalled: workload.devicesInstalled)
        // Past the uplink's capacity the network time has no bound: the search then sizes the
        // servers alone, so the best attempt is what would serve the load if the link could carry it.
        let uplinkSaturated = !target.scoresOnSite && traffic.uplinkUtilization(rate: rate) >= 1
        let (candidates, closest, families, attempt) = try search(
            target, context, rate: rate, networkSeconds: uplinkSaturated ? 0 : networkSeconds)
        /// The configuration that came closest, simulated at the peak for a report.
        func bestAttempt() throws -> NeighbourCheck? {
            guard let attempt else { return nil }
            let r = verify && forReport ? try TargetSimulator(context: context, traffic: traffic, configurations: attempt).run(kind) : nil
            return NeighbourCheck(
                summary: try target.summary(attempt, context), settings: attempt, simulatedP99Ms: r?.reportedLatencyMs(percentile: 99),
                simulatedSuccessRate: r?.reportedSuccessRate,
                notSimulated: r == nil ? (verify ? "simulated only for reports" : "analytics only (quick)") : nil, caveat: r?.latencyCaveat)
        }
        // A site's shared uplink that cannot carry the peak rules out every target off the site.
        if uplinkSaturated {
            let why = Infeasibility.uplinkSaturated(
                neededMbps: rate * Double(traffic.payloadBytes) * 8 / 1e6, uplinkMbps: traffic.uplinkBitsPerSecond / 1e6)
            return TargetPlan(
                target: kind, feasible: false, infeasibility: why, reason: target.explain(why, requirements), configuration: [:],
                summary: "cannot", analyticP99Ms: nil, simulatedP99Ms: nil, simulatedSuccessRate: nil, costPerMonthUSD: 0,
                costIsEstimate: false, deployMinutes: deployMinutes, deployBreakdown: deploy, closestP99Ms: nil, settings: base,
                bestAttempt: try bestAttempt())
        }
        let ordered = candidates.sorted { ($0.cost.perHourUSD, $0.p99Seconds) < ($1.cost.perHourUSD, $1.p99Seconds) }
        guard let cheapest = ordered.first else {
            let why = try target.infeasibility(
                context, rate: rate, sloMs: sloSeconds * 1000, networkMs: networkSeconds * 1000, closestP99Ms: closest.map { $0 * 1000 })
            return TargetPlan(
                target: kind, feasible: false, infeasibility: why, reason: target.explain(why, requirements), configuration: [:],
                summary: "cannot", analyticP99Ms: nil, simulatedP99Ms: nil, simulatedSuccessRate: nil, costPerMonthUSD: 0,
                costIsEstimate: false, deployMinutes: deployMinutes, deployBreakdown: deploy, closestP99Ms: closest.map { $0 * 1000 },
                settings: base, bestAttempt: try bestAttempt())
        }
        var chosen = cheapest.settings
        var simulated: TargetResult?
        var checks = Neighbours()
        var analyticSeconds: Double? = cheapest.p99Seconds
        if verify {
            let v = try verified(
                target, kind, ordered, families: families, context: context, traffic: traffic, networkSeconds: networkSeconds)
            (chosen, simulated, checks) = (v.0, v.1, v.2)
            // A grown plan keeps the analytic figure of the candidate it grew from.
            analyticSeconds = v.analyticP99Seconds ?? cheapest.p99Seconds
        }
        var feasible = simulated.map(meets) ?? true
        var missed: Infeasibility? =
            feasible ? nil : .missedInSimulation(p99Ms: simulated?.latencyMs?.p99, successRate: simulated?.successRate ?? 0)
        var patternCheck: NeighbourCheck?
        var patternRun: TargetResult?
        let peakChosen = chosen
        if verify, feasible, let own = try ownTraffic() {
            let v = try verifiedUnderPattern(target, kind, chosen, context: context, traffic: own)
            patternCheck = v.check
            if v.meets {
                chosen = v.check.settings
                patternRun = v.run
            } else {
                feasible = false
                missed = .missedUnderPattern(
                    pattern: workload.load.pattern.rawValue, p99Ms: v.check.simulatedP99Ms, lostShare: v.lostShare)
            }
        }
        let cost = try target.cost(chosen, context)
        let others =
            verify && feasible && forReport
            ? try alternatives(target, kind, ordered, chosen: [chosen, peakChosen], context: context, traffic: traffic, rate: rate)
            : []
        var plan = TargetPlan(
            target: kind, feasible: feasible, infeasibility: missed, reason: missed.map { target.explain($0, requirements) },
            configuration: try target.parameters(chosen, context), summary: try target.summary(chosen, context),
            analyticP99Ms: analyticSeconds.map { $0 * 1000 }, simulatedP99Ms: simulated?.latencyMs?.p99,
            simulatedSuccessRate: simulated?.successRate, costPerMonthUSD: cost.perMonthUSD, costIsEstimate: cost.isEstimate,
            deployMinutes: deployMinutes, deployBreakdown: deploy, closestP99Ms: min(closest ?? .infinity, cheapest.p99Seconds) * 1000,
            settings: chosen, smallerCheck: checks.fewer, smallerSizeCheck: checks.smallerSize,
            patternCheck: patternCheck, alternatives: others, costPerMillionUSD: feasible ? cost.perMillionUSD(atRps: rate) : nil,
            bestAttempt: feasible
                ? nil
                : try patternCheck
                    ?? NeighbourCheck(
                        summary: try target.summary(chosen, context), settings: chosen,
                        simulatedP99Ms: simulated?.reportedLatencyMs(percentile: 99), simulatedSuccessRate: simulated?.reportedSuccessRate,
                        caveat: simulated?.latencyCaveat))
        plan.patternRun = patternRun
        return plan
    }

    /// The evidence that a plan is minimal: its simulated neighbours.
    struct Neighbours {
        /// One server fewer of the same size.
        var fewer: NeighbourCheck?
        /// The next smaller size of the same series, at no more cost.
        var smallerSize: NeighbourCheck?
    }

    /// Simulates the analytic candidates, cheapest first, until one meets the SLO; then walks
    /// down from it while a neighbour still meets the SLO in simulation — the fewest servers of
    /// the same size (bisected), then the next smaller size of the same series with as many
    /// servers as cost no more (at equal cost, demanding at most `policy.demandTolerance` more)
    /// — so the plan is the smallest the simulation accepts and its failing neighbours (one
    /// server fewer, one size smaller) are the evidence. When no candidate meets it, grows the
    /// cheapest with ``DeploymentTarget/larger(than:_:)``. At most
    /// `policy.verificationAttempts` simulations to find the first, twice as many to walk down,
    /// and as many to grow.
    func verified(
        _ target: any DeploymentTarget, _ kind: TargetKind, _ ordered: [Candidate], families: [CandidateFamily], context: TargetContext,
        traffic: TrafficSpec, networkSeconds: Double
    ) throws -> (TargetConfigurations, TargetResult, Neighbours, analyticP99Seconds: Double?) {
        func simulate(_ s: TargetConfigurations) throws -> TargetResult {
            try TargetSimulator(context: context, traffic: traffic, configurations: s).run(kind)
        }
        func check(_ s: TargetConfigurations, _ r: TargetResult) throws -> NeighbourCheck {
            NeighbourCheck(
                summary: try target.summary(s, context), settings: s, simulatedP99Ms: r.reportedLatencyMs(percentile: 99),
                simulatedSuccessRate: r.reportedSuccessRate, caveat: r.latencyCaveat)
        }
        var budget = policy.verificationAttempts
        var first: TargetResult?
        for candidate in ordered where budget > 0 {
            let result = try simulate(candidate.settings)
            budget -= 1
            if first == nil { first = result }
            guard meets(result) else { continue }
            var best = (family: candidate.family, servers: candidate.servers, settings: candidate.settings, result: result)
            var evidence = Neighbours()
            var walk = 2 * policy.verificationAttempts
            while walk > 0 {
                // The fewest servers of this size that still meet the SLO, by bisection (fewer
                // servers never serve better); the count just below is the failing neighbour.
                evidence = Neighbours()
                var (low, high, failures) = (best.family.servers.lowerBound, best.servers, [Int: NeighbourCheck]())
                while low < high, walk > 0 {
                    let mid = low + (high - low) / 2
                    let fewer = best.family.settings(mid)
                    // A sizing rule can keep the configuration as it is (AKS's autoscale maximum).
                    if fewer == best.settings {
                        high = mid
                        continue
                    }
                    let r = try simulate(fewer)
                    walk -= 1
                    if meets(r) {
                        best = (best.family, mid, fewer, r)
                        high = mid
                    } else {
                        failures[mid] = try check(fewer, r)
                        low = mid + 1
                    }
                }
                evidence.fewer = failures[high - 1]
                // The next smaller size: if it meets the SLO at no more cost, it is the plan.
                guard walk > 0,
                    let step = try smallerSize(
                        than: best.family, best.servers, best.settings, families, target, context, rate: traffic.offeredRps)
                else { break }
                guard case .simulate(let family, let servers) = step else {
                    if case .excluded(let s, let why) = step {
                        evidence.smallerSize = NeighbourCheck(
                            summary: try target.summary(s, context), settings: s, simulatedP99Ms: nil, simulatedSuccessRate: nil,
                            notSimulated: why)
                    }
                    break
                }
                let settings = family.settings(servers)
                let r = try simulate(settings)
                walk -= 1
                guard meets(r) else {
                    evidence.smallerSize = try check(settings, r)
                    break
                }
                best = (family, servers, settings, r)
            }
            // The analytic p99 of the configuration chosen (its family's queue, as in the search).
            let f = best.family
            let analytic = analyticP99(f, best.servers, rate: traffic.offeredRps, maxUtilization: 1)
            return (best.settings, best.result, evidence, analytic.map { $0 + networkSeconds })
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
        return (chosen, result, Neighbours(), nil)
    }

    /// What the next smaller size of `family`'s series offers against a plan of `servers` of it.
    enum SmallerSize {
        /// Simulate `servers` of `family`: the most that cost no more than the plan.
        case simulate(CandidateFamily, servers: Int)
        /// Not simulated, with the reason (a sizing rule; or every count that could carry the load costs more).
        case excluded(TargetConfigurations, String)
    }

    /// The smaller size of the plan's series most likely to do the plan's job for no more (nil
    /// when the plan's size is the smallest). For each smaller size, the most servers of it
    /// whose cost is below the plan's, or equal with a ``CandidateFamily/demand(servers:)`` no
    /// more than `policy.demandTolerance` above the plan's — the configuration of that size
    /// with the most capacity that is no bigger than the plan; fewer of that size carry less,
    /// so if it misses the SLO, every cheaper configuration of that size does too. Of those,
    /// the one with the lowest analytic p99 is simulated (a replica size that packs badly onto
    /// nodes can cost more than a smaller one, so the next size down is not always the best
    /// prospect). When no smaller size qualifies, the next
    /// size down is named with the reason.
    func smallerSize(
        than family: CandidateFamily, _ servers: Int, _ settings: TargetConfigurations, _ families: [CandidateFamily],
        _ target: any DeploymentTarget, _ context: TargetContext, rate: Double
    ) throws -> SmallerSize? {
        let smaller = families.filter { $0.series == family.series && $0.size < family.size }.sorted { $0.size > $1.size }
        guard let next = smaller.first else { return nil }
        let planCost = try target.cost(settings, context).perHourUSD
        let planDemand = family.demand(servers: servers)
        var prospect: (family: CandidateFamily, servers: Int, p99: Double)?
        for f in smaller where f.excluded == nil {
            func noBigger(_ n: Int) throws -> Bool {
                let cost = try target.cost(f.settings(n), context).perHourUSD
                return cost < planCost - 1e-9
                    || (abs(cost - planCost) <= 1e-9 && f.demand(servers: n) <= planDemand * (1 + policy.demandTolerance))
            }
            guard try noBigger(f.servers.lowerBound) else { continue }
            // The cost grows with the count: bisect for the largest count still no bigger.
            var (low, high) = (f.servers.lowerBound, f.servers.upperBound)
            while low < high {
                let mid = low + (high - low + 1) / 2
                if try noBigger(mid) { low = mid } else { high = mid - 1 }
            }
            guard
                let p99 = analyticP99(f, low, rate: rate, maxUtilization: 1)
            else { continue }
            if prospect == nil || p99 < prospect!.p99 { prospect = (f, low, p99) }
        }
        if let p = prospect { return .simulate(p.family, servers: p.servers) }
        if let why = next.excluded { return .excluded(next.settings(servers), why) }
        return .excluded(
            next.settings(next.servers.lowerBound),
            "the fewest of the next size down that carry \(next.partitioned ? "their share" : "the peak") already cost more than the plan, or the same while demanding more than \(Int((policy.demandTolerance * 100).rounded()))% more per request, and no smaller size does better"
        )
    }

    /// Up to two other configurations of a feasible target that also meet the SLO at the peak
    /// in simulation, cheapest first: the cheapest analytic candidate of each other server size
    /// or series, then the plan with one more server (the price of headroom). At most four
    /// simulations.
    func alternatives(
        _ target: any DeploymentTarget, _ kind: TargetKind, _ ordered: [Candidate], chosen: [TargetConfigurations],
        context: TargetContext, traffic: TrafficSpec, rate: Double
    ) throws -> [PlanAlternative] {
        var out: [PlanAlternative] = []
        var budget = 4
        // Not the plan itself (as verified at the peak, or with its minimum raised for the pattern).
        var prospects = ordered.map(\.settings).filter { !chosen.contains($0) }
        if let plan = chosen.first, let headroom = target.larger(than: plan, context) { prospects.append(headroom) }
        for s in prospects where out.count < 2 && budget > 0 {
            budget -= 1
            let r = try TargetSimulator(context: context, traffic: traffic, configurations: s).run(kind)
            guard meets(r), let p99 = r.reportedLatencyMs(percentile: 99) else { continue }
            let cost = try target.cost(s, context)
            out.append(
                PlanAlternative(
                    summary: try target.summary(s, context), settings: s, simulatedP99Ms: p99, costPerMonthUSD: cost.perMonthUSD,
                    costPerMillionUSD: cost.perMillionUSD(atRps: rate)))
        }
        return out.sorted { $0.costPerMonthUSD < $1.costPerMonthUSD }
    }

    /// Whether a simulated configuration meets the SLO and the success floor (the one rule
    /// every report uses too, ``TargetResult/meetsSLO(sloMs:minSuccessRate:)``).
    func meets(_ r: TargetResult) -> Bool { r.meetsSLO(sloMs: sloSeconds * 1000, minSuccessRate: policy.minSuccessRate) }

    /// The workload's own traffic (its pattern, duration and connectivity), when it differs
    /// from the steady peak the plan was verified at; nil when it is that peak.
    func ownTraffic() throws -> TrafficSpec? {
        let load = workload.load
        let steady =
            load.pattern == .poisson && (load.peakRps ?? load.rps) <= load.rps && workload.connectivity == .always
            && load.durationSeconds == max(60, min(load.durationSeconds, 600))
        return steady ? nil : try workload.traffic(inputShape: graph.inputShape, edge: base.edge)
    }

    /// Simulates a plan under the workload's own load pattern: a plan that keeps up with a
    /// steady peak can still lose requests while the load rises faster than replicas start.
    /// When it misses, its minimum is raised toward its peak size (``DeploymentTarget/steadier(than:_:)``;
    /// the cost, billed at the peak size, does not change) and simulated again, at most three times.
    func verifiedUnderPattern(
        _ target: any DeploymentTarget, _ kind: TargetKind, _ settings: TargetConfigurations, context: TargetContext,
        traffic: TrafficSpec
    ) throws -> (check: NeighbourCheck, meets: Bool, lostShare: Double, run: TargetResult) {
        var chosen = settings
        var r = try TargetSimulator(context: context, traffic: traffic, configurations: chosen).run(kind)
        for _ in 0..<3 where !meets(r) {
            guard let next = target.steadier(than: chosen, context) else { break }
            chosen = next
            r = try TargetSimulator(context: context, traffic: traffic, configurations: chosen).run(kind)
        }
        let check = NeighbourCheck(
            summary: try target.summary(chosen, context), settings: chosen, simulatedP99Ms: r.reportedLatencyMs(percentile: 99),
            simulatedSuccessRate: r.reportedSuccessRate, caveat: r.latencyCaveat)
        return (check, meets(r), r.lostToCapacity, r)
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
