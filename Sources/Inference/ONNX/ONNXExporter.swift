import Foundation
import SwiftProtobuf

/// Writes a ``ModelGraph`` (with weights) as an ONNX model (opset 17, IR version 8).
///
/// The graph input is batch-first with a symbolic batch dimension `batch`. Mappings: dense →
/// Gemm (transB = 1); conv2d → Conv; batch-norm → BatchNormalization; ReLU6 → Clip(0, 6);
/// GELU → the exact Div/Erf/Add/Mul/Mul pattern; add → Add or Sum; concat → Concat(axis 1);
/// LSTM/GRU → Transpose to ONNX's sequence-first layout, the RNN op, then Squeeze (and
/// Transpose back for full sequences).
package enum ONNXExporter {
    package static let opset: Int64 = 17

    package static func export(_ graph: ModelGraph) throws(InferenceError) -> Data {
        let shapes = try graph.inferShapes()
        guard graph.hasWeights else {
            throw InferenceError("model '\(graph.name)' has no weights; build it with weights before exporting")
        }
        if graph.output != graph.nodes.count {
            throw InferenceError("model '\(graph.name)': only graphs whose output is the last layer can be exported")
        }
        var writer = GraphWriter()
        writer.graph.name = graph.name
        var names = ["input"]
        for (i, n) in graph.nodes.enumerated() {
            let out = i + 1 == graph.output ? "output" : "\(n.name)_out"
            writer.emit(n, inputs: n.inputs.map { names[$0] }, output: out, shapes: shapes)
            names.append(out)
        }
        writer.graph.input = [valueInfo("input", graph.inputShape)]
        writer.graph.output = [valueInfo("output", shapes[graph.output])]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "deploy-advisor"
        model.producerVersion = "0.1.0"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Self.opset
        model.opsetImport = [opset]
        model.graph = writer.graph
        do {
            return try model.serializedBytes()
        } catch {
            throw InferenceError("cannot serialize the ONNX model: \(error)")
        }
    }

    /// A float tensor value batch-first with the symbolic batch dimension `batch`.
    static func valueInfo(_ name: String, _ perSample: [Int]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var shape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        shape.dim =
            [batch]
            + perSample.map { d in
                var x = Onnx_TensorShapeProto.Dimension()
                x.dimValue = Int64(d)
                return x
            }
        t.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = t
        v.type = type
        return v
    }
}

/// The ONNX graph being written: nodes and initializers in order, fresh names for the nodes a
/// layer expands into.
private struct GraphWriter {
    var graph = Onnx_GraphProto()
    private var counter = 0

    /// Writes one layer as the ONNX nodes (and initializers) that compute it.
    mutating func emit(_ n: Node, inputs ins: [String], output out: String, shapes: [[Int]]) {
        let p = n.parameters
        switch n.op {
        case .dense(_, let bias):
            node("Gemm", weighted(n, ins[0], bias: bias), [out], name: n.name, [.int("transB", 1)])
        case .conv2d(let a):
            node(
                "Conv", weighted(n, ins[0], bias: a.hasBias), [out], name: n.name,
                [
                    .ints("kernel_shape", [a.kernelH, a.kernelW]), .ints("strides", [a.strideH, a.strideW]),
                    .ints("pads", [a.padTop, a.padLeft, a.padBottom, a.padRight]), .ints("dilations", [a.dilationH, a.dilationW]),
                    .int("group", a.groups),
                ])
        case .batchNorm(let eps):
            let parts = ["scale", "bias", "mean", "var"]
            for (k, suffix) in parts.enumerated() { initializer("\(n.name).\(suffix)", p[k]) }
            node("BatchNormalization", [ins[0]] + parts.map { "\(n.name).\($0)" }, [out], name: n.name, [.float("epsilon", eps)])
        case .activation(let a):
            emitActivation(a, n, ins, out)
        case .maxPool(let a), .avgPool(let a):
            var attributes: [Onnx_AttributeProto] = [
                .ints("kernel_shape", [a.kernelH, a.kernelW]), .ints("strides", [a.strideH, a.strideW]),
                .ints("pads", [a.padTop, a.padLeft, a.padBottom, a.padRight]), .int("ceil_mode", a.ceilMode ? 1 : 0),
            ]
            var op = "MaxPool"
            if case .avgPool = n.op {
                op = "AveragePool"
                attributes.append(.int("count_include_pad", a.countIncludePad ? 1 : 0))
            }
            node(op, ins, [out], name: n.name, attributes)
        case .globalAvgPool:
            node("GlobalAveragePool", ins, [out], name: n.name)
        case .add:
            node(ins.count == 2 ? "Add" : "Sum", ins, [out], name: n.name)
        case .concat:
            node("Concat", ins, [out], name: n.name, [.int("axis", 1)])
        case .flatten:
            node("Flatten", ins, [out], name: n.name, [.int("axis", 1)])
        case .reshape(let target):
            int64s(n.name + ".shape", [-1] + target.map(Int64.init))
            node("Reshape", [ins[0], n.name + ".shape"], [out], name: n.name)
        case .softmax:
            node("Softmax", ins, [out], name: n.name, [.int("axis", -1)])
        case .lstm(let a), .gru(let a):
            var isLSTM = false
            if case .lstm = n.op { isLSTM = true }
            emitRecurrent(a, lstm: isLSTM, n, ins[0], out)
        case .lastStep:
            // Batch-first [N, T, …]: a scalar index on axis 1 drops that axis.
            int64s(n.name + ".index", [Int64(shapes[n.inputs[0]][0] - 1)], scalar: true)
            node("Gather", [ins[0], n.name + ".index"], [out], name: n.name, [.int("axis", 1)])
        default:
            emitGeneral(n, ins, out, shapes: shapes)
        }
    }

