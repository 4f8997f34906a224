import Foundation
import SwiftProtobuf
import Testing

@testable import Inference

/// Models as framework exporters write them: shape arithmetic folded at import, symbolic
/// dimensions fixed by `--input-shape`, `If` inlined, the batch where the model puts it.
/// Fixtures: `Fixtures/onnx/make_exporter_fixtures.py` (ONNX Runtime's outputs beside each
/// model); tolerance: max |ours − ORT| ≤ 1e-4 × max |ORT|.
@Suite("ONNX as exporters write it")
struct ONNXExporterPatternTests {
    static let fixtures = ONNXTests.fixtures

    /// Imports a fixture with the input shape its .npy gives (as `infer` does) and runs it.
    func run(_ name: String) throws -> (graph: ModelGraph, output: [Float], shape: [Int], expected: Tensor) {
        let x = try NPYFile.read(path: Self.fixtures.appendingPathComponent("\(name).input.npy").path)
        let expected = try NPYFile.read(path: Self.fixtures.appendingPathComponent("\(name).output.npy").path)
        let graph = try ONNXImporter.load(
            path: Self.fixtures.appendingPathComponent("\(name).onnx").path, inputShapes: InputShapes(unnamed: x.shape))
        let batch = x.shape[graph.inputBatchAxis]
        let input = ModelGraph.moveBatchAxis(x.data, shape: x.shape, from: graph.inputBatchAxis, to: 0)
        let e = try CPUExecutor(graph: graph, batch: batch)
        let y = ModelGraph.moveBatchAxis(try e.run(input.data), shape: [batch] + e.outputShape, from: 0, to: graph.outputBatchAxis)
        return (graph, y.data, graph.scalarOutput ? [batch] : y.shape, expected)
    }

    @Test(
        "exporter patterns match ONNX Runtime",
        arguments: [
            "torch_view_flatten", "dynamic_hw_head", "gru_time_major", "gru_time_major_batch", "general_ops", "conv1d_pad", "crnn_head",
            "lstm_across_chunks", "silu_conv",
        ])
    func matchesONNXRuntime(_ name: String) throws {
        let r = try run(name)
        #expect(r.shape == r.expected.shape, "\(name): shape \(r.shape) vs ONNX Runtime's \(r.expected.shape)")
        let err = ReferenceInterpreter.relativeError(r.output, r.expected.data)
        #expect(err <= 1e-4, "\(name): relative error \(err)")
    }

    /// `Mul(x, Sigmoid(x))` is one SiLU layer; a Sigmoid whose output is read twice stays.
    @Test func siluIsOneLayer() throws {
        let kinds = try run("silu_conv").graph.nodes.map(\.op.kind)
        #expect(kinds.filter { $0 == "SiLU" }.count == 1, "\(kinds)")
        #expect(kinds.filter { $0 == "Sigmoid" }.count == 1, "\(kinds)")
    }

    /// A recurrence across the batch makes the batch one stream (the server then refuses
    /// several samples in one request); a bidirectional LSTM over time does not.
    @Test func batchIsASequenceOnlyAcrossTheBatch() throws {
        #expect(try run("lstm_across_chunks").graph.batchIsSequence)
        #expect(try !run("crnn_head").graph.batchIsSequence)
    }

    /// `export` writes what the importer reads: each fixture imported, exported, imported again
    /// computes the same outputs.
    @Test(
        "export writes every imported op",
        arguments: ["torch_view_flatten", "dynamic_hw_head", "general_ops", "conv1d_pad", "crnn_head", "lstm_across_chunks"])
    func exportRoundTrip(_ name: String) throws {
        let r = try run(name)
        let data = try ONNXExporter.export(r.graph)
        let again = try ONNXImporter.decode(data, name: name)
        let x = try NPYFile.read(path: Self.fixtures.appendingPathComponent("\(name).input.npy").path)
        let a = try CPUExecutor(graph: r.graph, batch: x.shape[0]).run(x.data)
        let b = try CPUExecutor(graph: again, batch: x.shape[0]).run(x.data)
        #expect(ReferenceInterpreter.relativeError(b, a) <= 1e-6, "\(name)")
    }

