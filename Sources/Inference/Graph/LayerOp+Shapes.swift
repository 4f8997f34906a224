// MARK: - Shape inference and parameter shapes

extension LayerOp {
    /// How many parameter tensors a node with this op carries.
    package var parameterTensorCount: Int {
        switch self {
        case .dense(_, let bias): bias ? 2 : 1
        case .conv2d(let a): a.hasBias ? 2 : 1
        case .batchNorm: 4
        case .lstm, .gru: 3
        case .elementwiseConstant: 1
        case .rowDense(_, let bias): bias ? 2 : 1
        case .convTranspose(let a): a.hasBias ? 2 : 1
        default: 0
        }
    }

    /// The per-sample output shape for the given input shapes.
    ///
    /// - Throws: ``InferenceError`` naming `layer` and the offending shapes.
    package func outputShape(for inputs: [[Int]], layer: String) throws(InferenceError) -> [Int] {
        let out = try uncheckedOutputShape(for: inputs, layer: layer)
        guard ShapeLimit.elements(out) != nil else {
            throw InferenceError(
                "layer '\(layer)' (\(kind)): its output \(describe(out)) has more than \(ShapeLimit.maxElements) elements per sample")
        }
        return out
    }

    private func uncheckedOutputShape(for inputs: [[Int]], layer: String) throws(InferenceError) -> [Int] {
        func fail(_ why: String) -> InferenceError {
            InferenceError("layer '\(layer)' (\(kind)): \(why)")
        }
        func single() throws(InferenceError) -> [Int] {
            guard inputs.count == 1 else { throw fail("takes 1 input, got \(inputs.count)") }
            return inputs[0]
        }
        func image() throws(InferenceError) -> (Int, Int, Int) {
            let s = try single()
            guard s.count == 3 else {
                throw fail("expects a [C, H, W] input, got \(describe(s))")
            }
            return (s[0], s[1], s[2])
        }
        switch self {
        case .dense(let units, _):
            let s = try single()
            guard s.count == 1 else {
                throw fail("expects a [features] input, got \(describe(s)); add a Flatten before it")
            }
            guard units > 0 else { throw fail("units must be positive, got \(units)") }
            return [units]
        case .conv2d(let a):
            let (c, h, w) = try image()
            guard a.outChannels > 0, a.kernelH > 0, a.kernelW > 0, a.strideH > 0, a.strideW > 0,
                a.dilationH > 0, a.dilationW > 0, a.groups > 0,
                min(a.padTop, a.padLeft, a.padBottom, a.padRight) >= 0
            else {
                throw fail(
                    "output channels \(a.outChannels), kernel \(a.kernelH)×\(a.kernelW), strides \(a.strideH)×\(a.strideW), dilations \(a.dilationH)×\(a.dilationW) and groups \(a.groups) must be positive, pads \(a.padTop),\(a.padLeft),\(a.padBottom),\(a.padRight) non-negative"
                )
            }
            guard c % a.groups == 0, a.outChannels % a.groups == 0 else {
                throw fail(
                    "input channels \(c) and output channels \(a.outChannels) must both be divisible by groups \(a.groups) (input \(describe(inputs[0])))"
                )
            }
            let (oh, ow) = a.outputSize(height: h, width: w)
            guard oh > 0, ow > 0 else {
                throw fail(
                    "kernel \(a.kernelH)×\(a.kernelW) (dilation \(a.dilationH)×\(a.dilationW)) does not fit input \(describe(inputs[0])) with padding \(a.padTop),\(a.padLeft),\(a.padBottom),\(a.padRight)"
                )
            }
            return [a.outChannels, oh, ow]
        case .batchNorm(let eps):
            let s = try single()
            guard eps >= 0 else { throw fail("epsilon must be non-negative, got \(eps)") }
            guard s.count == 3 || s.count == 1 else {
                throw fail("expects a [C, H, W] or [C] input, got \(describe(s))")
            }
            return s
        case .activation, .softmax:
            return try single()
        case .maxPool(let a), .avgPool(let a):
            let (c, h, w) = try image()
            guard a.kernelH > 0, a.kernelW > 0, a.strideH > 0, a.strideW > 0,
                min(a.padTop, a.padLeft, a.padBottom, a.padRight) >= 0
            else {
                throw fail(
                    "window \(a.kernelH)×\(a.kernelW) and strides \(a.strideH)×\(a.strideW) must be positive, pads \(a.padTop),\(a.padLeft),\(a.padBottom),\(a.padRight) non-negative"
                )
            }
            guard a.padTop < a.kernelH, a.padBottom < a.kernelH, a.padLeft < a.kernelW, a.padRight < a.kernelW else {
                throw fail("padding must be smaller than the window \(a.kernelH)×\(a.kernelW)")
            }
            let (oh, ow) = a.outputSize(height: h, width: w)
            guard oh > 0, ow > 0 else {
                throw fail("window \(a.kernelH)×\(a.kernelW) does not fit input \(describe(inputs[0]))")
            }
            return [c, oh, ow]
        case .globalAvgPool:
            let (c, _, _) = try image()
            return [c, 1, 1]
        case .add:
            guard inputs.count >= 2 else { throw fail("takes at least 2 inputs, got \(inputs.count)") }
            for s in inputs.dropFirst() where s != inputs[0] {
                throw fail("inputs must have the same shape, got \(inputs.map(describe).joined(separator: " and "))")
            }
            return inputs[0]
        case .concat:
            guard !inputs.isEmpty else { throw fail("takes at least 1 input") }
            let rest = inputs[0].dropFirst()
            for s in inputs where s.count != inputs[0].count || s.dropFirst() != rest {
                throw fail(
                    "inputs must agree on every axis but the first, got \(inputs.map(describe).joined(separator: " and "))")
            }
            return [inputs.reduce(0) { $0 + $1[0] }] + rest
        case .flatten:
            let s = try single()
            return [s.reduce(1, *)]
        case .reshape(let target):
            let s = try single()
            guard !target.isEmpty, target.allSatisfy({ $0 > 0 }), target.reduce(1, *) == s.reduce(1, *) else {
                throw fail("cannot reshape \(describe(s)) (\(s.reduce(1, *)) elements) to \(describe(target))")
            }
            return target
        case .lstm(let a), .gru(let a):
            let s = try single()
            guard s.count == 2 else {
                throw fail("expects a [timesteps, features] input, got \(describe(s))")
            }
            guard a.hiddenSize > 0 else { throw fail("hidden size must be positive, got \(a.hiddenSize)") }
            if a.timeAcrossBatch {
                guard s[0] == 1, a.returnSequences else {
                    throw fail("a recurrence across the batch takes one timestep per sample ([1, features]) and returns every step")
                }
            }
            return a.returnSequences ? [s[0], a.directions * a.hiddenSize] : [a.directions * a.hiddenSize]
        case .lastStep:
            let s = try single()
            guard s.count >= 2 else { throw fail("expects a [timesteps, …] input of rank 2 or more, got \(describe(s))") }
            return Array(s.dropFirst())
        case .elementwise:
            guard inputs.count == 2 else { throw fail("takes 2 inputs, got \(inputs.count)") }
            guard inputs[0].count == inputs[1].count else {
                throw fail("inputs must have the same rank, got \(describe(inputs[0])) and \(describe(inputs[1]))")
            }
            return try Self.broadcast(inputs[0], inputs[1], fail)
        case .elementwiseConstant(_, let shape, _):
            let s = try single()
            guard shape.count <= s.count else {
                throw fail("constant \(describe(shape)) has more axes than the input \(describe(s))")
            }
            return try Self.broadcast(s, Array(repeating: 1, count: s.count - shape.count) + shape, fail)
        case .unary:
            return try single()
        case .transpose(let perm):
            let s = try single()
            guard perm.sorted() == Array(0..<s.count) else { throw fail("perm \(perm) is not a permutation of \(s.count) axes") }
            return perm.map { s[$0] }
        case .slice(let begin, let step, let size):
            let s = try single()
            guard begin.count == s.count, step.count == s.count, size.count == s.count else {
                throw fail("slice of rank \(begin.count) for input \(describe(s))")
            }
            for k in 0..<s.count {
                let last = begin[k] + (size[k] - 1) * step[k]
                guard size[k] > 0, step[k] != 0, begin[k] >= 0, begin[k] < s[k], last >= 0, last < s[k] else {
                    throw fail("slice begin \(begin) step \(step) size \(size) does not fit \(describe(s))")
                }
            }
            return size
        case .join(let axis):
            guard let first = inputs.first else { throw fail("takes at least 1 input") }
            guard axis >= 0, axis < first.count else { throw fail("axis \(axis) for rank \(first.count)") }
            for s in inputs
            where s.count != first.count || s.enumerated().contains(where: { $0.offset != axis && $0.element != first[$0.offset] }) {
                throw fail("inputs must agree on every axis but \(axis), got \(inputs.map(describe).joined(separator: " and "))")
            }
            var out = first
            out[axis] = inputs.reduce(0) { $0 + $1[axis] }
            return out
        case .pad(let begin, let end, let mode, _):
            let s = try single()
            guard begin.count == s.count, end.count == s.count, begin.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 }),
                end.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 })
            else { throw fail("pads \(begin) / \(end) for \(describe(s)) (non-negative, at most 2^16)") }
            if mode == .reflect {
                for k in 0..<s.count where begin[k] >= s[k] || end[k] >= s[k] {
                    throw fail("reflect padding of \(max(begin[k], end[k])) needs an axis longer than that, got \(s[k])")
                }
            }
            return zip(s, zip(begin, end)).map { $0 + $1.0 + $1.1 }
        case .gather(let axis, let indices):
            let s = try single()
            guard axis >= 0, axis < s.count, !indices.isEmpty, indices.allSatisfy({ $0 >= 0 && $0 < s[axis] }) else {
                throw fail("indices \(indices.prefix(8)) along axis \(axis) do not fit \(describe(s))")
            }
            var out = s
            out[axis] = indices.count
            return out
        case .softmaxAxis(let axis, _):
            let s = try single()
            guard axis >= 0, axis < s.count else { throw fail("axis \(axis) for \(describe(s))") }
            return s
        case .reduce(_, let axes, let keepDims):
            let s = try single()
            guard !axes.isEmpty, axes.allSatisfy({ $0 >= 0 && $0 < s.count }), Set(axes).count == axes.count else {
                throw fail("axes \(axes) for \(describe(s))")
            }
            let out =
                keepDims
                ? s.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                : s.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
            return out.isEmpty ? [1] : out
        case .matmul:
            guard inputs.count == 2 else { throw fail("takes 2 inputs, got \(inputs.count)") }
            let (a, b) = (inputs[0], inputs[1])
            guard a.count >= 2, a.count == b.count, a[a.count - 1] == b[b.count - 2] else {
                throw fail("cannot multiply \(describe(a)) by \(describe(b))")
            }
            let lead = try Self.broadcast(Array(a.dropLast(2)), Array(b.dropLast(2)), fail)
            return lead + [a[a.count - 2], b[b.count - 1]]
        case .rowDense(let units, _):
            let s = try single()
            guard s.count >= 2, units > 0 else { throw fail("expects an input of rank 2 or more, got \(describe(s))") }
            return Array(s.dropLast()) + [units]
        case .resize(let a):
            let (c, _, _) = try image()
            guard a.outHeight > 0, a.outWidth > 0, a.outHeight <= 1 << 16, a.outWidth <= 1 << 16 else {
                throw fail("output size \(a.outHeight)×\(a.outWidth) is out of range")
            }
            return [c, a.outHeight, a.outWidth]
        case .convTranspose(let a):
            let (c, h, w) = try image()
            let limit = 1 << 16
            guard
                [a.kernelH, a.kernelW, a.strideH, a.strideW, a.dilationH, a.dilationW, a.padTop, a.padLeft, a.padBottom, a.padRight]
                    .allSatisfy({ $0 <= limit }), a.outputPaddingH <= limit, a.outputPaddingW <= limit, h <= limit, w <= limit
            else { throw fail("attributes \(a) are beyond \(limit)") }
            guard a.outChannels > 0, a.kernelH > 0, a.kernelW > 0, a.strideH > 0, a.strideW > 0, a.dilationH > 0, a.dilationW > 0,
                a.groups > 0, c % a.groups == 0, a.outChannels % a.groups == 0,
                min(a.padTop, a.padLeft, a.padBottom, a.padRight, a.outputPaddingH, a.outputPaddingW) >= 0
            else { throw fail("attributes \(a) do not fit input \(describe(inputs[0]))") }
            let (oh, ow) = a.outputSize(height: h, width: w)
            guard oh > 0, ow > 0 else { throw fail("output would be empty for input \(describe(inputs[0]))") }
            return [a.outChannels, oh, ow]
        }
    }

    /// numpy broadcasting of two shapes of the same rank.
    static func broadcast(_ a: [Int], _ b: [Int], _ fail: (String) -> InferenceError) throws(InferenceError) -> [Int] {
        var out: [Int] = []
        for (x, y) in zip(a, b) {
            guard x == y || x == 1 || y == 1 else { throw fail("shapes \(describe(a)) and \(describe(b)) do not broadcast") }
            out.append(x == 1 ? y : x)
        }
        return out
    }

    /// The shapes of the parameter tensors for the given input shapes (see ``LayerOp``).
    package func parameterShapes(for inputs: [[Int]], layer: String) throws(InferenceError) -> [[Int]] {
        _ = try outputShape(for: inputs, layer: layer)
        let s = inputs[0]
        switch self {
        case .dense(let units, let bias):
            return bias ? [[units, s[0]], [units]] : [[units, s[0]]]
        case .conv2d(let a):
            let w = [a.outChannels, s[0] / a.groups, a.kernelH, a.kernelW]
            return a.hasBias ? [w, [a.outChannels]] : [w]
        case .batchNorm:
            return Array(repeating: [s[0]], count: 4)
        case .lstm(let a):
            let h = a.hiddenSize
            let d = a.directions
            return [[d * 4 * h, s[1]], [d * 4 * h, h], [d * 8 * h]]
        case .gru(let a):
            let h = a.hiddenSize
            let d = a.directions
            return [[d * 3 * h, s[1]], [d * 3 * h, h], [d * 6 * h]]
        case .elementwiseConstant(_, let shape, _):
            return [shape]
        case .rowDense(let units, let bias):
            return bias ? [[s[s.count - 1], units], [units]] : [[s[s.count - 1], units]]
        case .convTranspose(let a):
            let w = [s[0], a.outChannels / a.groups, a.kernelH, a.kernelW]
            return a.hasBias ? [w, [a.outChannels]] : [w]
        default:
            return []
        }
    }
}