    /// The general ops, batch-first: per-sample axis `k` is ONNX axis `k + 1`.
    private mutating func emitGeneral(_ n: Node, _ ins: [String], _ out: String, shapes: [[Int]]) {
        let p = n.parameters
        switch n.op {
        case .elementwise(let op):
            node(op.rawValue, ins, [out], name: n.name)
        case .elementwiseConstant(let op, _, let constantFirst):
            initializer(n.name + ".constant", p[0])
            let operands = constantFirst ? [n.name + ".constant", ins[0]] : [ins[0], n.name + ".constant"]
            node(op.rawValue, operands, [out], name: n.name)
        case .unary(let f):
            switch f.kind {
            case .hardSigmoid:
                node("HardSigmoid", ins, [out], name: n.name, [.float("alpha", f.alpha), .float("beta", f.beta)])
            case .leakyRelu, .elu:
                node(f.kind.rawValue, ins, [out], name: n.name, [.float("alpha", f.alpha)])
            case .clip:
                scalar(n.name + ".min", f.alpha)
                scalar(n.name + ".max", f.beta)
                node("Clip", [ins[0], n.name + ".min", n.name + ".max"], [out], name: n.name)
            case .silu:
                let s = fresh(n.name + ".sigmoid")
                node("Sigmoid", ins, [s], name: s)
                node("Mul", [ins[0], s], [out], name: n.name)
            default:
                node(f.kind.rawValue, ins, [out], name: n.name)
            }
        case .transpose(let perm):
            node("Transpose", ins, [out], name: n.name, [.ints("perm", [0] + perm.map { $0 + 1 })])
        case .slice(let begin, let step, let size):
            let ends = zip(zip(begin, step), size).map { (bs, s) -> Int64 in
                let e = bs.0 + s * bs.1
                return e < 0 ? Int64.min : Int64(e)
            }
            int64s(n.name + ".starts", begin.map(Int64.init))
            int64s(n.name + ".ends", ends)
            int64s(n.name + ".axes", (1...begin.count).map(Int64.init))
            int64s(n.name + ".steps", step.map(Int64.init))
            node("Slice", [ins[0]] + ["starts", "ends", "axes", "steps"].map { n.name + "." + $0 }, [out], name: n.name)
        case .pad(let begin, let end, let mode, let value):
            int64s(n.name + ".pads", ([0] + begin + [0] + end).map(Int64.init))
            scalar(n.name + ".value", value)
            node("Pad", [ins[0], n.name + ".pads", n.name + ".value"], [out], name: n.name, [.string("mode", mode.rawValue)])
        case .gather(let axis, let indices):
            int64s(n.name + ".indices", indices.map(Int64.init))
            node("Gather", [ins[0], n.name + ".indices"], [out], name: n.name, [.int("axis", axis + 1)])
        case .join(let axis):
            node("Concat", ins, [out], name: n.name, [.int("axis", axis + 1)])
        case .softmaxAxis(let axis, let log):
            node(log ? "LogSoftmax" : "Softmax", ins, [out], name: n.name, [.int("axis", axis + 1)])
        case .reduce(let kind, let axes, let keepDims):
            if kind == .sum {
                int64s(n.name + ".axes", axes.map { Int64($0 + 1) })
                node("ReduceSum", [ins[0], n.name + ".axes"], [out], name: n.name, [.int("keepdims", keepDims ? 1 : 0)])
            } else {
                node(kind.rawValue, ins, [out], name: n.name, [.ints("axes", axes.map { $0 + 1 }), .int("keepdims", keepDims ? 1 : 0)])
            }
        case .matmul:
            node("MatMul", ins, [out], name: n.name)
        case .rowDense(_, let bias):
            initializer(n.name + ".weight", p[0])
            if bias {
                let m = fresh(n.name + ".matmul")
                node("MatMul", [ins[0], n.name + ".weight"], [m], name: m)
                initializer(n.name + ".bias", p[1])
                node("Add", [m, n.name + ".bias"], [out], name: n.name)
            } else {
                node("MatMul", [ins[0], n.name + ".weight"], [out], name: n.name)
            }
        case .resize(let a):
            let roi = fresh(n.name + ".roi")
            initializer(roi, Tensor(shape: [0], data: []))
            initializer(n.name + ".scales", Tensor(shape: [4], data: [1, 1, a.scaleH, a.scaleW]))
            node(
                "Resize", [ins[0], roi, n.name + ".scales"], [out], name: n.name,
                [
                    .string("mode", a.mode.rawValue), .string("coordinate_transformation_mode", a.coordinates.rawValue),
                    .string("nearest_mode", a.rounding.rawValue),
                ])
        case .convTranspose(let a):
            node(
                "ConvTranspose", weighted(n, ins[0], bias: a.hasBias), [out], name: n.name,
                [
                    .ints("kernel_shape", [a.kernelH, a.kernelW]), .ints("strides", [a.strideH, a.strideW]),
                    .ints("pads", [a.padTop, a.padLeft, a.padBottom, a.padRight]), .ints("dilations", [a.dilationH, a.dilationW]),
                    .ints("output_padding", [a.outputPaddingH, a.outputPaddingW]), .int("group", a.groups),
                ])
        default:
            preconditionFailure("emitGeneral called for \(n.op.kind)")
        }
    }