    /// Folding leaves only the layers that compute on data: the shape arithmetic, the If and
    /// the per-channel constants of `dynamic_hw_head` become constants, and the two Reshapes
    /// that undo each other leave no trace beyond a relayout.
    @Test func shapeArithmeticLeavesNoLayers() throws {
        let r = try run("dynamic_hw_head")
        let kinds = r.graph.nodes.map(\.op.kind)
        #expect(!kinds.contains("Sigmoid"), "the If's else branch is not taken (6 channels): \(kinds)")
        #expect(kinds.filter { $0 == "Conv2D" }.count == 2 && kinds.contains("ReLU"), "\(kinds)")
        // x.view(x.size(0), -1) is one Flatten-like reshape, whatever the batch.
        let t = try run("torch_view_flatten")
        #expect(t.graph.nodes.map(\.op.kind) == ["Conv2D", "ReLU", "Reshape", "Dense"], "\(t.graph.nodes.map(\.op.kind))")
        #expect(t.graph.inputBatchAxis == 0 && t.graph.inputShape == [3, 12, 12])
        // Time-major GRU: the batch is axis 1 of [T, N, I], from the RNN's layout.
        let g = try run("gru_time_major")
        #expect(g.graph.inputBatchAxis == 1 && g.graph.inputShape == [7, 10] && g.graph.outputBatchAxis == 1)
    }

    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch let e as InferenceError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    @Test func symbolicDimensionsNeedAShape() throws {
        let path = Self.fixtures.appendingPathComponent("dynamic_hw_head.onnx").path
        let m = message { _ = try ONNXImporter.load(path: path) }
        #expect(m.contains("input 'x' axis 2 ('height') is symbolic"), "\(m)")
        #expect(m.contains("--input-shape x=1x3x?x?"), "\(m)")
        #expect(m.contains("inputShapes"), "\(m)")
        let wrongRank = message { _ = try ONNXImporter.load(path: path, inputShapes: InputShapes(unnamed: [1, 3, 10])) }
        #expect(wrongRank.contains("gives 3 dims (1x3x10) for input 'x', which has 4 axes"), "\(wrongRank)")
        let fixed = message { _ = try ONNXImporter.load(path: path, inputShapes: InputShapes(unnamed: [1, 4, 10, 10])) }
        #expect(fixed.contains("axis 1 of input 'x' as 4; the model fixes it at 3"), "\(fixed)")
        let unknown = message { _ = try ONNXImporter.load(path: path, inputShapes: InputShapes(byName: ["images": [1, 3, 8, 8]])) }
        #expect(unknown.contains("names input 'images', which the model does not have (its inputs: 'x')"), "\(unknown)")
        // A size for which the reshape arithmetic does not hold (odd spatial sizes still fold).
        let g = try ONNXImporter.load(path: path, inputShapes: InputShapes(byName: ["x": [1, 3, 7, 9]]))
        #expect(g.inputShape == [3, 7, 9])
    }

