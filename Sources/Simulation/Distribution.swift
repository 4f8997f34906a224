import Foundation

/// A probability distribution of a non-negative quantity (seconds, usually).
///
/// An enum rather than a protocol so hot loops sample without existential dispatch.
package enum Distribution: Sendable, Equatable {
    /// Exponential with `rate` (mean `1/rate`).
    case exponential(rate: Double)
    /// Always `value`.
    case deterministic(Double)
    /// Uniform on `[lower, upper]`.
    case uniform(lower: Double, upper: Double)
    /// `exp(N(mu, sigma²))`.
    case lognormal(mu: Double, sigma: Double)
    /// Gamma with `shape` k and `scale` θ (mean kθ), sampled by Marsaglia & Tsang (2000).
    case gamma(shape: Double, scale: Double)
    /// The distribution of measured samples, inverse CDF with linear interpolation between order statistics.
    case empirical(EmpiricalDistribution)

    /// Lognormal with the given mean and squared coefficient of variation.
    package static func lognormal(mean: Double, cv2: Double) -> Distribution {
        let sigma2 = log(1 + cv2)
        return .lognormal(mu: log(mean) - sigma2 / 2, sigma: sigma2.squareRoot())
    }

    /// Gamma with the given mean and squared coefficient of variation (`cv2 = 1/shape`).
    package static func gamma(mean: Double, cv2: Double) -> Distribution {
        .gamma(shape: 1 / cv2, scale: mean * cv2)
    }

    /// A distribution with `mean` and squared coefficient of variation `cv2`: deterministic
    /// for 0, exponential for 1, gamma otherwise.
    package static func withMean(_ mean: Double, cv2: Double) -> Distribution {
        if cv2 <= 0 { return .deterministic(mean) }
        if abs(cv2 - 1) < 1e-12 { return .exponential(rate: 1 / mean) }
        return .gamma(mean: mean, cv2: cv2)
    }

    /// The mean.
    package var mean: Double {
        switch self {
        case .exponential(let rate): 1 / rate
        case .deterministic(let v): v
        case .uniform(let a, let b): (a + b) / 2
        case .lognormal(let mu, let sigma): exp(mu + sigma * sigma / 2)
        case .gamma(let k, let theta): k * theta
        case .empirical(let e): e.mean
        }
    }

    /// The variance.
    package var variance: Double {
        switch self {
        case .exponential(let rate): 1 / (rate * rate)
        case .deterministic: 0
        case .uniform(let a, let b): (b - a) * (b - a) / 12
        case .lognormal(let mu, let sigma): (exp(sigma * sigma) - 1) * exp(2 * mu + sigma * sigma)
        case .gamma(let k, let theta): k * theta * theta
        case .empirical(let e): e.variance
        }
    }

    /// Squared coefficient of variation, `variance / mean²`.
    package var cv2: Double { mean == 0 ? 0 : variance / (mean * mean) }

    /// Draws one value.
    @inlinable
    package func sample(_ rng: inout Xoshiro256StarStar) -> Double {
        switch self {
        case .exponential(let rate):
            return -log(rng.nextUnit()) / rate
        case .deterministic(let v):
            return v
        case .uniform(let a, let b):
            return a + (b - a) * rng.nextUnit()
        case .lognormal(let mu, let sigma):
            return exp(mu + sigma * Distribution.standardNormal(&rng))
        case .gamma(let k, let theta):
            return Distribution.gammaSample(shape: k, &rng) * theta
        case .empirical(let e):
            return e.quantile(rng.nextUnit())
        }
    }

    /// A standard normal variate (Marsaglia polar method).
    @inlinable
    static func standardNormal(_ rng: inout Xoshiro256StarStar) -> Double {
        while true {
            let u = 2 * rng.nextUnit() - 1
            let v = 2 * rng.nextUnit() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang, "A Simple Method for Generating Gamma
    /// Variables", ACM TOMS 2000; for shape < 1 the boost `G(k+1)·U^(1/k)`.
    @inlinable
    static func gammaSample(shape: Double, _ rng: inout Xoshiro256StarStar) -> Double {
        if shape < 1 {
            return gammaSample(shape: shape + 1, &rng) * pow(rng.nextUnit(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = standardNormal(&rng)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = rng.nextUnit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}

/// The distribution of measured samples (e.g. service times measured on this machine).
///
/// Sampling inverts the piecewise-linear CDF through the sorted samples: the `i`-th order
/// statistic sits at probability `i/(n−1)`, values between are interpolated.
package struct EmpiricalDistribution: Sendable, Equatable {
    /// The samples, sorted ascending.
    package let sorted: [Double]
    package let mean: Double
    package let variance: Double

    /// - Parameter samples: at least one finite, non-negative sample.
    package init?(samples: [Double]) {
        guard !samples.isEmpty, samples.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        sorted = samples.sorted()
        // Moments of the interpolated distribution: a mixture of uniforms between neighbours.
        if sorted.count == 1 {
            mean = sorted[0]
            variance = 0
        } else {
            var m1 = 0.0
            var m2 = 0.0
            let w = 1 / Double(sorted.count - 1)
            for i in 0..<(sorted.count - 1) {
                let a = sorted[i]
                let b = sorted[i + 1]
                m1 += w * (a + b) / 2
                m2 += w * (a * a + a * b + b * b) / 3
            }
            mean = m1
            variance = max(0, m2 - m1 * m1)
        }
    }

    /// The value at cumulative probability `p` in [0, 1].
    @inlinable
    package func quantile(_ p: Double) -> Double {
        let n = sorted.count
        if n == 1 { return sorted[0] }
        let x = p * Double(n - 1)
        let i = min(n - 2, max(0, Int(x)))
        let f = x - Double(i)
        return sorted[i] + (sorted[i + 1] - sorted[i]) * f
    }
}
