import Foundation

/// Closed forms for the M/M/c queue (Erlang C) and the Allen–Cunneen approximation for G/G/c.
///
/// With arrival rate λ, service rate μ per server and c servers, offered load a = λ/μ and
/// utilization ρ = a/c < 1:
/// - Erlang B by the stable recursion `B(0) = 1`, `B(k) = a·B(k−1) / (k + a·B(k−1))`,
///   which never forms `a^c / c!` and so holds for thousands of servers;
/// - Erlang C `C(c, a) = B / (1 − ρ(1 − B))`, the probability an arrival waits;
/// - `E[Wq] = C / (cμ − λ)`; `P(Wq > t) = C·e^(−(cμ−λ)t)`;
/// - response time `R = Wq + S`: with probability 1 − C it is `S ~ Exp(μ)`, otherwise
///   `Exp(cμ−λ) + Exp(μ)` (hypoexponential); percentiles by bisection on that CDF.
/// Allen–Cunneen (G/G/c): `E[Wq] ≈ C(c, a)/(cμ − λ) · (ca² + cs²)/2`, exact for M/G/1
/// (the Pollaczek–Khinchine formula).
package struct ErlangC: Sendable, Equatable {
    package let servers: Int
    /// λ, requests per second.
    package let arrivalRate: Double
    /// μ per server, requests per second.
    package let serviceRate: Double

    /// - Throws: ``SimulationError`` unless c ≥ 1, λ > 0, μ > 0.
    package init(servers: Int, arrivalRate: Double, serviceRate: Double) throws(SimulationError) {
        guard servers >= 1 else { throw SimulationError("servers must be at least 1, got \(servers)") }
        guard arrivalRate > 0, arrivalRate.isFinite else { throw SimulationError("arrival rate must be > 0, got \(arrivalRate)") }
        guard serviceRate > 0, serviceRate.isFinite else { throw SimulationError("service rate must be > 0, got \(serviceRate)") }
        self.servers = servers
        self.arrivalRate = arrivalRate
        self.serviceRate = serviceRate
    }

    /// a = λ/μ, in Erlangs.
    package var offeredLoad: Double { arrivalRate / serviceRate }
    /// ρ = λ/(cμ).
    package var utilization: Double { offeredLoad / Double(servers) }
    /// Whether the queue is stable (ρ < 1).
    package var isStable: Bool { utilization < 1 }

    /// Erlang B: the blocking probability of M/M/c/c.
    package var erlangB: Double {
        let a = offeredLoad
        var b = 1.0
        for k in 1...servers { b = a * b / (Double(k) + a * b) }
        return b
    }

    /// C(c, a): the probability that an arrival waits (1 when unstable).
    package var probabilityOfWaiting: Double {
        guard isStable else { return 1 }
        let b = erlangB
        return b / (1 - utilization * (1 - b))
    }

    /// cμ − λ, the decay rate of the conditional wait.
    var drain: Double { Double(servers) * serviceRate - arrivalRate }

    /// E[Wq], seconds (infinity when unstable).
    package var meanWait: Double { isStable ? probabilityOfWaiting / drain : .infinity }

    /// E[R] = E[Wq] + 1/μ, seconds.
    package var meanResponse: Double { meanWait + 1 / serviceRate }

    /// P(Wq > t).
    package func probabilityWaitExceeds(_ t: Double) -> Double {
        guard isStable else { return 1 }
        return probabilityOfWaiting * exp(-drain * max(0, t))
    }

    /// The waiting-time percentile `p` in (0, 1), seconds: 0 when `p ≤ 1 − C`, else `ln(C/(1−p))/(cμ−λ)`.
    package func waitPercentile(_ p: Double) -> Double {
        guard isStable else { return .infinity }
        let c = probabilityOfWaiting
        if p <= 1 - c { return 0 }
        return log(c / (1 - p)) / drain
    }

    /// P(R ≤ t) for the response time.
    package func responseCDF(_ t: Double) -> Double {
        guard t > 0 else { return 0 }
        let c = probabilityOfWaiting
        let mu = serviceRate
        let theta = drain
        let serviceOnly = 1 - exp(-mu * t)
        let both: Double
        if abs(theta - mu) < 1e-12 * mu {
            both = 1 - exp(-mu * t) * (1 + mu * t)  // Erlang-2
        } else {
            both = 1 - (theta * exp(-mu * t) - mu * exp(-theta * t)) / (theta - mu)
        }
        return (1 - c) * serviceOnly + c * both
    }

    /// The response-time percentile `p` in (0, 1), seconds (bisection on the exact CDF).
    package func responsePercentile(_ p: Double) -> Double {
        guard isStable else { return .infinity }
        var lo = 0.0
        var hi = 1 / serviceRate
        while responseCDF(hi) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if responseCDF(mid) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * hi { break }
        }
        return (lo + hi) / 2
    }

    /// Allen–Cunneen mean wait for G/G/c, seconds.
    ///
    /// - Parameters:
    ///   - arrivalCV2: squared coefficient of variation of inter-arrival times (1 for Poisson).
    ///   - serviceCV2: squared coefficient of variation of service times (1 exponential, 0 deterministic).
    package func allenCunneenMeanWait(arrivalCV2: Double, serviceCV2: Double) -> Double {
        meanWait * (arrivalCV2 + serviceCV2) / 2
    }

    /// The fewest servers with `P(Wq > t) ≤ 1 − quantile`, i.e. whose `quantile` wait is at most `t`.
    package static func serversNeeded(
        arrivalRate: Double, serviceRate: Double, waitSeconds t: Double, quantile: Double, limit: Int = 100_000
    ) -> Int? {
        var c = max(1, Int((arrivalRate / serviceRate).rounded(.down)) + 1)
        while c <= limit {
            if let q = try? ErlangC(servers: c, arrivalRate: arrivalRate, serviceRate: serviceRate),
                q.isStable, q.probabilityWaitExceeds(t) <= 1 - quantile
            {
                return c
            }
            c += 1
        }
        return nil
    }
}
