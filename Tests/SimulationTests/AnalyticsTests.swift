import Foundation
import Testing

@testable import Simulation

@Suite("Queueing analytics")
struct AnalyticsTests {
    @Test func mm1ClosedForms() throws {
        // M/M/1: C = ρ, E[Wq] = ρ/(μ−λ), response time ~ Exp(μ−λ) so its p-quantile is −ln(1−p)/(μ−λ).
        let q = try ErlangC(servers: 1, arrivalRate: 0.7, serviceRate: 1)
        #expect(abs(q.probabilityOfWaiting - 0.7) < 1e-12)
        #expect(abs(q.meanWait - 0.7 / 0.3) < 1e-12)
        for p in [0.5, 0.9, 0.99, 0.999] {
            #expect(abs(q.responsePercentile(p) - (-log(1 - p) / 0.3)) < 1e-9)
        }
        #expect(abs(q.probabilityWaitExceeds(2) - 0.7 * exp(-0.3 * 2)) < 1e-12)
        #expect(q.waitPercentile(0.2) == 0, "30% of customers do not wait")
        #expect(abs(q.probabilityWaitExceeds(q.waitPercentile(0.95)) - 0.05) < 1e-12)
    }

    @Test func largeServerCountsAreStable() throws {
        // a^c / c! overflows a Double past c ≈ 170; the recursion does not.
        let q = try ErlangC(servers: 5000, arrivalRate: 4900, serviceRate: 1)
        #expect(q.probabilityOfWaiting > 0 && q.probabilityOfWaiting < 1)
        #expect(q.meanWait.isFinite && q.meanWait > 0)
        // Halfin–Whitt (1981): with c = a + β√a, C → 1 / (1 + βΦ(β)/φ(β)); here β = 100/70.
        let beta = 100.0 / 70
        let phi = exp(-beta * beta / 2) / (2 * Double.pi).squareRoot()
        let cdfAtBeta = 0.5 * erfc(-beta / 2.0.squareRoot())
        let limit = 1 / (1 + beta * cdfAtBeta / phi)
        #expect(abs(q.probabilityOfWaiting - limit) < 0.005, "\(q.probabilityOfWaiting) vs Halfin–Whitt \(limit)")
    }

    @Test func allenCunneenReducesToPollaczekKhinchine() throws {
        // M/D/1: E[Wq] = ρ / (2μ(1 − ρ)).
        let q = try ErlangC(servers: 1, arrivalRate: 0.8, serviceRate: 1)
        #expect(abs(q.allenCunneenMeanWait(arrivalCV2: 1, serviceCV2: 0) - 0.8 / (2 * 0.2)) < 1e-12)
        #expect(abs(q.allenCunneenMeanWait(arrivalCV2: 1, serviceCV2: 1) - q.meanWait) < 1e-12)
    }

    @Test func unstableAndInvalid() throws {
        let q = try ErlangC(servers: 2, arrivalRate: 3, serviceRate: 1)
        #expect(!q.isStable && q.meanWait == .infinity && q.probabilityOfWaiting == 1)
        #expect(throws: SimulationError.self) { try ErlangC(servers: 0, arrivalRate: 1, serviceRate: 1) }
        #expect(throws: SimulationError.self) { try ErlangC(servers: 1, arrivalRate: -1, serviceRate: 1) }
    }

    @Test func serversNeeded() {
        // The smallest c with P(Wq > 0.1 s) ≤ 1%; c − 1 must fail the same test.
        let c = ErlangC.serversNeeded(arrivalRate: 100, serviceRate: 10, waitSeconds: 0.1, quantile: 0.99)!
        let ok = try! ErlangC(servers: c, arrivalRate: 100, serviceRate: 10)
        let fewer = try! ErlangC(servers: c - 1, arrivalRate: 100, serviceRate: 10)
        #expect(ok.probabilityWaitExceeds(0.1) <= 0.01)
        #expect(!fewer.isStable || fewer.probabilityWaitExceeds(0.1) > 0.01)
    }
}
