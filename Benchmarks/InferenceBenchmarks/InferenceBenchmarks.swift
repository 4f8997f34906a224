import Benchmark
import Inference

/// CPU engine benchmarks: sgemm (the peak every ratio is quoted against), ResNet-50's
/// distinct convolution layers, and whole models at batch 1 and 8, with malloc counts
/// per inference (the executor must not allocate after warm-up).
let benchmarks: @Sendable () -> Void = {
    let threads = 2
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 200
    )

    // MARK: - sgemm

    for n in [256, 1024, 2048] {
        Benchmark("sgemm \(n)³") { benchmark in
            BLAS.setThreads(threads)
            let a = [Float](repeating: 0.5, count: n * n)
            let b = [Float](repeating: 0.25, count: n * n)
            var c = [Float](repeating: 0, count: n * n)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            BLAS.sgemm(m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
            }
            benchmark.stopMeasurement()
            blackHole(c[0])
        }
    }

    // MARK: - ResNet-50's distinct convolution layers (batch 1)

    let resnet = try! ModelZoo.graph("resnet50")
    let shapes = try! resnet.inferShapes()
    var seen = Set<String>()
    for node in resnet.nodes {
        guard case .conv2d(let a) = node.op else { continue }
        let input = shapes[node.inputs[0]]
        let key = "\(input) → \(a.outChannels) k\(a.kernelH) s\(a.strideH)"
        guard seen.insert(key).inserted else { continue }
        let graph = ModelGraph(
            name: node.name, inputShape: input,
            nodes: [Node(name: node.name, op: .conv2d(a), inputs: [0])])
        Benchmark("conv \(key)") { benchmark in
            let executor = try CPUExecutor(graph: try graph.withRandomWeights(seed: 1), batch: 1, threads: threads)
            try run(executor, benchmark)
        }
    }

    // MARK: - Whole models

    // One OpenBLAS thread: OpenBLAS's threaded level-3 driver mallocs a job array per sgemm
    // call (the 1 malloc per call counted above), so this run shows the executor's own count: 0.
    Benchmark("resnet50 batch 1, 1 thread", configuration: .init(maxDuration: .seconds(10), maxIterations: 20)) { benchmark in
        let executor = try CPUExecutor(graph: try ModelZoo.graph("resnet50").withRandomWeights(seed: 1), batch: 1, threads: 1)
        try run(executor, benchmark)
    }

    for model in ["resnet50", "mobilenetv2"] {
        for batch in [1, 8] {
            Benchmark("\(model) batch \(batch)", configuration: .init(maxDuration: .seconds(10), maxIterations: 50)) { benchmark in
                let executor = try CPUExecutor(graph: try ModelZoo.graph(model).withRandomWeights(seed: 1), batch: batch, threads: threads)
                try run(executor, benchmark)
            }
        }
    }
}

/// Times `executor.run` after the warm-up; allocations are counted inside the measured region only.
private func run(_ executor: CPUExecutor, _ benchmark: Benchmark) throws {
    let input = UnsafeMutablePointer<Float>.allocate(capacity: executor.inputCount)
    let output = UnsafeMutablePointer<Float>.allocate(capacity: executor.outputCount)
    defer {
        input.deallocate()
        output.deallocate()
    }
    input.initialize(repeating: 0.1, count: executor.inputCount)
    executor.run(input: input, output: output)  // warm-up (OpenBLAS thread start-up)
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        executor.run(input: input, output: output)
    }
    benchmark.stopMeasurement()
    blackHole(output[0])
}
