import Foundation
import Testing

@testable import Inference

/// The general ops' kernels (strided loops planned in the engine's channel-major layout)
/// against the reference interpreter (element by element, batch-first, from each op's ONNX
/// definition), at batch 1 and 3; tolerance 1e-5 of the output's largest magnitude.
@Suite("General op kernels")
struct GeneralOpTests {
    /// A graph over `input` whose nodes read value 0 (the input) and earlier nodes.
    static func graph(_ name: String, _ input: [Int], _ nodes: [(LayerOp, [Int])]) -> ModelGraph {
        ModelGraph(
            name: name, inputShape: input,
            nodes: nodes.enumerated().map { Node(name: "\(name).\($0.offset)", op: $0.element.0, inputs: $0.element.1) })
    }

    static let exp = LayerOp.unary(UnaryFunction(.exp))
    static let cases: [ModelGraph] = [
        graph(
            "mul-broadcast", [4, 5, 6],
            [(.slice(begin: [0, 2, 0], step: [1, 1, 1], size: [4, 1, 6]), [0]), (.elementwise(.mul), [0, 1])]),
        graph(
            "sub-broadcast", [4, 5, 6],
            [(.slice(begin: [1, 0, 3], step: [1, 1, 1], size: [1, 5, 1]), [0]), (.elementwise(.sub), [1, 0])]),
        graph(
            "div-pow-min-max", [3, 4],
            [
                (exp, [0]), (.elementwise(.div), [0, 1]), (.elementwise(.pow), [2, 1]), (.elementwise(.min), [3, 0]),
                (.elementwise(.max), [4, 1]),
            ]),
        graph(
            "constant-ops", [4, 5, 6],
            [
                (.elementwiseConstant(.add, shape: [5, 1], constantFirst: false), [0]),
                (.elementwiseConstant(.div, shape: [1], constantFirst: true), [1]),
                (.elementwiseConstant(.sub, shape: [4, 1, 6], constantFirst: true), [2]),
                (.elementwiseConstant(.pow, shape: [1], constantFirst: false), [0]),
            ]),
        graph(
            "unary", [3, 4, 5],
            UnaryFunction.Kind.allCases.map { k -> (LayerOp, [Int]) in
                let f = UnaryFunction(k, alpha: k == .clip ? -0.3 : 0.7, beta: k == .clip ? 0.4 : 0.2)
                return ([.log, .sqrt].contains(k) ? (.unary(f), [1]) : (.unary(f), [0]))
            }.enumerated().map { i, c in i == 0 ? (exp, [0]) : c }),
        graph("transpose", [2, 3, 4], [(.transpose([2, 0, 1]), [0]), (.transpose([1, 0, 2]), [1]), (.transpose([0, 2, 1]), [2])]),
        graph("transpose-2d", [3, 4], [(.transpose([1, 0]), [0])]),
        graph("slice", [4, 6, 8], [(.slice(begin: [1, 0, 7], step: [2, 1, -2], size: [2, 6, 4]), [0])]),
        graph(
            "join", [2, 3, 4],
            [
                (.join(axis: 0), [0, 0]), (.join(axis: 1), [0, 0]), (.join(axis: 2), [0, 0]),
                (.slice(begin: [0, 0, 0], step: [1, 1, 1], size: [2, 3, 2]), [0]), (.join(axis: 2), [4, 0]),
            ]),
        graph(
            "pad", [3, 4, 5],
            [
                (.pad(begin: [0, 2, 1], end: [1, 3, 4], mode: .reflect, value: 0), [0]),
                (.pad(begin: [2, 0, 3], end: [0, 5, 1], mode: .edge, value: 0), [0]),
                (.pad(begin: [1, 1, 0], end: [0, 2, 2], mode: .constant, value: -0.5), [0]),
            ]),
        graph(
            "gather", [4, 5, 6],
            [
                (.gather(axis: 0, indices: [3, 0, 3]), [0]), (.gather(axis: 2, indices: [5, 1]), [0]),
                (.gather(axis: 1, indices: [4]), [0]),
            ]),
        graph(
            "softmax-axes", [3, 4, 5],
            [
                (.softmaxAxis(0, log: false), [0]), (.softmaxAxis(1, log: true), [0]), (.softmaxAxis(2, log: false), [0]),
                (.join(axis: 0), [1, 2, 3]),
            ]),
        graph(
            "reduce", [3, 4, 5],
            [
                (.reduce(.mean, axes: [1, 2], keepDims: true), [0]), (.reduce(.sum, axes: [0], keepDims: false), [0]),
                (.reduce(.max, axes: [2], keepDims: false), [0]), (.reduce(.min, axes: [0, 2], keepDims: true), [0]),
                (.reduce(.sum, axes: [0, 1, 2], keepDims: false), [0]),
            ]),
        graph(
            "matmul", [2, 4, 4],
            [
                (.slice(begin: [0, 1, 0], step: [1, 1, 1], size: [2, 3, 4]), [0]), (.matmul, [1, 0]),
                (.slice(begin: [1, 0, 0], step: [1, 1, 1], size: [1, 3, 4]), [1]), (.matmul, [3, 0]),
            ]),
        graph("matmul-2d", [3, 3], [(.matmul, [0, 0])]),
        graph("row-dense", [3, 4, 6], [(.rowDense(units: 5, bias: true), [0]), (.rowDense(units: 2, bias: false), [1])]),
        graph("row-dense-2d", [7, 6], [(.rowDense(units: 2, bias: true), [0])]),
        graph(
            "resize", [2, 5, 7],
            [
                (
                    .resize(
                        ResizeAttributes(
                            outHeight: 10, outWidth: 14, scaleH: 2, scaleW: 2, mode: .nearest, coordinates: .asymmetric, rounding: .floor)),
                    [0]
                ),
                (
                    .resize(
                        ResizeAttributes(
                            outHeight: 9, outWidth: 4, scaleH: 1.8, scaleW: 4.0 / 7, mode: .linear, coordinates: .halfPixel,
                            rounding: .floor)), [0]
                ),
                (
                    .resize(
                        ResizeAttributes(
                            outHeight: 8, outWidth: 3, scaleH: 1.6, scaleW: 3.0 / 7, mode: .linear, coordinates: .alignCorners,
                            rounding: .floor)), [0]
                ),
                (
                    .resize(
                        ResizeAttributes(
                            outHeight: 11, outWidth: 6, scaleH: 2.2, scaleW: 6.0 / 7, mode: .nearest, coordinates: .pytorchHalfPixel,
                            rounding: .roundPreferCeil)), [0]
                ),
            ]),
        graph(
            "conv-transpose", [4, 5, 6],
            [
                (
                    .convTranspose(
                        ConvTransposeAttributes(
                            outChannels: 3, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 0, padLeft: 0, padBottom: 0,
                            padRight: 0, dilationH: 1, dilationW: 1, outputPaddingH: 0, outputPaddingW: 0, groups: 1, hasBias: false)), [0]
                ),
                (
                    .convTranspose(
                        ConvTransposeAttributes(
                            outChannels: 6, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1,
                            padRight: 1, dilationH: 1, dilationW: 1, outputPaddingH: 1, outputPaddingW: 1, groups: 2, hasBias: true)), [0]
                ),
                (
                    .convTranspose(
                        ConvTransposeAttributes(
                            outChannels: 2, kernelH: 3, kernelW: 2, strideH: 1, strideW: 3, padTop: 2, padLeft: 0, padBottom: 0,
                            padRight: 1, dilationH: 2, dilationW: 1, outputPaddingH: 0, outputPaddingW: 0, groups: 1, hasBias: true)), [0]
                ),
            ]),
    ]

