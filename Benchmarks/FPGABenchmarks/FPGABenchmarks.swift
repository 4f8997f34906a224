import Simulation
import Benchmark
import FPGAEmulation
import Inference

/// Emulated GEMM against fp32 sgemm at 1024³ (2 threads): the emulated product quantizes both
/// operands to msfp12 (weights along rows, activations down columns, as the executor does),
/// then runs sgemm on the exactly representable values. The target: ≥ 25% of sgemm.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], warmupIterations: 2, maxDuration: .seconds(5), maxIterations: 100)
    let n = 1024
    for name in ["fp32 sgemm", "msfp12", "ms-fp8", "mxfp8-e4m3"] {
        Benchmark("GEMM 1024³ \(name)") { benchmark in
            BLAS.setThreads(2)
            var rng = SplitMix64(seed: 1)
            let a0 = (0..<(n * n)).map { _ in rng.nextSymmetricUnit() }
            let b0 = (0..<(n * n)).map { _ in rng.nextSymmetricUnit() }
            var a = a0
            var b = b0
            var c = [Float](repeating: 0, count: n * n)
            let operands = name == "fp32 sgemm" ? nil : BlockFormatOperands(format: try NumberFormat.named(name))
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                a.withUnsafeMutableBufferPointer { pa in
                    b.withUnsafeMutableBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            if let operands {
                                pa.baseAddress!.update(from: a0, count: n * n)
                                pb.baseAddress!.update(from: b0, count: n * n)
                                operands.quantizeRows(pa.baseAddress!, rows: n, k: n)
                                operands.quantizeColumns(pb.baseAddress!, k: n, columns: n)
                            }
                            BLAS.sgemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
            }
            benchmark.stopMeasurement()
            blackHole(c[0])
        }
    }
}
