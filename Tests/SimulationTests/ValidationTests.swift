import Foundation
import Testing

@testable import Simulation

/// The engine against queueing theory. Each case simulates enough customers (fixed seed,
/// 10% warm-up discarded, 20 batch means) that the 95% confidence half-width is itself
/// under 2%, then requires the estimate within 2% of the closed form.
@Suite("Validation against queueing theory")
struct ValidationTests {
    struct MMCCase: CustomTestStringConvertible, Sendable {
        var servers: Int
        var utilization: Double
        var customers: Int
        var testDescription: String { "M/M/\(servers) at ρ = \(utilization)" }
    }

    @Test(
        "M/M/c mean wait and P(wait)",
        arguments: [
            MMCCase(servers: 1, utilization: 0.5, customers: 1_000_000),
            MMCCase(servers: 1, utilization: 0.8, customers: 4_000_000),
            MMCCase(servers: 4, utilization: 0.9, customers: 12_000_000),
            MMCCase(servers: 16, utilization: 0.95, customers: 48_000_000),
        ])
    func mmc(_ c: MMCCase) throws {
        let mu = 1.0
        let lambda = c.utilization * Double(c.servers) * mu
        let theory = try ErlangC(servers: c.servers, arrivalRate: lambda, serviceRate: mu)
        let r = try QueueingExperiment(
            servers: c.servers, arrivals: .poisson(rate: lambda), service: .exponential(rate: mu), customers: c.customers, seed: 11
        ).run()
        let waitError = abs(r.meanWaitS - theory.meanWait) / theory.meanWait
        let probError = abs(r.probWait - theory.probabilityOfWaiting) / theory.probabilityOfWaiting
        #expect(r.meanWaitCI.halfWidth / theory.meanWait < 0.02, "CI half-width \(r.meanWaitCI.halfWidth) too wide to check 2%")
        #expect(waitError < 0.02, "mean wait \(r.meanWaitS) vs \(theory.meanWait)")
        #expect(probError < 0.02, "P(wait) \(r.probWait) vs \(theory.probabilityOfWaiting)")
        // Response-time percentiles against the exact M/M/c distribution (HdrHistogram resolution 0.1%).
        #expect(abs(r.p50ResponseS / theory.responsePercentile(0.5) - 1) < 0.03)
        #expect(abs(r.p99ResponseS / theory.responsePercentile(0.99) - 1) < 0.05)
        // Little's law: L = λW over the measured period.
        #expect(abs(r.meanInSystem / (r.arrivalRate * r.meanResponseS) - 1) < 0.01)
        #expect(abs(r.utilization - c.utilization) < 0.01)
    }

    @Test func md1AgainstPollaczekKhinchine() throws {
        // M/D/1 at ρ = 0.8: E[Wq] = ρ / (2μ(1 − ρ)) = 2 s.
        let r = try QueueingExperiment(
            servers: 1, arrivals: .poisson(rate: 0.8), service: .deterministic(1), customers: 3_000_000, seed: 5
        ).run()
        #expect(r.meanWaitCI.halfWidth / 2 < 0.02)
        #expect(abs(r.meanWaitS - 2) / 2 < 0.02, "\(r.meanWaitS)")
        #expect(abs(r.probWait - 0.8) / 0.8 < 0.02)
    }

    @Test func sameSeedSameResultsOtherSeedOtherResults() throws {
        func run(_ seed: UInt64) throws -> QueueingExperiment.Result {
            var r = try QueueingExperiment(
                servers: 3, arrivals: .poisson(rate: 2.4), service: .lognormal(mean: 1, cv2: 0.5), customers: 50_000, seed: seed
            ).run()
            r.wallSeconds = 0
            r.eventsPerSecond = 0
            return r
        }
        #expect(try run(1) == run(1))
        #expect(try run(1) != run(2))
    }

    @Test func rejectsBadExperiments() {
        #expect(throws: SimulationError.self) {
            try QueueingExperiment(servers: 0, arrivals: .poisson(rate: 1), service: .exponential(rate: 1), customers: 1000).run()
        }
        #expect(throws: SimulationError.self) {
            try QueueingExperiment(servers: 1, arrivals: .poisson(rate: 1), service: .exponential(rate: 1), customers: 10).run()
        }
    }
}

/// A site's shared uplink is a FIFO queue of uploads with a fixed transmission time: with
/// Poisson requests it is M/D/1, whose mean wait is Pollaczek–Khinchine's ρS / (2(1 − ρ)).
@Suite("The shared uplink as a queue")
struct SharedUplinkTests {
    /// 100 KB uploads over 10 Mbit/s: S = 80 ms; at 10 requests/s ρ = 0.8, so the mean wait is
    /// 0.8 · 80 / 0.4 = 160 ms. The server answers in 1 µs with 1,000 replicas, so the network
    /// is all the latency: rtt/2 + S + wait + response.
    func run(rate: Double, shared: Bool, duration: Double = 20_000) -> (ServingSimulation.Outcome, TrafficSpec) {
        var t = TrafficSpec(
            arrivals: .poisson(rate: rate), durationSeconds: duration, payloadBytes: 100_000, responseBytes: 0, rttSeconds: 0.02,
            uplinkBitsPerSecond: 10e6, seed: 3)
        t.networkJitterCV = 0
        t.uplinkShared = shared
        let sim = ServingSimulation(traffic: t, service: .deterministic(1e-6), replicas: 1000)
        return (sim.run(), t)
    }

