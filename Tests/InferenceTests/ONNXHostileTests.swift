import Foundation
import SwiftProtobuf
import Testing

@testable import Inference

/// Crafted ONNX graphs: every fixture model with one node or initializer broken at a time
/// (missing inputs or outputs, wrong arities, attributes of the wrong length or absurd values,
/// absurd or negative dims). Importing must never trap: it either imports (and the model then
/// prepares and runs, or is refused with an error) or throws an error that names what is wrong.
/// A trap here kills the test process, which is the failure this suite exists to catch.
@Suite("Hostile ONNX graphs")
struct ONNXHostileTests {
    static let fixtures = ONNXTests.fixtures

    /// The fixture models that import unchanged.
    static let models: [(name: String, model: Onnx_ModelProto)] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        return files.filter { $0.hasSuffix(".onnx") && $0 != "unsupported.onnx" }.sorted().compactMap { file in
            guard let data = try? Data(contentsOf: fixtures.appendingPathComponent(file)),
                let m = try? Onnx_ModelProto(serializedBytes: data), (try? ONNXImporter.decode(data, name: "m")) != nil
            else { return nil }
            return (String(file.dropLast(5)), m)
        }
    }()

    static func attribute(_ name: String, ints: [Int64]? = nil, int: Int64? = nil) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        if let ints {
            a.type = .ints
            a.ints = ints
        } else {
            a.type = .int
            a.i = int ?? 0
        }
        return a
    }

    /// One way to break a node.
    struct NodeMutation: Sendable {
        var name: String
        var apply: @Sendable (inout Onnx_NodeProto) -> Void
    }

    static func setting(_ a: Onnx_AttributeProto) -> NodeMutation {
        let value = a.type == .ints ? "\(a.ints)" : "\(a.i)"
        return NodeMutation(name: "\(a.name)=\(value)") { n in
            n.attribute.removeAll { $0.name == a.name }
            n.attribute.append(a)
        }
    }

    static let nodeMutations: [NodeMutation] =
        [
            NodeMutation(name: "no inputs") { $0.input = [] },
            NodeMutation(name: "last input dropped") { if !$0.input.isEmpty { $0.input.removeLast() } },
            NodeMutation(name: "first input unnamed") { if !$0.input.isEmpty { $0.input[0] = "" } },
            NodeMutation(name: "no outputs") { $0.output = [] },
            NodeMutation(name: "first output unnamed") { if !$0.output.isEmpty { $0.output[0] = "" } },
            NodeMutation(name: "reads its own output") { if !$0.input.isEmpty, !$0.output.isEmpty { $0.input[0] = $0.output[0] } },
        ]
        + [
            attribute("pads", ints: [1]), attribute("pads", ints: [-7, -7, -7, -7]), attribute("pads", ints: [1 << 40, 0, 0, 0]),
            attribute("strides", ints: [1]), attribute("strides", ints: [0, 0]), attribute("strides", ints: [Int64.max, 1]),
            attribute("dilations", ints: [0, 0]), attribute("kernel_shape", ints: [0]), attribute("kernel_shape", ints: [1 << 40, 1]),
            attribute("axis", int: 1000), attribute("axis", int: -1000), attribute("axes", ints: [1000]),
            attribute("axes", ints: [-1000]), attribute("perm", ints: [7, 7]), attribute("hidden_size", int: 0),
            attribute("hidden_size", int: -3), attribute("hidden_size", int: 1_000_000), attribute("group", int: 0),
            attribute("group", int: 1 << 40), attribute("to", int: 999), attribute("output_padding", ints: [1 << 40, 0]),
        ].map(setting)

    /// One way to break an initializer.
    static let tensorMutations: [(name: String, apply: @Sendable (inout Onnx_TensorProto) -> Void)] = [
        ("dims [2^62, 4]", { $0.dims = [1 << 62, 4] }),
        ("dims [2^31, 2^31, 4]", { $0.dims = [1 << 31, 1 << 31, 4] }),
        ("negative dim", { $0.dims = [-3] + $0.dims.dropFirst() }),
        ("scalar dims", { $0.dims = [] }),
        (
            "no data",
            { t in
                t.rawData = Data()
                t.floatData = []
                t.int64Data = []
            }
        ),
        ("one more axis", { $0.dims.append(2) }),
    ]

    /// Imports `model`; if it imports, prepares and runs it once. Returns the error, or nil.
    static func attempt(_ model: Onnx_ModelProto) throws -> InferenceError? {
        let data: Data = try model.serializedBytes()
        do {
            let graph = try ONNXImporter.decode(data, name: "m", source: "m.onnx")
            let e = try CPUExecutor(graph: graph, batch: 1, threads: 1)
            _ = try e.run([Float](repeating: 0.5, count: e.inputCount))
            return nil
        } catch {
            return error
        }
    }

    /// Whether `message` says where the problem is: a node, layer, initializer, input or output.
    static func namesALocation(_ message: String) -> Bool {
        ["node '", "layer '", "initializer '", "input '", "graph output", "model '", "opset", "graph"].contains { message.contains($0) }
    }

    @Test func brokenNodesAreRefusedNamingTheNode() throws {
        #expect(Self.models.count >= 15, "fixtures found: \(Self.models.map(\.name))")
        var tried = 0
        var refused = 0
        var namingTheNode = 0
        for (name, base) in Self.models {
            for index in base.graph.node.indices {
                for mutation in Self.nodeMutations {
                    var m = base
                    let before = m.graph.node[index]
                    mutation.apply(&m.graph.node[index])
                    if m.graph.node[index] == before { continue }
                    tried += 1
                    guard let error = try Self.attempt(m) else { continue }
                    refused += 1
                    let nodeName = before.name.isEmpty ? (before.output.first ?? "") : before.name
                    if error.message.contains("'\(nodeName)'") { namingTheNode += 1 }
                    #expect(
                        Self.namesALocation(error.message),
                        "\(name) node \(index) (\(before.opType)) \(mutation.name): the message names nothing: \(error.message)")
                }
            }
        }
        #expect(tried > 1000, "mutated graphs: \(tried)")
        // Most broken nodes are refused at the node itself; the rest import because the op
        // ignores that attribute, or fail later at the value they produced.
        #expect(refused > tried / 4, "refused \(refused) of \(tried)")
        #expect(namingTheNode > refused / 2, "\(namingTheNode) of \(refused) refusals name the mutated node")
        print("hostile ONNX nodes: \(tried) graphs, \(refused) refused, \(namingTheNode) naming the mutated node")
    }

    @Test func brokenInitializersAreRefusedBeforeAllocating() throws {
        var tried = 0
        for (name, base) in Self.models {
            for index in base.graph.initializer.indices {
                for mutation in Self.tensorMutations {
                    var m = base
                    mutation.apply(&m.graph.initializer[index])
                    tried += 1
                    guard let error = try Self.attempt(m) else { continue }
                    #expect(
                        Self.namesALocation(error.message),
                        "\(name) initializer \(base.graph.initializer[index].name) \(mutation.name): \(error.message)")
                }
            }
        }
        #expect(tried > 200, "mutated graphs: \(tried)")
    }

    /// The sizes the issue reported as traps: each refused with its numbers.
    @Test func absurdSizesAreRefusedWithTheirNumbers() throws {
        var m = try #require(Self.models.first { $0.name == "mlp" }).model
        m.graph.input[0].type.tensorType.shape.dim[1].dimValue = 1_000_000_000
        m.graph.input[0].type.tensorType.shape.dim.append(m.graph.input[0].type.tensorType.shape.dim[1])
        let input = try #require(try Self.attempt(m))
        #expect(input.message.contains("more than \(ShapeLimit.maxElements) elements"), "\(input.message)")

        let huge = try ModelZoo.graph("gru:h=1000000")
        #expect(throws: InferenceError.self) { _ = try huge.withRandomWeights(seed: 1) }

        // ResNet-50's first activation is 64×112×112 floats (3.1 MiB) per sample: 64 samples
        // need 196 MiB for that value alone.
        let resnet = try ModelZoo.graph("resnet50").withRandomWeights(seed: 1)
        do {
            _ = try CPUExecutor(graph: resnet, batch: 64, memoryLimit: 64 << 20)
            Issue.record("batch 64 of resnet50 fits 64 MiB?")
        } catch {
            #expect(error.message.contains("196.0 MiB needed, over the memory limit of 64.0 MiB"), "\(error.message)")
        }
        #expect(throws: Never.self) { _ = try CPUExecutor(graph: resnet, batch: 1, memoryLimit: 256 << 20) }
        #expect(MemoryBudget.bytes > 0)
        #expect(try MemoryBudget.parse("8G") == 8 << 30)
        #expect(try MemoryBudget.parse("512m") == 512 << 20)
        #expect(throws: InferenceError.self) { try MemoryBudget.parse("-1") }
        #expect(throws: InferenceError.self) { try MemoryBudget.parse("99999999999T") }
    }
}
