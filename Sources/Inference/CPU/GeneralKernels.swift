import Foundation

/// A strided region: `dims` iterated in row-major order, element `i` at `offset + Σ index·strides`.
struct StridedView: Sendable, Equatable {
    var offset: Int
    var strides: [Int]
}

/// One copy of a ``GeneralStep/Kind/copy`` step: from input `input` (an index into the
/// step's inputs) to the output, over `dims`.
struct CopyPart: Sendable {
    var input: Int
    var dims: [Int]
    var source: StridedView
    var destination: StridedView
}

/// A layer of the general ops (``LayerOp/elementwise(_:)`` and the others exporters emit),
/// on values in the engine's layout (``Layout``): strided loops planned once, no allocation.
struct GeneralStep: @unchecked Sendable {
    enum Kind {
        /// `y = a ∘ b` over `dims` (operands strided; `constant` replaces input 1).
        case binary(ElementwiseOp, dims: [Int], a: [Int], b: [Int], constant: UnsafePointer<Float>?, constantFirst: Bool)
        case unary(UnaryFunction, count: Int)
        case copy([CopyPart], outputCount: Int)
        /// Along physical axis `axis` of `dims`.
        case softmax(dims: [Int], axis: Int, log: Bool)
        /// Input `dims` accumulated into the output at `outStrides` (0 on reduced axes).
        case reduce(ReduceKind, dims: [Int], outStrides: [Int], outCount: Int, divisor: Float)
        /// One GEMM per entry of `offsets` (a, b, c element offsets).
        case matmul(m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, offsets: [(Int, Int, Int)])
        case rowDense(rows: Int, k: Int, units: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?)
        case resize(ResizePlan)
        case convTranspose(ConvTransposePlan)
        /// Output physical `dims`; per physical axis the input extent, the leading pad and the input stride.
        case pad(dims: [Int], inDims: [Int], begin: [Int], inStrides: [Int], mode: PadMode, value: Float)
    }

    var inputs: [Int]
    var y: Int
    var kind: Kind
}

struct ResizePlan: @unchecked Sendable {
    var planes: Int
    var inH: Int
    var inW: Int
    var outH: Int
    var outW: Int
    var linear: Bool
    /// Nearest: source index per output row / column; linear: the two sources and the weight of the second.
    var y0: [Int]
    var y1: [Int]
    var wy: [Float]
    var x0: [Int]
    var x1: [Int]
    var wx: [Float]
}

struct ConvTransposePlan: @unchecked Sendable {
    var inChannels: Int
    var outChannels: Int
    var groups: Int
    var batch: Int
    var inH: Int
    var inW: Int
    var outH: Int
    var outW: Int
    var a: ConvTransposeAttributes
    /// `[inC, outC/groups · kH · kW]` per group, row-major (ONNX's layout).
    var weights: UnsafePointer<Float>
    var bias: UnsafePointer<Float>?
}

enum GeneralKernels {
    /// Merges adjacent axes that are contiguous in every view and drops axes of extent 1.
    static func coalesce(_ dims: [Int], _ views: [[Int]]) -> (dims: [Int], views: [[Int]]) {
        var d: [Int] = []
        var v: [[Int]] = Array(repeating: [], count: views.count)
        for k in 0..<dims.count where dims[k] != 1 {
            if let last = d.indices.last, views.indices.allSatisfy({ v[$0][last] == views[$0][k] * dims[k] }) {
                d[last] *= dims[k]
                for j in views.indices { v[j][last] = views[j][k] }
            } else {
                d.append(dims[k])
                for j in views.indices { v[j].append(views[j][k]) }
            }
        }
        if d.isEmpty { return ([1], views.map { _ in [0] }) }
        return (d, v)
    }

    /// Calls `body(offsets)` for every index of `dims` but the last, with each view's offset.
    @inline(__always)
    static func forEachRow(_ dims: [Int], _ views: [[Int]], _ base: [Int], _ body: ([Int]) -> Void) {
        let r = dims.count
        var index = [Int](repeating: 0, count: r)
        var offsets = base
        let rows = dims.dropLast().reduce(1, *)
        for _ in 0..<rows {
            body(offsets)
            var k = r - 2
            while k >= 0 {
                index[k] += 1
                for j in views.indices { offsets[j] += views[j][k] }
                if index[k] < dims[k] { break }
                for j in views.indices { offsets[j] -= views[j][k] * dims[k] }
                index[k] = 0
                k -= 1
            }
        }
    }