    /// The weight (and bias) initializers of a dense or convolution layer, and the op's inputs.
    private mutating func weighted(_ n: Node, _ input: String, bias: Bool) -> [String] {
        initializer(n.name + ".weight", n.parameters[0])
        var inputs = [input, n.name + ".weight"]
        if bias {
            initializer(n.name + ".bias", n.parameters[1])
            inputs.append(n.name + ".bias")
        }
        return inputs
    }

    private mutating func emitActivation(_ a: Activation, _ n: Node, _ ins: [String], _ out: String) {
        switch a {
        case .relu: node("Relu", ins, [out], name: n.name)
        case .sigmoid: node("Sigmoid", ins, [out], name: n.name)
        case .tanh: node("Tanh", ins, [out], name: n.name)
        case .relu6:
            scalar(n.name + ".min", 0)
            scalar(n.name + ".max", 6)
            node("Clip", [ins[0], n.name + ".min", n.name + ".max"], [out], name: n.name)
        case .gelu:
            scalar(n.name + ".sqrt2", Float(2.0.squareRoot()))
            scalar(n.name + ".one", 1)
            scalar(n.name + ".half", 0.5)
            let d = fresh(n.name + ".div")
            let e = fresh(n.name + ".erf")
            let s = fresh(n.name + ".add")
            let m = fresh(n.name + ".mul")
            node("Div", [ins[0], n.name + ".sqrt2"], [d], name: d)
            node("Erf", [d], [e], name: e)
            node("Add", [e, n.name + ".one"], [s], name: s)
            node("Mul", [ins[0], s], [m], name: m)
            node("Mul", [m, n.name + ".half"], [out], name: n.name)
        }
    }

