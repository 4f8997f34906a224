import Foundation
import SwiftProtobuf

/// Reads ONNX models (opsets 11–21) into a ``ModelGraph`` with their weights.
///
/// Supported: Conv, Gemm, MatMul, Add, Sum, Mul, Sub, Div (value + value for Add/Sum; by a
/// per-channel or scalar constant for all four, as an affine layer or folded into the
/// producing Conv/Gemm), Relu, Clip (ReLU6 and ReLU), Sigmoid, Tanh, Gelu and the exact
/// Erf pattern, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, Flatten,
/// Reshape (constant shape), Transpose and Squeeze/Unsqueeze where they only move the batch
/// axis or size-1 axes (folded away), Concat (channel axis), Softmax (last axis), LSTM and
/// GRU (forward, default activations), Identity, Dropout, Constant, Pad (zeros, folded into
/// the following Conv). Initializers may use `raw_data` or typed fields; the input's first
/// (batch) dimension may be symbolic.
///
/// Every problem is a clear ``InferenceError``: an unsupported model lists each unsupported
/// op type with the nodes using it; external data, non-float32 weights, malformed files and
/// sizes that do not add up are reported before anything large is allocated.
package enum ONNXImporter {
    /// Ops run by the engine (some only in the patterns listed above).
    package static let runtimeOps: Set<String> = Set<String>([
        "Conv", "Gemm", "MatMul", "Add", "Sum", "Mul", "Sub", "Div", "Relu", "Clip", "Sigmoid", "Tanh", "Gelu", "Erf", "MaxPool",
        "AveragePool", "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze",
        "Concat", "Softmax", "LSTM", "GRU", "Identity", "Dropout", "Constant", "Pad",
        "Gather",  // of the last entry along the first axis after the batch (a sequence's final state)
    ]).union(generalOps)
    /// Every op the importer accepts: the engine's, and those folded at import when their
    /// inputs are known (shape arithmetic, ``ONNXFolding``), with `If` inlined when its
    /// condition folds.
    package static let supportedOps: Set<String> = runtimeOps.union(ONNXFolding.ops).union(["If"])
    /// Largest tensor accepted, elements (4 GiB of float32).
    static let maxElements = 1 << 30

    /// Loads a model file.
    package static func load(
        path: String, inputShapes: InputShapes = InputShapes(), inputValues: [String: Tensor] = [:], output: String? = nil
    ) throws(InferenceError) -> ModelGraph {
        let data = try read(path: path)
        return try decode(
            consume data, name: modelName(path: path), source: path, inputShapes: inputShapes, inputValues: inputValues, output: output)
    }

    /// The model's name from its file: the file name without `.onnx`.
    package static func modelName(path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// A model file's bytes, refused before reading when protobuf could not hold them.
    package static func read(path: String) throws(InferenceError) -> Data {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = attributes?[.size] as? Int else {
            throw InferenceError("\(path): cannot read the ONNX file (missing or unreadable)")
        }
        guard size <= 2_000_000_000 else {
            throw InferenceError("\(path): \(size) bytes is over protobuf's 2 GB limit; models with external data are not supported")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InferenceError("\(path): cannot read the ONNX file")
        }
        return data
    }

    /// Decodes ONNX bytes.
    ///
    /// Memory: the file's bytes are released once parsed (pass them with `consume`), and each
    /// initializer's bytes once converted, so a model's weights are held at most twice at once.
    package static func decode(
        _ data: consuming Data, name: String, source: String = "model.onnx", inputShapes: InputShapes = InputShapes(),
        inputValues: [String: Tensor] = [:], output: String? = nil
    ) throws(InferenceError) -> ModelGraph {
        var model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            model = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw InferenceError("\(source): not a valid ONNX model (protobuf decoding failed: \(error))")
        }
        data = Data()
        guard model.hasGraph, !model.graph.node.isEmpty else { throw InferenceError("\(source): the ONNX model has no graph nodes") }
        let opset = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version ?? 0
        guard (7...23).contains(opset) else {
            throw InferenceError("\(source): opset \(opset) is not supported (opsets 11–21 are; 7–23 are tried)")
        }
        var builder = Builder(source: source, opset: Int(opset), graphName: name)
        builder.bound = inputValues.mapValues { KnownTensor(dims: $0.shape, elements: .float($0.data)) }
        builder.selectedOutput = output
        // The graph alone, uniquely held, so converted initializers can be released.
        var graph = model.graph
        model = Onnx_ModelProto()
        return try builder.build(&graph, inputShapes: inputShapes)
    }

    // MARK: - Builder

    /// An ONNX value as the importer sees it.
    enum Value {
        /// A model value: its id and ONNX dims with the batch axis marked as -1.
        case tensor(id: Int, dims: [Int])
        /// A tensor known at import: an initializer, a Constant, or folded from them and from
        /// shapes (``ONNXFolding``).
        case known(KnownTensor)
        /// Zeros whose shape includes the batch (a recurrent state input fed zeros), ONNX dims with
        /// the batch marked -1: usable only where zeros are the default (a recurrent layer's
        /// initial state).
        case batchZeros(dims: [Int])
        /// Zero padding waiting to be folded into the next Conv: ONNX pads for the spatial axes.
        case padded(id: Int, dims: [Int], pads: [Int])
        /// A model value that ONNX sees with the axes `merged` (the batch among them) flattened
        /// into one, `[T·N, C]` as PyTorch's `x.view(T * b, h)` before a `Linear` writes it: `dims`
        /// are the unmerged ONNX dims (batch marked -1). Only row-wise work (Gemm / MatMul by a
        /// constant, on the last axis) and a Reshape that splits the axes back can read it.
        case rows(id: Int, dims: [Int], merged: Range<Int>)
    }

    struct Builder {
        let source: String
        let opset: Int
        let graphName: String
        var nodes: [Node] = []
        var values: [String: Value] = [:]
        var shapes: [[Int]] = []
        var usedNames = Set<String>()
        /// Values for inputs other than the model's input (`infer --input NAME=FILE`); the others are zeros.
        var bound: [String: KnownTensor] = [:]
        /// The graph output the model computes (default: the first).
        var selectedOutput: String?
        /// Names some node or the graph output reads.
        var consumed = Set<String>()
        /// The model declares its batch as a fixed 1 (exported for one sample): a literal 1 on
        /// the batch axis of a Reshape target is the batch.
        var staticBatch = false

        init(source: String, opset: Int, graphName: String) {
            self.source = source
            self.opset = opset
            self.graphName = graphName
        }

        func fail(_ message: String) -> InferenceError { InferenceError("\(source): \(message)") }

        /// Per-sample shape: the dims without the batch marker.
        static func perSample(_ dims: [Int]) -> [Int] { dims.filter { $0 != -1 } }

        mutating func add(_ op: LayerOp, _ inputs: [Int], name: String, parameters: [Tensor] = []) throws(InferenceError) -> Int {
            var n = name.isEmpty ? "node\(nodes.count)" : name
            while usedNames.contains(n) { n += "_" }
            usedNames.insert(n)
            let node = Node(name: n, op: op, inputs: inputs, parameters: parameters)
            let inShapes = inputs.map { shapes[$0] }
            let out = try op.outputShape(for: inShapes, layer: n)
            if !parameters.isEmpty {
                let expected = try op.parameterShapes(for: inShapes, layer: n)
                for (k, (want, have)) in zip(expected, parameters.map(\.shape)).enumerated() where want != have {
                    throw fail("node '\(n)': weight \(k) has shape \(describe(have)), expected \(describe(want))")
                }
            }
            nodes.append(node)
            shapes.append(out)
            return nodes.count
        }

        // MARK: Tensors

        func tensor(_ p: Onnx_TensorProto) throws(InferenceError) -> Value {
            if p.dataLocation == .external || !p.externalData.isEmpty {
                throw fail(
                    "initializer '\(p.name)' stores its data in an external file; external data is not supported (save the model with all tensors inside)"
                )
            }
            var count = 1
            for d in p.dims {
                guard d >= 0 else { throw fail("initializer '\(p.name)' has a negative dimension \(d)") }
                let (m, o) = count.multipliedReportingOverflow(by: Int(d))
                guard !o, m <= maxElements else {
                    throw fail("initializer '\(p.name)' declares \(p.dims) = too many elements (limit \(maxElements))")
                }
                count = m
            }
            let dims = p.dims.map(Int.init)
            func ints<T: BinaryInteger & BitwiseCopyable>(_ type: T.Type, typed: [Int64]) throws(InferenceError) -> Value {
                if let v = try raw(p, count: count, of: T.self) { return .known(KnownTensor(ints: v.map { Int64($0) }, dims: dims)) }
                guard typed.count == count else {
                    throw fail("initializer '\(p.name)': holds \(typed.count) values, its dims \(dims) need \(count)")
                }
                return .known(KnownTensor(ints: typed, dims: dims))
            }
            switch Onnx_TensorProto.DataType(rawValue: Int(p.dataType)) {
            case .float?:
                if let v = try raw(p, count: count, of: Float.self) { return .known(KnownTensor(dims: dims, elements: .float(v))) }
                guard p.floatData.count == count else {
                    throw fail("initializer '\(p.name)': float_data has \(p.floatData.count) values, its dims \(dims) need \(count)")
                }
                return .known(KnownTensor(dims: dims, elements: .float(p.floatData)))
            case .double?:
                if let v = try raw(p, count: count, of: Double.self) {
                    return .known(KnownTensor(dims: dims, elements: .float(v.map(Float.init))))
                }
                guard p.doubleData.count == count else {
                    throw fail("initializer '\(p.name)': double_data size does not match dims \(dims)")
                }
                return .known(KnownTensor(dims: dims, elements: .float(p.doubleData.map(Float.init))))
            case .int64?: return try ints(Int64.self, typed: p.int64Data)
            case .int32?: return try ints(Int32.self, typed: p.int32Data.map(Int64.init))
            case .int16?: return try ints(Int16.self, typed: p.int32Data.map(Int64.init))
            case .int8?: return try ints(Int8.self, typed: p.int32Data.map(Int64.init))
            case .uint8?: return try ints(UInt8.self, typed: p.int32Data.map(Int64.init))
            case .uint16?: return try ints(UInt16.self, typed: p.int32Data.map(Int64.init))
            case .uint32?: return try ints(UInt32.self, typed: p.uint64Data.map { Int64(truncatingIfNeeded: $0) })
            case .bool?:
                let v = try ints(UInt8.self, typed: p.int32Data.map(Int64.init))
                guard case .known(let t) = v, case .int(let e) = t.elements else { return v }
                return .known(KnownTensor(dims: dims, elements: .bool(e.map { $0.offset != 0 })))
            default:
                let typeName = Onnx_TensorProto.DataType(rawValue: Int(p.dataType)).map { "\($0)" } ?? "\(p.dataType)"
                throw fail(
                    "tensor '\(p.name)' has data type \(typeName); supported: float32 and float64 (as float32), integers and bool (for shapes, indices and masks)"
                )
            }
        }

        /// `count` values of `T` from a tensor's `raw_data` (little-endian, as ONNX stores them),
        /// or nil when the values are in the typed field instead.
        func raw<T: BitwiseCopyable & ExpressibleByIntegerLiteral>(
            _ p: Onnx_TensorProto, count: Int, of: T.Type
        ) throws(InferenceError) -> [T]? {
            guard !p.rawData.isEmpty else { return nil }
            let need = count * MemoryLayout<T>.size
            guard p.rawData.count == need else {
                throw fail("initializer '\(p.name)': raw_data has \(p.rawData.count) bytes, its dims \(p.dims) need \(need)")
            }
            var v = [T](repeating: 0, count: count)
            v.withUnsafeMutableBytes { dst in p.rawData.withUnsafeBytes { dst.copyMemory(from: $0) } }
            return v
        }

        /// A known float tensor as a ``Tensor`` (a scalar as shape `[1]`).
        static func floatTensor(_ v: Value?) -> Tensor? {
            guard case .known(let k)? = v, let f = k.floats else { return nil }
            return Tensor(shape: k.dims.isEmpty ? [1] : k.dims, data: f)
        }

        func constant(_ name: String, node: String) throws(InferenceError) -> Tensor {
            guard let t = Self.floatTensor(values[name]) else {
                throw fail("node '\(node)': input '\(name)' must be a constant float tensor (an initializer)")
            }
            return t
        }

        /// A constant float scalar (a tensor of one value).
        func scalar(_ name: String, node: String) throws(InferenceError) -> Float {
            let t = try constant(name, node: node)
            guard t.count == 1 else { throw fail("node '\(node)': input '\(name)' must be one value, got shape \(describe(t.shape))") }
            return t.data[0]
        }

        /// The known integers of a small tensor (none may depend on the batch size).
        func ints(_ name: String, node: String) throws(InferenceError) -> [Int64] {
            guard case .known(let k)? = values[name], case .int(let v) = k.elements else {
                throw fail("node '\(node)': input '\(name)' must be a constant integer tensor")
            }
            var out: [Int64] = []
            for e in v {
                guard let c = e.constant else { throw fail("node '\(node)': input '\(name)' (\(v)) depends on the batch size") }
                out.append(c)
            }
            return out
        }

        func value(_ name: String, node: String) throws(InferenceError) -> (id: Int, dims: [Int]) {
            switch values[name] {
            case .tensor(let id, let dims)?: return (id, dims)
            case .padded?: throw fail("node '\(node)': Pad can only be folded into a following Conv")
            case .batchZeros?:
                throw fail(
                    "node '\(node)': input '\(name)' is an extra input fed zeros that follow the batch; it can only be a recurrent layer's initial state"
                )
            case nil: throw fail("node '\(node)': input '\(name)' is not produced by any earlier node or input")
            case .rows(_, let dims, let merged)?:
                throw fail(
                    "node '\(node)': input '\(name)' flattens the batch with axes \(merged.filter { dims[$0] != -1 }.map(String.init).joined(separator: ", ")) of \(dims) (batch marked -1) into one axis; only a Gemm or MatMul by a constant and a Reshape that splits the axes back can read it"
                )
            default: throw fail("node '\(node)': input '\(name)' is a constant; this node needs a model value there")
            }
        }

        // MARK: Graph

        mutating func build(_ g: inout Onnx_GraphProto, inputShapes: InputShapes) throws(InferenceError) -> ModelGraph {
            // One error listing every unsupported op (in If branches too).
            var unsupported: [String: [String]] = [:]
            func scan(_ graph: Onnx_GraphProto) {
                for (i, n) in graph.node.enumerated() {
                    if !(n.domain.isEmpty || n.domain == "ai.onnx") || !ONNXImporter.supportedOps.contains(n.opType) {
                        let key = n.domain.isEmpty || n.domain == "ai.onnx" ? n.opType : "\(n.domain).\(n.opType)"
                        unsupported[key, default: []].append(n.name.isEmpty ? "#\(i)" : n.name)
                    }
                    consumed.formUnion(n.input)
                    for a in n.attribute where a.hasG { scan(a.g) }
                }
            }
            scan(g)
            if !unsupported.isEmpty {
                let list = unsupported.keys.sorted().map { "\($0) (\(unsupported[$0]!.joined(separator: ", ")))" }.joined(separator: "; ")
                throw fail("unsupported ONNX ops: \(list); supported ops: \(ONNXImporter.supportedOps.sorted().joined(separator: ", "))")
            }
            for k in g.initializer.indices {
                values[g.initializer[k].name] = try tensor(g.initializer[k])
                // The converted values are the only copy kept.
                g.initializer[k].rawData = Data()
                g.initializer[k].floatData = []
            }
            consumed.formUnion(g.output.map(\.name))
            let inputs = g.input.filter { values[$0.name] == nil }
            // The model's input is the first float input; every other input is bound at import.
            let floatType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            guard let input = inputs.first(where: { $0.type.tensorType.elemType == floatType }) ?? inputs.first else {
                throw fail("the model has no input")
            }
            for name in inputShapes.byName.keys where !inputs.contains(where: { $0.name == name }) {
                throw fail(
                    "--input-shape names input '\(name)', which the model does not have (its inputs: \(inputs.map { "'\($0.name)'" }.joined(separator: ", ")))"
                )
            }
            for name in bound.keys where !inputs.contains(where: { $0.name == name }) {
                throw fail("--input names input '\(name)', which the model does not have")
            }
            if let wanted = selectedOutput, !g.output.contains(where: { $0.name == wanted }) {
                throw fail("the model has no output '\(wanted)' (its outputs: \(g.output.map { "'\($0.name)'" }.joined(separator: ", ")))")
            }
            guard input.type.tensorType.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
                throw fail("input '\(input.name)' must be float32")
            }
            let dims = try resolveInput(
                input, graph: g, given: inputShapes.byName[input.name] ?? inputShapes.unnamed ?? bound.removeValue(forKey: input.name)?.dims
            )
            bound.removeValue(forKey: input.name)
            let batchSymbol = input.type.tensorType.shape.dim[dims.firstIndex(of: -1) ?? 0].dimParam
            for extra in inputs where extra.name != input.name {
                try bindExtraInput(extra, given: inputShapes.byName[extra.name], batchSymbol: batchSymbol)
            }
            if let b = dims.firstIndex(of: -1) { staticBatch = input.type.tensorType.shape.dim[b].dimValue == 1 }
            shapes = [Self.perSample(dims)]
            values[input.name] = .tensor(id: 0, dims: dims)
            let patterns = activationPatterns(g)
            // Only the nodes the selected output depends on are converted (auxiliary outputs such
            // as a recurrent model's next state may use ops the model's answer does not need).
            let wanted = selectedOutput ?? g.output.first?.name ?? ""
            let (live, reads) = Self.liveNodes(g, outputs: [wanted])
            consumed = reads
            try convertNodes(live.map { g.node[$0] }, patterns: patterns)
            guard let outputName = selectedOutput ?? g.output.first?.name, case .tensor(let id, let outDims)? = values[outputName] else {
                throw fail("the graph output '\(selectedOutput ?? g.output.first?.name ?? "?")' is not computed from the model's input")
            }
            guard id > 0 else { throw fail("the graph output is its input; there is nothing to run") }
            var output = id
            if !Self.perSample(outDims).isEmpty, Self.perSample(outDims) != shapes[id],
                Self.perSample(outDims).reduce(1, *) == shapes[id].reduce(1, *)
            {
                // The engine's value has the ONNX output's elements in another per-sample shape
                // (a recurrent state kept as [H] for ONNX's [1, N, H]): give it the output's shape.
                output = try add(.reshape(Self.perSample(outDims)), [id], name: outputName + ".shape")
            }
            var graph = ModelGraph(
                name: graphName, inputName: input.name, inputShape: shapes[0], nodes: nodes, output: output,
                inputBatchAxis: dims.firstIndex(of: -1) ?? 0, outputBatchAxis: outDims.firstIndex(of: -1) ?? 0)
            graph.scalarOutput = Self.perSample(outDims).isEmpty
            return graph
        }

        /// The input's ONNX dims with its batch axis marked -1. The batch axis is the one an
        /// LSTM/GRU reading the input directly puts it on (axis 1 of time-major `[T, N, I]`,
        /// axis 0 with `layout = 1`), else the first symbolic axis, else axis 0. Every other
        /// axis must be fixed, by the model or by `given` (the full shape of one request's
        /// tensor, batch axis included).
        func resolveInput(_ input: Onnx_ValueInfoProto, graph g: Onnx_GraphProto, given: [Int]?) throws(InferenceError) -> [Int] {
            let dims = input.type.tensorType.shape.dim
            guard dims.count >= 2 else {
                throw fail("input '\(input.name)' must have a batch axis and at least one more axis, got \(dims.count) axes")
            }
            let declared = dims.map { $0.dimValue > 0 ? Int($0.dimValue) : nil }
            // A symbolic axis named like a batch; else a declared 1 on axis 0 (a model exported
            // for one sample, whose symbolic axes are image or sequence sizes); else the first
            // symbolic axis.
            let batchNames: Set<String> = ["n", "b", "bs", "batch", "batch_size", "batchsize", "nbatch"]
            let named = dims.firstIndex { $0.dimValue <= 0 && batchNames.contains($0.dimParam.lowercased()) }
            var batchAxis = named ?? (declared[0] == 1 ? 0 : declared.firstIndex(where: { $0 == nil }) ?? 0)
            if let rnn = g.node.first(where: { ($0.opType == "LSTM" || $0.opType == "GRU") && $0.input.first == input.name }) {
                batchAxis = int(rnn, "layout", 0) == 0 ? 1 : 0
            }
            if let given {
                guard given.count == dims.count else {
                    throw fail(
                        "--input-shape gives \(given.count) dims (\(given.map(String.init).joined(separator: "x"))) for input '\(input.name)', which has \(dims.count) axes"
                    )
                }
                for (k, d) in declared.enumerated() {
                    guard given[k] > 0 else {
                        throw fail("--input-shape for input '\(input.name)': axis \(k) must be positive, got \(given[k])")
                    }
                    if let d, d != given[k], k != batchAxis {
                        throw fail("--input-shape gives axis \(k) of input '\(input.name)' as \(given[k]); the model fixes it at \(d)")
                    }
                }
            }
            var out: [Int] = []
            for (k, d) in declared.enumerated() {
                if k == batchAxis {
                    out.append(-1)
                } else if let v = given?[k] ?? d {
                    out.append(v)
                } else {
                    let symbol = dims[k].dimParam.isEmpty ? "" : " ('\(dims[k].dimParam)')"
                    var example = declared.map { $0.map(String.init) ?? "?" }
                    example[batchAxis] = "1"
                    throw fail(
                        "input '\(input.name)' axis \(k)\(symbol) is symbolic; give the input's full shape with --input-shape \(input.name)=\(example.joined(separator: "x")) (each ? a size), or inputShapes: {\(input.name): [...]} in the workload file"
                    )
                }
            }
            guard ShapeLimit.elements(Self.perSample(out)) != nil else {
                throw fail(
                    "input '\(input.name)' \(describe(out.map { $0 == -1 ? 1 : $0 })) has more than \(ShapeLimit.maxElements) elements per sample"
                )
            }
            return out
        }

        /// Every name `n` reads to compute the outputs in `needed`, its subgraphs' outer
        /// references included. An `If` reads, in each branch, only what the branch outputs
        /// behind its needed outputs depend on (a recurrent cell's final state that feeds only an
        /// unused graph output is not computed); any other node reads all its inputs.
        static func reads(_ n: Onnx_NodeProto, for needed: Set<String>) -> Set<String> {
            var r = Set(n.input.filter { !$0.isEmpty })
            for a in n.attribute where a.hasG {
                let outputs: Set<String>
                if n.opType == "If" {
                    outputs = Set(zip(n.output, a.g.output).filter { needed.contains($0.0) }.map(\.1.name))
                } else {
                    outputs = Set(a.g.output.map(\.name))
                }
                r.formUnion(liveNodes(a.g, outputs: outputs).reads)
            }
            return r
        }

        /// The indices, in order, of the nodes any of `outputs` depends on, and every name those
        /// nodes read (the outputs included).
        static func liveNodes(_ g: Onnx_GraphProto, outputs: Set<String>) -> (nodes: [Int], reads: Set<String>) {
            var needed = outputs
            var live: [Int] = []
            for k in g.node.indices.reversed() where g.node[k].output.contains(where: { needed.contains($0) }) {
                live.append(k)
                needed.formUnion(reads(g.node[k], for: needed))
            }
            return (live.reversed(), needed)
        }

        mutating func convertNodes(_ list: [Onnx_NodeProto], patterns: ActivationPatterns) throws(InferenceError) {
            for n in list {
                if let skip = patterns.skip[n.name.isEmpty ? n.output.first ?? "" : n.name], skip { continue }
                try convert(n, patterns: patterns)
            }
        }

        /// Inlines the branch an `If` takes when its condition is known at import.
        mutating func inlineIf(_ n: Onnx_NodeProto, name: String, patterns: ActivationPatterns) throws(InferenceError) {
            guard case .known(let c)? = values[n.input[0]], c.count == 1 else {
                throw fail(
                    "node '\(name)': If whose condition depends on the model's input is not supported (it is inlined when its condition is known at import)"
                )
            }
            let taken: Bool
            switch c.elements {
            case .bool(let b): taken = b[0]
            case .int(let v):
                guard let k = v[0].constant else { throw fail("node '\(name)': If's condition \(v[0]) depends on the batch size") }
                taken = k != 0
            case .float(let f): taken = f[0] != 0
            }
            guard let branch = attribute(n, taken ? "then_branch" : "else_branch"), branch.hasG else {
                throw fail("node '\(name)': If has no \(taken ? "then_branch" : "else_branch")")
            }
            for p in branch.g.initializer { values[p.name] = try tensor(p) }
            // Only what the used outputs of the If depend on.
            let used = Set(zip(n.output, branch.g.output).filter { consumed.contains($0.0) }.map(\.1.name))
            let (live, reads) = Self.liveNodes(branch.g, outputs: used)
            consumed.formUnion(reads)
            try convertNodes(live.map { branch.g.node[$0] }, patterns: patterns)
            guard branch.g.output.count >= n.output.count else {
                throw fail("node '\(name)': the taken branch has \(branch.g.output.count) outputs for \(n.output.count)")
            }
            // Branch outputs that were not computed (a recurrent cell state) stay unset: a node
            // that reads one fails naming it.
            for (o, b) in zip(n.output, branch.g.output) where !o.isEmpty { values[o] = values[b.name] }
        }

        /// Whether a `ConstantOfShape` value attribute is zero (absent: ONNX's default, 0).
        func isZero(_ a: Onnx_AttributeProto?) -> Bool {
            guard let a else { return true }
            guard case .known(let k)? = try? tensor(a.t) else { return false }
            switch k.elements {
            case .float(let f): return f.allSatisfy { $0 == 0 }
            case .int(let v): return v.allSatisfy { $0.constant == 0 }
            case .bool(let b): return b.allSatisfy { !$0 }
            }
        }

        /// Folds `n` when every input is known (or when it reads only the shape of a model
        /// value); returns false when the node must run in the engine.
        mutating func fold(_ n: Onnx_NodeProto, name: String) throws(InferenceError) -> Bool {
            guard ONNXFolding.ops.contains(n.opType) else { return false }
            if n.opType == "Shape" || n.opType == "Size", let v = values[n.input.first ?? ""] {
                var dims: [Int]?
                if case .tensor(_, let d) = v { dims = d }
                if case .padded(_, let d, _) = v { dims = d }
                if case .batchZeros(let d) = v { dims = d }
                if let dims {
                    let symbolic = dims.map { $0 == -1 ? BatchLinear.batch : BatchLinear(offset: Int64($0)) }
                    let t =
                        n.opType == "Shape"
                        ? ONNXFolding.shape(of: symbolic, start: int(n, "start", 0), end: attribute(n, "end").map { Int($0.i) })
                        : KnownTensor(
                            dims: [], elements: .int([BatchLinear(perBatch: Int64(Self.perSample(dims).reduce(1, *)), offset: 0)]))
                    values[n.output[0]] = .known(t)
                    return true
                }
            }
            if case .batchZeros(let dims)? = values[n.input.first ?? ""], let shaped = try zerosReshaped(n, dims) {
                values[n.output[0]] = .batchZeros(dims: shaped)
                return true
            }
            // Zeros shaped by the batch (a recurrent layer's initial state, `[2, N, H]`): kept
            // symbolic like a state input fed zeros.
            if n.opType == "ConstantOfShape", case .known(let shape)? = values[n.input.first ?? ""],
                case .int(let entries) = shape.elements, entries.filter({ $0 == .batch }).count == 1,
                entries.allSatisfy({ $0 == .batch || ($0.constant ?? -1) >= 0 }),
                isZero(attribute(n, "value"))
            {
                values[n.output[0]] = .batchZeros(dims: entries.map { $0 == .batch ? -1 : Int(clamping: $0.constant!) })
                return true
            }
            var inputs: [KnownTensor?] = []
            for i in n.input {
                if i.isEmpty {
                    inputs.append(nil)
                    continue
                }
                guard case .known(let k)? = values[i] else { return false }
                inputs.append(k)
            }
            let outputs: [KnownTensor]
            let attributes = try foldingAttributes(n)
            do throws(FoldingError) {
                outputs = try ONNXFolding.evaluate(n.opType, inputs: inputs, attributes: attributes, opset: opset)
            } catch {
                throw fail("node '\(name)': \(n.opType) cannot be folded at import: \(error.message)")
            }
            for (o, t) in zip(n.output, outputs) where !o.isEmpty { values[o] = .known(t) }
            return true
        }

        /// A node's attributes for ``ONNXFolding`` (a Constant's `value_*` forms as its `value`).
        func foldingAttributes(_ n: Onnx_NodeProto) throws(InferenceError) -> ONNXFolding.Attributes {
            var a = ONNXFolding.Attributes()
            for attr in n.attribute {
                switch attr.type {
                case .int: a.set(attr.name, int: Int(clamping: attr.i))
                case .ints: a.set(attr.name, ints: attr.ints.map { Int(clamping: $0) })
                case .float: a.set(attr.name, float: attr.f)
                case .tensor:
                    guard case .known(let k) = try tensor(attr.t) else { break }
                    a.set(attr.name, tensor: k)
                default: break
                }
            }
            if n.opType == "Constant" {
                for attr in n.attribute {
                    switch attr.name {
                    case "value_float": a.set("value", tensor: KnownTensor(dims: [], elements: .float([attr.f])))
                    case "value_floats": a.set("value", tensor: KnownTensor(dims: [attr.floats.count], elements: .float(attr.floats)))
                    case "value_int": a.set("value", tensor: KnownTensor(ints: [attr.i], dims: []))
                    case "value_ints": a.set("value", tensor: KnownTensor(ints: attr.ints, dims: [attr.ints.count]))
                    case "value", "sparse_value", "value_string", "value_strings":
                        if attr.name != "value" { throw fail("node '\(n.name)': Constant \(attr.name) is not supported") }
                    default: break
                    }
                }
            }
            return a
        }

        /// Activations exporters write as chains of elementwise ops, each run as one layer.
        struct ActivationPatterns {
            /// Nodes absorbed into a GELU or SiLU (keyed by name or first output).
            var skip: [String: Bool] = [:]
            /// Final output name → the activation's input name.
            var outputs: [String: String] = [:]
            /// The final outputs that are a SiLU (the others are GELUs).
            var silu = Set<String>()
        }

        /// Finds `Div(x, √2) → Erf → Add(1) → Mul(x, ·) → Mul(·, 0.5)` chains (GELU) and
        /// `Mul(x, Sigmoid(x))` whose Sigmoid feeds nothing else (SiLU, as YOLOv8 writes it: one
        /// pass instead of a sigmoid pass and a broadcasting product).
        func activationPatterns(_ g: Onnx_GraphProto) -> ActivationPatterns {
            var result = ActivationPatterns()
            var producer: [String: Onnx_NodeProto] = [:]
            var consumers: [String: [Onnx_NodeProto]] = [:]
            for n in g.node {
                for o in n.output { producer[o] = n }
                for i in n.input { consumers[i, default: []].append(n) }
            }
            func scalarValue(_ name: String) -> Float? {
                // Initializers are already converted (and their bytes released).
                if case .known(let k)? = values[name], let f = k.floats, f.count == 1 { return f[0] }
                if let c = producer[name], c.opType == "Constant", let a = c.attribute.first, a.hasT {
                    if a.t.floatData.count == 1 { return a.t.floatData[0] }
                    if a.t.rawData.count == 4 { return a.t.rawData.withUnsafeBytes { $0.load(as: Float.self) } }
                }
                return nil
            }
            func key(_ n: Onnx_NodeProto) -> String { n.name.isEmpty ? n.output.first ?? "" : n.name }
            // (Every input and output is looked up with `first`: a malformed node simply does not match.)
            for erf in g.node where erf.opType == "Erf" {
                guard let erfIn = erf.input.first, let erfOut = erf.output.first,
                    let div = producer[erfIn], div.opType == "Div", div.input.count == 2,
                    let c = scalarValue(div.input[1]), abs(c - 1.41421356) < 1e-3,
                    let add = consumers[erfOut]?.first, add.opType == "Add", let addOut = add.output.first,
                    let one = add.input.first(where: { $0 != erfOut }).flatMap(scalarValue), abs(one - 1) < 1e-6,
                    let mul = consumers[addOut]?.first, mul.opType == "Mul", mul.input.contains(div.input[0]),
                    let mulOut = mul.output.first,
                    let half = consumers[mulOut]?.first, half.opType == "Mul", let halfOut = half.output.first,
                    let h = half.input.first(where: { $0 != mulOut }).flatMap(scalarValue), abs(h - 0.5) < 1e-6
                else { continue }
                for n in [div, erf, add, mul] { result.skip[key(n)] = true }
                result.outputs[halfOut] = div.input[0]
                result.skip[key(half)] = false
            }
            // Readers of each name, subgraphs included (a Sigmoid read inside an If stays).
            var readers: [String: Int] = [:]
            for n in g.node { for r in Self.reads(n, for: Set(n.output)) { readers[r, default: 0] += 1 } }
            let graphOutputs = Set(g.output.map(\.name))
            for sigmoid in g.node where sigmoid.opType == "Sigmoid" && sigmoid.input.count == 1 && sigmoid.output.count == 1 {
                let (x, s) = (sigmoid.input[0], sigmoid.output[0])
                guard readers[s] == 1, !graphOutputs.contains(s),
                    let mul = consumers[s]?.first, mul.opType == "Mul", mul.input.count == 2, Set(mul.input) == [x, s], x != s,
                    let mulOut = mul.output.first
                else { continue }
                result.skip[key(sigmoid)] = true
                result.outputs[mulOut] = x
                result.silu.insert(mulOut)
            }
            return result
        }

        func attribute(_ n: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? { n.attribute.first { $0.name == name } }
        func int(_ n: Onnx_NodeProto, _ name: String, _ d: Int) -> Int { attribute(n, name).map { Int($0.i) } ?? d }
        func ints(_ n: Onnx_NodeProto, _ name: String) -> [Int]? { attribute(n, name).map { $0.ints.map(Int.init) } }
        func float(_ n: Onnx_NodeProto, _ name: String, _ d: Float) -> Float { attribute(n, name).map(\.f) ?? d }

        /// The largest kernel, stride, dilation or padding a spatial attribute may give (far above
        /// any real model's; it keeps every size computed from them within `Int`).
        static let spatialLimit = 1 << 20

        /// A spatial attribute (`strides`, `dilations`, `pads`, `kernel_shape`) with exactly
        /// `count` values in `allowed`, or `d` when absent.
        ///
        /// - Throws: ``InferenceError`` naming the node, the attribute, its values and what is allowed.
        func spatial(
            _ n: Onnx_NodeProto, _ name: String, count: Int, _ d: [Int]?, allowed: ClosedRange<Int>, node: String
        ) throws(InferenceError) -> [Int] {
            guard let v = ints(n, name) ?? d else {
                throw fail("node '\(node)': \(n.opType) needs the attribute \(name) (\(count) values)")
            }
            guard v.count == count, v.allSatisfy({ allowed.contains($0) }) else {
                throw fail(
                    "node '\(node)': \(n.opType) attribute \(name) is \(v); it needs \(count) values in \(allowed.lowerBound)...\(allowed.upperBound)"
                )
            }
            return v
        }

        /// How many leading inputs each op requires (ONNX operator specification, at the opsets
        /// this importer takes); an op not listed needs one, checked before any is read.
        static func requiredInputs(_ op: String, opset: Int) -> Int {
            switch op {
            case "Constant": return 0
            case "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Greater", "Less", "And",
                "Or", "Gather", "Expand", "Tile", "PRelu", "LayerNormalization", "CastLike":
                return 2
            case "LSTM", "GRU", "Range", "Where", "InstanceNormalization": return 3
            case "BatchNormalization": return 5
            case "Reshape": return opset >= 5 ? 2 : 1
            case "Pad": return opset >= 11 ? 2 : 1
            case "Slice": return opset >= 10 ? 3 : 1
            case "Unsqueeze": return opset >= 13 ? 2 : 1
            default: return 1
            }
        }

        /// `axis` of a value of `rank` axes, negative counting from the end.
        ///
        /// - Throws: ``InferenceError`` when it is outside `-rank..<rank`.
        func normalizedAxis(_ axis: Int, rank: Int, node: String) throws(InferenceError) -> Int {
            guard (-rank..<rank).contains(axis) else { throw fail("node '\(node)': axis \(axis) is out of range for \(rank) axes") }
            return axis < 0 ? axis + rank : axis
        }
        /// A convolution's `auto_pad` (`NOTSET` when absent).
        func autoPad(_ n: Onnx_NodeProto) -> String {
            attribute(n, "auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
        }

        mutating func convert(_ n: Onnx_NodeProto, patterns: ActivationPatterns) throws(InferenceError) {
            let name = n.name.isEmpty ? (n.output.first ?? "node\(nodes.count)") : n.name
            func set(_ id: Int, dims: [Int]) { values[n.output[0]] = .tensor(id: id, dims: dims) }
            guard !n.input.isEmpty || n.opType == "Constant" else { throw fail("node '\(name)': \(n.opType) has no inputs") }
            let required = Self.requiredInputs(n.opType, opset: opset)
            guard n.input.count >= required, !n.input.prefix(required).contains(where: \.isEmpty) else {
                throw fail(
                    "node '\(name)': \(n.opType) needs \(required) inputs (opset \(opset)), got \(n.input.count)\(n.input.isEmpty ? "" : " (\(n.input.map { "'\($0)'" }.joined(separator: ", ")))")"
                )
            }
            guard n.output.contains(where: { !$0.isEmpty }) else { throw fail("node '\(name)': \(n.opType) has no outputs") }
            guard !n.output[0].isEmpty || n.opType == "LSTM" || n.opType == "GRU" else {
                throw fail("node '\(name)': \(n.opType)'s first output has no name")
            }
            if n.opType == "If" { return try inlineIf(n, name: name, patterns: patterns) }
            if n.output[0].isEmpty || patterns.outputs[n.output[0]] == nil, try fold(n, name: name) { return }
            for i in n.input where !i.isEmpty && values[i] == nil && patterns.outputs[n.output[0]] == nil {
                throw fail("node '\(name)': input '\(i)' is not produced by any earlier node or input")
            }
            switch n.opType {
            case "Cast" where int(n, "to", 1) == 1 || int(n, "to", 1) == 11:
                // A computed value is float already: casting it to float (or double) changes nothing.
                let x = try value(n.input[0], node: name)
                values[n.output[0]] = .tensor(id: x.id, dims: x.dims)
            case "Identity", "Dropout":
                guard let v = values[n.input[0]] else { throw fail("node '\(name)': input '\(n.input[0])' is unknown") }
                values[n.output[0]] = v
            case "Mul" where patterns.outputs[n.output[0]] != nil:
                let x = try value(patterns.outputs[n.output[0]]!, node: name)
                let op: LayerOp = patterns.silu.contains(n.output[0]) ? .unary(UnaryFunction(.silu)) : .activation(.gelu)
                set(try add(op, [x.id], name: name), dims: x.dims)
            case "Gelu":
                if let a = attribute(n, "approximate"), String(decoding: a.s, as: UTF8.self) != "none" {
                    throw fail("node '\(name)': Gelu approximate='tanh' is not supported (only the exact form)")
                }
                let x = try value(n.input[0], node: name)
                set(try add(.activation(.gelu), [x.id], name: name), dims: x.dims)
            case "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Softplus", "Erf":
                try convertUnary(n, name: name)
            case "Slice": try convertSlice(n, name: name)
            case "Split": try convertSplit(n, name: name)
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin": try convertReduce(n, name: name)
            case "Resize": try convertResize(n, name: name)
            case "ConvTranspose": try convertConvTranspose(n, name: name)
            case "LayerNormalization", "InstanceNormalization": try convertNormalization(n, name: name)
            case "LogSoftmax": try convertSoftmaxAxis(n, name: name)
            case "Pow", "Min", "Max": try generalElementwise(n, name: name)
            case "Relu", "Sigmoid", "Tanh":
                let x = try value(n.input[0], node: name)
                let a: Activation = n.opType == "Relu" ? .relu : n.opType == "Sigmoid" ? .sigmoid : .tanh
                set(try add(.activation(a), [x.id], name: name), dims: x.dims)
            case "Clip":
                try convertClip(n, name: name)
            case "Conv":
                try convertConv(n, name: name)
            case "Pad":
                try convertPad(n, name: name)
            case "MatMul" where isTensor(n.input[1]) || Self.perSample((try? value(n.input[0], node: name))?.dims ?? []).count >= 2:
                try convertGeneralMatMul(n, name: name)
            case "Gemm", "MatMul":
                try convertDense(n, name: name)
            case "Add", "Sum", "Mul", "Sub", "Div":
                try elementwise(n, name: name)
            case "MaxPool", "AveragePool":
                try convertPool(n, name: name)
            case "GlobalAveragePool":
                let x = try value(n.input[0], node: name)
                let id = try add(.globalAvgPool, [x.id], name: name)
                set(id, dims: batchFirst(shapes[id]))
            case "BatchNormalization":
                try convertBatchNorm(n, name: name)
            case "Flatten":
                try convertFlatten(n, name: name)
            case "Reshape":
                guard case .known(let k)? = values[n.input[1]], case .int(let entries) = k.elements else {
                    throw fail("node '\(name)': Reshape's shape must be known at import (an integer constant or folded from shapes)")
                }
                if case .rows(let id, let dims, _)? = values[n.input[0]] {
                    // Splitting the merged axes back: the target must be the unmerged dims (one -1
                    // infers its axis, as the element count is the same).
                    guard entries.count == dims.count, entries.filter({ $0.constant == -1 }).count <= 1,
                        zip(entries, dims).allSatisfy({ $1 == -1 ? $0 == .batch : $0.constant == Int64($1) || $0.constant == -1 })
                    else {
                        throw fail(
                            "node '\(name)': Reshape to \(entries) of a value whose batch is flattened with other axes must split them back to \(dims) (batch marked -1)"
                        )
                    }
                    values[n.output[0]] = .tensor(id: id, dims: dims)
                    return
                }
                let x = try value(n.input[0], node: name)
                if let merged = Self.mergedAxes(x.dims, into: entries) {
                    values[n.output[0]] = .rows(id: x.id, dims: x.dims, merged: merged)
                    return
                }
                // The batch size where the input has its batch axis is a copy of that axis (0).
                let batchAxis = x.dims.firstIndex(of: -1)
                var target: [Int] = []
                for (i, e) in entries.enumerated() {
                    if let c = e.constant {
                        target.append(Int(clamping: c))
                    } else if e == .batch && i == batchAxis {
                        target.append(0)
                    } else {
                        throw fail(
                            "node '\(name)': Reshape to \(entries) does not keep the batch size N on the input's batch axis (\(batchAxis.map(String.init) ?? "none")); its axis \(i) would be \(e)"
                        )
                    }
                }
                try reshape(x, to: target, name: name, output: n.output[0])
            case "Transpose", "Squeeze", "Unsqueeze":
                try convertRelayout(n, name: name)
            case "Concat":
                try convertConcat(n, name: name)
            case "Softmax":
                try convertSoftmax(n, name: name)
            case "LSTM", "GRU":
                try recurrent(n, name: name)
            case "Gather":
                try gatherLast(n, name: name)
            default:
                if !ONNXImporter.runtimeOps.contains(n.opType) {
                    throw fail(
                        "node '\(name)': \(n.opType) of a value computed from the model's input is not supported (it is folded when its inputs are known at import)"
                    )
                }
                throw fail("node '\(name)': op \(n.opType) in this pattern is not supported")
            }
        }

        /// The axes of `dims` (batch marked -1) that a Reshape to `entries` flattens into one,
        /// when it flattens the batch with its neighbours and keeps every other axis, the last one
        /// included (`[T, N, C]` → `[T·N, C]`).
        static func mergedAxes(_ dims: [Int], into entries: [BatchLinear]) -> Range<Int>? {
            guard let b = dims.firstIndex(of: -1) else { return nil }
            let length = dims.count - entries.count + 1
            guard length >= 2 else { return nil }
            for start in max(0, b - length + 1)...b where start + length < dims.count {
                let range = start..<(start + length)
                let product = range.filter { $0 != b }.reduce(Int64(1)) { $0 * Int64(dims[$1]) }
                let before = (0..<start).allSatisfy { entries[$0].constant == Int64(dims[$0]) }
                let after = (range.upperBound..<dims.count).allSatisfy { entries[$0 - length + 1].constant == Int64(dims[$0]) }
                // (A product of 1 merges only size-1 axes: an ordinary reshape.)
                if product > 1 && before && after && entries[start] == BatchLinear(perBatch: product, offset: 0) { return range }
            }
            return nil
        }

        /// Whether `name` is a value computed from the model's input.
        func isTensor(_ name: String) -> Bool {
            if case .tensor? = values[name] { return true }
            return false
        }

        /// The node's first output is the tensor of layer `id`.
        mutating func set(_ n: Onnx_NodeProto, _ id: Int, dims: [Int]) { values[n.output[0]] = .tensor(id: id, dims: dims) }
        func batchFirst(_ shape: [Int]) -> [Int] { [-1] + shape }

        /// `Clip` as ReLU6 (0, 6) or ReLU (0, ∞).
        mutating func convertClip(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            var lo: Float = -.infinity
            var hi: Float = .infinity
            if opset < 11 {
                lo = float(n, "min", -.infinity)
                hi = float(n, "max", .infinity)
            } else {
                if n.input.count > 1, !n.input[1].isEmpty { lo = try scalar(n.input[1], node: name) }
                if n.input.count > 2, !n.input[2].isEmpty { hi = try scalar(n.input[2], node: name) }
            }
            let a: Activation
            if lo == 0 && hi == 6 {
                a = .relu6
            } else if lo == 0 && hi == .infinity {
                a = .relu
            } else {
                return try convertGeneralClip(n, name: name, lo: lo, hi: hi)
            }
            set(n, try add(.activation(a), [x.id], name: name), dims: x.dims)
        }

        /// `Conv` (2-D; a preceding zero `Pad` folds into its padding; `auto_pad` SAME_UPPER/LOWER resolved here).
        mutating func convertConv(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            var x: (id: Int, dims: [Int])
            var extra = [0, 0, 0, 0]
            if case .padded(let id, let dims, let pads)? = values[n.input[0]] {
                x = (id, dims)
                extra = pads
            } else {
                x = try value(n.input[0], node: name)
            }
            let w = try constant(n.input[1], node: name)
            if w.shape.count == 3 { return try convertConv1d(n, name: name) }
            guard w.shape.count == 4 else {
                throw fail("node '\(name)': only 1-D and 2-D convolutions are supported (weight \(describe(w.shape)))")
            }
            let limit = Self.spatialLimit
            let strides = try spatial(n, "strides", count: 2, [1, 1], allowed: 1...limit, node: name)
            let dil = try spatial(n, "dilations", count: 2, [1, 1], allowed: 1...limit, node: name)
            var pads = try spatial(n, "pads", count: 4, [0, 0, 0, 0], allowed: 0...limit, node: name)
            if let k = ints(n, "kernel_shape"), k != Array(w.shape[2...]) {
                throw fail("node '\(name)': kernel_shape \(k) does not match the weight \(describe(w.shape))")
            }
            let inShape = Self.perSample(x.dims)
            guard inShape.count == 3 else {
                throw fail("node '\(name)': Conv input must be [N, C, H, W], got per-sample \(describe(inShape))")
            }
            let autoPad = autoPad(n)
            if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                pads = [0, 0, 0, 0]
                for axis in 0..<2 {
                    let size = inShape[1 + axis]
                    let out = (size + strides[axis] - 1) / strides[axis]
                    let need = max(0, (out - 1) * strides[axis] + dil[axis] * (w.shape[2 + axis] - 1) + 1 - size)
                    let small = need / 2
                    pads[axis] = autoPad == "SAME_UPPER" ? small : need - small
                    pads[axis + 2] = need - pads[axis]
                }
            } else if autoPad != "NOTSET" && autoPad != "VALID" {
                throw fail("node '\(name)': auto_pad '\(autoPad)' is not supported")
            }
            let a = Conv2DAttributes(
                outChannels: w.shape[0], kernelH: w.shape[2], kernelW: w.shape[3], strideH: strides[0], strideW: strides[1],
                padTop: pads[0] + extra[0], padLeft: pads[1] + extra[1], padBottom: pads[2] + extra[2], padRight: pads[3] + extra[3],
                dilationH: dil[0], dilationW: dil[1], groups: int(n, "group", 1), bias: n.input.count > 2 && !n.input[2].isEmpty)
            var params = [w]
            if a.hasBias { params.append(try constant(n.input[2], node: name)) }
            let id = try add(.conv2d(a), [x.id], name: name, parameters: params)
            set(n, id, dims: batchFirst(shapes[id]))
        }

        /// `Pad` of the spatial axes, held until the convolution that consumes it.
        mutating func convertPad(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            let mode = attribute(n, "mode").map { String(decoding: $0.s, as: UTF8.self) } ?? "constant"
            var pads: [Int]
            if opset < 11 { pads = ints(n, "pads") ?? [] } else { pads = try ints(n.input[1], node: name).map { Int(clamping: $0) } }
            var fill: Float = opset < 11 ? float(n, "value", 0) : 0
            if n.input.count > 2, !n.input[2].isEmpty { fill = try scalar(n.input[2], node: name) }
            if n.input.count > 3, !n.input[3].isEmpty { throw fail("node '\(name)': Pad with an axes input is not supported") }
            let zeroSpatial =
                mode == "constant" && fill == 0 && pads.count == 8 && x.dims.first == -1 && pads[0] == 0 && pads[1] == 0 && pads[4] == 0
                && pads[5] == 0 && pads.allSatisfy({ $0 >= 0 })
            guard zeroSpatial else { return try generalPad(x, pads: pads, mode: mode, value: fill, name: name, output: n.output[0]) }
            guard mode == "constant", pads.count == 8, pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0,
                pads.allSatisfy({ $0 >= 0 })
            else {
                throw fail(
                    "node '\(name)': only zero padding of the two spatial axes of [N, C, H, W] is supported (pads \(pads), mode \(mode))"
                )
            }
            values[n.output[0]] = .padded(id: x.id, dims: x.dims, pads: [pads[2], pads[3], pads[6], pads[7]])
        }

        /// `Gemm` or `MatMul` with a constant weight as a dense layer (alpha and beta folded into the weights).
        mutating func convertDense(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            var rows: (id: Int, dims: [Int], merged: Range<Int>)?
            if case .rows(let id, let dims, let merged)? = values[n.input[0]] { rows = (id, dims, merged) }
            let x: (id: Int, dims: [Int])
            if let rows { x = (rows.id, [-1, rows.dims[rows.dims.count - 1]]) } else { x = try value(n.input[0], node: name) }
            let inShape = Self.perSample(x.dims)
            guard inShape.count == 1 else {
                throw fail("node '\(name)': \(n.opType) input must be [N, features], got per-sample \(describe(inShape))")
            }
            var b = try constant(n.input[1], node: name)
            guard b.shape.count == 2 else { throw fail("node '\(name)': weight must be 2-D, got \(describe(b.shape))") }
            if n.opType == "Gemm" && int(n, "transA", 0) != 0 { throw fail("node '\(name)': Gemm with transA = 1 is not supported") }
            let transB = n.opType == "Gemm" && int(n, "transB", 0) != 0
            if !transB { b = transpose2D(b) }
            let alpha = n.opType == "Gemm" ? float(n, "alpha", 1) : 1
            if alpha != 1 { b.data = b.data.map { $0 * alpha } }
            var params = [b]
            if n.opType == "Gemm", n.input.count > 2, !n.input[2].isEmpty {
                var c = try constant(n.input[2], node: name)
                let beta = float(n, "beta", 1)
                if c.count == 1 { c = Tensor(shape: [b.shape[0]], data: Array(repeating: c.data[0], count: b.shape[0])) }
                guard c.count == b.shape[0] else { throw fail("node '\(name)': bias has \(c.count) values for \(b.shape[0]) outputs") }
                params.append(Tensor(shape: [b.shape[0]], data: c.data.map { $0 * beta }))
            }
            if let rows {
                // Row-wise on the unmerged value's last axis: [T, N, K] → [T, N, units].
                params[0] = transpose2D(params[0])
                let id = try add(.rowDense(units: b.shape[0], bias: params.count == 2), [rows.id], name: name, parameters: params)
                var dims = rows.dims
                dims[dims.count - 1] = b.shape[0]
                values[n.output[0]] = .rows(id: id, dims: dims, merged: rows.merged)
                return
            }
            let id = try add(.dense(units: b.shape[0], bias: params.count == 2), [x.id], name: name, parameters: params)
            set(n, id, dims: batchFirst(shapes[id]))
        }

        /// `MaxPool` / `AveragePool` over two spatial axes.
        mutating func convertPool(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            let limit = Self.spatialLimit
            let k = try spatial(n, "kernel_shape", count: 2, nil, allowed: 1...limit, node: name)
            let s = try spatial(n, "strides", count: 2, [1, 1], allowed: 1...limit, node: name)
            let p = try spatial(n, "pads", count: 4, [0, 0, 0, 0], allowed: 0...limit, node: name)
            if let d = ints(n, "dilations"), d.contains(where: { $0 != 1 }) {
                throw fail("node '\(name)': pooling dilations are not supported")
            }
            let a = PoolAttributes(
                kernelH: k[0], kernelW: k[1], strideH: s[0], strideW: s[1], padTop: p[0], padLeft: p[1], padBottom: p[2],
                padRight: p[3],
                countIncludePad: int(n, "count_include_pad", 0) != 0, ceilMode: int(n, "ceil_mode", 0) != 0)
            let id = try add(n.opType == "MaxPool" ? .maxPool(a) : .avgPool(a), [x.id], name: name)
            set(n, id, dims: batchFirst(shapes[id]))
        }

        /// `BatchNormalization` with constant statistics.
        mutating func convertBatchNorm(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            let params = try (1...4).map { (k: Int) throws(InferenceError) -> Tensor in try constant(n.input[k], node: name) }
            let id = try add(
                .batchNorm(epsilon: float(n, "epsilon", 1e-5)), [x.id], name: name,
                parameters: params.map { Tensor(shape: [$0.count], data: $0.data) })
            set(n, id, dims: x.dims)
        }

        /// `Flatten(axis = 1)`.
        mutating func convertFlatten(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            guard int(n, "axis", 1) == 1, x.dims.first == -1 else {
                throw fail("node '\(name)': only Flatten(axis = 1) of a batch-first value is supported")
            }
            let id = try add(.flatten, [x.id], name: name)
            set(n, id, dims: batchFirst(shapes[id]))
        }

        /// `Transpose`, `Squeeze`, `Unsqueeze`: a new layout of the same values.
        mutating func convertRelayout(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            var dims = x.dims
            switch n.opType {
            case "Transpose":
                let perm = ints(n, "perm") ?? Array((0..<dims.count).reversed())
                guard perm.sorted() == Array(0..<dims.count) else { throw fail("node '\(name)': bad perm \(perm)") }
                // Data moves within a sample unless the axes of size > 1 keep their order.
                let b = dims.firstIndex(of: -1) ?? 0
                let shape = Self.perSample(dims)
                let moved = perm.filter { $0 != b }.map { $0 > b ? $0 - 1 : $0 }.filter { shape[$0] != 1 }
                if moved != moved.sorted() { return try generalTranspose(x, perm: perm, name: name, output: n.output[0]) }
                dims = perm.map { dims[$0] }
            case "Squeeze":
                let axes =
                    opset >= 13 && n.input.count > 1
                    ? try ints(n.input[1], node: name).map(Int.init) : (ints(n, "axes") ?? dims.indices.filter { dims[$0] == 1 })
                let norm = Set(axes.map { $0 < 0 ? $0 + dims.count : $0 })
                for a in norm where a < 0 || a >= dims.count || dims[a] != 1 {
                    throw fail("node '\(name)': cannot squeeze axes \(axes) of \(dims) (only existing axes of size 1)")
                }
                dims = dims.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
            default:
                let axes = opset >= 13 && n.input.count > 1 ? try ints(n.input[1], node: name).map(Int.init) : (ints(n, "axes") ?? [])
                let rank = dims.count + axes.count
                let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
                guard normalized.allSatisfy({ $0 >= 0 && $0 < rank }), Set(normalized).count == normalized.count else {
                    throw fail("node '\(name)': Unsqueeze axes \(axes) are out of range for a result of \(rank) axes")
                }
                for a in normalized.sorted() { dims.insert(1, at: a) }
            }
            try relayout(x, to: dims, name: name, output: n.output[0])
        }

        /// `Concat` along the channel axis.
        mutating func convertConcat(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let parts = try n.input.map { (i: String) throws(InferenceError) -> (id: Int, dims: [Int]) in try value(i, node: name) }
            let axis = try normalizedAxis(int(n, "axis", 1), rank: parts[0].dims.count, node: name)
            guard parts.allSatisfy({ $0.dims.first == -1 }), axis == 1 else {
                return try generalConcat(parts, axis: axis, name: name, output: n.output[0])
            }
            let id = try add(.concat, parts.map(\.id), name: name)
            set(n, id, dims: batchFirst(shapes[id]))
        }

        /// `Softmax` over the last axis.
        mutating func convertSoftmax(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            let axis = try normalizedAxis(int(n, "axis", opset >= 13 ? -1 : 1), rank: x.dims.count, node: name)
            guard axis == x.dims.count - 1 else { return try convertSoftmaxAxis(n, name: name) }
            let id = try add(.softmax, [x.id], name: name)
            set(n, id, dims: x.dims)
        }

        /// `Gather` of the last entry along a value's first per-sample axis with a constant index
        /// (`T − 1` or `−1`; a scalar drops the axis, a one-element index keeps it as size 1).
        mutating func gatherLast(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let x = try value(n.input[0], node: name)
            if !isLastStepGather(n, x.dims) { return try convertGather(n, name: name) }
            guard n.input.count > 1, case .known(let k)? = values[n.input[1]], case .int(let e) = k.elements, e.count == 1,
                let index = e[0].constant
            else {
                let shown: String
                if case .known(let k)? = values[n.input.count > 1 ? n.input[1] : ""], case .int(let e) = k.elements {
                    shown = "\(e)"
                } else {
                    shown = "computed from the model's input"
                }
                throw fail(
                    "node '\(name)': Gather of a value computed from the model's input is supported only for the last step of a sequence (one constant index); its indices are \(shown)"
                )
            }
            var axis = int(n, "axis", 0)
            if axis < 0 { axis += x.dims.count }
            guard let first = x.dims.firstIndex(where: { $0 != -1 }), axis == first, x.dims.count >= 2 else {
                throw fail("node '\(name)': only Gather along the first axis after the batch is supported (axis \(axis) of \(x.dims))")
            }
            let length = x.dims[axis]
            let indexDims = k.dims
            guard Int(index) == length - 1 || index == -1 else {
                throw fail("node '\(name)': only Gather of the last entry (index \(length - 1) or -1) is supported, got \(index)")
            }
            guard Self.perSample(x.dims).count >= 2 else {
                throw fail("node '\(name)': Gather would leave no per-sample axis (\(x.dims))")
            }
            let id = try add(.lastStep, [x.id], name: name)
            var dropped = x.dims
            dropped.remove(at: axis)
            if indexDims.isEmpty {
                values[n.output[0]] = .tensor(id: id, dims: dropped)
            } else {
                var kept = x.dims
                kept[axis] = 1
                try relayout((id, dropped), to: kept, name: name + ".keepdim", output: n.output[0])
            }
        }

        func transpose2D(_ t: Tensor) -> Tensor {
            let r = t.shape[0]
            let c = t.shape[1]
            var out = [Float](repeating: 0, count: r * c)
            for i in 0..<r { for j in 0..<c { out[j * r + i] = t.data[i * c + j] } }
            return Tensor(shape: [c, r], data: out)
        }

        /// Moves size-1 axes or the batch axis: allowed when the per-sample element order is unchanged.
        mutating func relayout(_ x: (id: Int, dims: [Int]), to dims: [Int], name: String, output: String) throws(InferenceError) {
            guard dims.filter({ $0 == -1 }).count == 1 else { throw fail("node '\(name)': the batch axis cannot be removed or duplicated") }
            let before = Self.perSample(x.dims).filter { $0 != 1 }
            let after = Self.perSample(dims).filter { $0 != 1 }
            guard before == after else {
                throw fail(
                    "node '\(name)': this transpose reorders data within a sample (\(x.dims) → \(dims), batch marked -1); only moves of the batch axis or of size-1 axes can be folded"
                )
            }
            var id = x.id
            let target = Self.perSample(dims)
            if target != shapes[id] {
                id = try add(.reshape(target.isEmpty ? [1] : target), [id], name: name)
            }
            values[output] = .tensor(id: id, dims: dims)
        }

        mutating func reshape(_ x: (id: Int, dims: [Int]), to target: [Int], name: String, output: String) throws(InferenceError) {
            guard let batchAxis = x.dims.firstIndex(of: -1) else { throw fail("node '\(name)': input has no batch axis") }
            // Sizes from the file: checked before any product of them (a fuzzed file overflowed one).
            guard target.allSatisfy({ $0 >= -1 }) else {
                throw fail("node '\(name)': Reshape to \(target): a size must be -1, 0 or positive")
            }
            guard ShapeLimit.elements(target.filter { $0 > 0 }) != nil else {
                throw fail("node '\(name)': Reshape to \(target) has more than \(ShapeLimit.maxElements) elements")
            }
            var dims = target
            // Where the batch is in the result (the input's axis unless the -1 moves it).
            var outBatch = batchAxis
            // The batch axis: where the target copies it (0), or the -1 when the batch is first.
            if batchAxis < dims.count && dims[batchAxis] == 0 {
                dims[batchAxis] = -1
            } else if let i = dims.firstIndex(of: -1), i == batchAxis {
                dims[i] = -1
            } else if staticBatch && batchAxis < dims.count && dims[batchAxis] == 1 {
                // A model exported for one sample writes its batch as a literal 1.
                dims[batchAxis] = -1
            } else if let i = dims.firstIndex(of: -1), dims.filter({ $0 == -1 }).count == 1, !dims.contains(0),
                x.dims[..<batchAxis].allSatisfy({ $0 == 1 }), dims[..<i].allSatisfy({ $0 == 1 }),
                Self.perSample(x.dims).reduce(1, *) == dims.filter({ $0 != -1 }).reduce(1, *)
            {
                // Only size-1 axes come before the batch on both sides (`[1, 1, N]` → `[N]`), and
                // the known sizes hold one sample: the -1 is the batch, the order unchanged.
                outBatch = i
            } else {
                throw fail("node '\(name)': Reshape to \(target) must keep the batch axis in place (use 0 or -1 there)")
            }
            for (i, d) in dims.enumerated() where d == 0 {
                guard i < x.dims.count else { throw fail("node '\(name)': Reshape to \(target) copies axis \(i), which the input lacks") }
                dims[i] = x.dims[i]
            }
            guard ShapeLimit.elements(dims.filter { $0 > 0 }) != nil else {
                throw fail("node '\(name)': Reshape to \(target) has more than \(ShapeLimit.maxElements) elements")
            }
            let total = Self.perSample(x.dims).reduce(1, *)
            let known = dims.enumerated().filter { $0.offset != outBatch }.map(\.element)
            if known.contains(-1) {
                let rest = known.filter { $0 != -1 }.reduce(1, *)
                guard rest > 0, total % rest == 0 else { throw fail("node '\(name)': cannot reshape \(x.dims) to \(target)") }
                for (i, d) in dims.enumerated() where d == -1 && i != outBatch { dims[i] = total / rest }
            }
            guard Self.perSample(dims).reduce(1, *) == total else {
                throw fail("node '\(name)': Reshape to \(target) changes the element count")
            }
            var id = x.id
            let perSample = Self.perSample(dims).isEmpty ? [1] : Self.perSample(dims)
            if perSample != shapes[id] { id = try add(.reshape(perSample), [id], name: name) }
            values[output] = .tensor(id: id, dims: dims)
        }

        /// Add/Sum of model values; Add/Mul/Sub/Div by constants as a per-channel affine layer.
        mutating func elementwise(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let tensors = n.input.compactMap { i -> (id: Int, dims: [Int])? in
                if case .tensor(let id, let d)? = values[i] { return (id, d) } else { return nil }
            }
            let constants = n.input.compactMap { Self.floatTensor(values[$0]) }
            if constants.isEmpty {
                guard n.opType == "Add" || n.opType == "Sum", tensors.count >= 2, tensors.allSatisfy({ $0.dims == tensors[0].dims }) else {
                    return try generalElementwise(n, name: name)
                }
                let id = try add(.add, tensors.map(\.id), name: name)
                values[n.output[0]] = .tensor(id: id, dims: tensors[0].dims)
                return
            }
            guard tensors.count == 1, constants.count == 1, n.input.count == 2 else { return try generalElementwise(n, name: name) }
            let x = tensors[0]
            let c = constants[0]
            let valueFirst = values[n.input[0]].map { if case .tensor = $0 { return true } else { return false } } ?? true
            let shape = Self.perSample(x.dims)
            let channels = shape[0]
            // A per-channel affine layer when the value is [N, C, H, W] or [N, C] and the constant a
            // scalar or one value per channel ([C, 1, 1] or [C], right-aligned, leading 1s allowed).
            let aligned = Array(c.shape.drop(while: { $0 == 1 }))
            let perChannel =
                shape.count == 3
                ? (c.shape.count >= 3 && Array(c.shape.suffix(3)) == [channels, 1, 1] && c.shape.dropLast(3).allSatisfy { $0 == 1 })
                : aligned == [channels]
            guard x.dims.first == -1, shape.count == 3 || shape.count == 1, c.count == 1 || perChannel,
                n.opType != "Div" || valueFirst
            else { return try generalElementwise(n, name: name) }
            let v = c.count == 1 ? [Float](repeating: c.data[0], count: channels) : c.data
            var scale = [Float](repeating: 1, count: channels)
            var shift = [Float](repeating: 0, count: channels)
            switch n.opType {
            case "Add", "Sum": shift = v
            case "Mul": scale = v
            case "Sub":
                if valueFirst {
                    shift = v.map { -$0 }
                } else {
                    scale = scale.map { -$0 }
                    shift = v
                }
            case "Div":
                guard valueFirst else { throw fail("node '\(name)': constant / value is not supported") }
                scale = v.map { 1 / $0 }
            default: break
            }
            // y = x·scale + shift as batch-norm with mean 0, variance 1, ε 0.
            let params = [
                Tensor(shape: [channels], data: scale), Tensor(shape: [channels], data: shift),
                Tensor(zeros: [channels]), Tensor(shape: [channels], data: Array(repeating: 1, count: channels)),
            ]
            let id = try add(.batchNorm(epsilon: 0), [x.id], name: name, parameters: params)
            values[n.output[0]] = .tensor(id: id, dims: x.dims)
        }

        mutating func recurrent(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
            let isLSTM = n.opType == "LSTM"
            let x = try value(n.input[0], node: name)
            // ONNX X is [T, N, I]: the batch is axis 1 (layout 0).
            guard int(n, "layout", 0) == 0 else { throw fail("node '\(name)': layout = 1 is not supported") }
            let direction = attribute(n, "direction").map { String(decoding: $0.s, as: UTF8.self) } ?? "forward"
            guard direction == "forward" || direction == "bidirectional" else {
                throw fail("node '\(name)': direction '\(direction)' is not supported (forward or bidirectional)")
            }
            let directions = direction == "bidirectional" ? 2 : 1
            if let acts = attribute(n, "activations"), !acts.strings.isEmpty {
                let names = acts.strings.map { String(decoding: $0, as: UTF8.self) }
                let defaults = Array(repeating: isLSTM ? ["Sigmoid", "Tanh", "Tanh"] : ["Sigmoid", "Tanh"], count: directions).flatMap {
                    $0
                }
                guard names == defaults else { throw fail("node '\(name)': activations \(names) are not supported (defaults only)") }
            }
            if attribute(n, "clip") != nil { throw fail("node '\(name)': clip is not supported") }
            if isLSTM, int(n, "input_forget", 0) != 0 { throw fail("node '\(name)': input_forget is not supported") }
            for k in n.input.indices.dropFirst(4) where !n.input[k].isEmpty {
                // Zero initial states (an input fed zeros, or a zero constant) are the default.
                if k == 5 || (k == 6 && isLSTM) {
                    if case .batchZeros? = values[n.input[k]] { continue }
                    if case .known(let t)? = values[n.input[k]], let f = t.floats, f.allSatisfy({ $0 == 0 }) { continue }
                    throw fail(
                        "node '\(name)': a non-zero initial state (input \(k), '\(n.input[k])') is not supported; the state inputs are fed zeros"
                    )
                }
                throw fail("node '\(name)': input \(k) (sequence_lens / peepholes) is not supported")
            }
            // faster-whisper's Silero VAD: [chunks, samples] convolved chunk by chunk, then the
            // chunks are the LSTM's time steps with a batch of 1: the recurrence runs across the
            // batch axis, which is then one request's stream of chunks.
            let acrossBatch = x.dims.count == 3 && x.dims[0] == -1 && x.dims[1] == 1
            guard x.dims.count == 3, x.dims[1] == -1 || acrossBatch else {
                throw fail("node '\(name)': X must be [T, N, I] with the batch on axis 1, got \(x.dims) (batch marked -1)")
            }
            let hidden = int(n, "hidden_size", 0)
            let gates = isLSTM ? 4 : 3
            let w = try constant(n.input[1], node: name)
            let r = try constant(n.input[2], node: name)
            let inputSize = x.dims[2]
            guard hidden > 0, w.count == directions * gates * hidden * inputSize, r.count == directions * gates * hidden * hidden else {
                throw fail(
                    "node '\(name)': W \(describe(w.shape)) / R \(describe(r.shape)) do not match hidden_size \(hidden), input \(inputSize) and \(directions) direction(s)"
                )
            }
            var b = Tensor(zeros: [directions * 2 * gates * hidden])
            if n.input.count > 3, !n.input[3].isEmpty {
                let bt = try constant(n.input[3], node: name)
                guard bt.count == directions * 2 * gates * hidden else {
                    throw fail("node '\(name)': B has \(bt.count) values, expected \(directions * 2 * gates * hidden)")
                }
                b = Tensor(shape: [directions * 2 * gates * hidden], data: bt.data)
            }
            let params = [
                Tensor(shape: [directions * gates * hidden, inputSize], data: w.data),
                Tensor(shape: [directions * gates * hidden, hidden], data: r.data), b,
            ]
            let wantSequence = n.output.count > 0 && !n.output[0].isEmpty && consumed.contains(n.output[0])
            let wantLast = n.output.count > 1 && !n.output[1].isEmpty && consumed.contains(n.output[1])
            if acrossBatch {
                guard !wantLast else {
                    throw fail(
                        "node '\(name)': X is \(x.dims): the recurrence runs across the batch axis (each sample one timestep, batch 1); its final state Y_h is the request's, not a sample's, and is not supported (select an output that does not read it)"
                    )
                }
                guard wantSequence else { return }
                let a = RecurrentAttributes(
                    hiddenSize: hidden, returnSequences: true, linearBeforeReset: int(n, "linear_before_reset", 0) != 0,
                    bidirectional: directions == 2, timeAcrossBatch: true)
                let id = try add(isLSTM ? .lstm(a) : .gru(a), [x.id], name: name, parameters: params)
                values[n.output[0]] = .tensor(id: id, dims: [-1, directions, 1, hidden])
                return
            }
            // Y_c (the final cell state) is not computed: a node that reads it fails naming it.
            let a = RecurrentAttributes(
                hiddenSize: hidden, returnSequences: true, linearBeforeReset: int(n, "linear_before_reset", 0) != 0,
                bidirectional: directions == 2)
            if wantSequence {
                let id = try add(isLSTM ? .lstm(a) : .gru(a), [x.id], name: name, parameters: params)
                values[n.output[0]] = .tensor(id: id, dims: [x.dims[0], directions, -1, hidden])
                if wantLast && directions == 1 {
                    // Y_h is Y's last timestep: taken from the sequence, not computed again.
                    let last = try add(.lastStep, [id], name: name + ".last")
                    values[n.output[1]] = .tensor(id: last, dims: [1, -1, hidden])
                }
            }
            if wantLast && (!wantSequence || directions == 2) {
                // (A backward pass ends at the first timestep, so a bidirectional Y_h is not Y's last.)
                var last = a
                last.returnSequences = false
                let id = try add(isLSTM ? .lstm(last) : .gru(last), [x.id], name: name + (wantSequence ? ".last" : ""), parameters: params)
                values[n.output[1]] = .tensor(id: id, dims: [directions, -1, hidden])
            }
        }
    }
}
