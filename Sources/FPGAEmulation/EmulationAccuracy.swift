import Foundation
import Inference
import Simulation

/// How far a model's emulated outputs are from float32.
package struct EmulationAccuracy: Sendable, Codable, Equatable {
    package var format: String
    package var samples: Int
    /// Largest |fp32 − emulated| over every output.
    package var maxAbsError: Double
    /// Signal-to-quantization-noise ratio, dB: 10·log10(Σ fp32² / Σ (fp32 − emulated)²).
    package var sqnrDB: Double
    /// Fraction of samples whose arg-max output agrees.
    package var top1Agreement: Double

    /// Runs `graph` (with weights) on `samples` seeded random inputs in float32 and emulated
    /// in `format`, and compares the outputs.
    package static func measure(
        _ graph: ModelGraph, format: NumberFormat, samples: Int = 8, seed: UInt64 = 1, threads: Int? = nil
    ) throws(InferenceError) -> EmulationAccuracy {
        let inputs = try AccuracyInputs.seeded(count: samples, sampleCount: graph.inputShape.reduce(1, *), seed: seed)
        return try measure(graph, formats: [format], inputs: inputs, threads: threads)[0]
    }

    /// Every format on the same inputs: the float32 reference runs once, and every run takes
    /// up to `chunk` samples at a time (the engine's batch), so 32 inputs cost a few batched
    /// runs per format rather than 32 single ones.
    package static func measure(
        _ graph: ModelGraph, formats: [NumberFormat], inputs: AccuracyInputs, threads: Int? = nil, chunk: Int = 8
    ) throws(InferenceError) -> [EmulationAccuracy] {
        let n = inputs.samples.count
        guard n > 0 else {
            return formats.map { EmulationAccuracy(format: $0.name, samples: 0, maxAbsError: 0, sqnrDB: .nan, top1Agreement: .nan) }
        }
        let batch = min(chunk, n)
        let perSample = graph.inputShape.reduce(1, *)
        func outputs(_ quantizer: (any MatrixOperandQuantizer)?) throws(InferenceError) -> [[Float]] {
            let executor = try CPUExecutor(graph: graph, batch: batch, threads: threads, quantizer: quantizer)
            let outPerSample = executor.outputCount / batch
            var all: [[Float]] = []
            var start = 0
            while start < n {
                let count = min(batch, n - start)
                var input = [Float](repeating: 0, count: executor.inputCount)
                for k in 0..<count {
                    let x = inputs.samples[start + k]
                    guard x.count == perSample else {
                        throw InferenceError("accuracy input \(start + k) has \(x.count) values; the model takes \(perSample) per sample")
                    }
                    input.replaceSubrange(k * perSample..<(k + 1) * perSample, with: x)
                }
                let out = try executor.run(input)
                for k in 0..<count { all.append(Array(out[k * outPerSample..<(k + 1) * outPerSample])) }
                start += count
            }
            return all
        }
        let reference = try outputs(nil)
        var results: [EmulationAccuracy] = []
        for format in formats {
            let emulated = try outputs(BlockFormatOperands(format: format))
            var maxAbs = 0.0
            var signal = 0.0
            var noise = 0.0
            var agree = 0
            for (a, b) in zip(reference, emulated) {
                for (x, y) in zip(a, b) {
                    let e = Double(x) - Double(y)
                    maxAbs = max(maxAbs, abs(e).isNaN ? .infinity : abs(e))
                    signal += Double(x) * Double(x)
                    noise += e * e
                }
                if argmax(a) == argmax(b) { agree += 1 }
            }
            let sqnr = noise == 0 ? Double.infinity : (noise.isFinite ? 10 * log10(signal / noise) : -Double.infinity)
            results.append(
                EmulationAccuracy(
                    format: format.name, samples: n, maxAbsError: maxAbs, sqnrDB: sqnr, top1Agreement: Double(agree) / Double(n)))
        }
        return results
    }

    static func argmax(_ v: [Float]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}

/// The inputs an accuracy check runs: the user's samples, or seeded random ones.
package struct AccuracyInputs: Sendable {
    /// One flat float32 sample each (the model's input shape without the batch).
    package var samples: [[Float]]
    /// Where they come from, as a report says it.
    package var source: String
    /// Whether they are the user's own data (else seeded random values in [−1, 1)).
    package var fromUser: Bool

    /// `count` seeded random samples of `sampleCount` values each, uniform in [−1, 1).
    ///
    /// - Throws: ``InferenceError`` when they would not fit the memory budget (checked before
    ///   anything is generated).
    package static func seeded(count: Int, sampleCount: Int, seed: UInt64) throws(InferenceError) -> AccuracyInputs {
        let (bytes, o) = (sampleCount * 4).multipliedReportingOverflow(by: max(1, count))
        try MemoryBudget.check(o ? Int.max : bytes, for: "\(count) accuracy inputs of \(sampleCount) values")
        var rng = SplitMix64(seed: seed)
        let samples = (0..<count).map { _ in (0..<sampleCount).map { _ in rng.nextSymmetricUnit() } }
        return AccuracyInputs(samples: samples, source: seededSource(count: count, seed: seed), fromUser: false)
    }

    /// How a report names `count` seeded inputs.
    package static func seededSource(count: Int, seed: UInt64) -> String { "\(count) seeded random inputs (seed \(seed))" }

    /// Every `.npy` file in `directory` (sorted by name): each holds one sample of
    /// `sampleShape` or a stack `[N, ...sampleShape]` of them, float32.
    ///
    /// - Throws: ``InferenceError`` naming the directory or file and what is wrong.
    package static func load(directory: String, sampleShape: [Int], limit: Int = 10_000) throws(InferenceError) -> AccuracyInputs {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".npy") }.sorted()
        } catch {
            throw InferenceError("--samples \(directory): cannot list the directory (\(error.localizedDescription))")
        }
        guard !names.isEmpty else { throw InferenceError("--samples \(directory): no .npy files in the directory") }
        let perSample = sampleShape.reduce(1, *)
        var samples: [[Float]] = []
        for name in names {
            let path = directory + "/" + name
            let t = try NPYFile.read(path: path)
            let stacked = t.shape.count == sampleShape.count + 1 && Array(t.shape.dropFirst()) == sampleShape
            guard t.shape == sampleShape || stacked else {
                throw InferenceError(
                    "--samples \(path): shape \(t.shape) is neither one sample \(sampleShape) nor a stack [N, \(sampleShape.map(String.init).joined(separator: ", "))] of them"
                )
            }
            let count = stacked ? t.shape[0] : 1
            for k in 0..<count {
                guard samples.count < limit else {
                    throw InferenceError("--samples \(directory): more than \(limit) samples; an accuracy check needs far fewer")
                }
                samples.append(Array(t.data[k * perSample..<(k + 1) * perSample]))
            }
        }
        return AccuracyInputs(samples: samples, source: "\(samples.count) samples from \(directory)", fromUser: true)
    }
}

