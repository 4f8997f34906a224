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
