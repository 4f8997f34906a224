import Foundation

/// The model a command works on: a built-in architecture (seeded random weights) or an ONNX
/// file (its own weights), resolved once and shared by every command and the report.
///
/// The `cacheKey` identifies the measured thing: the zoo spec for built-in models (whose
/// calibration weights are always seed 1), or the SHA-256 of the file's bytes for ONNX
/// models, so a changed file is measured again and a renamed one is not.
package struct ModelSource: Sendable {
    /// Where the model came from.
    package enum Origin: Sendable, Codable, Equatable {
        /// A built-in architecture and its canonical spec (`gru:h=1024`).
        case zoo(spec: String)
        /// An ONNX file: its path as given (resolved against the workload's folder) and the SHA-256 of its bytes.
        case onnx(path: String, sha256: String)
    }

    /// The seed of built-in models' weights for every measurement (one cache key, one measurement).
    package static let calibrationSeed: UInt64 = 1

    package let origin: Origin
    /// The shapes given for the model's inputs (`--input-shape`, `inputShapes`).
    package var inputShapes = InputShapes()
    /// The architecture (with the file's weights for ONNX models; without weights for zoo models).
    package let architecture: ModelGraph

    /// The name shown in reports: the zoo spec, or the file's name without `.onnx`.
    package var name: String { architecture.name }

    /// Whether the weights are the seeded random ones of a built-in model (accuracy figures then
    /// say little about a trained model).
    package var weightsAreRandom: Bool {
        if case .zoo = origin { return true }
        return false
    }

    /// The identity of the measured model in the calibration cache.
    package var cacheKey: String {
        switch origin {
        case .zoo(let spec): spec
        case .onnx(_, let sha256): "onnx-sha256-" + sha256 + (inputShapes.isEmpty ? "" : "|" + inputShapes.canonical)
        }
    }

    /// Resolves a MODEL argument or a workload's `model:` value.
    ///
    /// - Parameters:
    ///   - spec: a built-in name with options (`resnet50`, `gru:h=1024,t=50`) or a path ending in `.onnx`.
    ///   - baseDirectory: relative ONNX paths are resolved against it (the workload file's folder); nil: the working directory.
    /// - Throws: ``InferenceError`` for an unknown name, a missing or unreadable file, or a model the importer cannot read.
    ///   - inputShapes: shapes for ONNX inputs with symbolic dimensions (`--input-shape`).
    ///   - inputValues: values for ONNX inputs other than the model's input (`infer --input NAME=FILE`); the others are fed zeros.
    ///   - output: the ONNX graph output the model computes (default: the first).
    package static func load(
        _ spec: String, baseDirectory: String? = nil, inputShapes: InputShapes = InputShapes(), inputValues: [String: Tensor] = [:],
        output: String? = nil
    ) throws(InferenceError) -> ModelSource {
        guard isONNXPath(spec) else {
            guard inputShapes.isEmpty, inputValues.isEmpty, output == nil else {
                throw InferenceError(
                    "--input-shape (inputShapes) applies to ONNX models; the built-in '\(spec)' has fixed shapes (its options set them)")
            }
            let graph = try ModelZoo.graph(spec)
            return ModelSource(origin: .zoo(spec: graph.name), architecture: graph)
        }
        let path = resolve(spec, against: baseDirectory)
        // One read: the bytes that are decoded are the bytes that are hashed.
        let data = try ONNXImporter.read(path: path)
        let sha256 = SHA256Digest.hex(of: data)
        let graph = try ONNXImporter.decode(
            consume data, name: ONNXImporter.modelName(path: path), source: path, inputShapes: inputShapes, inputValues: inputValues,
            output: output)
        return ModelSource(origin: .onnx(path: path, sha256: sha256), inputShapes: inputShapes, architecture: graph)
    }

    /// Whether a MODEL value names an ONNX file rather than a built-in architecture.
    package static func isONNXPath(_ spec: String) -> Bool { spec.lowercased().hasSuffix(".onnx") }

    /// `path` as given when absolute or when there is no base, else relative to `base`.
    static func resolve(_ path: String, against base: String?) -> String {
        guard let base, !base.isEmpty, !path.hasPrefix("/") else { return path }
        return (base as NSString).appendingPathComponent(path)
    }

    /// The model with weights: the file's own for ONNX models, seeded random ones (seed
    /// `seed`) for built-in architectures.
    package func weighted(seed: UInt64 = ModelSource.calibrationSeed) throws(InferenceError) -> ModelGraph {
        architecture.hasWeights ? architecture : try architecture.withRandomWeights(seed: seed)
    }

    /// The built-in architecture this model is: a zoo model is itself; a file is recognized
    /// when its input shape is the zoo model's and its parameter count and multiply-accumulates
    /// are within 1% of it (exporters fold batch norms into convolutions, which changes the
    /// parameter count by well under 1%; the candidate architectures differ by far more).
    /// Used for rules that name architectures (the DNNs Azure offered on FPGAs).
    package func recognizedArchitecture(among candidates: [String]) -> String? {
        if case .zoo(let spec) = origin {
            let base = spec.split(separator: ":").first.map(String.init) ?? spec
            return candidates.contains(base) ? base : nil
        }
        guard let mine = try? architecture.profile() else { return nil }
        for name in candidates where ModelZoo.isBuiltIn(name) {
            guard let zoo = try? ModelZoo.graph(name), zoo.inputShape == architecture.inputShape,
                let theirs = try? zoo.profile()
            else { continue }
            func close(_ a: Int, _ b: Int) -> Bool { abs(Double(a) - Double(b)) <= 0.01 * Double(max(a, b)) }
            if close(theirs.parameters, mine.parameters) && close(theirs.macs, mine.macs) { return name }
        }
        return nil
    }
}