    @Test("kernels match the reference interpreter", arguments: cases.map(\.name))
    func matchesTheReference(_ name: String) throws {
        let base = try #require(Self.cases.first { $0.name == name })
        for batch in [1, 3] {
            // Every node's output is checked: each becomes the graph output in turn.
            for k in 1...base.nodes.count {
                var g = base
                g.output = k
                g = try g.withRandomWeights(seed: 5)
                let e = try CPUExecutor(graph: g, batch: batch)
                let input = ReferenceInterpreter.randomInput(count: e.inputCount, seed: 9)
                let err = ReferenceInterpreter.relativeError(try e.run(input), try ReferenceInterpreter.run(g, input: input, batch: batch))
                #expect(err <= 1e-5, "\(name) node \(k - 1) (\(g.nodes[k - 1].op.kind)) batch \(batch): \(err)")
            }
        }
    }

    /// Shapes that do not fit are refused with the layer's name, before anything runs.
    @Test func badShapesNameTheLayer() {
        let bad: [ModelGraph] = [
            Self.graph(
                "bad-broadcast", [3, 4], [(.slice(begin: [0, 0], step: [1, 1], size: [2, 4]), [0]), (.elementwise(.add), [0, 1])]),
            Self.graph("bad-perm", [3, 4], [(.transpose([0, 0]), [0])]),
            Self.graph("bad-slice", [3, 4], [(.slice(begin: [2, 0], step: [1, 1], size: [2, 4]), [0])]),
            Self.graph("bad-matmul", [3, 4], [(.matmul, [0, 0])]),
            Self.graph("bad-reduce", [3, 4], [(.reduce(.sum, axes: [2], keepDims: true), [0])]),
        ]
        for g in bad {
            #expect(throws: InferenceError.self, "\(g.name)") { try g.inferShapes() }
        }
    }
}
