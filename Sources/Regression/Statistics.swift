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
package struct MedianRatioBootstrap: Sendable, Equatable, Codable {
    package var ratio: Double
    package var lower: Double
    package var upper: Double
    package var resamples: Int

    /// - Parameters:
    ///   - confidence: e.g. 0.95.
    ///   - seed: fixed, so the same data give the same interval.
    package init(_ x: [Double], _ y: [Double], confidence: Double = 0.95, resamples: Int = 2000, seed: UInt64 = 0x5EED) {
        func median(_ v: [Double]) -> Double {
            let s = v.sorted()
            let m = s.count / 2
            return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
        }
        ratio = median(x) / median(y)
        var rng = SplitMix64(seed: seed)
        func next() -> UInt64 { rng.next() }
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        var bx = x
        var by = y
        for _ in 0..<resamples {
            for k in bx.indices { bx[k] = x[Int(next() % UInt64(x.count))] }
            for k in by.indices { by[k] = y[Int(next() % UInt64(y.count))] }
            ratios.append(median(bx) / median(by))
        }
        ratios.sort()
        let alpha = (1 - confidence) / 2
        lower = ratios[max(0, Int((alpha * Double(resamples)).rounded(.down)))]
        upper = ratios[min(resamples - 1, Int(((1 - alpha) * Double(resamples)).rounded(.up)) - 1)]
        self.resamples = resamples
    }
}
