import Foundation
import Simulation

/// The Mann–Whitney U test (Wilcoxon rank-sum), one-sided: are values of `x` stochastically
/// greater than those of `y`?
///
/// `U = R_x − n_x(n_x+1)/2` with mid-ranks for ties; the p-value uses the normal
/// approximation with the tie-corrected variance
/// `σ² = n_x n_y / 12 · ((n+1) − Σ(t³ − t)/(n(n−1)))` and a continuity correction of ½ —
/// the same as SciPy's `mannwhitneyu(x, y, alternative="greater", method="asymptotic")`.
package struct MannWhitneyU: Sendable, Equatable, Codable {
    package var u: Double
    package var z: Double
    package var pGreater: Double

    package init(_ x: [Double], _ y: [Double]) {
        let nx = Double(x.count)
        let ny = Double(y.count)
        let all = (x.map { ($0, 0) } + y.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        let n = all.count
        var ranks = [Double](repeating: 0, count: n)
        var tieTerm = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && all[j + 1].0 == all[i].0 { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j { ranks[k] = rank }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            i = j + 1
        }
        var rx = 0.0
        for k in 0..<n where all[k].1 == 0 { rx += ranks[k] }
        u = rx - nx * (nx + 1) / 2
        let total = Double(n)
        let mean = nx * ny / 2
        let variance = nx * ny / 12 * ((total + 1) - tieTerm / (total * (total - 1)))
        let sd = variance.squareRoot()
        z = sd > 0 ? (u - mean - 0.5) / sd : 0
        // No spread at all (every value tied): no evidence either way (SciPy reports p = 1).
        pGreater = sd > 0 ? 0.5 * erfc(z / 2.0.squareRoot()) : 1
    }
}

/// Percentile bootstrap confidence interval of the ratio of medians `median(x) / median(y)`.
///
/// A resample's median is drawn directly, not by resampling `n` values and sorting them: the
/// k-th smallest of `n` draws from a sample's empirical distribution is that distribution's
/// quantile at the k-th smallest of `n` uniform variates, which is Beta(k, n − k + 1); for an
/// even `n` the next one follows as the smallest of the remaining `n − k` uniforms above it
/// (David & Nagaraja, *Order Statistics*, §2.1–2.2). So each resample costs O(1) after one sort,
/// and 300,000 samples take as long as 300: O(n log n) in all. `BootstrapTests` checks the
/// intervals against explicit resampling.
package struct MedianRatioBootstrap: Sendable, Equatable, Codable {
    package var ratio: Double
    package var lower: Double
    package var upper: Double
    package var resamples: Int

    /// - Parameters:
    ///   - confidence: e.g. 0.95.
    ///   - seed: fixed, so the same data give the same interval.
    package init(_ x: [Double], _ y: [Double], confidence: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 0x5EED) {
        let sx = x.sorted()
        let sy = y.sorted()
        ratio = Self.median(sorted: sx) / Self.median(sorted: sy)
        var rng = Xoshiro256StarStar(seed: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        for _ in 0..<resamples {
            ratios.append(Self.resampledMedian(sx, &rng) / Self.resampledMedian(sy, &rng))
        }
        ratios.sort()
        let alpha = (1 - confidence) / 2
        lower = ratios[max(0, Int((alpha * Double(resamples)).rounded(.down)))]
        upper = ratios[min(resamples - 1, Int(((1 - alpha) * Double(resamples)).rounded(.up)) - 1)]
        self.resamples = resamples
    }

    static func median(sorted s: [Double]) -> Double {
        let m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }

    /// The median of `n` draws with replacement from `sorted` (n = its count).
    static func resampledMedian(_ sorted: [Double], _ rng: inout Xoshiro256StarStar) -> Double {
        let n = sorted.count
        guard n > 1 else { return sorted[0] }
        func at(_ u: Double) -> Double { sorted[min(n - 1, Int(u * Double(n)))] }
        let k = (n + 1) / 2  // the lower median's rank (1-based)
        let a = Distribution.gamma(shape: Double(k), scale: 1).sample(&rng)
        let b = Distribution.gamma(shape: Double(n - k + 1), scale: 1).sample(&rng)
        let u = a / (a + b)
        if n % 2 == 1 { return at(u) }
        // The next order statistic: the least of n − k uniforms on (u, 1).
        let next = u + (1 - u) * (1 - pow(rng.nextUnit(), 1 / Double(n - k)))
        return (at(u) + at(next)) / 2
    }
}
