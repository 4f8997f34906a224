import Foundation
import Simulation

/// Latency percentiles of repeated runs, in milliseconds.
package struct LatencyPercentiles: Sendable, Codable, Equatable {
    package var p50: Double
    package var p90: Double
    package var p99: Double
    package var mean: Double
    package var min: Double
    package var max: Double

    /// Percentiles by the nearest-rank method on the sorted samples (ms).
    package init(samplesMs: [Double]) {
        precondition(!samplesMs.isEmpty, "no samples")
        let s = samplesMs.sorted()
        func rank(_ p: Double) -> Double { s[Swift.max(0, Swift.min(s.count - 1, Int((p * Double(s.count)).rounded(.up)) - 1))] }
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        mean = s.reduce(0, +) / Double(s.count)
        min = s[0]
        max = s[s.count - 1]
    }
}

/// Times a prepared model here: warm-up runs, then timed runs.
package struct ModelTiming: Sendable {
    /// Per-run wall time, ms.
    package var samplesMs: [Double]
    package var latency: LatencyPercentiles
    /// Achieved GFLOP/s at the median latency: `flops per sample × batch / p50`.
    package var gflops: Double

    /// Runs `executor` `warmup` times untimed, then `iterations` times timed.
    ///
    /// - Parameter flopsPerSample: the model's FLOPs per sample (from its profile).
    package static func measure(
        _ executor: CPUExecutor, flopsPerSample: Int, warmup: Int = 3, iterations: Int = 20, seed: UInt64 = 1
    ) -> ModelTiming {
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        executor.timedRuns(warmup: warmup, seed: seed) { seconds in
            samples.append(seconds * 1e3)
            return samples.count < max(1, iterations)
        }
        let latency = LatencyPercentiles(samplesMs: samples)
        let gflops = Double(flopsPerSample * executor.batch) / (latency.p50 * 1e-3) / 1e9
        return ModelTiming(samplesMs: samples, latency: latency, gflops: gflops)
    }
}

/// The host's measured single-precision GEMM peak.
package enum SgemmPeak {
    /// GFLOP/s of `cblas_sgemm` on `n×n` matrices with the current OpenBLAS thread count:
    /// the best of `repetitions` timed calls after one warm-up (`2n³` FLOPs per call).
    package static func measure(n: Int = 2048, repetitions: Int = 3) -> Double {
        let count = n * n
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer {
            a.deallocate()
            b.deallocate()
            c.deallocate()
        }
        var rng = SplitMix64(seed: 7)
        for i in 0..<count {
            a[i] = rng.nextSymmetricUnit()
            b[i] = rng.nextSymmetricUnit()
        }
        c.initialize(repeating: 0, count: count)
        BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n)
        var best = Double.infinity
        for _ in 0..<max(1, repetitions) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}

extension CPUExecutor {
    /// The warm-up-and-time loop every measurement shares: seeded random input in [-1, 1),
    /// `warmup` untimed runs, then timed runs whose wall time (seconds) goes to `record` until it
    /// returns false. With `stepTimes`, each timed run is followed by one run that fills it with
    /// the per-step times (kept out of the whole-run timing), which `record` may read.
    package func timedRuns(
        warmup: Int, seed: UInt64, stepTimes: UnsafeMutablePointer<Double>? = nil, record: (_ seconds: Double) -> Bool
    ) {
        var rng = SplitMix64(seed: seed)
        let input = (0..<inputCount).map { _ in rng.nextSymmetricUnit() }
        let output = UnsafeMutablePointer<Float>.allocate(capacity: outputCount)
        defer { output.deallocate() }
        input.withUnsafeBufferPointer { inp in
            for _ in 0..<warmup { run(input: inp.baseAddress!, output: output) }
            while true {
                let t0 = DispatchTime.now().uptimeNanoseconds
                run(input: inp.baseAddress!, output: output)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
                if let stepTimes { run(input: inp.baseAddress!, output: output, stepTimes: stepTimes) }
                if !record(seconds) { break }
            }
        }
    }
}
