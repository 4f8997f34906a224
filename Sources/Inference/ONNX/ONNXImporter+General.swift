import Foundation

/// The general ops: what exporters write beyond the classic CNN/RNN patterns (broadcasting
/// elementwise ops between computed values, hard-swish blocks, attention's batched MatMul,
/// transposes, slices and splits of data, reductions, Resize, ConvTranspose, layer norm).
extension ONNXImporter {
    /// Ops run by the general kernels.
    static let generalOps: Set<String> = [
        "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Softplus", "Pow", "Min",
        "Max", "Split", "Slice", "Resize", "ConvTranspose", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "LogSoftmax",
        "LayerNormalization", "InstanceNormalization",
    ]
}

extension ONNXImporter.Builder {
    /// The per-sample axis of ONNX axis `axis` of a value with `dims` (batch marked -1).
    func perSampleAxis(_ axis: Int, _ dims: [Int], node: String) throws(InferenceError) -> Int {
        let a = axis < 0 ? axis + dims.count : axis
        guard a >= 0, a < dims.count else { throw fail("node '\(node)': axis \(axis) is out of range for \(dims.count) axes") }
        guard let b = dims.firstIndex(of: -1) else { throw fail("node '\(node)': the value has no batch axis") }
        guard a != b else { throw fail("node '\(node)': operating along the batch axis (\(axis)) is not supported") }
        return a > b ? a - 1 : a
    }

    /// ONNX dims of the per-sample shape `s` with the batch at `batchAxis`.
    static func withBatch(_ s: [Int], at batchAxis: Int) -> [Int] {
        var d = s
        d.insert(-1, at: min(batchAxis, d.count))
        return d
    }

    /// The constant's per-sample shape against a value of ONNX dims `dims` (right-aligned
    /// numpy broadcasting; the constant's entry on the batch axis must be 1).
    func constantShape(_ c: [Int], against dims: [Int], node: String) throws(InferenceError) -> [Int] {
        guard c.count <= dims.count else {
            throw fail("node '\(node)': constant \(describe(c)) has more axes than the value \(describe(dims.map { $0 == -1 ? 0 : $0 }))")
        }
        let b = dims.firstIndex(of: -1) ?? 0
        let offset = dims.count - c.count
        var out: [Int] = []
        for (k, d) in c.enumerated() {
            if k + offset == b {
                guard d == 1 else { throw fail("node '\(node)': constant \(describe(c)) varies along the batch axis") }
                continue
            }
            out.append(d)
        }
        return out
    }

    /// Elementwise ops of computed values and constants that the classic patterns do not cover.
    mutating func generalElementwise(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        guard let op = ElementwiseOp(rawValue: n.opType == "Sum" ? "Add" : n.opType) else {
            throw fail("node '\(name)': \(n.opType) is not an elementwise op")
        }
        // A constant first operand (c − x, c / x).
        if n.input.count == 2, case .known(let k)? = values[n.input[0]], case .tensor(let id, let dims)? = values[n.input[1]] {
            guard let f = k.floats else { throw fail("node '\(name)': \(n.opType) by a non-float constant") }
            let shape = try constantShape(k.dims, against: dims, node: name)
            let t = Tensor(shape: shape.isEmpty ? [1] : shape, data: f)
            let out = try add(.elementwiseConstant(op, shape: t.shape, constantFirst: true), [id], name: name, parameters: [t])
            values[n.output[0]] = .tensor(id: out, dims: Self.withBatch(shapes[out], at: dims.firstIndex(of: -1) ?? 0))
            return
        }
        guard case .tensor(let firstID, let firstDims)? = values[n.input[0]] else {
            throw fail("node '\(name)': \(n.opType)'s first input '\(n.input[0])' must be computed from the model's input")
        }
        var current = (id: firstID, dims: firstDims)
        let b = firstDims.firstIndex(of: -1) ?? 0
        for (k, input) in n.input.enumerated().dropFirst() {
            let stepName = k == n.input.count - 1 ? name : name + ".\(k)"
            switch values[input] {
            case .tensor(let id, let dims)?:
                guard dims.count == current.dims.count, dims.firstIndex(of: -1) == b else {
                    throw fail(
                        "node '\(name)': \(n.opType) of values with different layouts (\(current.dims) and \(dims), batch marked -1) is not supported"
                    )
                }
                let out = try add(.elementwise(op), [current.id, id], name: stepName)
                current = (out, Self.withBatch(shapes[out], at: b))
            case .known(let k)?:
                guard let f = k.floats else { throw fail("node '\(name)': \(n.opType) by a non-float constant") }
                let shape = try constantShape(k.dims, against: current.dims, node: name)
                let t = Tensor(shape: shape.isEmpty ? [1] : shape, data: f)
                let out = try add(
                    .elementwiseConstant(op, shape: t.shape, constantFirst: false), [current.id], name: stepName, parameters: [t])
                current = (out, Self.withBatch(shapes[out], at: b))
            default:
                throw fail("node '\(name)': input '\(input)' is not available")
            }
        }
        values[n.output[0]] = .tensor(id: current.id, dims: current.dims)
    }

