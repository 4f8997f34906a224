import Foundation

@testable import Inference

/// The general ops, each from its ONNX definition on batch-first arrays (`[N] + shape`),
/// element by element through multi-indices: no strides planned, no layout shared with the engine.
extension ReferenceInterpreter {
    /// The multi-index of flat `i` in `dims`.
    static func index(_ i: Int, _ dims: [Int]) -> [Int] {
        var r = [Int](repeating: 0, count: dims.count)
        var v = i
        for k in stride(from: dims.count - 1, through: 0, by: -1) {
            r[k] = v % dims[k]
            v /= dims[k]
        }
        return r
    }

    /// The flat position of multi-index `ix` in `dims`, with size-1 axes broadcast.
    static func flat(_ ix: [Int], _ dims: [Int]) -> Int {
        var f = 0
        let off = ix.count - dims.count
        for k in 0..<dims.count { f = f * dims[k] + (dims[k] == 1 ? 0 : ix[k + off]) }
        return f
    }

    static func general(_ op: LayerOp, _ xs: [[Double]], _ ins: [[Int]], _ out: [Int], _ p: [[Double]], _ n: Int) -> [Double] {
        let outDims = [n] + out
        let count = outDims.reduce(1, *)
        var y = [Double](repeating: 0, count: count)
        func binary(_ e: ElementwiseOp, _ a: Double, _ b: Double) -> Double {
            switch e {
            case .add: a + b
            case .sub: a - b
            case .mul: a * b
            case .div: a / b
            case .pow: Foundation.pow(a, b)
            case .min: Swift.min(a, b)
            case .max: Swift.max(a, b)
            }
        }
        switch op {
        case .elementwise(let e):
            for i in 0..<count {
                let ix = index(i, outDims)
                y[i] = binary(e, xs[0][flat(ix, [n] + ins[0])], xs[1][flat(ix, [n] + ins[1])])
            }
        case .elementwiseConstant(let e, let shape, let constantFirst):
            for i in 0..<count {
                let ix = index(i, outDims)
                let x = xs[0][flat(ix, [n] + ins[0])]
                let c = p[0][flat(ix, shape)]
                y[i] = constantFirst ? binary(e, c, x) : binary(e, x, c)
            }
        case .unary(let f):
            let (a, b) = (Double(f.alpha), Double(f.beta))
            for i in 0..<count {
                let x = xs[0][i]
                switch f.kind {
                case .hardSigmoid: y[i] = Swift.max(0, Swift.min(1, a * x + b))
                case .hardSwish: y[i] = x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
                case .leakyRelu: y[i] = x >= 0 ? x : a * x
                case .elu: y[i] = x >= 0 ? x : a * (exp(x) - 1)
                case .clip: y[i] = Swift.min(Swift.max(x, a), b)
                case .exp: y[i] = exp(x)
                case .log: y[i] = log(x)
                case .sqrt: y[i] = x.squareRoot()
                case .neg: y[i] = -x
                case .abs: y[i] = Swift.abs(x)
                case .reciprocal: y[i] = 1 / x
                case .erf: y[i] = erf(x)
                case .softplus: y[i] = log(1 + exp(x))
                case .silu: y[i] = x / (1 + exp(-x))
                }
            }
        case .transpose(let perm):
            let inDims = [n] + ins[0]
            for i in 0..<count {
                let ix = index(i, outDims)
                var src = [Int](repeating: 0, count: inDims.count)
                src[0] = ix[0]
                for (j, pj) in perm.enumerated() { src[pj + 1] = ix[j + 1] }
                y[i] = xs[0][flat(src, inDims)]
            }
        case .slice(let begin, let step, _):
            let inDims = [n] + ins[0]
            for i in 0..<count {
                let ix = index(i, outDims)
                var src = ix
                for k in 0..<begin.count { src[k + 1] = begin[k] + ix[k + 1] * step[k] }
                y[i] = xs[0][flat(src, inDims)]
            }
        case .pad(let begin, _, let mode, let value):
            let inDims = [n] + ins[0]
            for i in 0..<count {
                var ix = index(i, outDims)
                var inside = true
                for k in 0..<begin.count {
                    let size = ins[0][k]
                    var j = ix[k + 1] - begin[k]
                    if j < 0 || j >= size {
                        switch mode {
                        case .constant: inside = false
                        case .edge: j = Swift.min(Swift.max(j, 0), size - 1)
                        case .reflect: j = j < 0 ? -j : 2 * (size - 1) - j
                        }
                    }
                    ix[k + 1] = Swift.min(Swift.max(j, 0), size - 1)
                }
                y[i] = inside ? xs[0][flat(ix, inDims)] : Double(value)
            }
        case .gather(let axis, let indices):
            for i in 0..<count {
                var ix = index(i, outDims)
                ix[axis + 1] = indices[ix[axis + 1]]
                y[i] = xs[0][flat(ix, [n] + ins[0])]
            }
        case .join(let axis):
            for i in 0..<count {
                var ix = index(i, outDims)
                var part = 0
                while ix[axis + 1] >= ins[part][axis] {
                    ix[axis + 1] -= ins[part][axis]
                    part += 1
                }
                y[i] = xs[part][flat(ix, [n] + ins[part])]
            }
        case .softmaxAxis(let axis, let isLog):
            for i in 0..<count {
                let ix = index(i, outDims)
                var row: [Double] = []
                for j in 0..<out[axis] {
                    var k = ix
                    k[axis + 1] = j
                    row.append(xs[0][flat(k, outDims)])
                }
                let m = row.max()!
                let s = row.reduce(0) { $0 + exp($1 - m) }
                let v = xs[0][i] - m
                y[i] = isLog ? v - log(s) : exp(v) / s
            }
        case .reduce(let kind, let axes, let keepDims):
            let inDims = [n] + ins[0]
            var acc = [Double](repeating: kind == .max ? -.infinity : kind == .min ? .infinity : 0, count: count)
            for i in 0..<inDims.reduce(1, *) {
                let ix = index(i, inDims)
                var o: [Int] = [ix[0]]
                for k in 0..<ins[0].count {
                    if axes.contains(k) {
                        if keepDims { o.append(0) }
                    } else {
                        o.append(ix[k + 1])
                    }
                }
                if o.count == 1 { o.append(0) }
                let t = flat(o, outDims)
                switch kind {
                case .sum, .mean: acc[t] += xs[0][i]
                case .max: acc[t] = Swift.max(acc[t], xs[0][i])
                case .min: acc[t] = Swift.min(acc[t], xs[0][i])
                }
            }
            let m = Double(axes.reduce(1) { $0 * ins[0][$1] })
            y = kind == .mean ? acc.map { $0 / m } : acc
        case .matmul:
            let (a, b) = (ins[0], ins[1])
            let k = a[a.count - 1]
            for i in 0..<count {
                let ix = index(i, outDims)
                var s = 0.0
                for j in 0..<k {
                    var ia = ix
                    ia[ia.count - 1] = j
                    var ib = ix
                    ib[ib.count - 2] = j
                    s += xs[0][flat(ia, [n] + a)] * xs[1][flat(ib, [n] + b)]
                }
                y[i] = s
            }
        case .rowDense(let units, let bias):
            let k = ins[0][ins[0].count - 1]
            for i in 0..<count {
                let u = i % units
                let row = i / units
                var s = bias ? p[1][u] : 0
                for j in 0..<k { s += xs[0][row * k + j] * p[0][j * units + u] }
                y[i] = s
            }
        case .resize(let a):
            let (c, h, w) = (ins[0][0], ins[0][1], ins[0][2])
            func src(_ o: Int, _ inSize: Int, _ outSize: Int, _ scale: Float) -> Double {
                Double(a.source(o, inSize: inSize, outSize: outSize, scale: scale))
            }
            for i in 0..<count {
                let ix = index(i, outDims)
                let plane = (ix[0] * c + ix[1]) * h * w
                let sy = src(ix[2], h, a.outHeight, a.scaleH)
                let sx = src(ix[3], w, a.outWidth, a.scaleW)
                if a.mode == .nearest {
                    y[i] = xs[0][plane + a.nearest(Float(sy), inSize: h) * w + a.nearest(Float(sx), inSize: w)]
                } else {
                    let cy = Swift.min(Swift.max(sy, 0), Double(h - 1))
                    let cx = Swift.min(Swift.max(sx, 0), Double(w - 1))
                    let (y0, x0) = (Int(cy), Int(cx))
                    let (y1, x1) = (Swift.min(y0 + 1, h - 1), Swift.min(x0 + 1, w - 1))
                    let (fy, fx) = (cy - Double(y0), cx - Double(x0))
                    func v(_ r: Int, _ q: Int) -> Double { xs[0][plane + r * w + q] }
                    y[i] = (v(y0, x0) * (1 - fx) + v(y0, x1) * fx) * (1 - fy) + (v(y1, x0) * (1 - fx) + v(y1, x1) * fx) * fy
                }
            }
        case .convTranspose(let a):
            // Scatter form (ONNX definition): each input pixel adds its kernel-weighted value to the outputs it reaches.
            let (c, h, w) = (ins[0][0], ins[0][1], ins[0][2])
            let (oc, oh, ow) = (out[0], out[1], out[2])
            let cg = c / a.groups
            let ocg = oc / a.groups
            for b in 0..<n {
                for ci in 0..<c {
                    let g = ci / cg
                    for iy in 0..<h {
                        for ix in 0..<w {
                            let x = xs[0][((b * c + ci) * h + iy) * w + ix]
                            for o in 0..<ocg {
                                for ky in 0..<a.kernelH {
                                    for kx in 0..<a.kernelW {
                                        let yy = iy * a.strideH - a.padTop + ky * a.dilationH
                                        let xx = ix * a.strideW - a.padLeft + kx * a.dilationW
                                        if yy < 0 || yy >= oh || xx < 0 || xx >= ow { continue }
                                        let co = g * ocg + o
                                        y[((b * oc + co) * oh + yy) * ow + xx] +=
                                            x * p[0][((ci * ocg + o) * a.kernelH + ky) * a.kernelW + kx]
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if a.hasBias {
                for b in 0..<n { for co in 0..<oc { for k in 0..<(oh * ow) { y[(b * oc + co) * oh * ow + k] += p[1][co] } } }
            }
        default:
            preconditionFailure("the reference interpreter has no \(op.kind)")
        }
        return y
    }
}
