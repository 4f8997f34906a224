import Simulation

extension ModelGraph {
    /// The graph with every parameter tensor filled from `seed`: He-uniform weights
    /// (variance `2 / fan-in`) for dense and convolution layers, `1/√H`-uniform for
    /// recurrent layers, small biases, and batch-norm statistics near identity. Each node
    /// draws from its own stream (seed, node index), so the weights of one layer do not
    /// depend on the others.
    package func withRandomWeights(seed: UInt64) throws(InferenceError) -> ModelGraph {
        let shapes = try inferShapes()
        // The weights' size before any is allocated (overflow-checked).
        var total = 0
        for node in nodes {
            for shape in try node.op.parameterShapes(for: node.inputs.map { shapes[$0] }, layer: node.name) {
                guard let n = ShapeLimit.elements(shape) else {
                    throw InferenceError(
                        "layer '\(node.name)' (\(node.op.kind)): weight \(describe(shape)) has more than \(ShapeLimit.maxElements) elements"
                    )
                }
                total = total.addingReportingOverflow(n).overflow ? Int.max : total + n
            }
        }
        try MemoryBudget.check(total > Int.max / 4 ? Int.max : total * 4, for: "the weights of model '\(name)'")
        var copy = self
        for (i, node) in nodes.enumerated() {
            var rng = SplitMix64(seed: seed ^ (UInt64(i + 1) &* 0xD1B5_4A32_D192_ED03))
            let paramShapes = try node.op.parameterShapes(for: node.inputs.map { shapes[$0] }, layer: node.name)
            func uniform(_ shape: [Int], scale: Float, offset: Float = 0) -> Tensor {
                var data = [Float](repeating: 0, count: shape.reduce(1, *))
                for k in data.indices { data[k] = offset + scale * rng.nextSymmetricUnit() }
                return Tensor(shape: shape, data: data)
            }
            switch node.op {
            case .dense, .conv2d:
                let w = paramShapes[0]
                let fanIn = w.dropFirst().reduce(1, *)
                var tensors = [uniform(w, scale: (6.0 / Float(fanIn)).squareRoot())]
                if paramShapes.count > 1 { tensors.append(uniform(paramShapes[1], scale: 0.05)) }
                copy.nodes[i].parameters = tensors
            case .batchNorm:
                let c = paramShapes[0]
                copy.nodes[i].parameters = [
                    uniform(c, scale: 0.2, offset: 1), uniform(c, scale: 0.1),
                    uniform(c, scale: 0.1), uniform(c, scale: 0.2, offset: 1),
                ]
            case .lstm(let a), .gru(let a):
                let s = 1 / Float(a.hiddenSize).squareRoot()
                copy.nodes[i].parameters = paramShapes.map { uniform($0, scale: s) }
            case .rowDense, .convTranspose:
                // rowDense's weight is [K, units]; a transposed convolution's [inC, outC/g, kH, kW] reads inC·kH·kW inputs per output.
                let w = paramShapes[0]
                let fanIn = w.count == 2 ? w[0] : w[0] * w[2] * w[3] / max(1, w[1])
                var tensors = [uniform(w, scale: (6.0 / Float(max(1, fanIn))).squareRoot())]
                if paramShapes.count > 1 { tensors.append(uniform(paramShapes[1], scale: 0.05)) }
                copy.nodes[i].parameters = tensors
            case .elementwiseConstant:
                copy.nodes[i].parameters = [uniform(paramShapes[0], scale: 0.25, offset: 1)]
            default:
                copy.nodes[i].parameters = []
            }
        }
        return copy
    }
}
