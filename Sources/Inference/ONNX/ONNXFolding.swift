import Foundation

/// An integer known when the model is imported that may depend on the batch size `N`:
/// `perBatch · N + offset`. Shapes that exporters compute at run time (`Shape` → `Gather` →
/// `Concat` → `Reshape`, PyTorch's `x.view(x.size(0), -1)`) are such integers: every other
/// dimension is fixed at import, so only the batch stays symbolic, and it enters linearly.
package struct BatchLinear: Hashable, Sendable, CustomStringConvertible {
    package var perBatch: Int64
    package var offset: Int64

    package init(perBatch: Int64 = 0, offset: Int64) {
        self.perBatch = perBatch
        self.offset = offset
    }

    /// The batch size itself.
    package static let batch = BatchLinear(perBatch: 1, offset: 0)

    /// The value when it does not depend on the batch.
    package var constant: Int64? { perBatch == 0 ? offset : nil }

    package var description: String {
        guard perBatch != 0 else { return "\(offset)" }
        let n = perBatch == 1 ? "N" : "\(perBatch)·N"
        return offset == 0 ? n : offset > 0 ? "\(n)+\(offset)" : "\(n)\(offset)"
    }

    /// Whether `self <op> other` holds for every batch size N ≥ 1 (true), for none (false),
    /// or depends on N (nil). `op` is `==`, `<`, `<=`, `>`, `>=`.
    func holds(_ op: String, _ other: BatchLinear) -> Bool? {
        // d(N) = a·N + b is linear, so its sign over N ≥ 1 follows from d(1) and the slope a.
        let a = perBatch &- other.perBatch
        let atOne = a &+ (offset &- other.offset)
        let alwaysGE = atOne >= 0 && a >= 0
        let alwaysGT = atOne > 0 && a >= 0
        let alwaysLE = atOne <= 0 && a <= 0
        let alwaysLT = atOne < 0 && a <= 0
        switch op {
        case "==": return a == 0 && atOne == 0 ? true : alwaysGT || alwaysLT ? false : nil
        case "<": return alwaysLT ? true : alwaysGE ? false : nil
        case "<=": return alwaysLE ? true : alwaysGT ? false : nil
        case ">": return alwaysGT ? true : alwaysLE ? false : nil
        default: return alwaysGE ? true : alwaysLT ? false : nil
        }
    }
}

/// A tensor whose values are known at import: an initializer, a `Constant`, or anything
/// computed from them and from the shapes of model values (see ``ONNXFolding``).
package struct KnownTensor: Sendable, Equatable {
    package enum Elements: Sendable, Equatable {
        case float([Float])
        case int([BatchLinear])
        case bool([Bool])
    }

    /// ONNX dims (`[]` for a scalar).
    package var dims: [Int]
    package var elements: Elements

    package init(dims: [Int], elements: Elements) {
        self.dims = dims
        self.elements = elements
    }

    package init(ints: [Int64], dims: [Int]) {
        self.init(dims: dims, elements: .int(ints.map { BatchLinear(offset: $0) }))
    }

    package var count: Int {
        switch elements {
        case .float(let v): v.count
        case .int(let v): v.count
        case .bool(let v): v.count
        }
    }

    var typeName: String {
        switch elements {
        case .float: "float"
        case .int: "int"
        case .bool: "bool"
        }
    }

    /// The float values, when the tensor is float.
    package var floats: [Float]? {
        if case .float(let v) = elements { return v }
        return nil
    }
}

/// A reason a node cannot be folded, phrased for the importer's message about the node.
package struct FoldingError: Error, Sendable {
    package let message: String
    init(_ message: String) { self.message = message }
}

