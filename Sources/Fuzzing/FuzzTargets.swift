import Advisor
import Foundation
import Inference
import Regression
import Serving

/// The inputs a user or an attacker controls, each as one function of bytes: the libFuzzer
/// targets (`make fuzz`, `Fuzz/Driver`) and the replay of their corpora in the tests
/// (`FuzzingTests`) call the same code.
///
/// A refused input is the expected outcome (each parser throws a message). What counts as a
/// finding: a trap (overflow, out-of-range index, force unwrap), a sanitizer report, a hang
/// or an allocation past libFuzzer's limits, and a broken invariant checked here with
/// `precondition`: what is accepted must round-trip (.npy), the JSON fast path must agree
/// with the full JSON parser, and a model that imports must prepare and run within its
/// declared sizes.
package enum FuzzTarget: String, CaseIterable, Sendable {
    case onnx, workload, npy, baseline, body

    /// Largest plan an imported model may ask for here (the fuzzer's memory limit is 2 GB).
    static let memoryLimit = 256 << 20
    /// Multiply-adds above which a model that imports is not run (a slow input is not a bug).
    static let maxFlops = 20_000_000

    package func run(_ data: Data) {
        switch self {
        case .onnx: Self.onnx(data)
        case .workload: Self.workload(data)
        case .npy: Self.npy(data)
        case .baseline: Self.baseline(data)
        case .body: Self.body(data)
        }
    }

    /// ONNX bytes → import → plan → one run on a constant input.
    static func onnx(_ data: Data) {
        guard let graph = try? ONNXImporter.decode(data, name: "fuzz", source: "fuzz.onnx") else { return }
        guard let profile = try? graph.profile(), profile.flops <= maxFlops else { return }
        guard let executor = try? CPUExecutor(graph: graph, batch: 1, threads: 1, memoryLimit: memoryLimit),
            executor.inputCount <= 1 << 20
        else { return }
        let output = try? executor.run([Float](repeating: 0.5, count: executor.inputCount))
        precondition(output == nil || output?.count == executor.outputCount, "the output has the size the plan declared")
    }

    /// Workload text (YAML or JSON) → the validated workload → the traffic the simulators play.
    static func workload(_ data: Data) {
        guard let w = try? Workload.parse(String(decoding: data, as: UTF8.self), source: "fuzz.yaml") else { return }
        // A trace names a file outside the input: not read here.
        guard w.load.pattern != .trace else { return }
        _ = try? w.arrivalPattern()
        _ = try? w.traffic(inputShape: [3, 8, 8])
    }

    /// .npy bytes → tensor; what is accepted is written back and read again unchanged.
    static func npy(_ data: Data) {
        guard let t = try? NPYFile.decode(data, source: "fuzz.npy") else { return }
        precondition(t.shape.reduce(1, *) == t.count, "the shape describes the values")
        let again = try? NPYFile.decode(NPYFile.encode(t), source: "fuzz.npy")
        precondition(again?.shape == t.shape, "a written array reads back with its shape")
        precondition(
            again.map { zip($0.data, t.data).allSatisfy { $0.bitPattern == $1.bitPattern } } == true, "and its values, bit for bit")
    }

    /// A `bench` result → the regression check against itself (no regression by definition).
    static func baseline(_ data: Data) {
        guard let r = try? BenchmarkResult.decode(data, source: "fuzz.json") else { return }
        for normalize in [false, true] {
            guard let report = try? RegressionCheck.compare(baseline: r, current: r, normalize: normalize) else { continue }
            precondition(!report.regressed, "a result compared with itself does not regress")
        }
    }

    /// A `/score` body → samples, for a model input of [2, 3]; the one-pass fast path and the
    /// full JSON parser agree on every body the fast path takes.
    static func body(_ data: Data) {
        let shape = [2, 3]
        let parsed = try? ScoringJSON.parse(data, inputShape: shape)
        if let fast = ScoringJSON.fastParse(data) {
            let full = try? ScoringJSON.parse(data, inputShape: shape, fastPath: false)
            let fastShaped = try? ScoringJSON.shaped(fast.flat, shape: fast.shape, inputShape: shape)
            let agree: Bool
            if let full, let fastShaped {
                agree = full.samples == fastShaped.samples && full.batched == fastShaped.batched
            } else {
                agree = full == nil && fastShaped == nil
            }
            precondition(agree, "the fast path and JSONSerialization read the same samples")
        }
        if let parsed {
            let rendered = try? ScoringJSON.render(parsed.samples, outputShape: shape, batched: parsed.batched)
            precondition(rendered != nil, "accepted samples render")
        }
    }
}
