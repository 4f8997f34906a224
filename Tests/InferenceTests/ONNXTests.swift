import Foundation
import SwiftProtobuf
import Testing

@testable import Inference

/// ONNX import/export. Fixtures are made by `Fixtures/onnx/make_fixtures.py` (ONNX Runtime's
/// outputs recorded beside each model); tolerance: max |ours − ORT| ≤ 1e-4 × max |ORT|.
@Suite("ONNX import and export")
struct ONNXTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/onnx")

    @Test(
        "our outputs match ONNX Runtime's",
        arguments: [
            "convnet_bn", "residual_block", "depthwise_separable", "mlp", "lstm", "gru", "lstm_both_outputs", "if_lstm_state",
        ])
    func matchesONNXRuntime(_ name: String) throws {
        let graph = try ONNXImporter.load(path: Self.fixtures.appendingPathComponent("\(name).onnx").path)
        let x = try NPYFile.read(path: Self.fixtures.appendingPathComponent("\(name).input.npy").path)
        let expected = try NPYFile.read(path: Self.fixtures.appendingPathComponent("\(name).output.npy").path)
        let e = try CPUExecutor(graph: graph, batch: x.shape[0])
        let y = try e.run(x.data)
        #expect([x.shape[0]] + e.outputShape == expected.shape)
        let err = ReferenceInterpreter.relativeError(y, expected.data)
        #expect(err <= 1e-4, "\(name): relative error \(err)")
    }

    /// An LSTM whose Y and Y_h are both used runs once: Y_h (and a Gather of Y's last
    /// timestep) are `lastStep` layers reading the sequence.
    @Test func recurrentFinalStateComesFromTheSequence() throws {
        let g = try ONNXImporter.load(path: Self.fixtures.appendingPathComponent("lstm_both_outputs.onnx").path)
        #expect(g.nodes.filter { if case .lstm = $0.op { true } else { false } }.count == 1)
        #expect(g.nodes.filter { $0.op == .lastStep }.count == 2)
        #expect(try g.profile().parameters == 4 * 6 * (4 + 6) + 8 * 6, "the LSTM's weights counted once")
        // A Gather along the batch axis is refused, naming the node.
        let bad = try mutate { m in
            m.graph.node = [m.graph.node[0]]
            var idx = Onnx_TensorProto()
            idx.name = "idx"
            idx.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
            idx.dims = [2]
            idx.int64Data = [0, 1]
            m.graph.initializer.append(idx)
            var gather = Onnx_NodeProto()
            gather.opType = "Gather"
            gather.name = "pick_two"
            gather.input = [m.graph.node[0].output[0], "idx"]
            gather.output = ["picked"]
            m.graph.node.append(gather)
            m.graph.output[0].name = "picked"
        }
        #expect(
            message(bad).contains("node 'pick_two': operating along the batch axis (0) is not supported"),
            "\(message(bad))")
    }

    @Test func foldingLeavesNoExtraLayers() throws {
        // Pad folds into conv2 (its padding grows by 1), Clip becomes ReLU6.
        let g = try ONNXImporter.load(path: Self.fixtures.appendingPathComponent("convnet_bn.onnx").path)
        let conv2 = try #require(g.nodes.first { $0.name == "conv2" })
        guard case .conv2d(let a) = conv2.op else {
            Issue.record("conv2 is not a convolution")
            return
        }
        #expect(a.padTop == 1 && a.padLeft == 1 && a.padBottom == 1 && a.padRight == 1)
        #expect(g.nodes.contains { $0.op == .activation(.relu6) })
        let mlp = try ONNXImporter.load(path: Self.fixtures.appendingPathComponent("mlp.onnx").path)
        #expect(mlp.nodes.contains { $0.op == .activation(.gelu) }, "the Erf pattern is one GELU")
        #expect(!mlp.nodes.contains { $0.name == "gelu.erf" })
    }

    @Test func unsupportedOpsAreListedTogether() throws {
        // Two ops with no implementation (and no folding), on three nodes: one message lists them all.
        let data = try mutate { m in
            m.graph.node[0].opType = "NonMaxSuppression"
            m.graph.node[1].opType = "Einsum"
            m.graph.node[2].opType = "Einsum"
        }
        let names = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: Self.fixtures.appendingPathComponent("mlp.onnx"))).graph.node
            .prefix(3).map(\.name)
        let m = message(data)
        #expect(m.contains("unsupported ONNX ops: Einsum (\(names[1]), \(names[2])); NonMaxSuppression (\(names[0]))"), "\(m)")
        #expect(m.contains("supported ops:") && m.contains("Resize") && m.contains("Gather"))
        // unsupported.onnx: Gather and Resize are implemented; its second Gather reads index 2 of an axis of 2.
        let bad = message(try Data(contentsOf: Self.fixtures.appendingPathComponent("unsupported.onnx")))
        #expect(bad.contains("node 'pick_again': Gather index 2 is out of range for an axis of 2"), "\(bad)")
    }

    func mutate(_ body: (inout Onnx_ModelProto) -> Void) throws -> Data {
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("mlp.onnx"))
        var m = try Onnx_ModelProto(serializedBytes: data)
        body(&m)
        return try m.serializedBytes()
    }

    func message(_ data: Data) -> String {
        do {
            _ = try ONNXImporter.decode(data, name: "m", source: "m.onnx")
            return ""
        } catch {
            return error.message
        }
    }

    @Test func badFilesGetClearErrors() throws {
        #expect(message(Data("this is not a model".utf8)).contains("not a valid ONNX model"))
        #expect(message(Data()).contains("no graph"))
        var truncated = try Data(contentsOf: Self.fixtures.appendingPathComponent("convnet_bn.onnx"))
        truncated = truncated.prefix(truncated.count / 2)
        #expect(!message(truncated).isEmpty)
        // External data.
        #expect(
            message(
                try mutate { m in
                    m.graph.initializer[0].dataLocation = .external
                    var e = Onnx_StringStringEntryProto()
                    e.key = "location"
                    e.value = "weights.bin"
                    m.graph.initializer[0].externalData = [e]
                }
            ).contains("external"))
        // A string initializer.
        #expect(
            message(try mutate { m in m.graph.initializer[0].dataType = Int32(Onnx_TensorProto.DataType.string.rawValue) }).contains(
                "supported: float32"))
        // A double initializer whose raw data is float-sized.
        #expect(
            message(try mutate { m in m.graph.initializer[0].dataType = Int32(Onnx_TensorProto.DataType.double.rawValue) }).contains(
                "need"))
        // Declared dims that the data does not fill.
        #expect(message(try mutate { m in m.graph.initializer[0].dims = [16, 1000] }).contains("need"))
        // Absurd declared sizes are refused before allocating.
        #expect(
            message(
                try mutate { m in
                    m.graph.initializer[0].dims = [1 << 20, 1 << 20]
                    m.graph.initializer[0].rawData = Data()
                }
            ).contains("too many elements"))
        #expect(throws: InferenceError.self) { try ONNXImporter.load(path: "/nonexistent/model.onnx") }
    }

    @Test(
        "export then import gives identical outputs",
        arguments: [
            "mlp:in=12,hidden=20,layers=2,out=4", "lstm:h=16,t=5,i=6", "gru:h=12,t=4", "resnet50", "densenet121", "mobilenetv2",
            "lstm-last-step", "bidirectional",
        ])
    func roundTrip(_ name: String) throws {
        var g: ModelGraph
        if name == "bidirectional" {
            // A bidirectional LSTM's sequence into a bidirectional GRU's final state.
            var b = GraphBuilder(name: name, inputShape: [5, 3])
            let seq = b.add(
                .lstm(RecurrentAttributes(hiddenSize: 6, returnSequences: true, bidirectional: true)), [b.input], name: "bilstm")
            let last = b.add(.gru(RecurrentAttributes(hiddenSize: 4, bidirectional: true)), [seq], name: "bigru")
            b.add(.dense(units: 3, bias: true), [last], name: "fc")
            g = b.build()
        } else if name == "lstm-last-step" {
            // A sequence LSTM, its last step, a dense head (exported as Gather on axis 1).
            var b = GraphBuilder(name: name, inputShape: [5, 3])
            let seq = b.add(.lstm(RecurrentAttributes(hiddenSize: 7, returnSequences: true)), [b.input], name: "lstm")
            let last = b.add(.lastStep, [seq], name: "last")
            b.add(.dense(units: 4, bias: true), [last], name: "fc")
            g = b.build()
        } else {
            g = try ModelZoo.graph(name)
        }
        if g.inputShape.count == 3 { g.inputShape = [3, 64, 64] }  // same layers, fewer pixels
        g = try g.withRandomWeights(seed: 3)
        let back = try ONNXImporter.decode(ONNXExporter.export(g), name: g.name)
        let a = try CPUExecutor(graph: g, batch: 2)
        let b = try CPUExecutor(graph: back, batch: 2)
        let x = ReferenceInterpreter.randomInput(count: a.inputCount, seed: 5)
        // The same weights and layers: equal up to the order of float additions (OpenBLAS's
        // thread split is process-wide and other tests change it while this one runs; over
        // MobileNetV2's ~50 layers that reordering alone has measured up to 2.5e-6). A changed
        // weight, layout or attribute shows up as 1e-2 or more.
        let err = ReferenceInterpreter.relativeError(try b.run(x), try a.run(x))
        #expect(err <= 1e-5, "round trip changed the outputs: \(err)")
        #expect(try g.profile().parameters == back.profile().parameters)
    }
}