    /// Elementwise functions of one value.
    mutating func convertUnary(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let f: UnaryFunction
        switch n.opType {
        case "HardSigmoid": f = UnaryFunction(.hardSigmoid, alpha: float(n, "alpha", 0.2), beta: float(n, "beta", 0.5))
        case "HardSwish": f = UnaryFunction(.hardSwish)
        case "LeakyRelu": f = UnaryFunction(.leakyRelu, alpha: float(n, "alpha", 0.01))
        case "Elu": f = UnaryFunction(.elu, alpha: float(n, "alpha", 1))
        case "Exp", "Log", "Sqrt", "Neg", "Abs", "Reciprocal", "Softplus", "Erf":
            f = UnaryFunction(UnaryFunction.Kind(rawValue: n.opType)!)
        default: throw fail("node '\(name)': \(n.opType) is not a unary function")
        }
        let id = try add(.unary(f), [x.id], name: name)
        values[n.output[0]] = .tensor(id: id, dims: x.dims)
    }

    /// `Clip` with bounds other than ReLU6 / ReLU.
    mutating func convertGeneralClip(_ n: Onnx_NodeProto, name: String, lo: Float, hi: Float) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let id = try add(.unary(UnaryFunction(.clip, alpha: lo, beta: hi)), [x.id], name: name)
        values[n.output[0]] = .tensor(id: id, dims: x.dims)
    }

    /// A Transpose that reorders data within a sample.
    mutating func generalTranspose(_ x: (id: Int, dims: [Int]), perm: [Int], name: String, output: String) throws(InferenceError) {
        let b = x.dims.firstIndex(of: -1) ?? 0
        let outDims = perm.map { x.dims[$0] }
        // The per-sample permutation: drop the batch entry and renumber.
        let perSample = perm.filter { $0 != b }.map { $0 > b ? $0 - 1 : $0 }
        let id = try add(.transpose(perSample), [x.id], name: name)
        values[output] = .tensor(id: id, dims: outDims)
    }

    /// `Concat` along an axis other than the channels of batch-first values.
    mutating func generalConcat(_ parts: [(id: Int, dims: [Int])], axis: Int, name: String, output: String) throws(InferenceError) {
        let a = try perSampleAxis(axis, parts[0].dims, node: name)
        for p in parts where p.dims.count != parts[0].dims.count || p.dims.firstIndex(of: -1) != parts[0].dims.firstIndex(of: -1) {
            throw fail("node '\(name)': Concat of values with different layouts")
        }
        let id = try add(.join(axis: a), parts.map(\.id), name: name)
        values[output] = .tensor(id: id, dims: Self.withBatch(shapes[id], at: parts[0].dims.firstIndex(of: -1) ?? 0))
    }

    /// `Slice` of a computed value (its starts, ends, axes and steps known at import).
    mutating func convertSlice(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let starts: [Int]
        let ends: [Int]
        var axes: [Int]?
        var steps: [Int]?
        if opset < 10 {
            starts = ints(n, "starts") ?? []
            ends = ints(n, "ends") ?? []
            axes = ints(n, "axes")
        } else {
            starts = try ints(n.input[1], node: name).map { Int(clamping: $0) }
            ends = try ints(n.input[2], node: name).map { Int(clamping: $0) }
            if n.input.count > 3, !n.input[3].isEmpty { axes = try ints(n.input[3], node: name).map { Int(clamping: $0) } }
            if n.input.count > 4, !n.input[4].isEmpty { steps = try ints(n.input[4], node: name).map { Int(clamping: $0) } }
        }
        let onnxAxes = axes ?? Array(0..<starts.count)
        let onnxSteps = steps ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, onnxAxes.count == starts.count, onnxSteps.count == starts.count else {
            throw fail("node '\(name)': Slice's starts, ends, axes and steps differ in length")
        }
        let shape = Self.perSample(x.dims)
        var begin = [Int](repeating: 0, count: shape.count)
        var step = [Int](repeating: 1, count: shape.count)
        var size = shape
        for k in 0..<starts.count {
            let onnxAxis = onnxAxes[k] < 0 ? onnxAxes[k] + x.dims.count : onnxAxes[k]
            if onnxAxis >= 0, onnxAxis < x.dims.count, x.dims[onnxAxis] == -1 {
                // The batch axis may only be kept whole.
                guard starts[k] == 0 || starts[k] <= Int(Int32.min), ends[k] >= Int(Int32.max), onnxSteps[k] == 1 else {
                    throw fail("node '\(name)': Slice of the batch axis is not supported")
                }
                continue
            }
            let a = try perSampleAxis(onnxAxes[k], x.dims, node: name)
            let d = shape[a]
            let s = onnxSteps[k]
            guard s != 0 else { throw fail("node '\(name)': Slice step 0") }
            var b = starts[k] < 0 ? starts[k] + d : starts[k]
            var e = ends[k] < 0 ? ends[k] + d : ends[k]
            let count: Int
            if s > 0 {
                b = min(max(b, 0), d)
                e = min(max(e, 0), d)
                count = max(0, (e - b + s - 1) / s)
            } else {
                b = min(max(b, -1), d - 1)
                e = min(max(e, -1), d - 1)
                count = max(0, (b - e - s - 1) / -s)
            }
            guard count > 0 else { throw fail("node '\(name)': Slice leaves axis \(onnxAxes[k]) empty") }
            begin[a] = b
            step[a] = s
            size[a] = count
        }
        if begin == Array(repeating: 0, count: shape.count) && step == Array(repeating: 1, count: shape.count) && size == shape {
            values[n.output[0]] = .tensor(id: x.id, dims: x.dims)
            return
        }
        let id = try add(.slice(begin: begin, step: step, size: size), [x.id], name: name)
        values[n.output[0]] = .tensor(id: id, dims: Self.withBatch(size, at: x.dims.firstIndex(of: -1) ?? 0))
    }

    /// `Split` as one slice per output.
    mutating func convertSplit(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let a = try perSampleAxis(int(n, "axis", 0), x.dims, node: name)
        let shape = Self.perSample(x.dims)
        var sizes: [Int]
        if opset >= 13, n.input.count > 1, !n.input[1].isEmpty {
            sizes = try ints(n.input[1], node: name).map { Int(clamping: $0) }
        } else if let s = ints(n, "split") {
            sizes = s
        } else {
            let parts = n.output.count
            let chunk = (shape[a] + parts - 1) / parts
            sizes = (0..<parts).map { min(chunk, shape[a] - $0 * chunk) }
        }
        guard sizes.count == n.output.count, sizes.allSatisfy({ $0 > 0 }), sizes.reduce(0, +) == shape[a] else {
            throw fail("node '\(name)': Split sizes \(sizes) do not cover axis \(a) of \(describe(shape)) in \(n.output.count) parts")
        }
        var start = 0
        for (k, o) in n.output.enumerated() {
            var begin = [Int](repeating: 0, count: shape.count)
            var size = shape
            begin[a] = start
            size[a] = sizes[k]
            start += sizes[k]
            guard !o.isEmpty else { continue }
            let id = try add(
                .slice(begin: begin, step: Array(repeating: 1, count: shape.count), size: size), [x.id], name: "\(name).\(k)")
            values[o] = .tensor(id: id, dims: Self.withBatch(size, at: x.dims.firstIndex(of: -1) ?? 0))
        }
    }

    /// `Softmax` / `LogSoftmax` along any axis.
    mutating func convertSoftmaxAxis(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let axis = try normalizedAxis(int(n, "axis", opset >= 13 ? -1 : 1), rank: x.dims.count, node: name)
        if opset < 13 {
            // Before opset 13 the input is coerced to 2-D at `axis`: that is one axis only when the trailing axes are size 1.
            guard x.dims[(axis + 1)...].allSatisfy({ $0 == 1 }) else {
                throw fail("node '\(name)': \(n.opType) (opset \(opset)) over axes \(axis)… of \(x.dims) is not supported")
            }
        }
        let a = try perSampleAxis(axis, x.dims, node: name)
        let id = try add(.softmaxAxis(a, log: n.opType == "LogSoftmax"), [x.id], name: name)
        values[n.output[0]] = .tensor(id: id, dims: x.dims)
    }

    /// `ReduceMean` / `ReduceSum` / `ReduceMax` / `ReduceMin` over per-sample axes.
    mutating func convertReduce(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let fromInput = n.opType == "ReduceSum" ? opset >= 13 : opset >= 18
        var axes: [Int]?
        if fromInput {
            if n.input.count > 1, !n.input[1].isEmpty { axes = try ints(n.input[1], node: name).map { Int(clamping: $0) } }
        } else {
            axes = ints(n, "axes")
        }
        if axes?.isEmpty ?? true {
            if int(n, "noop_with_empty_axes", 0) != 0 {
                values[n.output[0]] = .tensor(id: x.id, dims: x.dims)
                return
            }
            throw fail("node '\(name)': \(n.opType) over every axis (the batch too) is not supported")
        }
        var perSample: [Int] = []
        for a in axes! { perSample.append(try perSampleAxis(a, x.dims, node: name)) }
        let keep = int(n, "keepdims", 1) != 0
        let id = try add(.reduce(ReduceKind(rawValue: n.opType)!, axes: perSample.sorted(), keepDims: keep), [x.id], name: name)
        var dims = x.dims
        let onnxAxes = Set(axes!.map { $0 < 0 ? $0 + x.dims.count : $0 })
        dims =
            keep
            ? dims.enumerated().map { onnxAxes.contains($0.offset) ? 1 : $0.element }
            : dims.enumerated().filter { !onnxAxes.contains($0.offset) }.map(\.element)
        // A sample reduced to a scalar keeps ONNX's dims (the engine holds it as [1]).
        values[n.output[0]] = .tensor(id: id, dims: dims)
    }

    /// `MatMul` of two computed values, or of an N-D value by a constant matrix.
    mutating func convertGeneralMatMul(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let b = x.dims.firstIndex(of: -1) ?? 0
        switch values[n.input[1]] {
        case .tensor(let id, let dims)?:
            guard dims.count == x.dims.count, dims.firstIndex(of: -1) == b, b < x.dims.count - 2 else {
                throw fail("node '\(name)': MatMul of \(x.dims) by \(dims) (batch marked -1) is not supported")
            }
            let out = try add(.matmul, [x.id, id], name: name)
            values[n.output[0]] = .tensor(id: out, dims: Self.withBatch(shapes[out], at: b))
        case .known(let k)?:
            guard let w = k.floats, k.dims.count == 2 else {
                throw fail("node '\(name)': MatMul by a constant of shape \(describe(k.dims)) is not supported (2-D float only)")
            }
            guard b < x.dims.count - 1 else { throw fail("node '\(name)': MatMul along the batch axis") }
            let out = try add(
                .rowDense(units: k.dims[1], bias: false), [x.id], name: name, parameters: [Tensor(shape: k.dims, data: w)])
            values[n.output[0]] = .tensor(id: out, dims: Self.withBatch(shapes[out], at: b))
        default:
            throw fail("node '\(name)': MatMul input '\(n.input[1])' is not available")
        }
    }

    /// `Resize` of `[N, C, H, W]` (nearest or linear; the batch and channels keep their size).
    mutating func convertResize(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let shape = Self.perSample(x.dims)
        guard x.dims.count == 4, x.dims[0] == -1, shape.count == 3 else {
            throw fail("node '\(name)': Resize of \(x.dims) is supported for [N, C, H, W] only")
        }
        func known(_ k: Int) -> KnownTensor? {
            guard n.input.count > k, !n.input[k].isEmpty, case .known(let t)? = values[n.input[k]], t.count > 0 else { return nil }
            return t
        }
        var outH = 0
        var outW = 0
        var scaleH: Float = 0
        var scaleW: Float = 0
        let scalesIndex = opset >= 11 ? 2 : 1
        if let sizes = known(3) {
            let s = try ints(n.input[3], node: name)
            guard s.count == 4, s[1] == Int64(shape[0]) else { throw fail("node '\(name)': Resize sizes \(s) for \(x.dims)") }
            _ = sizes
            guard s[2...].allSatisfy({ (1...Int64(ShapeLimit.maxElements)).contains($0) }) else {
                throw fail("node '\(name)': Resize sizes \(s): each must be 1 to \(ShapeLimit.maxElements)")
            }
            outH = Int(s[2])
            outW = Int(s[3])
            scaleH = Float(outH) / Float(shape[1])
            scaleW = Float(outW) / Float(shape[2])
        } else if let scales = known(scalesIndex), let f = scales.floats {
            guard f.count == 4, f[0] == 1, f[1] == 1, f[2] > 0, f[3] > 0 else {
                throw fail("node '\(name)': Resize scales \(f): only the two spatial axes may change")
            }
            scaleH = f[2]
            scaleW = f[3]
            // In Double and checked before the conversion (a fuzzed file gave an infinite scale).
            let h = (Double(shape[1]) * Double(f[2])).rounded(.down)
            let w = (Double(shape[2]) * Double(f[3])).rounded(.down)
            guard h >= 1, w >= 1, h <= Double(ShapeLimit.maxElements), w <= Double(ShapeLimit.maxElements) else {
                throw fail("node '\(name)': Resize scales \(f) give a \(h) × \(w) output; each side must be 1 to \(ShapeLimit.maxElements)")
            }
            outH = Int(h)
            outW = Int(w)
        } else {
            throw fail("node '\(name)': Resize needs scales or sizes known at import")
        }
        let modeText = attribute(n, "mode").map { String(decoding: $0.s, as: UTF8.self) } ?? "nearest"
        guard let mode = ResizeAttributes.Mode(rawValue: modeText) else {
            throw fail("node '\(name)': Resize mode '\(modeText)' is not supported (nearest, linear)")
        }
        let coordText = attribute(n, "coordinate_transformation_mode").map { String(decoding: $0.s, as: UTF8.self) } ?? "half_pixel"
        guard let coordinates = ResizeAttributes.Coordinates(rawValue: coordText) else {
            throw fail(
                "node '\(name)': coordinate_transformation_mode '\(coordText)' is not supported (half_pixel, asymmetric, align_corners, pytorch_half_pixel)"
            )
        }
        let roundText = attribute(n, "nearest_mode").map { String(decoding: $0.s, as: UTF8.self) } ?? "round_prefer_floor"
        guard let rounding = ResizeAttributes.Rounding(rawValue: roundText) else {
            throw fail("node '\(name)': nearest_mode '\(roundText)' is not supported")
        }
        if let a = attribute(n, "antialias"), a.i != 0 { throw fail("node '\(name)': Resize antialias is not supported") }
        let a = ResizeAttributes(
            outHeight: outH, outWidth: outW, scaleH: scaleH, scaleW: scaleW, mode: mode, coordinates: coordinates, rounding: rounding)
        let id = try add(.resize(a), [x.id], name: name)
        values[n.output[0]] = .tensor(id: id, dims: [-1] + shapes[id])
    }

    /// `ConvTranspose` (2-D).
    mutating func convertConvTranspose(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let w = try constant(n.input[1], node: name)
        let shape = Self.perSample(x.dims)
        guard w.shape.count == 4, shape.count == 3, x.dims.first == -1 else {
            throw fail("node '\(name)': only 2-D ConvTranspose of [N, C, H, W] is supported (weight \(describe(w.shape)))")
        }
        let groups = int(n, "group", 1)
        let limit = Self.spatialLimit
        guard (1...limit).contains(groups) else { throw fail("node '\(name)': ConvTranspose group \(groups) must be positive") }
        let strides = try spatial(n, "strides", count: 2, [1, 1], allowed: 1...limit, node: name)
        let dil = try spatial(n, "dilations", count: 2, [1, 1], allowed: 1...limit, node: name)
        var pads = try spatial(n, "pads", count: 4, [0, 0, 0, 0], allowed: 0...limit, node: name)
        var outPad = try spatial(n, "output_padding", count: 2, [0, 0], allowed: 0...limit, node: name)
        if let target = ints(n, "output_shape"), target.count < 2 || target.suffix(2).contains(where: { !(1...limit).contains($0) }) {
            throw fail("node '\(name)': ConvTranspose attribute output_shape is \(target); its last 2 values must be in 1...\(limit)")
        }
        let autoPad = autoPad(n)
        if let target = ints(n, "output_shape")
            ?? (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" ? [shape[1] * strides[0], shape[2] * strides[1]] : nil)
        {
            let spatial = Array(target.suffix(2))
            guard spatial.count == 2 else { throw fail("node '\(name)': output_shape \(target)") }
            for k in 0..<2 {
                let total = strides[k] * (shape[1 + k] - 1) + outPad[k] + (w.shape[2 + k] - 1) * dil[k] + 1 - spatial[k]
                guard total >= 0 else {
                    outPad[k] += -total
                    pads[k] = 0
                    pads[k + 2] = 0
                    continue
                }
                let small = total / 2
                pads[k] = autoPad == "SAME_UPPER" ? small : total - small
                pads[k + 2] = total - pads[k]
            }
        }
        guard shape[0] == w.shape[0] else {
            throw fail("node '\(name)': weight \(describe(w.shape)) expects \(w.shape[0]) input channels, got \(shape[0])")
        }
        let a = ConvTransposeAttributes(
            outChannels: w.shape[1] * groups, kernelH: w.shape[2], kernelW: w.shape[3], strideH: strides[0], strideW: strides[1],
            padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3], dilationH: dil[0], dilationW: dil[1],
            outputPaddingH: outPad[0], outputPaddingW: outPad[1], groups: groups, hasBias: n.input.count > 2 && !n.input[2].isEmpty)
        var params = [w]
        if a.hasBias { params.append(try constant(n.input[2], node: name)) }
        let id = try add(.convTranspose(a), [x.id], name: name, parameters: params)
        values[n.output[0]] = .tensor(id: id, dims: [-1] + shapes[id])
    }

    /// `LayerNormalization` (over the trailing axes from `axis`) and `InstanceNormalization`
    /// (over the spatial axes, per channel) as reductions and elementwise layers.
    mutating func convertNormalization(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let b = x.dims.firstIndex(of: -1) ?? 0
        let eps = float(n, "epsilon", 1e-5)
        let shape = Self.perSample(x.dims)
        var axes: [Int]
        var paramShape: [Int]
        if n.opType == "LayerNormalization" {
            var axis = int(n, "axis", -1)
            if axis < 0 { axis += x.dims.count }
            guard axis > b else { throw fail("node '\(name)': LayerNormalization over the batch axis is not supported") }
            let first = try perSampleAxis(axis, x.dims, node: name)
            axes = Array(first..<shape.count)
            paramShape = Array(shape[first...])
        } else {
            guard shape.count >= 2, b == 0 else { throw fail("node '\(name)': InstanceNormalization needs [N, C, …]") }
            axes = Array(1..<shape.count)
            paramShape = [shape[0]] + Array(repeating: 1, count: shape.count - 1)
        }
        let mean = try add(.reduce(.mean, axes: axes, keepDims: true), [x.id], name: name + ".mean")
        let centered = try add(.elementwise(.sub), [x.id, mean], name: name + ".centered")
        let squared = try add(.elementwise(.mul), [centered, centered], name: name + ".squared")
        let variance = try add(.reduce(.mean, axes: axes, keepDims: true), [squared], name: name + ".variance")
        let shifted = try add(
            .elementwiseConstant(.add, shape: [1], constantFirst: false), [variance], name: name + ".epsilon",
            parameters: [Tensor(shape: [1], data: [eps])])
        let deviation = try add(.unary(UnaryFunction(.sqrt)), [shifted], name: name + ".deviation")
        var y = try add(.elementwise(.div), [centered, deviation], name: name + ".normalized")
        let scale = try constant(n.input[1], node: name)
        guard scale.count == paramShape.reduce(1, *) else {
            throw fail("node '\(name)': scale has \(scale.count) values, expected \(paramShape.reduce(1, *))")
        }
        y = try add(
            .elementwiseConstant(.mul, shape: paramShape, constantFirst: false), [y], name: name + ".scale",
            parameters: [Tensor(shape: paramShape, data: scale.data)])
        if n.input.count > 2, !n.input[2].isEmpty {
            let bias = try constant(n.input[2], node: name)
            guard bias.count == scale.count else { throw fail("node '\(name)': bias has \(bias.count) values, expected \(scale.count)") }
            y = try add(
                .elementwiseConstant(.add, shape: paramShape, constantFirst: false), [y], name: name,
                parameters: [Tensor(shape: paramShape, data: bias.data)])
        }
        values[n.output[0]] = .tensor(id: y, dims: x.dims)
    }

    /// Whether a Gather takes the last step of a sequence (the recurrent `lastStep` pattern).
    func isLastStepGather(_ n: Onnx_NodeProto, _ dims: [Int]) -> Bool {
        guard n.input.count > 1, case .known(let k)? = values[n.input[1]], case .int(let e) = k.elements, e.count == 1,
            let index = e[0].constant, let first = dims.firstIndex(where: { $0 != -1 }), dims.count >= 2,
            Self.perSample(dims).count >= 2
        else { return false }
        var axis = int(n, "axis", 0)
        if axis < 0 { axis += dims.count }
        return axis == first && (Int(index) == dims[axis] - 1 || index == -1)
    }

    /// `Gather` of a computed value with indices known at import (a scalar index drops the axis).
    mutating func convertGather(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        guard n.input.count > 1, case .known(let k)? = values[n.input[1]], case .int = k.elements else {
            throw fail(
                "node '\(name)': Gather of a value computed from the model's input needs indices known at import (these are computed from the input)"
            )
        }
        guard k.dims.count <= 1 else { throw fail("node '\(name)': Gather with \(k.dims.count)-D indices is not supported") }
        let raw = try ints(n.input[1], node: name)
        let a = try perSampleAxis(int(n, "axis", 0), x.dims, node: name)
        let shape = Self.perSample(x.dims)
        var indices: [Int] = []
        for i in raw {
            let j = i < 0 ? Int(i) + shape[a] : Int(i)
            guard j >= 0, j < shape[a] else { throw fail("node '\(name)': Gather index \(i) is out of range for an axis of \(shape[a])") }
            indices.append(j)
        }
        let id = try add(.gather(axis: a, indices: indices), [x.id], name: name)
        let b = x.dims.firstIndex(of: -1) ?? 0
        let kept = Self.withBatch(shapes[id], at: b)
        guard k.dims.isEmpty else {
            values[n.output[0]] = .tensor(id: id, dims: kept)
            return
        }
        // A scalar index drops the axis.
        var dims = kept
        dims.remove(at: a >= b ? a + 1 : a)
        try relayout((id, kept), to: dims, name: name + ".squeeze", output: n.output[0])
    }

    /// Binds an input other than the model's: the value given (`infer --input NAME=FILE`), else
    /// zeros of its declared shape (fixed by `--input-shape NAME=DIMS` when symbolic). A
    /// dimension named like the model input's batch makes zeros that follow the batch
    /// (a recurrent state), usable where zeros are the default.
    mutating func bindExtraInput(_ v: Onnx_ValueInfoProto, given: [Int]?, batchSymbol: String) throws(InferenceError) {
        let dims = v.type.tensorType.shape.dim
        let type = Onnx_TensorProto.DataType(rawValue: Int(v.type.tensorType.elemType))
        if let t = bound[v.name] {
            for (k, d) in dims.enumerated() where d.dimValue > 0 && (k >= t.dims.count || t.dims[k] != Int(d.dimValue)) {
                throw fail(
                    "--input \(v.name): array shape \(t.dims) does not match the input's declared \(dims.map { $0.dimValue > 0 ? "\($0.dimValue)" : $0.dimParam })"
                )
            }
            guard t.dims.count == dims.count else {
                throw fail("--input \(v.name): array of \(t.dims.count) axes for an input of \(dims.count)")
            }
            values[v.name] = .known(t)
            return
        }
        var shape: [Int] = []
        var followsBatch = false
        for (k, d) in dims.enumerated() {
            if let g = given, k < g.count {
                shape.append(g[k])
            } else if d.dimValue > 0 {
                shape.append(Int(d.dimValue))
            } else if !batchSymbol.isEmpty && d.dimParam == batchSymbol && !followsBatch {
                followsBatch = true
                shape.append(-1)
            } else {
                throw fail(
                    "input '\(v.name)' axis \(k)\(d.dimParam.isEmpty ? "" : " ('\(d.dimParam)')") is symbolic; extra inputs are fed zeros of their declared shape: give it with --input-shape \(v.name)=DIMS, or the values with infer --input \(v.name)=FILE.npy"
                )
            }
        }
        if followsBatch {
            guard type == .float else { throw fail("input '\(v.name)': an integer input that follows the batch is not supported") }
            values[v.name] = .batchZeros(dims: shape)
            return
        }
        let count = shape.reduce(1, *)
        guard count <= ONNXFolding.maxElements else { throw fail("input '\(v.name)': \(shape) is too large to feed zeros") }
        switch type {
        case .float?, .double?, .float16?:
            values[v.name] = .known(KnownTensor(dims: shape, elements: .float(Array(repeating: 0, count: count))))
        case .bool?: values[v.name] = .known(KnownTensor(dims: shape, elements: .bool(Array(repeating: false, count: count))))
        default: values[v.name] = .known(KnownTensor(ints: Array(repeating: 0, count: count), dims: shape))
        }
    }

    /// `Pad` of a computed value (constant, reflect or edge; non-negative pads, none on the batch axis).
    mutating func generalPad(
        _ x: (id: Int, dims: [Int]), pads: [Int], mode: String, value: Float, name: String, output: String
    ) throws(InferenceError) {
        let r = x.dims.count
        guard pads.count == 2 * r, pads.allSatisfy({ $0 >= 0 }) else {
            throw fail("node '\(name)': Pad needs \(2 * r) non-negative pads for \(r) axes, got \(pads)")
        }
        guard let padMode = PadMode(rawValue: mode) else { throw fail("node '\(name)': Pad mode '\(mode)' is not supported") }
        let b = x.dims.firstIndex(of: -1) ?? 0
        guard pads[b] == 0, pads[b + r] == 0 else { throw fail("node '\(name)': padding the batch axis is not supported") }
        let begin = pads[0..<r].enumerated().filter { $0.offset != b }.map(\.element)
        let end = pads[r...].enumerated().filter { $0.offset != b }.map(\.element)
        let id = try add(.pad(begin: begin, end: end, mode: padMode, value: value), [x.id], name: name)
        values[output] = .tensor(id: id, dims: Self.withBatch(shapes[id], at: b))
    }

    /// A 1-D `Conv` over `[N, C, L]` as a 2-D one over `[N, C, 1, L]`.
    mutating func convertConv1d(_ n: Onnx_NodeProto, name: String) throws(InferenceError) {
        let x = try value(n.input[0], node: name)
        let w = try constant(n.input[1], node: name)
        let shape = Self.perSample(x.dims)
        if x.dims.count == 3, x.dims[2] == -1, x.dims[0] == 1, w.shape.count == 3, w.shape[2] == 1, w.shape[1] == x.dims[1],
            int(n, "group", 1) == 1, (ints(n, "strides") ?? [1]) == [1], (ints(n, "dilations") ?? [1]) == [1],
            (ints(n, "pads") ?? [0, 0]).allSatisfy({ $0 == 0 }),
            ["", "NOTSET", "VALID"].contains(autoPad(n))
        {
            // A kernel-1 convolution along the batch axis (`[1, C, N]`: positions that are the
            // samples) is a dense layer on each sample's channels.
            var params = [transpose2D(Tensor(shape: [w.shape[0], w.shape[1]], data: w.data))]
            if n.input.count > 2, !n.input[2].isEmpty { params.append(try constant(n.input[2], node: name)) }
            let id = try add(.rowDense(units: w.shape[0], bias: params.count == 2), [x.id], name: name, parameters: params)
            values[n.output[0]] = .tensor(id: id, dims: [1, w.shape[0], -1])
            return
        }
        guard x.dims.first == -1, shape.count == 2, w.shape.count == 3 else {
            throw fail("node '\(name)': a 1-D convolution needs an [N, C, L] input, got \(x.dims) (batch marked -1)")
        }
        let as2d = name + ".as2d"
        try relayout(x, to: [-1, shape[0], 1, shape[1]], name: name + ".to2d", output: as2d)
        values[name + ".weight2d"] = .known(KnownTensor(dims: [w.shape[0], w.shape[1], 1, w.shape[2]], elements: .float(w.data)))
        var m = n
        m.input[0] = as2d
        m.input[1] = name + ".weight2d"
        m.output = [name + ".out2d"]
        m.attribute = n.attribute.map { a in
            var b = a
            switch a.name {
            case "kernel_shape", "strides": b.ints = [1] + a.ints
            case "dilations": b.ints = [1] + a.ints
            case "pads" where a.ints.count == 2: b.ints = [0, a.ints[0], 0, a.ints[1]]
            default: break
            }
            return b
        }
        try convertConv(m, name: name)
        let y = try value(name + ".out2d", node: name)
        let out = Self.perSample(y.dims)
        try relayout(y, to: [-1, out[0], out[2]], name: name + ".to1d", output: n.output[0])
    }

    /// The dims of zeros that follow the batch after a Gather, Squeeze or Unsqueeze that keeps
    /// the batch (still zeros); nil for any other op.
    func zerosReshaped(_ n: Onnx_NodeProto, _ dims: [Int]) throws(InferenceError) -> [Int]? {
        func axesInput() throws(InferenceError) -> [Int]? {
            if opset >= 13, n.input.count > 1, !n.input[1].isEmpty { return try ints(n.input[1], node: n.name).map { Int(clamping: $0) } }
            return ints(n, "axes")
        }
        var out = dims
        switch n.opType {
        case "Identity", "Dropout": return dims
        case "Gather":
            guard n.input.count > 1, case .known(let k)? = values[n.input[1]], k.dims.count <= 1 else { return nil }
            var a = int(n, "axis", 0)
            if a < 0 { a += dims.count }
            guard a >= 0, a < dims.count, dims[a] != -1 else { return nil }
            if k.dims.isEmpty { out.remove(at: a) } else { out[a] = k.count }
            return out
        case "Squeeze":
            guard let axes = try axesInput() else { return out.filter { $0 != 1 } }
            let drop = Set(axes.map { $0 < 0 ? $0 + dims.count : $0 })
            guard drop.allSatisfy({ $0 >= 0 && $0 < dims.count && dims[$0] == 1 }) else { return nil }
            return dims.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        case "Unsqueeze":
            guard let axes = try axesInput() else { return nil }
            let rank = dims.count + axes.count
            let norm = axes.map { $0 < 0 ? $0 + rank : $0 }
            guard norm.allSatisfy({ $0 >= 0 && $0 < rank }) else { return nil }
            for a in norm.sorted() { out.insert(1, at: a) }
            return out
        default: return nil
        }
    }
}