    static func run(_ s: GeneralStep, values: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, scratch: UnsafeMutablePointer<Float>) {
        let y = values[s.y]
        switch s.kind {
        case .binary(let op, let dims, let sa, let sb, let constant, let constantFirst):
            let a = UnsafePointer(values[s.inputs[0]])
            let b = constant ?? UnsafePointer(values[s.inputs[1]])
            let out = Layout.strides(dims)
            let inner = dims[dims.count - 1]
            let (ia, ib, io) = (sa[dims.count - 1], sb[dims.count - 1], out[dims.count - 1])
            forEachRow(dims, [sa, sb, out], [0, 0, 0]) { o in
                let pa = a + o[0]
                let pb = b + o[1]
                let py = y + o[2]
                if constantFirst {
                    for i in 0..<inner { py[i * io] = op.apply(pb[i * ib], pa[i * ia]) }
                } else if ia == 1 && ib == 1 {
                    for i in 0..<inner { py[i] = op.apply(pa[i], pb[i]) }
                } else if ia == 1 && ib == 0 {
                    let v = pb[0]
                    for i in 0..<inner { py[i] = op.apply(pa[i], v) }
                } else {
                    for i in 0..<inner { py[i * io] = op.apply(pa[i * ia], pb[i * ib]) }
                }
            }
        case .unary(let f, let count):
            let x = values[s.inputs[0]]
            for i in 0..<count { y[i] = f.apply(x[i]) }
        case .copy(let parts, _):
            for p in parts {
                let x = values[s.inputs[p.input]]
                let last = p.dims.count - 1
                let (si, di, inner) = (p.source.strides[last], p.destination.strides[last], p.dims[last])
                forEachRow(p.dims, [p.source.strides, p.destination.strides], [p.source.offset, p.destination.offset]) { o in
                    let src = x + o[0]
                    let dst = y + o[1]
                    if si == 1 && di == 1 {
                        dst.update(from: src, count: inner)
                    } else {
                        for i in 0..<inner { dst[i * di] = src[i * si] }
                    }
                }
            }
        case .softmax(let dims, let axis, let log):
            let x = values[s.inputs[0]]
            let st = Layout.strides(dims)
            let length = dims[axis]
            let stride = st[axis]
            var outer = dims
            outer[axis] = 1
            var steps = st
            steps[axis] = 0
            // Iterate every position of the other axes; the softmax runs along `axis`.
            let all = outer + [1]
            forEachRow(all, [steps + [0]], [0]) { o in
                let base = o[0]
                var m = -Float.infinity
                for i in 0..<length { m = max(m, x[base + i * stride]) }
                var sum: Float = 0
                for i in 0..<length {
                    let e = Foundation.exp(x[base + i * stride] - m)
                    y[base + i * stride] = e
                    sum += e
                }
                if log {
                    let l = Foundation.log(sum) + m
                    for i in 0..<length { y[base + i * stride] = x[base + i * stride] - l }
                } else {
                    let inv = 1 / sum
                    for i in 0..<length { y[base + i * stride] *= inv }
                }
            }
        case .reduce(let kind, let dims, let outStrides, let outCount, let divisor):
            let x = values[s.inputs[0]]
            let start: Float = kind == .max ? -.infinity : kind == .min ? .infinity : 0
            y.update(repeating: start, count: outCount)
            let inStrides = Layout.strides(dims)
            let last = dims.count - 1
            let (si, so, inner) = (inStrides[last], outStrides[last], dims[last])
            forEachRow(dims, [inStrides, outStrides], [0, 0]) { o in
                let src = x + o[0]
                let dst = y + o[1]
                switch kind {
                case .mean, .sum:
                    if so == 0 {
                        var acc: Float = 0
                        for i in 0..<inner { acc += src[i * si] }
                        dst[0] += acc
                    } else {
                        for i in 0..<inner { dst[i * so] += src[i * si] }
                    }
                case .max: for i in 0..<inner { dst[i * so] = max(dst[i * so], src[i * si]) }
                case .min: for i in 0..<inner { dst[i * so] = min(dst[i * so], src[i * si]) }
                }
            }
            if kind == .mean {
                let inv = 1 / divisor
                for i in 0..<outCount { y[i] *= inv }
            }
        case .matmul(let m, let n, let k, let lda, let ldb, let ldc, let offsets):
            let a = UnsafePointer(values[s.inputs[0]])
            let b = UnsafePointer(values[s.inputs[1]])
            for (oa, ob, oc) in offsets {
                BLAS.sgemm(m: m, n: n, k: k, a: a + oa, lda: lda, b: b + ob, ldb: ldb, c: y + oc, ldc: ldc)
            }
        case .rowDense(let rows, let k, let units, let w, let bias):
            let x = UnsafePointer(values[s.inputs[0]])
            BLAS.sgemm(m: rows, n: units, k: k, a: x, lda: k, b: w, ldb: units, c: y, ldc: units)
            if let bias {
                for r in 0..<rows {
                    let row = y + r * units
                    for u in 0..<units { row[u] += bias[u] }
                }
            }
        case .resize(let p):
            resize(p, UnsafePointer(values[s.inputs[0]]), y)
        case .convTranspose(let p):
            convTranspose(p, UnsafePointer(values[s.inputs[0]]), y, scratch: scratch)
        case .pad(let dims, let inDims, let begin, let inStrides, let mode, let value):
            let x = values[s.inputs[0]]
            let r = dims.count
            var index = [Int](repeating: 0, count: r)
            let total = dims.reduce(1, *)
            for i in 0..<total {
                var src = 0
                var inside = true
                for k in 0..<r {
                    var j = index[k] - begin[k]
                    let n = inDims[k]
                    if j < 0 || j >= n {
                        switch mode {
                        case .constant: inside = false
                        case .edge: j = j < 0 ? 0 : n - 1
                        case .reflect: j = j < 0 ? -j : 2 * (n - 1) - j
                        }
                    }
                    src += j * inStrides[k]
                }
                y[i] = inside ? x[src] : value
                Layout.advance(&index, in: dims)
            }
        }
    }

