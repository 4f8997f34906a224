import Foundation
import Inference

/// Resolves a MODEL argument: a built-in name (with options) or a path to an `.onnx` file.
enum ModelLoading {
    static func isONNX(_ spec: String) -> Bool { spec.lowercased().hasSuffix(".onnx") }

    /// The architecture (ONNX files come with their weights).
    static func architecture(_ spec: String) throws -> ModelGraph {
        if isONNX(spec) { return try ONNXImporter.load(path: spec) }
        return try ModelZoo.graph(spec)
    }

    /// The model with weights: built-in models get seeded random weights; ONNX models keep theirs.
    static func withWeights(_ spec: String, seed: UInt64) throws -> ModelGraph {
        if isONNX(spec) { return try ONNXImporter.load(path: spec) }
        return try ModelZoo.graph(spec).withRandomWeights(seed: seed)
    }
}
