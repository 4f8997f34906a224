/// A model as a list of layers in topological order, over one float32 input.
///
/// Values are numbered: `0` is the input, node `i` produces value `i + 1`.
/// Shapes are per sample (no batch axis); the batch size is chosen when the model runs.
package struct ModelGraph: Sendable, Equatable {
    package var name: String
    /// The name of the input (ONNX input name on import and export).
    package var inputName: String
    /// The per-sample input shape, e.g. `[3, 224, 224]`.
    package var inputShape: [Int]
    package var nodes: [Node]
    /// The value id of the output (by default the last node's).
    package var output: Int
    /// Where the batch axis is in the ONNX input (1 for a time-major `[T, N, I]` recurrent
    /// input); the engine keeps the batch first in memory, so batches over 1 of such a model
    /// are transposed on the way in.
    package var inputBatchAxis: Int
    /// Where the batch axis is in the ONNX output (1 for a recurrent layer's `Y_h`, `[1, N, H]`).
    package var outputBatchAxis: Int
    /// The ONNX output holds one scalar per sample (`[N]`); the engine's value is `[1]`.
    package var scalarOutput = false

    package init(
        name: String, inputName: String = "input", inputShape: [Int], nodes: [Node], output: Int? = nil, inputBatchAxis: Int = 0,
        outputBatchAxis: Int = 0
    ) {
        self.inputBatchAxis = inputBatchAxis
        self.outputBatchAxis = outputBatchAxis
        self.name = name
        self.inputName = inputName
        self.inputShape = inputShape
        self.nodes = nodes
        self.output = output ?? nodes.count
    }

    /// Whether a recurrent layer runs across the batch (``RecurrentAttributes/timeAcrossBatch``):
    /// the batch is then one stream of steps, so samples cannot be scored one by one.
    package var batchIsSequence: Bool {
        nodes.contains { node in
            switch node.op {
            case .lstm(let a), .gru(let a): a.timeAcrossBatch
            default: false
            }
        }
    }

    /// Whether every node carries its parameter tensors.
    package var hasWeights: Bool {
        nodes.allSatisfy { node in node.parameters.count == node.op.parameterTensorCount }
    }

    /// The per-sample shape of every value (index = value id), validating every layer.
    ///
    /// - Throws: ``InferenceError`` naming the layer and the shapes involved.
    package func inferShapes() throws(InferenceError) -> [[Int]] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw InferenceError("model '\(name)': input shape \(describe(inputShape)) must have positive extents")
        }
        guard ShapeLimit.elements(inputShape) != nil else {
            throw InferenceError(
                "model '\(name)': input shape \(describe(inputShape)) has more than \(ShapeLimit.maxElements) elements per sample")
        }
        var shapes: [[Int]] = [inputShape]
        shapes.reserveCapacity(nodes.count + 1)
        var names = Set<String>()
        for (index, node) in nodes.enumerated() {
            guard names.insert(node.name).inserted else {
                throw InferenceError("model '\(name)': layer name '\(node.name)' is used twice")
            }
            for input in node.inputs where input < 0 || input > index {
                throw InferenceError(
                    "layer '\(node.name)' reads value \(input), which is not produced before it (valid: 0...\(index))")
            }
            let inShapes = node.inputs.map { shapes[$0] }
            let out = try node.op.outputShape(for: inShapes, layer: node.name)
            if !node.parameters.isEmpty {
                let expected = try node.op.parameterShapes(for: inShapes, layer: node.name)
                guard expected.count == node.parameters.count else {
                    throw InferenceError(
                        "layer '\(node.name)' (\(node.op.kind)) has \(node.parameters.count) parameter tensors, expected \(expected.count)")
                }
                for (k, (want, have)) in zip(expected, node.parameters.map(\.shape)).enumerated() where want != have {
                    throw InferenceError(
                        "layer '\(node.name)' (\(node.op.kind)) parameter \(k) has shape \(describe(have)), expected \(describe(want)) for input \(describe(inShapes[0]))"
                    )
                }
            }
            shapes.append(out)
        }
        guard output >= 0 && output < shapes.count else {
            throw InferenceError("model '\(name)': output value \(output) does not exist (0...\(shapes.count - 1))")
        }
        return shapes
    }
}

extension ModelGraph {
    /// A batch laid out with its batch axis at `from` (of the full shape `shape`) moved to `to`:
    /// how data crosses between ONNX's layout (batch where the model puts it) and the
    /// engine's (batch first).
    package static func moveBatchAxis(_ data: [Float], shape: [Int], from: Int, to: Int) -> (data: [Float], shape: [Int]) {
        guard from != to, from < shape.count, to < shape.count, shape[from] > 1 else {
            var s = shape
            if from < s.count, to < s.count { s.insert(s.remove(at: from), at: to) }
            return (data, s)
        }
        var outShape = shape
        outShape.insert(outShape.remove(at: from), at: to)
        // Source strides, permuted to the output's axis order.
        var strides = [Int](repeating: 1, count: shape.count)
        for k in stride(from: shape.count - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * shape[k + 1] }
        var permuted = strides
        permuted.insert(permuted.remove(at: from), at: to)
        var out = [Float](repeating: 0, count: data.count)
        var index = [Int](repeating: 0, count: shape.count)
        for i in 0..<data.count {
            var src = 0
            for k in 0..<shape.count { src += index[k] * permuted[k] }
            out[i] = data[src]
            Layout.advance(&index, in: outShape)
        }
        return (out, outShape)
    }
}
