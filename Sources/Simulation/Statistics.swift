import Foundation
import Histogram

/// Records latencies in an HdrHistogram (microsecond resolution, 3 significant digits)
/// plus the exact count, sum and sum of squares.
package struct LatencyRecorder: Sendable {
    @usableFromInline var histogram: Histogram<UInt64>
    @usableFromInline var recorded = 0
    @usableFromInline var sum = 0.0
    @usableFromInline var sumSquares = 0.0
    @usableFromInline var largest = 0.0

    /// Values recorded.
    package var count: Int { recorded }
    /// The largest value recorded, seconds.
    package var maxSeconds: Double { largest }

    /// - Parameter highestSeconds: the largest latency tracked exactly (larger ones are clamped).
    package init(highestSeconds: Double = 3600) {
        histogram = Histogram(highestTrackableValue: UInt64(highestSeconds * 1e6), numberOfSignificantValueDigits: .three)
    }

    /// Records one latency in seconds.
    @inlinable
    package mutating func record(_ seconds: Double) {
        let us = UInt64(max(0, min(seconds * 1e6, Double(histogram.highestTrackableValue))))
        _ = histogram.record(us)
        recorded += 1
        sum += seconds
        sumSquares += seconds * seconds
        if seconds > largest { largest = seconds }
    }

    /// The exact mean in seconds.
    package var mean: Double { count == 0 ? 0 : sum / Double(count) }

    /// The value at percentile `p` (0–100) in seconds (HdrHistogram: within 0.1%).
    package func percentile(_ p: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(p)) * 1e-6
    }

    /// The fraction of recorded values at or below `seconds`.
    package func fraction(atOrBelow seconds: Double) -> Double {
        count == 0 ? 0 : histogram.percentileAtOrBelowValue(UInt64(max(0, seconds * 1e6))) / 100
    }

    /// Merges another recorder into this one.
    package mutating func add(_ other: LatencyRecorder) {
        histogram.add(other.histogram)
        recorded += other.recorded
        sum += other.sum
        sumSquares += other.sumSquares
        largest = max(largest, other.largest)
    }

    /// Points of the CDF (value in seconds, cumulative fraction) for plots.
    package func cdf(points: Int = 200) -> [(seconds: Double, fraction: Double)] {
        guard count > 0 else { return [] }
        var out: [(Double, Double)] = []
        for i in 0...points {
            // Denser near the tail: p = 100·(1 − 10^(−4·i/points)).
            let p = 100 * (1 - pow(10, -4 * Double(i) / Double(points)))
            out.append((percentile(p), p / 100))
        }
        out.append((maxSeconds, 1))
        return out
    }
}

/// The time-weighted average of a piecewise-constant quantity (queue length, replicas…).
package struct TimeWeightedAverage: Sendable {
    package private(set) var value: Double
    private var lastTime: Double
    private var area = 0.0
    private let start: Double
    package private(set) var maximum: Double

    package init(initial: Double = 0, at time: Double = 0) {
        value = initial
        lastTime = time
        start = time
        maximum = initial
    }

    /// The quantity changes to `newValue` at `time`.
    package mutating func update(_ newValue: Double, at time: Double) {
        area += value * (time - lastTime)
        lastTime = time
        value = newValue
        maximum = max(maximum, newValue)
    }

    /// The average from the start to `time`.
    package func average(until time: Double) -> Double {
        let total = area + value * (time - lastTime)
        return time > start ? total / (time - start) : value
    }
}

/// Values sampled at fixed intervals, for plots over time.
package struct Timeline: Sendable, Codable, Equatable {
    package var intervalSeconds: Double
    package var names: [String]
    /// `rows[i]` holds the values of `names` at time `i · intervalSeconds`.
    package var rows: [[Double]]

    package init(intervalSeconds: Double, names: [String]) {
        self.intervalSeconds = intervalSeconds
        self.names = names
        self.rows = []
    }

    /// The time of the next sample.
    package var nextSampleTime: Double { Double(rows.count) * intervalSeconds }

    package mutating func append(_ values: [Double]) { rows.append(values) }
}

/// Mean and confidence interval from independent batches (batch means or replications),
/// Student-t at 95%.
package struct ConfidenceInterval: Sendable, Equatable, Codable {
    package var mean: Double
    package var halfWidth: Double
    package var batches: Int

    /// - Parameter values: one estimate per batch or replication (at least 2).
    package init(batches values: [Double]) {
        let n = values.count
        precondition(n >= 2, "need at least two batches")
        let m = values.reduce(0, +) / Double(n)
        let s2 = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
        mean = m
        halfWidth = ConfidenceInterval.t975(degreesOfFreedom: n - 1) * (s2 / Double(n)).squareRoot()
        batches = n
    }

    package func contains(_ x: Double) -> Bool { abs(x - mean) <= halfWidth }

    /// The 97.5% quantile of Student's t (two-sided 95%), from the standard table;
    /// 1.96 beyond 120 degrees of freedom.
    static func t975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        if df <= 30 { return table[max(1, df) - 1] }
        if df <= 40 { return 2.021 }
        if df <= 60 { return 2.000 }
        if df <= 120 { return 1.980 }
        return 1.960
    }
}

/// Consecutive observations in equal batches (the batch-means method): the mean, the fraction
/// of positive values (for waits: P(wait > 0)), and their confidence intervals over the batches.
/// Observations beyond `batches × batchSize` are ignored.
package struct BatchMeans: Sendable, Equatable {
    package let batchSize: Int
    private(set) var sums: [Double]
    private(set) var positives: [Int]
    private(set) var counts: [Int]
    private var observed = 0

    /// - Parameters: batches: at least 2; batchSize: at least 1.
    package init(batches: Int, batchSize: Int) {
        precondition(batches >= 2 && batchSize >= 1, "need at least two batches of at least one observation")
        self.batchSize = batchSize
        sums = [Double](repeating: 0, count: batches)
        positives = [Int](repeating: 0, count: batches)
        counts = [Int](repeating: 0, count: batches)
    }

    package mutating func record(_ x: Double) {
        let b = observed / batchSize
        observed += 1
        guard b < sums.count else { return }
        sums[b] += x
        counts[b] += 1
        if x > 0 { positives[b] += 1 }
    }

    /// Observations inside the batches.
    package var count: Int { counts.reduce(0, +) }
    package var mean: Double { sums.reduce(0, +) / Double(max(1, count)) }
    package var fractionPositive: Double { Double(positives.reduce(0, +)) / Double(max(1, count)) }
    package var meanInterval: ConfidenceInterval {
        ConfidenceInterval(batches: sums.indices.map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : 0 })
    }
    package var fractionPositiveInterval: ConfidenceInterval {
        ConfidenceInterval(batches: sums.indices.map { counts[$0] > 0 ? Double(positives[$0]) / Double(counts[$0]) : 0 })
    }
}

/// Latency percentiles of the requests completed in one timeline interval (nil: none completed).
package struct IntervalPercentiles: Sendable, Codable, Equatable {
    package var timeSeconds: Double
    package var p50Ms: Double?
    package var p99Ms: Double?

    package init(timeSeconds: Double, p50Ms: Double?, p99Ms: Double?) {
        self.timeSeconds = timeSeconds
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
    }
}