    @Test func theMeanWaitIsPollaczekKhinchines() {
        let (o, t) = run(rate: 10, shared: true)
        let s = t.uploadTransmitSeconds
        #expect(abs(s - 0.08) < 1e-12)
        let rho = 10 * s
        let expected = rho * s / (2 * (1 - rho))
        let meanWait = o.networkSum / Double(o.completed) - (0.01 + s + 0.01)
        #expect(abs(meanWait / expected - 1) < 0.06, "mean wait \(meanWait) s vs M/D/1 \(expected) s over \(o.completed) requests")
        // Each client on its own link: no wait at all.
        let (own, _) = run(rate: 10, shared: false, duration: 2000)
        #expect(abs(own.networkSum / Double(own.completed) - (0.01 + s + 0.01)) < 1e-9)
    }

    /// The planner's p99 of the wait (Cramér–Lundberg) against the simulated p99, within 10 %.
    @Test func theP99WaitMatchesTheAnalyticBound() {
        for rate in [3.0, 6.0, 10.0, 11.5] {
            let (o, t) = run(rate: rate, shared: true)
            let simulated = o.latency.percentile(99) - (0.02 + t.uploadTransmitSeconds)
            let analytic = t.uplinkWaitP99Seconds(rate: rate)
            #expect(abs(analytic / simulated - 1) < 0.10, "rate \(rate): analytic \(analytic) s vs simulated \(simulated) s")
        }
    }

    /// Past the link's rate (12.5 requests/s here) uploads queue without bound.
    @Test func pastTheLinksRateTheWaitGrowsWithoutBound() {
        var t = TrafficSpec(
            arrivals: .poisson(rate: 15), durationSeconds: 100, payloadBytes: 100_000, rttSeconds: 0.02, uplinkBitsPerSecond: 10e6)
        t.uplinkShared = true
        #expect(t.uplinkUtilization(rate: 15) > 1 && t.uplinkWaitP99Seconds(rate: 15) == .infinity)
        let o = ServingSimulation(traffic: t, service: .deterministic(1e-6), replicas: 100).run()
        // The last uploads left about 100 · (15 · 0.08 − 1) = 20 s after they were sent.
        #expect(o.latency.percentile(99.9) > 15, "\(o.latency.percentile(99.9)) s")
    }
}

/// What a run says about the requests still waiting when the arrivals stop. The fluid model is
/// the reference: a station of capacity μ offered λ > μ serves μT requests in T seconds and
/// leaves (λ − μ)T waiting; below capacity, what is left is the requests in flight (λ·W by
/// Little's law), and the servers are not all busy.
@Suite("The run's end: served, left waiting, saturated")
struct RunEndTests {
    func run(rate: Double, service: Double, replicas: Int, duration: Double) -> ServingSimulation.Outcome {
        var t = TrafficSpec(
            arrivals: .poisson(rate: rate), durationSeconds: duration, payloadBytes: 0, rttSeconds: 0, uplinkBitsPerSecond: 1e9, seed: 5)
        t.networkJitterCV = 0
        return ServingSimulation(traffic: t, service: .deterministic(service), replicas: replicas).run()
    }

    /// λ = 15/s against μ = 10/s for 400 s: 4,000 served within the run of ~6,000 (2/3), ~2,000
    /// left (1/3), within 3 percentage points; the run then drains them all.
    @Test func anOverloadedStationServesItsCapacityAndLeavesTheRest() {
        let o = run(rate: 15, service: 0.1, replicas: 1, duration: 400)
        let served = Double(o.completedAtHorizon) / Double(o.offered)
        let left = Double(o.unresolvedAtHorizon) / Double(o.offered)
        #expect(abs(served - 10.0 / 15) < 0.03, "served within the run \(served)")
        #expect(abs(left - 5.0 / 15) < 0.03, "left waiting \(left)")
        #expect(o.saturatedAtHorizon)
        #expect(o.completed == o.offered, "the drain serves the rest")
    }

    /// ρ = 0.8: nothing piles up (under 1% left), not saturated.
    @Test func aStableStationLeavesOnlyWhatIsInFlight() {
        let o = run(rate: 8, service: 0.1, replicas: 1, duration: 400)
        #expect(Double(o.unresolvedAtHorizon) < 0.01 * Double(o.offered))
        #expect(!o.saturatedAtHorizon)
    }

    /// Long requests (5 s) at ρ = 0.5 on 100 servers for 60 s: Little's law leaves λ·W = 50 of
    /// ~600 in flight (8%, more than the 1% floor), yet the servers are half idle — slow, not
    /// overloaded, so the backlog is not said to grow.
    @Test func slowIsNotSaturated() {
        let o = run(rate: 10, service: 5, replicas: 100, duration: 60)
        let left = Double(o.unresolvedAtHorizon)
        #expect(abs(left - 50) < 20, "in flight at the end \(left)")
        #expect(!o.saturatedAtHorizon)
    }

    /// A shared uplink past its rate (15 uploads/s of 80 ms each) backs up: saturated.
    @Test func aBackedUpUplinkIsSaturation() {
        var t = TrafficSpec(
            arrivals: .poisson(rate: 15), durationSeconds: 200, payloadBytes: 100_000, rttSeconds: 0.02, uplinkBitsPerSecond: 10e6)
        t.uplinkShared = true
        let o = ServingSimulation(traffic: t, service: .deterministic(1e-6), replicas: 100).run()
        #expect(o.saturatedAtHorizon && Double(o.unresolvedAtHorizon) > 0.1 * Double(o.offered))
    }
}
