/// Planning the general ops: every loop's extents and strides in the engine's layout
/// (``Layout``: per-sample `[s0, s1, …]` stored `[s0, N, s1, …]`), computed once.
extension StepPlanner {
    /// The step for general-op node `node` writing value `output`, and the scratch it needs.
    mutating func planGeneral(_ node: Node, output: Int) -> (GeneralStep, Int) {
        let n = batch
        let ins = node.inputs.map { shapes[$0] }
        let out = shapes[output]
        let outDims = Layout.dims(out, batch: n)
        let outCount = outDims.reduce(1, *)
        func step(_ kind: GeneralStep.Kind) -> GeneralStep { GeneralStep(inputs: node.inputs, y: output, kind: kind) }
        switch node.op {
        case .elementwise(let op):
            let a = Layout.broadcastStrides(ins[0], to: out, batch: n, hasBatch: true)
            let b = Layout.broadcastStrides(ins[1], to: out, batch: n, hasBatch: true)
            let c = GeneralKernels.coalesce(outDims, [a, b, Layout.strides(outDims)])
            return (step(.binary(op, dims: c.dims, a: c.views[0], b: c.views[1], constant: nil, constantFirst: false)), 0)
        case .elementwiseConstant(let op, let shape, let constantFirst):
            let padded = Array(repeating: 1, count: out.count - shape.count) + shape
            let a = Layout.broadcastStrides(ins[0], to: out, batch: n, hasBatch: true)
            let b = Layout.broadcastStrides(padded, to: out, batch: n, hasBatch: false)
            let c = GeneralKernels.coalesce(outDims, [a, b, Layout.strides(outDims)])
            let constant = store(node.parameters[0].data)
            return (
                step(.binary(op, dims: c.dims, a: c.views[0], b: c.views[1], constant: constant, constantFirst: constantFirst)), 0
            )
        case .unary(let f):
            return (step(.unary(f, count: outCount)), 0)
        case .transpose(let perm):
            let inStrides = Layout.strides(Layout.dims(ins[0], batch: n))
            var src = [Int](repeating: 0, count: outDims.count)
            src[1] = inStrides[1]
            for (j, p) in perm.enumerated() { src[Layout.physicalAxis(j)] = inStrides[Layout.physicalAxis(p)] }
            return (step(.copy([part(0, outDims, StridedView(offset: 0, strides: src))], outputCount: outCount)), 0)
        case .slice(let begin, let stepSizes, _):
            let inStrides = Layout.strides(Layout.dims(ins[0], batch: n))
            var src = inStrides
            var offset = 0
            for k in 0..<begin.count {
                let p = Layout.physicalAxis(k)
                offset += begin[k] * inStrides[p]
                src[p] = inStrides[p] * stepSizes[k]
            }
            return (step(.copy([part(0, outDims, StridedView(offset: offset, strides: src))], outputCount: outCount)), 0)
        case .join(let axis):
            let outStrides = Layout.strides(outDims)
            var parts: [CopyPart] = []
            var start = 0
            for (k, s) in ins.enumerated() {
                let dims = Layout.dims(s, batch: n)
                let dst = StridedView(offset: start * outStrides[Layout.physicalAxis(axis)], strides: outStrides)
                let c = GeneralKernels.coalesce(dims, [Layout.strides(dims), dst.strides])
                parts.append(
                    CopyPart(
                        input: k, dims: c.dims, source: StridedView(offset: 0, strides: c.views[0]),
                        destination: StridedView(offset: dst.offset, strides: c.views[1])))
                start += s[axis]
            }
            return (step(.copy(parts, outputCount: outCount)), 0)
        case .pad(let begin, _, let mode, let value):
            let inDims = Layout.dims(ins[0], batch: n)
            var physicalBegin = [Int](repeating: 0, count: outDims.count)
            for k in 0..<begin.count { physicalBegin[Layout.physicalAxis(k)] = begin[k] }
            return (
                step(
                    .pad(
                        dims: outDims, inDims: inDims, begin: physicalBegin, inStrides: Layout.strides(inDims), mode: mode, value: value)),
                0
            )
        case .gather(let axis, let indices):
            // One strided copy per index: the input's slab at that index to the output's.
            let inDims = Layout.dims(ins[0], batch: n)
            let inStrides = Layout.strides(inDims)
            let outStrides = Layout.strides(outDims)
            let p = Layout.physicalAxis(axis)
            var slab = inDims
            slab[p] = 1
            var parts: [CopyPart] = []
            for (k, index) in indices.enumerated() {
                let c = GeneralKernels.coalesce(slab, [inStrides, outStrides])
                parts.append(
                    CopyPart(
                        input: 0, dims: c.dims, source: StridedView(offset: index * inStrides[p], strides: c.views[0]),
                        destination: StridedView(offset: k * outStrides[p], strides: c.views[1])))
            }
            return (step(.copy(parts, outputCount: outCount)), 0)
        case .softmaxAxis(let axis, let log):
            return (step(.softmax(dims: outDims, axis: Layout.physicalAxis(axis), log: log)), 0)
        case .reduce(let kind, let axes, let keepDims):
            let inDims = Layout.dims(ins[0], batch: n)
            let outStrides = Layout.strides(outDims)
            // Each input axis's stride in the output: 0 where reduced; the kept axes map in order.
            var strides = [Int](repeating: 0, count: inDims.count)
            strides[1] = outStrides[1]
            var j = 0
            for k in 0..<ins[0].count {
                if axes.contains(k) {
                    if keepDims { j += 1 }
                    continue
                }
                strides[Layout.physicalAxis(k)] = outStrides[Layout.physicalAxis(j)]
                j += 1
            }
            if !keepDims && out == [1] && ins[0].count == axes.count { strides[1] = outStrides[1] }
            let divisor = Float(axes.reduce(1) { $0 * ins[0][$1] })
            return (step(.reduce(kind, dims: inDims, outStrides: strides, outCount: outCount, divisor: divisor)), 0)
        case .matmul:
            let (a, b) = (ins[0], ins[1])
            let r = out.count
            let m = out[r - 2]
            let k = a[r - 1]
            let cols = out[r - 1]
            let sa = Layout.broadcastStrides(a, to: Array(out.dropLast(2)) + [a[r - 2], a[r - 1]], batch: n, hasBatch: true)
            let sb = Layout.broadcastStrides(b, to: Array(out.dropLast(2)) + [b[r - 2], b[r - 1]], batch: n, hasBatch: true)
            let so = Layout.strides(outDims)
            // Every physical axis but the matrices' rows and columns enumerates one GEMM.
            let rowAxis = Layout.physicalAxis(r - 2)
            let colAxis = Layout.physicalAxis(r - 1)
            var outer = outDims
            outer[rowAxis] = 1
            outer[colAxis] = 1
            var offsets: [(Int, Int, Int)] = []
            GeneralKernels.forEachRow(outer + [1], [sa + [0], sb + [0], so + [0]], [0, 0, 0]) { o in offsets.append((o[0], o[1], o[2])) }
            return (
                step(.matmul(m: m, n: cols, k: k, lda: sa[rowAxis], ldb: sb[rowAxis], ldc: so[rowAxis], offsets: offsets)), 0
            )
        case .rowDense(let units, let hasBias):
            let k = ins[0][ins[0].count - 1]
            let w = store(node.parameters[0].data)
            let bias = hasBias ? store(node.parameters[1].data) : nil
            return (step(.rowDense(rows: outCount / units, k: k, units: units, weights: w, bias: bias)), 0)
        case .resize(let a):
            let (inH, inW) = (ins[0][1], ins[0][2])
            func axis(_ inSize: Int, _ outSize: Int, _ scale: Float) -> ([Int], [Int], [Float]) {
                var i0: [Int] = []
                var i1: [Int] = []
                var w: [Float] = []
                for o in 0..<outSize {
                    let x = a.source(o, inSize: inSize, outSize: outSize, scale: scale)
                    if a.mode == .nearest {
                        let i = a.nearest(x, inSize: inSize)
                        i0.append(i)
                        i1.append(i)
                        w.append(0)
                    } else {
                        let c = min(max(x, 0), Float(inSize - 1))
                        let lo = Int(c.rounded(.down))
                        i0.append(lo)
                        i1.append(min(lo + 1, inSize - 1))
                        w.append(c - Float(lo))
                    }
                }
                return (i0, i1, w)
            }
            let (y0, y1, wy) = axis(inH, a.outHeight, a.scaleH)
            let (x0, x1, wx) = axis(inW, a.outWidth, a.scaleW)
            let plan = ResizePlan(
                planes: ins[0][0] * n, inH: inH, inW: inW, outH: a.outHeight, outW: a.outWidth, linear: a.mode == .linear, y0: y0,
                y1: y1, wy: wy, x0: x0, x1: x1, wx: wx)
            return (step(.resize(plan)), 0)
        case .convTranspose(let a):
            let plan = ConvTransposePlan(
                inChannels: ins[0][0], outChannels: a.outChannels, groups: a.groups, batch: n, inH: ins[0][1], inW: ins[0][2],
                outH: out[1], outW: out[2], a: a, weights: store(node.parameters[0].data),
                bias: a.hasBias ? store(node.parameters[1].data) : nil)
            return (step(.convTranspose(plan)), GeneralKernels.convTransposeScratch(plan))
        default:
            preconditionFailure("planGeneral called for \(node.op.kind)")
        }
    }

    /// A copy of input `input` into the whole contiguous output of `dims`.
    private func part(_ input: Int, _ dims: [Int], _ source: StridedView) -> CopyPart {
        let c = GeneralKernels.coalesce(dims, [source.strides, Layout.strides(dims)])
        return CopyPart(
            input: input, dims: c.dims, source: StridedView(offset: source.offset, strides: c.views[0]),
            destination: StridedView(offset: 0, strides: c.views[1]))
    }
}
