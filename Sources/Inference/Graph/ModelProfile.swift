/// Static cost figures of one layer, per sample.
package struct LayerProfile: Sendable, Equatable, Codable {
    package var name: String
    package var kind: String
    package var outputShape: [Int]
    /// Trainable parameters (batch-norm running statistics excluded).
    package var parameters: Int
    /// Multiply-accumulate operations per sample.
    package var macs: Int
    /// Bytes of all parameter tensors, running statistics included (float32).
    package var weightBytes: Int
    /// Bytes this layer reads and writes per sample (inputs + output, float32), excluding weights.
    package var activationTrafficBytes: Int
}

/// Static cost figures of a model, per sample.
///
/// `flops` counts the multiply-adds of the matrix layers (dense, convolution,
/// recurrent) as 2 operations each; elementwise layers (activations, batch-norm,
/// pooling, add, softmax) are not counted, which is the convention of the published
/// figures (they add under 1% for the zoo's models).
package struct ModelProfile: Sendable, Equatable, Codable {
    package var model: String
    package var inputShape: [Int]
    package var outputShape: [Int]
    /// Trainable parameters.
    package var parameters: Int
    /// Multiply-accumulates per sample.
    package var macs: Int
    /// Floating-point operations per sample (`2 × macs`).
    package var flops: Int
    /// Bytes of all parameter tensors (float32).
    package var weightBytes: Int
    /// Peak bytes of live activations during one batch-1 inference (input included),
    /// from a liveness analysis of the graph.
    package var activationBytes: Int
    package var layers: [LayerProfile]
}

extension ModelGraph {
    /// Computes the model's profile from its architecture (weights not needed).
    package func profile() throws(InferenceError) -> ModelProfile {
        let shapes = try inferShapes()
        var layers: [LayerProfile] = []
        layers.reserveCapacity(nodes.count)
        for (i, node) in nodes.enumerated() {
            let inShapes = node.inputs.map { shapes[$0] }
            let out = shapes[i + 1]
            let paramShapes = try node.op.parameterShapes(for: inShapes, layer: node.name)
            let allParams = paramShapes.reduce(0) { $0 + $1.reduce(1, *) }
            var trainable = allParams
            if case .batchNorm = node.op { trainable = allParams / 2 }
            let macs: Int
            switch node.op {
            case .dense(let units, _):
                macs = units * inShapes[0][0]
            case .conv2d(let a):
                macs = out.reduce(1, *) * (inShapes[0][0] / a.groups) * a.kernelH * a.kernelW
            case .lstm(let a):
                macs = a.directions * inShapes[0][0] * 4 * a.hiddenSize * (inShapes[0][1] + a.hiddenSize)
            case .gru(let a):
                macs = a.directions * inShapes[0][0] * 3 * a.hiddenSize * (inShapes[0][1] + a.hiddenSize)
            case .matmul:
                macs = out.reduce(1, *) * inShapes[0][inShapes[0].count - 1]
            case .rowDense:
                macs = out.reduce(1, *) * inShapes[0][inShapes[0].count - 1]
            case .convTranspose(let a):
                macs = inShapes[0].reduce(1, *) * (a.outChannels / a.groups) * a.kernelH * a.kernelW
            default:
                macs = 0
            }
            let traffic = (inShapes.reduce(0) { $0 + $1.reduce(1, *) } + out.reduce(1, *)) * 4
            layers.append(
                LayerProfile(
                    name: node.name, kind: node.op.kind, outputShape: out, parameters: trainable,
                    macs: macs, weightBytes: allParams * 4, activationTrafficBytes: traffic))
        }
        let macs = layers.reduce(0) { $0 + $1.macs }
        return ModelProfile(
            model: name, inputShape: inputShape, outputShape: shapes[output],
            parameters: layers.reduce(0) { $0 + $1.parameters }, macs: macs, flops: 2 * macs,
            weightBytes: layers.reduce(0) { $0 + $1.weightBytes },
            activationBytes: peakLiveElements(shapes: shapes) * 4, layers: layers)
    }

    /// For every value id, the index of the last node that reads it (`nodes.count` for the output).
    func lastUse() -> [Int] {
        var last = [Int](repeating: -1, count: nodes.count + 1)
        for (i, node) in nodes.enumerated() {
            for v in node.inputs { last[v] = max(last[v], i) }
        }
        last[output] = nodes.count
        return last
    }

    /// The largest number of elements live at once while the nodes run in order.
    func peakLiveElements(shapes: [[Int]]) -> Int {
        let last = lastUse()
        var live = shapes[0].reduce(1, *)
        var peak = live
        var freedAt = [[Int]](repeating: [], count: nodes.count + 1)
        for v in 0..<last.count where last[v] >= 0 && last[v] < nodes.count { freedAt[last[v]].append(v) }
        if last[0] < 0 { live = 0 }
        for i in 0..<nodes.count {
            let out = shapes[i + 1].reduce(1, *)
            live += out
            peak = max(peak, live)
            for v in freedAt[i] { live -= shapes[v].reduce(1, *) }
            if last[i + 1] < 0 { live -= out }
        }
        return peak
    }
}