    static func resize(_ p: ResizePlan, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let inPlane = p.inH * p.inW
        let outPlane = p.outH * p.outW
        for c in 0..<p.planes {
            let src = x + c * inPlane
            let dst = y + c * outPlane
            for oy in 0..<p.outH {
                let row = dst + oy * p.outW
                if !p.linear {
                    let s = src + p.y0[oy] * p.inW
                    for ox in 0..<p.outW { row[ox] = s[p.x0[ox]] }
                } else {
                    let r0 = src + p.y0[oy] * p.inW
                    let r1 = src + p.y1[oy] * p.inW
                    let wy = p.wy[oy]
                    for ox in 0..<p.outW {
                        let (a, b, wx) = (p.x0[ox], p.x1[ox], p.wx[ox])
                        let top = r0[a] + (r0[b] - r0[a]) * wx
                        let bottom = r1[a] + (r1[b] - r1[a]) * wx
                        row[ox] = top + (bottom - top) * wy
                    }
                }
            }
        }
    }

    /// Scratch elements a transposed convolution needs: one group's columns.
    static func convTransposeScratch(_ p: ConvTransposePlan) -> Int {
        (p.outChannels / p.groups) * p.a.kernelH * p.a.kernelW * p.batch * p.inH * p.inW
    }

    /// `cols = W_gᵀ · X_g` (one GEMM per group), then col2im accumulates each column into the
    /// output positions it reaches, then the bias.
    static func convTranspose(
        _ p: ConvTransposePlan, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let a = p.a
        let cinG = p.inChannels / p.groups
        let coutG = p.outChannels / p.groups
        let kk = a.kernelH * a.kernelW
        let pixels = p.batch * p.inH * p.inW
        let outPlane = p.outH * p.outW
        y.update(repeating: 0, count: p.outChannels * p.batch * outPlane)
        for g in 0..<p.groups {
            BLAS.sgemm(
                transA: true, m: coutG * kk, n: pixels, k: cinG, a: p.weights + g * cinG * coutG * kk, lda: coutG * kk,
                b: x + g * cinG * pixels, ldb: pixels, c: scratch, ldc: pixels)
            for co in 0..<coutG {
                for ky in 0..<a.kernelH {
                    for kx in 0..<a.kernelW {
                        let col = scratch + ((co * a.kernelH + ky) * a.kernelW + kx) * pixels
                        let out = y + (g * coutG + co) * p.batch * outPlane
                        for b in 0..<p.batch {
                            for iy in 0..<p.inH {
                                let oy = iy * a.strideH - a.padTop + ky * a.dilationH
                                guard oy >= 0 && oy < p.outH else { continue }
                                let src = col + (b * p.inH + iy) * p.inW
                                let dst = out + b * outPlane + oy * p.outW
                                for ix in 0..<p.inW {
                                    let ox = ix * a.strideW - a.padLeft + kx * a.dilationW
                                    if ox >= 0 && ox < p.outW { dst[ox] += src[ix] }
                                }
                            }
                        }
                    }
                }
            }
        }
        if let bias = p.bias {
            for c in 0..<p.outChannels {
                let plane = y + c * p.batch * outPlane
                let v = bias[c]
                for i in 0..<(p.batch * outPlane) { plane[i] += v }
            }
        }
    }
}
