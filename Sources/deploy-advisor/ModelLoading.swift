import Inference

/// Resolves a MODEL argument: a built-in name (with options) or a path to a model file.
enum ModelLoading {
    /// The architecture only (for profiles).
    static func architecture(_ spec: String) throws -> ModelGraph {
        if spec.lowercased().hasSuffix(".onnx") {
            throw InferenceError(
                "\(spec): ONNX files are not supported by this build yet; built-in models: \(ModelZoo.names.joined(separator: ", "))")
        }
        return try ModelZoo.graph(spec)
    }

    /// The model with weights: built-in models get seeded random weights.
    static func withWeights(_ spec: String, seed: UInt64) throws -> ModelGraph {
        try architecture(spec).withRandomWeights(seed: seed)
    }
}
