/// The built-in architectures, by name, with optional `key=value` options after a colon
/// (`gru:h=2816,t=750`, `mlp:in=64,hidden=256,layers=2,out=3`).
package enum ModelZoo {
    /// One built-in architecture.
    package struct Entry: Sendable {
        package let name: String
        package let summary: String
        /// The options it accepts, with their defaults.
        package let options: [(key: String, defaultValue: Int, meaning: String)]
        let make: @Sendable (String, [String: Int]) -> ModelGraph
    }

    /// Every built-in architecture, in display order.
    package static let entries: [Entry] = [
        Entry(name: "resnet50", summary: "ResNet-50 v1.5, ImageNet 224×224 (He et al. 2016)", options: []) { n, _ in
            ResNet.build(name: n, blocks: [3, 4, 6, 3])
        },
        Entry(name: "resnet152", summary: "ResNet-152 v1.5, ImageNet 224×224 (He et al. 2016)", options: []) { n, _ in
            ResNet.build(name: n, blocks: [3, 8, 36, 3])
        },
        Entry(name: "vgg16", summary: "VGG-16, ImageNet 224×224 (Simonyan & Zisserman 2015)", options: []) { n, _ in
            VGG.build(name: n, configuration: VGG.vgg16)
        },
        Entry(name: "densenet121", summary: "DenseNet-121, ImageNet 224×224 (Huang et al. 2017)", options: []) { n, _ in
            DenseNet.build(name: n)
        },
        Entry(name: "mobilenetv2", summary: "MobileNetV2 1.0, ImageNet 224×224 (Sandler et al. 2018)", options: []) {
            n, _ in MobileNetV2.build(name: n)
        },
        Entry(
            name: "mlp", summary: "tabular multilayer perceptron (dense + ReLU, softmax output)",
            options: [
                ("in", 128, "input features"), ("hidden", 512, "hidden units per layer"),
                ("layers", 3, "hidden layers"), ("out", 10, "output classes"),
            ]
        ) { n, o in
            MLP.build(name: n, inputs: o["in"]!, hidden: o["hidden"]!, layers: o["layers"]!, outputs: o["out"]!)
        },
        Entry(
            name: "lstm", summary: "DeepBench-style LSTM layer (last hidden state out)",
            options: [("h", 512, "hidden size"), ("t", 25, "timesteps"), ("i", 0, "input size (0: same as h)")]
        ) { n, o in
            RecurrentLayer.build(name: n, gru: false, hidden: o["h"]!, timesteps: o["t"]!, inputSize: o["i"]! == 0 ? o["h"]! : o["i"]!)
        },
        Entry(
            name: "gru", summary: "DeepBench-style GRU layer (linear-before-reset, last hidden state out)",
            options: [("h", 512, "hidden size"), ("t", 25, "timesteps"), ("i", 0, "input size (0: same as h)")]
        ) { n, o in
            RecurrentLayer.build(name: n, gru: true, hidden: o["h"]!, timesteps: o["t"]!, inputSize: o["i"]! == 0 ? o["h"]! : o["i"]!)
        },
    ]

    /// The names of the built-in architectures.
    package static var names: [String] { entries.map(\.name) }

    /// Whether `spec` names a built-in architecture (possibly with options).
    package static func isBuiltIn(_ spec: String) -> Bool {
        let base = spec.split(separator: ":", maxSplits: 1).first.map(String.init) ?? spec
        return names.contains(base.lowercased())
    }

    /// Builds the architecture named by `spec` (no weights; see ``ModelGraph/withRandomWeights(seed:)``).
    ///
    /// - Throws: ``InferenceError`` for an unknown name (listing the known ones), an unknown
    ///   option, or a value that is not a positive integer.
    package static func graph(_ spec: String) throws(InferenceError) -> ModelGraph {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let base = (parts.first ?? "").lowercased()
        guard let entry = entries.first(where: { $0.name == base }) else {
            throw InferenceError(
                "unknown model '\(spec)'; built-in models: \(names.joined(separator: ", ")) (or a path to an .onnx file)")
        }
        var options = Dictionary(uniqueKeysWithValues: entry.options.map { ($0.key, $0.defaultValue) })
        if parts.count == 2 {
            for item in parts[1].split(separator: ",") {
                let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
                let allowed = entry.options.map(\.key)
                guard kv.count == 2, options[kv[0]] != nil else {
                    throw InferenceError(
                        "model '\(spec)': unknown option '\(item)'; \(entry.name) accepts "
                            + (allowed.isEmpty ? "no options" : allowed.map { "\($0)=N" }.joined(separator: ", ")))
                }
                let lowest = kv[0] == "i" ? 0 : 1
                guard let value = Int(kv[1]), value >= lowest, value <= 1_000_000 else {
                    throw InferenceError(
                        "model '\(spec)': option \(kv[0]) must be an integer from \(lowest) to 1000000, got '\(kv[1])'")
                }
                options[kv[0]] = value
            }
        }
        let canonical =
            entry.options.isEmpty || parts.count < 2
            ? entry.name
            : entry.name + ":"
                + entry.options.filter { options[$0.key]! != 0 }.map { "\($0.key)=\(options[$0.key]!)" }.joined(separator: ",")
        return entry.make(canonical, options)
    }
}