/// Constant folding: reference implementations of the ONNX ops that exporters use to compute
/// shapes, indices and constants (opsets 11–21), evaluated on ``KnownTensor``s at import.
/// Integer values may carry the symbolic batch (``BatchLinear``); an operation whose result
/// would depend on the batch in a non-linear way (N·N, a comparison that changes with N, a
/// tensor whose size is N) cannot be folded and says so.
///
/// Semantics follow the ONNX operator specification (onnx/docs/Operators.md): numpy
/// broadcasting for elementwise ops, negative axes and indices counted from the end, `Slice`
/// clamping, `Reshape`'s `0` (copy) and `-1` (infer), integer `Div` truncating toward zero
/// (as ONNX Runtime's C++ kernels do), `Cast` from float to integer truncating.
package enum ONNXFolding {
    /// The ops folded when all their inputs are known.
    package static let ops: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Neg", "Abs", "Sqrt", "Reciprocal", "Exp", "Log", "Floor", "Ceil", "Round", "Relu",
        "Sigmoid", "Tanh", "Erf", "Min", "Max", "Sum", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor",
        "Not", "Where", "Cast", "CastLike", "Identity", "Dropout", "Shape", "Size", "Gather", "Slice", "Concat", "Unsqueeze", "Squeeze",
        "Reshape", "Flatten", "Transpose", "Expand", "ConstantOfShape", "Range", "Tile", "ReduceProd", "ReduceSum", "ReduceMin",
        "ReduceMax", "ReduceMean", "Constant", "Clip",
    ]

    /// Largest tensor folding creates, elements (256 MB of float32); a crafted `ConstantOfShape`,
    /// `Expand`, `Range` or `Tile` beyond it is refused before anything is allocated.
    package static let maxElements = 1 << 26

    /// Evaluates `op` on known inputs (`nil` for an omitted optional input).
    package static func evaluate(
        _ op: String, inputs: [KnownTensor?], attributes a: Attributes, opset: Int
    ) throws(FoldingError) -> [KnownTensor] {
        func input(_ k: Int) throws(FoldingError) -> KnownTensor {
            guard k < inputs.count, let t = inputs[k] else { throw FoldingError("input \(k) is missing") }
            return t
        }
        func optional(_ k: Int) -> KnownTensor? { k < inputs.count ? inputs[k] : nil }
        switch op {
        case "Identity", "Dropout": return [try input(0)]
        case "Add", "Sub", "Mul", "Div", "Pow", "Mod":
            return [try binary(op, try input(0), try input(1), fmod: a.int("fmod", 0) != 0)]
        case "Sum", "Min", "Max":
            var acc = try input(0)
            for k in 1..<max(1, inputs.count) { acc = try binary(op == "Sum" ? "Add" : op, acc, try input(k), fmod: false) }
            return [acc]
        case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual": return [try compare(op, try input(0), try input(1))]
        case "And", "Or", "Xor": return [try logical(op, try input(0), try input(1))]
        case "Not":
            guard case .bool(let v) = try input(0).elements else { throw FoldingError("Not needs a bool tensor") }
            return [KnownTensor(dims: try input(0).dims, elements: .bool(v.map { !$0 }))]
        case "Neg", "Abs", "Sqrt", "Reciprocal", "Exp", "Log", "Floor", "Ceil", "Round", "Relu", "Sigmoid", "Tanh", "Erf":
            return [try unary(op, try input(0))]
        case "Clip":
            var x = try input(0)
            let lo = opset < 11 ? KnownTensor(dims: [], elements: .float([a.float("min", -.infinity)])) : optional(1)
            let hi = opset < 11 ? KnownTensor(dims: [], elements: .float([a.float("max", .infinity)])) : optional(2)
            if let lo { x = try binary("Max", x, lo, fmod: false) }
            if let hi { x = try binary("Min", x, hi, fmod: false) }
            return [x]
        case "Where": return [try whereOp(try input(0), try input(1), try input(2))]
        case "Cast": return [try cast(try input(0), to: a.int("to", 1))]
        case "CastLike":
            let like = try input(1)
            return [try cast(try input(0), to: like.floats != nil ? 1 : like.typeName == "bool" ? 9 : 7)]
        case "Shape":
            return [
                shape(of: try input(0).dims.map { BatchLinear(offset: Int64($0)) }, start: a.int("start", 0), end: a.optionalInt("end"))
            ]
        case "Size": return [KnownTensor(ints: [Int64(try input(0).count)], dims: [])]
        case "Gather": return [try gather(try input(0), try input(1), axis: a.int("axis", 0))]
        case "Slice":
            let x = try input(0)
            if opset < 10 {
                let starts = a.ints("starts") ?? []
                let ends = a.ints("ends") ?? []
                return [try slice(x, starts: starts, ends: ends, axes: a.ints("axes"), steps: nil)]
            }
            return [
                try slice(
                    x, starts: try concrete(try input(1), "starts"), ends: try concrete(try input(2), "ends"),
                    axes: try optional(3).map { (t: KnownTensor) throws(FoldingError) -> [Int] in try concrete(t, "axes") },
                    steps: try optional(4).map { (t: KnownTensor) throws(FoldingError) -> [Int] in try concrete(t, "steps") })
            ]
        case "Concat":
            return [try concat(inputs.compactMap { $0 }, axis: a.int("axis", 0))]
        case "Unsqueeze":
            let axes = opset >= 13 ? try concrete(try input(1), "axes") : (a.ints("axes") ?? [])
            return [try unsqueeze(try input(0), axes: axes)]
        case "Squeeze":
            let axes =
                opset >= 13
                ? try optional(1).map { (t: KnownTensor) throws(FoldingError) -> [Int] in try concrete(t, "axes") } : a.ints("axes")
            return [try squeeze(try input(0), axes: axes)]
        case "Reshape":
            guard case .int(let target) = try input(1).elements else { throw FoldingError("Reshape's shape must be int64") }
            return [try reshape(try input(0), to: target, allowZero: a.int("allowzero", 0) != 0)]
        case "Flatten":
            let x = try input(0)
            var axis = a.int("axis", 1)
            if axis < 0 { axis += x.dims.count }
            guard (0...x.dims.count).contains(axis) else { throw FoldingError("Flatten axis \(axis) is out of range") }
            var t = x
            t.dims = [x.dims[..<axis].reduce(1, *), x.dims[axis...].reduce(1, *)]
            return [t]
        case "Transpose":
            let x = try input(0)
            return [try transpose(x, perm: a.ints("perm") ?? Array((0..<x.dims.count).reversed()))]
        case "Expand": return [try expand(try input(0), to: try concrete(try input(1), "shape"))]
        case "ConstantOfShape":
            let dims = try concrete(try input(0), "shape")
            let value = a.tensor("value") ?? KnownTensor(dims: [1], elements: .float([0]))
            return [try constantOfShape(dims, value: value)]
        case "Range": return [try range(try input(0), try input(1), try input(2))]
        case "Tile": return [try tile(try input(0), repeats: try concrete(try input(1), "repeats"))]
        case "ReduceProd", "ReduceSum", "ReduceMin", "ReduceMax", "ReduceMean":
            let x = try input(0)
            let fromInput = op == "ReduceSum" ? opset >= 13 : opset >= 18
            var axes =
                fromInput
                ? try optional(1).map { (t: KnownTensor) throws(FoldingError) -> [Int] in try concrete(t, "axes") } : a.ints("axes")
            if axes?.isEmpty == true { axes = nil }
            if axes == nil && a.int("noop_with_empty_axes", 0) != 0 { return [x] }
            return [try reduce(op, x, axes: axes, keepDims: a.int("keepdims", 1) != 0)]
        case "Constant":
            guard let t = a.tensor("value") else { throw FoldingError("Constant has no value") }
            return [t]
        default:
            throw FoldingError("\(op) has no reference implementation for folding")
        }
    }

    /// The attributes of a node, as the folder reads them.
    package struct Attributes {
        var ints: [String: [Int]] = [:]
        var int: [String: Int] = [:]
        var floats: [String: Float] = [:]
        var tensors: [String: KnownTensor] = [:]

        package init() {}

        func int(_ name: String, _ d: Int) -> Int { int[name] ?? d }
        func optionalInt(_ name: String) -> Int? { int[name] }
        func ints(_ name: String) -> [Int]? { ints[name] }
        func float(_ name: String, _ d: Float) -> Float { floats[name] ?? d }
        func tensor(_ name: String) -> KnownTensor? { tensors[name] }

        package mutating func set(_ name: String, int v: Int) { int[name] = v }
        package mutating func set(_ name: String, ints v: [Int]) { ints[name] = v }
        package mutating func set(_ name: String, float v: Float) { floats[name] = v }
        package mutating func set(_ name: String, tensor v: KnownTensor) { tensors[name] = v }
    }

    // MARK: - Helpers

    /// `Shape` of a tensor whose dims may include the batch.
    package static func shape(of dims: [BatchLinear], start: Int, end: Int?) -> KnownTensor {
        let r = dims.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + r : i, 0), r) }
        let s = clamp(start)
        let e = clamp(end ?? r)
        let picked = s < e ? Array(dims[s..<e]) : []
        return KnownTensor(dims: [picked.count], elements: .int(picked))
    }

    static func checkedCount(_ dims: [Int]) throws(FoldingError) -> Int {
        var n = 1
        for d in dims {
            guard d >= 0 else { throw FoldingError("negative dimension \(d) in \(dims)") }
            let (m, o) = n.multipliedReportingOverflow(by: d)
            guard !o, m <= maxElements else {
                throw FoldingError("a folded tensor of shape \(dims) is over the limit of \(maxElements) elements")
            }
            n = m
        }
        return n
    }

    /// Concrete integers (no batch) of a small int tensor.
    static func concrete(_ t: KnownTensor, _ what: String) throws(FoldingError) -> [Int] {
        guard case .int(let v) = t.elements else { throw FoldingError("\(what) must be an integer tensor, got \(t.typeName)") }
        var out: [Int] = []
        out.reserveCapacity(v.count)
        for x in v {
            guard let c = x.constant else { throw FoldingError("\(what) \(v) depends on the batch size") }
            out.append(Int(clamping: c))
        }
        return out
    }

    static func strides(_ dims: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: dims.count)
        var acc = 1
        for k in stride(from: dims.count - 1, through: 0, by: -1) {
            s[k] = acc
            acc *= dims[k]
        }
        return s
    }

    static func broadcast(_ a: [Int], _ b: [Int]) throws(FoldingError) -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for k in 0..<r {
            let x = k - (r - a.count) >= 0 ? a[k - (r - a.count)] : 1
            let y = k - (r - b.count) >= 0 ? b[k - (r - b.count)] : 1
            guard x == y || x == 1 || y == 1 else { throw FoldingError("shapes \(a) and \(b) do not broadcast") }
            out[k] = x == 1 ? y : x
        }
        return out
    }

    /// For each element of a tensor of shape `out`, the index of the element of `dims` it reads (numpy broadcasting).
    static func sourceIndices(_ dims: [Int], into out: [Int]) -> [Int] {
        let total = out.reduce(1, *)
        let r = out.count
        let pad = r - dims.count
        let s = strides(dims)
        var inStride = [Int](repeating: 0, count: r)
        for k in 0..<dims.count where dims[k] != 1 { inStride[k + pad] = s[k] }
        var index = [Int](repeating: 0, count: r)
        var result = [Int](repeating: 0, count: total)
        var src = 0
        for i in 0..<total {
            result[i] = src
            var k = r - 1
            while k >= 0 {
                index[k] += 1
                src += inStride[k]
                if index[k] < out[k] { break }
                src -= inStride[k] * index[k]
                index[k] = 0
                k -= 1
            }
        }
        return result
    }

    /// `source(index)` for every multi-index of `dims`, in row-major order.
    static func positions(_ dims: [Int], _ source: ([Int]) -> Int) -> [Int] {
        let r = dims.count
        let total = dims.reduce(1, *)
        var out: [Int] = []
        out.reserveCapacity(total)
        var index = [Int](repeating: 0, count: r)
        for _ in 0..<total {
            out.append(source(index))
            Layout.advance(&index, in: dims)
        }
        return out
    }

    /// Picks elements by index, keeping the element type.
    static func pick(_ e: KnownTensor.Elements, _ indices: [Int]) -> KnownTensor.Elements {
        switch e {
        case .float(let v): .float(indices.map { v[$0] })
        case .int(let v): .int(indices.map { v[$0] })
        case .bool(let v): .bool(indices.map { v[$0] })
        }
    }

    // MARK: - Elementwise

    static func binary(_ op: String, _ x: KnownTensor, _ y: KnownTensor, fmod: Bool) throws(FoldingError) -> KnownTensor {
        let out = try broadcast(x.dims, y.dims)
        _ = try checkedCount(out)
        let ix = sourceIndices(x.dims, into: out)
        let iy = sourceIndices(y.dims, into: out)
        switch (x.elements, y.elements) {
        case (.float(let a), .float(let b)):
            let f: (Float, Float) -> Float
            switch op {
            case "Add": f = (+)
            case "Sub": f = (-)
            case "Mul": f = (*)
            case "Div": f = (/)
            case "Pow": f = { Float(Foundation.pow(Double($0), Double($1))) }
            case "Mod": f = { fmod ? Float(Foundation.fmod(Double($0), Double($1))) : $0 - $1 * ($0 / $1).rounded(.down) }
            case "Min": f = { Swift.min($0, $1) }
            case "Max": f = { Swift.max($0, $1) }
            default: throw FoldingError("\(op) of floats has no reference implementation")
            }
            return KnownTensor(dims: out, elements: .float(zip(ix, iy).map { f(a[$0], b[$1]) }))
        case (.int(let a), .int(let b)):
            var r: [BatchLinear] = []
            r.reserveCapacity(ix.count)
            for (i, j) in zip(ix, iy) { r.append(try intOp(op, a[i], b[j])) }
            return KnownTensor(dims: out, elements: .int(r))
        case (.int(let a), .float(let b)) where op == "Pow":
            var r: [BatchLinear] = []
            for (i, j) in zip(ix, iy) {
                guard let base = a[i].constant else { throw FoldingError("Pow of the batch size") }
                r.append(BatchLinear(offset: Int64(Foundation.pow(Double(base), Double(b[j])))))
            }
            return KnownTensor(dims: out, elements: .int(r))
        default:
            throw FoldingError("\(op) of \(x.typeName) and \(y.typeName) tensors")
        }
    }

    static func intOp(_ op: String, _ a: BatchLinear, _ b: BatchLinear) throws(FoldingError) -> BatchLinear {
        switch op {
        case "Add": return BatchLinear(perBatch: a.perBatch &+ b.perBatch, offset: a.offset &+ b.offset)
        case "Sub": return BatchLinear(perBatch: a.perBatch &- b.perBatch, offset: a.offset &- b.offset)
        case "Mul":
            if let c = b.constant { return BatchLinear(perBatch: a.perBatch &* c, offset: a.offset &* c) }
            if let c = a.constant { return BatchLinear(perBatch: b.perBatch &* c, offset: b.offset &* c) }
            throw FoldingError("the product \(a) × \(b) is not linear in the batch size")
        case "Div":
            guard let d = b.constant else { throw FoldingError("division by \(b), which depends on the batch size") }
            guard d != 0 else { throw FoldingError("integer division by zero") }
            if let c = a.constant { return BatchLinear(offset: c / d) }
            guard a.perBatch % d == 0, a.offset % d == 0 else {
                throw FoldingError("\(a) / \(d) is not an integer for every batch size")
            }
            return BatchLinear(perBatch: a.perBatch / d, offset: a.offset / d)
        case "Mod":
            guard let x = a.constant, let y = b.constant, y != 0 else { throw FoldingError("Mod of \(a) by \(b)") }
            let r = x % y
            return BatchLinear(offset: r != 0 && (r < 0) != (y < 0) ? r + y : r)
        case "Pow":
            guard let x = a.constant, let y = b.constant, y >= 0, y < 63 else { throw FoldingError("Pow of \(a) by \(b)") }
            var r: Int64 = 1
            for _ in 0..<y { r = r &* x }
            return BatchLinear(offset: r)
        case "Min", "Max":
            guard let aFirst = a.holds(op == "Min" ? "<=" : ">=", b) else {
                throw FoldingError("\(op)(\(a), \(b)) changes with the batch size")
            }
            return aFirst ? a : b
        default: throw FoldingError("\(op) of integers has no reference implementation")
        }
    }

    static func compare(_ op: String, _ x: KnownTensor, _ y: KnownTensor) throws(FoldingError) -> KnownTensor {
        let out = try broadcast(x.dims, y.dims)
        let ix = sourceIndices(x.dims, into: out)
        let iy = sourceIndices(y.dims, into: out)
        func test(_ s: Int) -> Bool {
            switch op {
            case "Equal": s == 0
            case "Less": s < 0
            case "Greater": s > 0
            case "LessOrEqual": s <= 0
            default: s >= 0
            }
        }
        switch (x.elements, y.elements) {
        case (.float(let a), .float(let b)):
            return KnownTensor(
                dims: out, elements: .bool(zip(ix, iy).map { a[$0] == b[$1] ? test(0) : a[$0] < b[$1] ? test(-1) : test(1) }))
        case (.int(let a), .int(let b)):
            let symbol = ["Equal": "==", "Less": "<", "Greater": ">", "LessOrEqual": "<="][op] ?? ">="
            var r: [Bool] = []
            for (i, j) in zip(ix, iy) {
                guard let t = a[i].holds(symbol, b[j]) else { throw FoldingError("\(op)(\(a[i]), \(b[j])) changes with the batch size") }
                r.append(t)
            }
            return KnownTensor(dims: out, elements: .bool(r))
        case (.bool(let a), .bool(let b)) where op == "Equal":
            return KnownTensor(dims: out, elements: .bool(zip(ix, iy).map { a[$0] == b[$1] }))
        default:
            throw FoldingError("\(op) of \(x.typeName) and \(y.typeName) tensors")
        }
    }

    static func logical(_ op: String, _ x: KnownTensor, _ y: KnownTensor) throws(FoldingError) -> KnownTensor {
        guard case .bool(let a) = x.elements, case .bool(let b) = y.elements else { throw FoldingError("\(op) needs bool tensors") }
        let out = try broadcast(x.dims, y.dims)
        let ix = sourceIndices(x.dims, into: out)
        let iy = sourceIndices(y.dims, into: out)
        let f: (Bool, Bool) -> Bool = op == "And" ? { $0 && $1 } : op == "Or" ? { $0 || $1 } : { $0 != $1 }
        return KnownTensor(dims: out, elements: .bool(zip(ix, iy).map { f(a[$0], b[$1]) }))
    }

    static func unary(_ op: String, _ x: KnownTensor) throws(FoldingError) -> KnownTensor {
        switch x.elements {
        case .float(let v):
            let f: (Float) -> Float
            switch op {
            case "Neg": f = { -$0 }
            case "Abs": f = { Swift.abs($0) }
            case "Sqrt": f = { $0.squareRoot() }
            case "Reciprocal": f = { 1 / $0 }
            case "Exp": f = { Float(Foundation.exp(Double($0))) }
            case "Log": f = { Float(Foundation.log(Double($0))) }
            case "Floor": f = { $0.rounded(.down) }
            case "Ceil": f = { $0.rounded(.up) }
            case "Round": f = { $0.rounded(.toNearestOrEven) }
            case "Relu": f = { Swift.max($0, 0) }
            case "Sigmoid": f = { Float(1 / (1 + Foundation.exp(-Double($0)))) }
            case "Tanh": f = { Float(Foundation.tanh(Double($0))) }
            case "Erf": f = { Float(Foundation.erf(Double($0))) }
            default: throw FoldingError("\(op) has no reference implementation")
            }
            return KnownTensor(dims: x.dims, elements: .float(v.map(f)))
        case .int(let v):
            switch op {
            case "Neg": return KnownTensor(dims: x.dims, elements: .int(v.map { BatchLinear(perBatch: -$0.perBatch, offset: -$0.offset) }))
            case "Abs", "Relu":
                var r: [BatchLinear] = []
                for e in v {
                    guard let nonNegative = e.holds(">=", BatchLinear(offset: 0)) else {
                        throw FoldingError("\(op)(\(e)) changes with the batch size")
                    }
                    r.append(
                        nonNegative ? e : op == "Relu" ? BatchLinear(offset: 0) : BatchLinear(perBatch: -e.perBatch, offset: -e.offset))
                }
                return KnownTensor(dims: x.dims, elements: .int(r))
            case "Floor", "Ceil", "Round": return x
            default: throw FoldingError("\(op) of integers")
            }
        case .bool: throw FoldingError("\(op) of a bool tensor")
        }
    }

    static func whereOp(_ c: KnownTensor, _ x: KnownTensor, _ y: KnownTensor) throws(FoldingError) -> KnownTensor {
        guard case .bool(let cond) = c.elements else { throw FoldingError("Where's condition must be bool") }
        let out = try broadcast(try broadcast(c.dims, x.dims), y.dims)
        _ = try checkedCount(out)
        let ic = sourceIndices(c.dims, into: out)
        let ix = sourceIndices(x.dims, into: out)
        let iy = sourceIndices(y.dims, into: out)
        switch (x.elements, y.elements) {
        case (.float(let a), .float(let b)):
            return KnownTensor(dims: out, elements: .float((0..<ic.count).map { cond[ic[$0]] ? a[ix[$0]] : b[iy[$0]] }))
        case (.int(let a), .int(let b)):
            return KnownTensor(dims: out, elements: .int((0..<ic.count).map { cond[ic[$0]] ? a[ix[$0]] : b[iy[$0]] }))
        case (.bool(let a), .bool(let b)):
            return KnownTensor(dims: out, elements: .bool((0..<ic.count).map { cond[ic[$0]] ? a[ix[$0]] : b[iy[$0]] }))
        default: throw FoldingError("Where of \(x.typeName) and \(y.typeName)")
        }
    }

    /// `Cast` to an ONNX data type (`TensorProto.DataType` code).
    static func cast(_ x: KnownTensor, to type: Int) throws(FoldingError) -> KnownTensor {
        enum Kind { case float, int, bool }
        let kind: Kind
        switch type {
        case 1, 10, 11, 16: kind = .float
        case 2, 3, 4, 5, 6, 7, 12, 13: kind = .int
        case 9: kind = .bool
        default: throw FoldingError("Cast to data type \(type) is not supported")
        }
        switch (x.elements, kind) {
        case (.float(let v), .float): return x.with(.float(v))
        case (.float(let v), .int):
            var r: [BatchLinear] = []
            for f in v {
                guard f.isFinite, Swift.abs(f) < 9.2e18 else { throw FoldingError("Cast of \(f) to an integer") }
                r.append(BatchLinear(offset: Int64(f)))
            }
            return x.with(.int(r))
        case (.float(let v), .bool): return x.with(.bool(v.map { $0 != 0 }))
        case (.int(let v), .float):
            var r: [Float] = []
            for e in v {
                guard let c = e.constant else { throw FoldingError("Cast of \(e) (the batch size) to float") }
                r.append(Float(c))
            }
            return x.with(.float(r))
        case (.int, .int): return x
        case (.int(let v), .bool):
            var r: [Bool] = []
            for e in v {
                guard let zero = e.holds("==", BatchLinear(offset: 0)) else { throw FoldingError("Cast of \(e) to bool") }
                r.append(!zero)
            }
            return x.with(.bool(r))
        case (.bool(let v), .float): return x.with(.float(v.map { $0 ? 1 : 0 }))
        case (.bool(let v), .int): return x.with(.int(v.map { BatchLinear(offset: $0 ? 1 : 0) }))
        case (.bool, .bool): return x
        }
    }

    // MARK: - Layout

    static func normalize(_ axis: Int, rank: Int, _ what: String) throws(FoldingError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else { throw FoldingError("\(what) \(axis) is out of range for rank \(rank)") }
        return a
    }

    static func gather(_ x: KnownTensor, _ idx: KnownTensor, axis: Int) throws(FoldingError) -> KnownTensor {
        let ax = try normalize(axis, rank: x.dims.count, "Gather axis")
        let indices = try concrete(idx, "Gather indices")
        let n = x.dims[ax]
        let outer = x.dims[..<ax].reduce(1, *)
        let inner = x.dims[(ax + 1)...].reduce(1, *)
        let outDims = Array(x.dims[..<ax]) + idx.dims + Array(x.dims[(ax + 1)...])
        _ = try checkedCount(outDims)
        var picks: [Int] = []
        picks.reserveCapacity(outer * indices.count * inner)
        for o in 0..<outer {
            for i in indices {
                let j = i < 0 ? i + n : i
                guard j >= 0 && j < n else { throw FoldingError("Gather index \(i) is out of range for an axis of \(n)") }
                for k in 0..<inner { picks.append((o * n + j) * inner + k) }
            }
        }
        return KnownTensor(dims: outDims, elements: pick(x.elements, picks))
    }

    static func slice(_ x: KnownTensor, starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?) throws(FoldingError) -> KnownTensor {
        let r = x.dims.count
        let axes = axes ?? Array(0..<starts.count)
        let steps = steps ?? [Int](repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw FoldingError("Slice's starts, ends, axes and steps differ in length")
        }
        var begin = [Int](repeating: 0, count: r)
        var step = [Int](repeating: 1, count: r)
        var count = x.dims
        for (k, axisValue) in axes.enumerated() {
            let a = try normalize(axisValue, rank: r, "Slice axis")
            let d = x.dims[a]
            let s = steps[k]
            guard s != 0 else { throw FoldingError("Slice step 0") }
            var b = starts[k] < 0 ? starts[k] + d : starts[k]
            var e = ends[k] < 0 ? ends[k] + d : ends[k]
            if s > 0 {
                b = min(max(b, 0), d)
                e = min(max(e, 0), d)
                count[a] = max(0, (e - b + s - 1) / s)
            } else {
                b = min(max(b, -1), d - 1)
                e = min(max(e, -1), d - 1)
                count[a] = max(0, (b - e + (-s) - 1) / (-s))
            }
            begin[a] = b
            step[a] = s
        }
        _ = try checkedCount(count)
        let st = strides(x.dims)
        let picks = positions(count) { index in
            var src = 0
            for k in 0..<r { src += (begin[k] + index[k] * step[k]) * st[k] }
            return src
        }
        return KnownTensor(dims: count, elements: pick(x.elements, picks))
    }

    static func concat(_ parts: [KnownTensor], axis: Int) throws(FoldingError) -> KnownTensor {
        guard let first = parts.first else { throw FoldingError("Concat of nothing") }
        let r = first.dims.count
        let a = try normalize(axis, rank: r, "Concat axis")
        for p in parts where p.dims.count != r || p.typeName != first.typeName {
            throw FoldingError("Concat of \(first.typeName) \(first.dims) and \(p.typeName) \(p.dims)")
        }
        for p in parts where zip(p.dims, first.dims).enumerated().contains(where: { $0.offset != a && $0.element.0 != $0.element.1 }) {
            throw FoldingError("Concat of \(first.dims) and \(p.dims) along axis \(a)")
        }
        var outDims = first.dims
        outDims[a] = parts.map { $0.dims[a] }.reduce(0, +)
        let outer = first.dims[..<a].reduce(1, *)
        func join<T>(_ arrays: [[T]]) -> [T] {
            var out: [T] = []
            for o in 0..<outer {
                for (p, v) in zip(parts, arrays) {
                    let chunk = p.dims[a...].reduce(1, *)
                    out.append(contentsOf: v[(o * chunk)..<((o + 1) * chunk)])
                }
            }
            return out
        }
        switch first.elements {
        case .float: return KnownTensor(dims: outDims, elements: .float(join(parts.compactMap(\.floats))))
        case .int:
            return KnownTensor(dims: outDims, elements: .int(join(parts.map { if case .int(let v) = $0.elements { v } else { [] } })))
        case .bool:
            return KnownTensor(dims: outDims, elements: .bool(join(parts.map { if case .bool(let v) = $0.elements { v } else { [] } })))
        }
    }

    static func unsqueeze(_ x: KnownTensor, axes: [Int]) throws(FoldingError) -> KnownTensor {
        let r = x.dims.count + axes.count
        var norm: [Int] = []
        for a in axes { norm.append(try normalize(a, rank: r, "Unsqueeze axis")) }
        guard Set(norm).count == norm.count else { throw FoldingError("Unsqueeze axes \(axes) repeat") }
        var dims: [Int] = []
        var src = x.dims.makeIterator()
        for k in 0..<r { dims.append(norm.contains(k) ? 1 : src.next() ?? 1) }
        return KnownTensor(dims: dims, elements: x.elements)
    }

    static func squeeze(_ x: KnownTensor, axes: [Int]?) throws(FoldingError) -> KnownTensor {
        var drop = Set<Int>()
        if let axes {
            for a in axes {
                let n = try normalize(a, rank: x.dims.count, "Squeeze axis")
                guard x.dims[n] == 1 else { throw FoldingError("Squeeze of axis \(a), of size \(x.dims[n])") }
                drop.insert(n)
            }
        } else {
            drop = Set(x.dims.indices.filter { x.dims[$0] == 1 })
        }
        return KnownTensor(dims: x.dims.enumerated().filter { !drop.contains($0.offset) }.map(\.element), elements: x.elements)
    }

    static func reshape(_ x: KnownTensor, to target: [BatchLinear], allowZero: Bool) throws(FoldingError) -> KnownTensor {
        var dims: [Int] = []
        var infer: Int?
        for (k, t) in target.enumerated() {
            guard let c = t.constant else { throw FoldingError("Reshape of a constant to \(target), which depends on the batch size") }
            if c == 0 && !allowZero {
                guard k < x.dims.count else { throw FoldingError("Reshape copies axis \(k) of \(x.dims)") }
                dims.append(x.dims[k])
            } else if c == -1 {
                guard infer == nil else { throw FoldingError("Reshape to \(target) has two -1") }
                infer = k
                dims.append(1)
            } else {
                guard c >= 0, c <= Int64(maxElements) else { throw FoldingError("Reshape to \(target)") }
                dims.append(Int(c))
            }
        }
        let known = dims.reduce(1, *)
        if let i = infer {
            guard known > 0, x.count % known == 0 else { throw FoldingError("cannot reshape \(x.dims) to \(target)") }
            dims[i] = x.count / known
        }
        guard dims.reduce(1, *) == x.count else { throw FoldingError("cannot reshape \(x.dims) (\(x.count) elements) to \(target)") }
        return KnownTensor(dims: dims, elements: x.elements)
    }

    static func transpose(_ x: KnownTensor, perm: [Int]) throws(FoldingError) -> KnownTensor {
        let r = x.dims.count
        guard perm.sorted() == Array(0..<r) else { throw FoldingError("Transpose perm \(perm) for rank \(r)") }
        let outDims = perm.map { x.dims[$0] }
        let st = strides(x.dims)
        let picks = positions(outDims) { index in
            var src = 0
            for k in 0..<r { src += index[k] * st[perm[k]] }
            return src
        }
        return KnownTensor(dims: outDims, elements: pick(x.elements, picks))
    }

    static func expand(_ x: KnownTensor, to shape: [Int]) throws(FoldingError) -> KnownTensor {
        let out = try broadcast(x.dims, shape)
        _ = try checkedCount(out)
        return KnownTensor(dims: out, elements: pick(x.elements, sourceIndices(x.dims, into: out)))
    }

    static func constantOfShape(_ dims: [Int], value: KnownTensor) throws(FoldingError) -> KnownTensor {
        let n = try checkedCount(dims)
        guard value.count == 1 else { throw FoldingError("ConstantOfShape's value must hold one element") }
        return KnownTensor(dims: dims, elements: pick(value.elements, [Int](repeating: 0, count: n)))
    }

    static func range(_ start: KnownTensor, _ limit: KnownTensor, _ delta: KnownTensor) throws(FoldingError) -> KnownTensor {
        switch (start.elements, limit.elements, delta.elements) {
        case (.float(let s), .float(let l), .float(let d)):
            guard let s = s.first, let l = l.first, let d = d.first, d != 0 else { throw FoldingError("Range with delta 0") }
            let n = max(0, Int(((l - s) / d).rounded(.up)))
            _ = try checkedCount([n])
            return KnownTensor(dims: [n], elements: .float((0..<n).map { s + Float($0) * d }))
        case (.int, .int, .int):
            let s = try concrete(start, "Range start")
            let l = try concrete(limit, "Range limit")
            let d = try concrete(delta, "Range delta")
            guard let s = s.first, let l = l.first, let d = d.first, d != 0 else { throw FoldingError("Range with delta 0") }
            let n = max(0, (l - s + d + (d > 0 ? -1 : 1)) / d)
            _ = try checkedCount([n])
            return KnownTensor(ints: (0..<n).map { Int64(s + $0 * d) }, dims: [n])
        default: throw FoldingError("Range of mixed types")
        }
    }

    static func tile(_ x: KnownTensor, repeats: [Int]) throws(FoldingError) -> KnownTensor {
        guard repeats.count == x.dims.count, repeats.allSatisfy({ $0 >= 0 }) else {
            throw FoldingError("Tile repeats \(repeats) for \(x.dims)")
        }
        let out = zip(x.dims, repeats).map { $0 * $1 }
        _ = try checkedCount(out)
        let st = strides(x.dims)
        let picks = positions(out) { index in
            var src = 0
            for k in 0..<out.count { src += (index[k] % x.dims[k]) * st[k] }
            return src
        }
        return KnownTensor(dims: out, elements: pick(x.elements, picks))
    }

    static func reduce(_ op: String, _ x: KnownTensor, axes: [Int]?, keepDims: Bool) throws(FoldingError) -> KnownTensor {
        let r = x.dims.count
        var reduced = Set<Int>()
        for a in axes ?? Array(0..<r) { reduced.insert(try normalize(a, rank: r, "\(op) axis")) }
        let outKeep = x.dims.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let outCount = outKeep.reduce(1, *)
        let outStrides = strides(outKeep)
        let st = strides(x.dims)
        // The output element each input element belongs to.
        var target = [Int](repeating: 0, count: x.count)
        for i in 0..<x.count {
            var o = 0
            for k in 0..<r where !reduced.contains(k) { o += ((i / st[k]) % x.dims[k]) * outStrides[k] }
            target[i] = o
        }
        let dims = keepDims ? outKeep : x.dims.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        switch x.elements {
        case .float(let v):
            var acc = [Float](
                repeating: op == "ReduceProd" ? 1 : op == "ReduceMin" ? .infinity : op == "ReduceMax" ? -.infinity : 0, count: outCount)
            for (i, e) in v.enumerated() {
                let o = target[i]
                switch op {
                case "ReduceProd": acc[o] *= e
                case "ReduceMin": acc[o] = min(acc[o], e)
                case "ReduceMax": acc[o] = max(acc[o], e)
                default: acc[o] += e
                }
            }
            if op == "ReduceMean", outCount > 0 {
                let n = Float(x.count / outCount)
                acc = acc.map { $0 / n }
            }
            return KnownTensor(dims: dims, elements: .float(acc))
        case .int(let v):
            var acc: [BatchLinear?] = Array(repeating: nil, count: outCount)
            for (i, e) in v.enumerated() {
                let o = target[i]
                guard let prev = acc[o] else {
                    acc[o] = e
                    continue
                }
                switch op {
                case "ReduceProd": acc[o] = try intOp("Mul", prev, e)
                case "ReduceMin": acc[o] = try intOp("Min", prev, e)
                case "ReduceMax": acc[o] = try intOp("Max", prev, e)
                case "ReduceSum": acc[o] = try intOp("Add", prev, e)
                default: throw FoldingError("\(op) of integers")
                }
            }
            let identity = BatchLinear(offset: op == "ReduceProd" ? 1 : 0)
            return KnownTensor(dims: dims, elements: .int(acc.map { $0 ?? identity }))
        case .bool: throw FoldingError("\(op) of a bool tensor")
        }
    }
}

extension KnownTensor {
    fileprivate func with(_ e: Elements) -> KnownTensor { KnownTensor(dims: dims, elements: e) }
}
