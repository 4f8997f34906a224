import Inference
let g = try ModelZoo.graph(CommandLine.arguments[1]).withRandomWeights(seed: 1)
let p = try g.profile()
let batch = Int(CommandLine.arguments[2])!
let e = try CPUExecutor(graph: g, batch: batch, threads: 2)
let t = ModelTiming.measure(e, flopsPerSample: p.flops, iterations: 10)
let peak = SgemmPeak.measure()
print(t.latency, t.gflops, peak, t.gflops/peak, BLAS.configuration)
