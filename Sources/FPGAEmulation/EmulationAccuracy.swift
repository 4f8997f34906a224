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
        let reference = try CPUExecutor(graph: graph, batch: 1, threads: threads)
        let emulated = try CPUExecutor(graph: graph, batch: 1, threads: threads, quantizer: BlockFormatOperands(format: format))
        var rng = SplitMix64(seed: seed)
        var maxAbs = 0.0
        var signal = 0.0
        var noise = 0.0
        var agree = 0
        for _ in 0..<samples {
            let input = (0..<reference.inputCount).map { _ in rng.nextSymmetricUnit() }
            let a = try reference.run(input)
            let b = try emulated.run(input)
            for (x, y) in zip(a, b) {
                let e = Double(x) - Double(y)
                maxAbs = max(maxAbs, abs(e).isNaN ? .infinity : abs(e))
                signal += Double(x) * Double(x)
                noise += e * e
            }
            if argmax(a) == argmax(b) { agree += 1 }
        }
        let sqnr = noise == 0 ? Double.infinity : (noise.isFinite ? 10 * log10(signal / noise) : -Double.infinity)
        return EmulationAccuracy(
            format: format.name, samples: samples, maxAbsError: maxAbs, sqnrDB: sqnr,
            top1Agreement: Double(agree) / Double(max(1, samples)))
    }

    static func argmax(_ v: [Float]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}