/// The accuracy a number format must keep against float32 for the FPGA plan to use it
/// (workload key `accuracy`). Default: top-1 agreement ≥ 99% (the arg-max output agrees with
/// float32's on at least 99% of the inputs).
package struct AccuracyFloor: Sendable, Codable, Equatable {
    package var minTop1Agreement: Double?
    package var minSqnrDb: Double?

    package init(minTop1Agreement: Double? = nil, minSqnrDb: Double? = nil) {
        self.minTop1Agreement = minTop1Agreement
        self.minSqnrDb = minSqnrDb
    }

    /// The default floor when the workload gives none.
    package static let standard = AccuracyFloor(minTop1Agreement: 0.99)

    package func isMet(by a: EmulationAccuracy) -> Bool {
        guard a.samples > 0 else { return false }
        if let m = minTop1Agreement, !(a.top1Agreement >= m) { return false }
        if let m = minSqnrDb, !(a.sqnrDB >= m) { return false }
        return true
    }

    /// As a sentence fragment: "top-1 agreement ≥ 99%", "SQNR ≥ 30 dB".
    package var text: String {
        var parts: [String] = []
        if let m = minTop1Agreement { parts.append(String(format: "top-1 agreement ≥ %.4g%%", 100 * m)) }
        if let m = minSqnrDb { parts.append(String(format: "SQNR ≥ %.4g dB", m)) }
        return parts.isEmpty ? "no accuracy floor" : parts.joined(separator: " and ")
    }
}
