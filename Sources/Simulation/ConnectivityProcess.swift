import Foundation

/// Whether a link is up, over time.
package enum ConnectivityPattern: Sendable, Equatable {
    case alwaysUp
    case alwaysDown
    /// Alternating up and down periods with exponential durations of the given means (seconds),
    /// starting up.
    case intermittent(meanUpSeconds: Double, meanDownSeconds: Double)
}

/// The up/down timeline of a link over a horizon: outage intervals drawn once from the
/// pattern and a random stream, then queried.
package struct ConnectivityTimeline: Sendable, Equatable {
    /// Outage intervals `[start, end)`, sorted, disjoint.
    package let outages: [(start: Double, end: Double)]
    package let horizon: Double

    package static func == (a: Self, b: Self) -> Bool {
        a.horizon == b.horizon && a.outages.count == b.outages.count
            && zip(a.outages, b.outages).allSatisfy { $0.start == $1.start && $0.end == $1.end }
    }

    package init(_ pattern: ConnectivityPattern, horizon: Double, rng: Xoshiro256StarStar) {
        self.horizon = horizon
        var rng = rng
        switch pattern {
        case .alwaysUp:
            outages = []
        case .alwaysDown:
            outages = [(0, .infinity)]
        case .intermittent(let up, let down):
            var out: [(Double, Double)] = []
            var t = 0.0
            while t < horizon {
                t += -log(rng.nextUnit()) * up
                if t >= horizon { break }
                let end = t + -log(rng.nextUnit()) * down
                out.append((t, end))
                t = end
            }
            outages = out
        }
    }

    /// Whether the link is up at `time`.
    package func isUp(at time: Double) -> Bool {
        // Binary search for the last outage starting at or before `time`.
        var lo = 0
        var hi = outages.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if outages[mid].start <= time { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 || time >= outages[lo - 1].end
    }

    /// The first time at or after `time` when the link is up (infinity if never).
    package func nextUp(atOrAfter time: Double) -> Double {
        var lo = 0
        var hi = outages.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if outages[mid].start <= time { lo = mid + 1 } else { hi = mid }
        }
        if lo == 0 || time >= outages[lo - 1].end { return time }
        return outages[lo - 1].end
    }

    /// Fraction of `[0, horizon)` the link is down.
    package var downFraction: Double {
        guard horizon > 0 else { return 0 }
        return outages.reduce(0) { $0 + max(0, min($1.end, horizon) - min($1.start, horizon)) } / horizon
    }
}

/// A network path: a fixed delay plus transfer time at a bandwidth, with optional jitter.
package struct NetworkDelay: Sendable, Equatable {
    /// One-way or round-trip propagation delay, seconds (as the caller defines it).
    package var baseSeconds: Double
    /// Bits per second of the bottleneck link.
    package var bitsPerSecond: Double
    /// Relative jitter: the delay is multiplied by a lognormal factor with this coefficient of variation.
    package var jitterCV: Double

    package init(baseSeconds: Double, bitsPerSecond: Double, jitterCV: Double = 0) {
        self.baseSeconds = baseSeconds
        self.bitsPerSecond = bitsPerSecond
        self.jitterCV = jitterCV
    }

    /// The delay for a message of `bytes`, seconds.
    @inlinable
    package func delay(bytes: Int, _ rng: inout Xoshiro256StarStar) -> Double {
        let d = baseSeconds + Double(bytes) * 8 / bitsPerSecond
        guard jitterCV > 0 else { return d }
        let s2 = log(1 + jitterCV * jitterCV)
        return d * exp(-s2 / 2 + s2.squareRoot() * Distribution.standardNormal(&rng))
    }

    /// The jitter factor at the standard-normal quantile `z` (2.326 for the 99th percentile):
    /// `exp(zσ − σ²/2)` with `σ² = ln(1 + cv²)`, the lognormal with mean 1 that ``delay(bytes:_:)`` draws.
    package func jitterQuantileFactor(z: Double) -> Double {
        let s2 = log(1 + jitterCV * jitterCV)
        return exp(z * s2.squareRoot() - s2 / 2)
    }

    /// The delay without jitter, seconds.
    package func meanDelay(bytes: Int) -> Double { baseSeconds + Double(bytes) * 8 / bitsPerSecond }
}