    /// LSTM/GRU: Transpose to ONNX's sequence-first layout, the RNN op, then back to batch-first
    /// (Squeeze and Transpose; a bidirectional layer's two directions joined per step with a
    /// Transpose and a Reshape, forward first).
    private mutating func emitRecurrent(_ a: RecurrentAttributes, lstm isLSTM: Bool, _ n: Node, _ input: String, _ out: String) {
        let p = n.parameters
        let d = a.directions
        let x: String
        if a.timeAcrossBatch {
            // [N, 1, I] is already [T, 1, I]: the batch is the sequence.
            x = input
        } else {
            x = fresh(n.name + ".seqfirst")
            node("Transpose", [input], [x], name: x, [.ints("perm", [1, 0, 2])])
        }
        initializer(n.name + ".W", Tensor(shape: [d, p[0].shape[0] / d, p[0].shape[1]], data: p[0].data))
        initializer(n.name + ".R", Tensor(shape: [d, p[1].shape[0] / d, p[1].shape[1]], data: p[1].data))
        initializer(n.name + ".B", Tensor(shape: [d, p[2].shape[0] / d], data: p[2].data))
        let y = fresh(n.name + ".Y")
        let yh = fresh(n.name + ".Y_h")
        var attributes: [Onnx_AttributeProto] = [.int("hidden_size", a.hiddenSize)]
        if !isLSTM { attributes.append(.int("linear_before_reset", a.linearBeforeReset ? 1 : 0)) }
        if a.bidirectional { attributes.append(.string("direction", "bidirectional")) }
        node(
            isLSTM ? "LSTM" : "GRU", [x, n.name + ".W", n.name + ".R", n.name + ".B"], a.returnSequences ? [y] : ["", yh],
            name: n.name, attributes)
        if a.timeAcrossBatch {
            // Y [N, D, 1, H] → [N, 1, D, H] → [N, 1, D·H].
            let t = fresh(n.name + ".steps")
            node("Transpose", [y], [t], name: t, [.ints("perm", [0, 2, 1, 3])])
            int64s(n.name + ".shape", [0, 1, Int64(d * a.hiddenSize)])
            node("Reshape", [t, n.name + ".shape"], [out], name: n.name + ".join")
            return
        }
        switch (a.returnSequences, a.bidirectional) {
        case (true, false):
            int64s(n.name + ".axes1", [1])
            let sq = fresh(n.name + ".squeeze")
            node("Squeeze", [y, n.name + ".axes1"], [sq], name: sq)
            node("Transpose", [sq], [out], name: n.name + ".batchfirst", [.ints("perm", [1, 0, 2])])
        case (true, true):
            // Y [T, 2, N, H] → [N, T, 2, H] → [N, T, 2H].
            let t = fresh(n.name + ".batchfirst")
            node("Transpose", [y], [t], name: t, [.ints("perm", [2, 0, 1, 3])])
            int64s(n.name + ".shape", [0, 0, Int64(2 * a.hiddenSize)])
            node("Reshape", [t, n.name + ".shape"], [out], name: n.name + ".join")
        case (false, false):
            int64s(n.name + ".axes0", [0])
            node("Squeeze", [yh, n.name + ".axes0"], [out], name: n.name + ".squeeze")
        case (false, true):
            // Y_h [2, N, H] → [N, 2, H] → [N, 2H].
            let t = fresh(n.name + ".batchfirst")
            node("Transpose", [yh], [t], name: t, [.ints("perm", [1, 0, 2])])
            int64s(n.name + ".shape", [0, Int64(2 * a.hiddenSize)])
            node("Reshape", [t, n.name + ".shape"], [out], name: n.name + ".join")
        }
    }

    private mutating func fresh(_ base: String) -> String {
        counter += 1
        return "\(base)_\(counter)"
    }

    private mutating func initializer(_ name: String, _ t: Tensor) {
        var p = Onnx_TensorProto()
        p.name = name
        p.dims = t.shape.map(Int64.init)
        p.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        p.rawData = t.data.withUnsafeBytes { Data($0) }
        graph.initializer.append(p)
    }

    /// A 1-D int64 initializer, or a scalar (no dims) with `scalar: true`.
    private mutating func int64s(_ name: String, _ v: [Int64], scalar: Bool = false) {
        var p = Onnx_TensorProto()
        p.name = name
        p.dims = scalar ? [] : [Int64(v.count)]
        p.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        p.int64Data = v
        graph.initializer.append(p)
    }

    private mutating func scalar(_ name: String, _ v: Float) {
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        p.floatData = [v]
        graph.initializer.append(p)
    }

    private mutating func node(
        _ op: String, _ inputs: [String], _ outputs: [String], name: String, _ attributes: [Onnx_AttributeProto] = []
    ) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        n.attribute = attributes
        graph.node.append(n)
    }
}

extension Onnx_AttributeProto {
    fileprivate static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .ints
        a.ints = values.map(Int64.init)
        return a
    }

    fileprivate static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .int
        a.i = Int64(value)
        return a
    }

    fileprivate static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .string
        a.s = Data(value.utf8)
        return a
    }

    fileprivate static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = .float
        a.f = value
        return a
    }
}