    /// Several inputs and outputs: the mask is given, the recurrent state h0 (which follows the
    /// batch) is fed zeros, and each output can be selected; all match ONNX Runtime.
    @Test func severalInputsAndOutputs() throws {
        let path = Self.fixtures.appendingPathComponent("several_inputs.onnx").path
        func npy(_ s: String) throws -> Tensor {
            try NPYFile.read(path: Self.fixtures.appendingPathComponent("several_inputs.\(s).npy").path)
        }
        let x = try npy("x")
        let mask = try npy("mask")
        for (output, name) in [(nil, "y"), ("z", "z"), ("state", "state")] as [(String?, String)] {
            let g = try ONNXImporter.load(path: path, inputValues: ["mask": mask], output: output)
            #expect(g.inputName == "x" && g.inputShape == [4, 6])
            let e = try CPUExecutor(graph: g, batch: 3)
            let y = ModelGraph.moveBatchAxis(try e.run(x.data), shape: [3] + e.outputShape, from: 0, to: g.outputBatchAxis)
            let expected = try npy(name)
            #expect(y.shape == expected.shape, "\(name): \(y.shape) vs \(expected.shape)")
            #expect(ReferenceInterpreter.relativeError(y.data, expected.data) <= 1e-5, "\(name)")
        }
        // Without a value the mask is zeros: y is then all zeros (Relu(x·0)); y needs no GRU (only
        // the nodes the selected output depends on are converted).
        let zeros = try ONNXImporter.load(path: path)
        #expect(zeros.nodes.map(\.op.kind) == ["Mul", "ReLU"], "\(zeros.nodes.map(\.op.kind))")
        let e = try CPUExecutor(graph: zeros, batch: 3)
        #expect(try e.run(x.data).allSatisfy { $0 == 0 })
        let unknownInput = message { _ = try ONNXImporter.load(path: path, inputValues: ["masks": mask]) }
        #expect(unknownInput.contains("--input names input 'masks', which the model does not have"), "\(unknownInput)")
        let unknownOutput = message { _ = try ONNXImporter.load(path: path, output: "w") }
        #expect(unknownOutput.contains("the model has no output 'w' (its outputs: 'y', 'z', 'state')"), "\(unknownOutput)")
        let badShape = message { _ = try ONNXImporter.load(path: path, inputValues: ["mask": Tensor(zeros: [2, 6])]) }
        #expect(badShape.contains("--input mask: array shape [2, 6] does not match"), "\(badShape)")
    }

    @Test func parsingInputShapes() throws {
        #expect(try InputShapes.parse("1x3x640x640") == (nil, [1, 3, 640, 640]))
        #expect(try InputShapes.parse("images=1x3x640x640") == ("images", [1, 3, 640, 640]))
        var s = InputShapes()
        try s.add("a=1x2")
        try s.add("3x4")
        #expect(s.canonical == "3x4,a=1x2")
        for bad in ["1x0x3", "1xx3", "=1x3", "x", "1x3x-2", "a=", "1x3x9999999999"] {
            #expect(throws: InferenceError.self, "\(bad)") { try InputShapes.parse(bad) }
        }
        #expect(throws: InferenceError.self) { try s.add("a=5") }
    }

    // MARK: - The folder against the ONNX specification's examples (onnx/docs/Operators.md)

    func ints(_ v: [Int64], _ dims: [Int]) -> KnownTensor { KnownTensor(ints: v, dims: dims) }
    func floats(_ v: [Float], _ dims: [Int]) -> KnownTensor { KnownTensor(dims: dims, elements: .float(v)) }
    func eval(_ op: String, _ inputs: [KnownTensor?], _ configure: (inout ONNXFolding.Attributes) -> Void = { _ in }) throws
        -> KnownTensor
    {
        var a = ONNXFolding.Attributes()
        configure(&a)
        return try ONNXFolding.evaluate(op, inputs: inputs, attributes: a, opset: 17)[0]
    }

    @Test func specificationExamples() throws {
        // Slice, "example 1": data [[1,2,3,4],[5,6,7,8]], axes [0,1], starts [1,0], ends [2,3], steps [1,2] → [[5,7]].
        let data = floats([1, 2, 3, 4, 5, 6, 7, 8], [2, 4])
        let s1 = try eval("Slice", [data, ints([1, 0], [2]), ints([2, 3], [2]), ints([0, 1], [2]), ints([1, 2], [2])])
        #expect(s1 == floats([5, 7], [1, 2]))
        // Slice, "example 2": starts [0,1], ends [-1,1000] → [[2,3,4]].
        let s2 = try eval("Slice", [data, ints([0, 1], [2]), ints([-1, 1000], [2])])
        #expect(s2 == floats([2, 3, 4], [1, 3]))
        // Slice with a negative step: the reversed row.
        let s3 = try eval("Slice", [floats([1, 2, 3, 4], [4]), ints([-1], [1]), ints([-5], [1]), ints([0], [1]), ints([-1], [1])])
        #expect(s3 == floats([4, 3, 2, 1], [4]))
        // Gather, axis 0: data [[1.0,1.2],[2.3,3.4],[4.5,5.7]], indices [[0,1],[1,2]].
        let g0 = try eval("Gather", [floats([1.0, 1.2, 2.3, 3.4, 4.5, 5.7], [3, 2]), ints([0, 1, 1, 2], [2, 2])])
        #expect(g0 == floats([1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7], [2, 2, 2]))
        // Gather, axis 1: data [[1.0,1.2,1.9],[2.3,3.4,3.9],[4.5,5.7,5.9]], indices [[0,2]] → [[[1.0,1.9]],[[2.3,3.9]],[[4.5,5.9]]].
        let g1 = try eval("Gather", [floats([1.0, 1.2, 1.9, 2.3, 3.4, 3.9, 4.5, 5.7, 5.9], [3, 3]), ints([0, 2], [1, 2])]) {
            $0.set("axis", int: 1)
        }
        #expect(g1 == floats([1.0, 1.9, 2.3, 3.9, 4.5, 5.9], [3, 1, 2]))
        // Range: (3, 9, 3) → [3, 6]; (10, 4, -3) → [10, 7].
        #expect(try eval("Range", [ints([3], []), ints([9], []), ints([3], [])]) == ints([3, 6], [2]))
        #expect(try eval("Range", [ints([10], []), ints([4], []), ints([-3], [])]) == ints([10, 7], [2]))
        // Expand: [[1],[2],[3]] to [2, 1, 6] → shape [2, 3, 6].
        let ex = try eval("Expand", [floats([1, 2, 3], [3, 1]), ints([2, 1, 6], [3])])
        #expect(ex.dims == [2, 3, 6] && ex.floats?[6] == 2 && ex.floats?[35] == 3)
        // Where: condition [[1,0],[1,1]], x [[1,2],[3,4]], y [[9,8],[7,6]] → [[1,8],[3,4]].
        let wh = try eval(
            "Where",
            [
                KnownTensor(dims: [2, 2], elements: .bool([true, false, true, true])), floats([1, 2, 3, 4], [2, 2]),
                floats([9, 8, 7, 6], [2, 2]),
            ])
        #expect(wh == floats([1, 8, 3, 4], [2, 2]))
        // Transpose of [2, 3] with the default perm; Concat on axis 1; Unsqueeze/Squeeze round trip.
        #expect(try eval("Transpose", [floats([1, 2, 3, 4, 5, 6], [2, 3])]) == floats([1, 4, 2, 5, 3, 6], [3, 2]))
        #expect(
            try eval("Concat", [floats([1, 2], [2, 1]), floats([3, 4, 5, 6], [2, 2])]) { $0.set("axis", int: 1) }
                == floats([1, 3, 4, 2, 5, 6], [2, 3]))
        let u = try eval("Unsqueeze", [floats([1, 2, 3], [3]), ints([0, -1], [2])])
        #expect(u.dims == [1, 3, 1])
        #expect(try eval("Squeeze", [u, ints([0], [1])]).dims == [3, 1])
        // Reshape with 0 (copy) and -1 (infer); integer Div truncates toward zero (as ONNX Runtime).
        #expect(try eval("Reshape", [floats(Array(repeating: 0, count: 24), [2, 3, 4]), ints([0, -1], [2])]).dims == [2, 12])
        #expect(try eval("Div", [ints([7, -7], [2]), ints([2], [1])]) == ints([3, -3], [2]))
        // Cast float → int64 truncates; ReduceProd over everything; ConstantOfShape defaults to float 0.
        #expect(try eval("Cast", [floats([2.7, -2.7], [2])]) { $0.set("to", int: 7) } == ints([2, -2], [2]))
        #expect(try eval("ReduceProd", [ints([2, 3, 4], [3])]) { $0.set("keepdims", int: 0) } == ints([24], []))
        #expect(try eval("ConstantOfShape", [ints([2, 2], [2])]) == floats([0, 0, 0, 0], [2, 2]))
    }

    @Test func batchStaysSymbolic() throws {
        // Shape of a [N, 4, 5] value: N·20 elements; N·20 / 4 = 5·N folds, N·N does not.
        let shape = ONNXFolding.shape(of: [.batch, BatchLinear(offset: 4), BatchLinear(offset: 5)], start: 0, end: nil)
        let n = try eval("Gather", [shape, ints([0], [])])
        let twenty = try eval("Mul", [n, ints([20], [])])
        #expect(try eval("Div", [twenty, ints([4], [])]) == KnownTensor(dims: [], elements: .int([BatchLinear(perBatch: 5, offset: 0)])))
        #expect(throws: FoldingError.self) { try eval("Mul", [n, n]) }
        // N ≥ 1, so Max(N, 1) is N and Equal(N, 0) is false; Equal(N, 2) depends on N.
        #expect(try eval("Max", [n, ints([1], [])]) == n)
        #expect(try eval("Equal", [n, ints([0], [])]) == KnownTensor(dims: [], elements: .bool([false])))
        #expect(throws: FoldingError.self) { try eval("Equal", [n, ints([2], [])]) }
        // N as a tensor size cannot fold.
        #expect(throws: FoldingError.self) { try eval("ConstantOfShape", [try eval("Unsqueeze", [n, ints([0], [1])])]) }
    }

    @Test func hostileFoldingIsRefusedBeforeAllocating() throws {
        #expect(throws: FoldingError.self) { try eval("ConstantOfShape", [ints([1 << 20, 1 << 20], [2])]) }
        #expect(throws: FoldingError.self) { try eval("Range", [ints([0], []), ints([Int64.max / 2], []), ints([1], [])]) }
        #expect(throws: FoldingError.self) { try eval("Expand", [floats([1], [1]), ints([1 << 16, 1 << 16], [2])]) }
        #expect(throws: FoldingError.self) { try eval("Tile", [floats([1, 2], [2]), ints([1 << 40], [1])]) }
        #expect(throws: FoldingError.self) { try eval("Gather", [floats([1, 2], [2]), ints([5], [])]) }
        #expect(throws: FoldingError.self) { try eval("Reshape", [floats([1, 2, 3], [3]), ints([2, -1], [2])]) }
        #expect(throws: FoldingError.self) { try eval("Squeeze", [floats([1, 2], [2]), ints([1000], [1])]) }
    }

    /// An If whose condition depends on the data, and shape arithmetic that puts the batch
    /// elsewhere, get clear errors naming the node.
    @Test func unfoldableGraphsNameTheNode() throws {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("torch_view_flatten.onnx"))
        var m = try Onnx_ModelProto(serializedBytes: data)
        // Reshape to [N·2, -1]: the batch would move.
        var two = Onnx_TensorProto()
        two.name = "two"
        two.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        two.int64Data = [2]
        m.graph.initializer.append(two)
        var mul = Onnx_NodeProto()
        mul.opType = "Mul"
        mul.name = "double_batch"
        mul.input = ["n", "two"]
        mul.output = ["n2"]
        let at = try #require(m.graph.node.firstIndex { $0.name == "unsq" })
        m.graph.node.insert(mul, at: at)
        m.graph.node[at + 1].input[0] = "n2"
        let bytes = try m.serializedData()
        let msg = message { _ = try ONNXImporter.decode(bytes, name: "m", source: "m.onnx") }
        #expect(msg.contains("node 'view'") && msg.contains("2·N"), "\(msg)")
        // An If on a value computed from the input.
        var h = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: Self.fixtures.appendingPathComponent("dynamic_hw_head.onnx")))
        let guardIndex = try #require(h.graph.node.firstIndex { $0.opType == "If" })
        h.graph.node[guardIndex].input[0] = "a"
        let ifBytes = try h.serializedData()
        let ifMsg = message {
            _ = try ONNXImporter.decode(ifBytes, name: "h", source: "h.onnx", inputShapes: InputShapes(unnamed: [1, 3, 8, 8]))
        }
        #expect(ifMsg.contains("node 'guard': If whose condition depends on the model's input"), "\(ifMsg)")
    }
}
