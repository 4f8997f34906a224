import Foundation
import Simulation

@testable import Inference

/// A deliberately naive interpreter: batch-first arrays, one loop nest per op written
/// from the op's definition, double-precision accumulation, no fusion, no layout tricks.
/// The executor's output is checked against it.
enum ReferenceInterpreter {
    static func run(_ graph: ModelGraph, input: [Float], batch n: Int) throws -> [Float] {
        let shapes = try graph.inferShapes()
        var values: [[Double]] = [input.map(Double.init)]
        for (i, node) in graph.nodes.enumerated() {
            let xs = node.inputs.map { values[$0] }
            let inShape = shapes[node.inputs[0]]
            let out = shapes[i + 1]
            let p = node.parameters.map { $0.data.map(Double.init) }
            var y = [Double](repeating: 0, count: n * out.reduce(1, *))
            switch node.op {
            case .dense(let units, let bias):
                let f = inShape[0]
                for b in 0..<n {
                    for u in 0..<units {
                        var acc = bias ? p[1][u] : 0
                        for k in 0..<f { acc += p[0][u * f + k] * xs[0][b * f + k] }
                        y[b * units + u] = acc
                    }
                }
            case .conv2d(let a):
                let (c, h, w) = (inShape[0], inShape[1], inShape[2])
                let (oc, oh, ow) = (out[0], out[1], out[2])
                let cg = c / a.groups
                let ocg = oc / a.groups
                for b in 0..<n {
                    for o in 0..<oc {
                        let g = o / ocg
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                var acc = a.hasBias ? p[1][o] : 0
                                for ci in 0..<cg {
                                    for ky in 0..<a.kernelH {
                                        for kx in 0..<a.kernelW {
                                            let iy = oy * a.strideH - a.padTop + ky * a.dilationH
                                            let ix = ox * a.strideW - a.padLeft + kx * a.dilationW
                                            if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                            let cin = g * cg + ci
                                            acc +=
                                                p[0][((o * cg + ci) * a.kernelH + ky) * a.kernelW + kx]
                                                * xs[0][((b * c + cin) * h + iy) * w + ix]
                                        }
                                    }
                                }
                                y[((b * oc + o) * oh + oy) * ow + ox] = acc
                            }
                        }
                    }
                }
            case .batchNorm(let eps):
                let c = inShape[0]
                let rest = inShape.dropFirst().reduce(1, *)
                for b in 0..<n {
                    for ch in 0..<c {
                        for k in 0..<rest {
                            let idx = (b * c + ch) * rest + k
                            y[idx] = (xs[0][idx] - p[2][ch]) / (p[3][ch] + Double(eps)).squareRoot() * p[0][ch] + p[1][ch]
                        }
                    }
                }
            case .activation(let act):
                y = xs[0].map { v in
                    switch act {
                    case .relu: max(v, 0)
                    case .relu6: min(max(v, 0), 6)
                    case .sigmoid: 1 / (1 + exp(-v))
                    case .tanh: tanh(v)
                    case .gelu: 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
                    }
                }
            case .maxPool(let a), .avgPool(let a):
                var isMax = false
                if case .maxPool = node.op { isMax = true }
                let (c, h, w) = (inShape[0], inShape[1], inShape[2])
                let (oh, ow) = (out[1], out[2])
                for b in 0..<n {
                    for ch in 0..<c {
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                var best = -Double.infinity
                                var total = 0.0
                                var count = 0
                                var padded = 0
                                for ky in 0..<a.kernelH {
                                    for kx in 0..<a.kernelW {
                                        let iy = oy * a.strideH - a.padTop + ky
                                        let ix = ox * a.strideW - a.padLeft + kx
                                        if iy >= -a.padTop && iy < h + a.padBottom && ix >= -a.padLeft && ix < w + a.padRight {
                                            padded += 1
                                        }
                                        if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                        let v = xs[0][((b * c + ch) * h + iy) * w + ix]
                                        best = max(best, v)
                                        total += v
                                        count += 1
                                    }
                                }
                                y[((b * c + ch) * oh + oy) * ow + ox] = isMax ? best : total / Double(a.countIncludePad ? padded : count)
                            }
                        }
                    }
                }
            case .globalAvgPool:
                let c = inShape[0]
                let plane = inShape[1] * inShape[2]
                for b in 0..<n {
                    for ch in 0..<c {
                        y[b * c + ch] = (0..<plane).reduce(0.0) { $0 + xs[0][(b * c + ch) * plane + $1] } / Double(plane)
                    }
                }
            case .add:
                for k in y.indices { y[k] = xs.reduce(0.0) { $0 + $1[k] } }
            case .concat:
                let rest = out.dropFirst().reduce(1, *)
                var offset = 0
                for (x, s) in zip(xs, node.inputs.map { shapes[$0] }) {
                    for b in 0..<n {
                        for ch in 0..<s[0] {
                            for k in 0..<rest {
                                y[(b * out[0] + offset + ch) * rest + k] = x[(b * s[0] + ch) * rest + k]
                            }
                        }
                    }
                    offset += s[0]
                }
            case .flatten, .reshape:
                y = xs[0]
            case .lastStep:
                // Batch-first [N, T, R] → [N, R] at t = T − 1.
                let (t, r) = (inShape[0], inShape.dropFirst().reduce(1, *))
                for b in 0..<n { for k in 0..<r { y[b * r + k] = xs[0][(b * t + t - 1) * r + k] } }
            case .softmax:
                let len = inShape[inShape.count - 1]
                for g in 0..<(y.count / len) {
                    let m = (0..<len).map { xs[0][g * len + $0] }.max()!
                    let e = (0..<len).map { exp(xs[0][g * len + $0] - m) }
                    let s = e.reduce(0, +)
                    for j in 0..<len { y[g * len + j] = e[j] / s }
                }
            case .lstm(let a), .gru(let a):
                var isLSTM = false
                if case .lstm = node.op { isLSTM = true }
                let (t, f, hs) = (inShape[0], inShape[1], a.hiddenSize)
                let gates = isLSTM ? 4 : 3
                let dirs = a.directions
                func sig(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
                // Across the batch, the n samples (one step each) are one sequence of n steps.
                let (seqs, steps) = a.timeAcrossBatch ? (1, n * t) : (n, t)
                for d in 0..<dirs {
                    // Direction d's weights follow the previous direction's; the backward pass reads the sequence back to front.
                    let wOff = d * gates * hs * f
                    let rOff = d * gates * hs * hs
                    let bOff = d * 2 * gates * hs
                    for b in 0..<seqs {
                        let t = steps
                        var hPrev = [Double](repeating: 0, count: hs)
                        var cPrev = hPrev
                        for k in 0..<t {
                            let step = d == 0 ? k : t - 1 - k
                            let x = Array(xs[0][((b * t + step) * f)..<((b * t + step) * f + f)])
                            func wx(_ row: Int) -> Double { (0..<f).reduce(p[2][bOff + row]) { $0 + p[0][wOff + row * f + $1] * x[$1] } }
                            func rh(_ row: Int, _ h: [Double]) -> Double {
                                (0..<hs).reduce(p[2][bOff + gates * hs + row]) { $0 + p[1][rOff + row * hs + $1] * h[$1] }
                            }
                            var hNew = hPrev
                            for j in 0..<hs {
                                if isLSTM {
                                    let ig = sig(wx(j) + rh(j, hPrev))
                                    let og = sig(wx(hs + j) + rh(hs + j, hPrev))
                                    let fg = sig(wx(2 * hs + j) + rh(2 * hs + j, hPrev))
                                    let cg = tanh(wx(3 * hs + j) + rh(3 * hs + j, hPrev))
                                    cPrev[j] = fg * cPrev[j] + ig * cg
                                    hNew[j] = og * tanh(cPrev[j])
                                } else {
                                    let z = sig(wx(j) + rh(j, hPrev))
                                    let r = sig(wx(hs + j) + rh(hs + j, hPrev))
                                    let cand: Double
                                    if a.linearBeforeReset {
                                        cand = tanh(wx(2 * hs + j) + r * rh(2 * hs + j, hPrev))
                                    } else {
                                        // (r ⊙ h) R_hᵀ + Rb_h, with r per hidden unit k.
                                        var acc = p[2][bOff + gates * hs + 2 * hs + j]
                                        for q in 0..<hs {
                                            let rk = sig(wx(hs + q) + rh(hs + q, hPrev))
                                            acc += p[1][rOff + (2 * hs + j) * hs + q] * rk * hPrev[q]
                                        }
                                        cand = tanh(wx(2 * hs + j) + acc)
                                    }
                                    hNew[j] = (1 - z) * cand + z * hPrev[j]
                                }
                            }
                            hPrev = hNew
                            if a.returnSequences { for j in 0..<hs { y[((b * t + step) * dirs + d) * hs + j] = hPrev[j] } }
                        }
                        if !a.returnSequences { for j in 0..<hs { y[(b * dirs + d) * hs + j] = hPrev[j] } }
                    }
                }
            default:
                y = general(node.op, xs, node.inputs.map { shapes[$0] }, out, p, n)
            }
            values.append(y)
        }
        return values[graph.output].map(Float.init)
    }

    /// max |a − b| / max(max |b|, 1e-6).
    static func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        var diff: Float = 0
        var scale: Float = 1e-6
        for (x, y) in zip(a, b) {
            diff = max(diff, abs(x - y))
            scale = max(scale, abs(y))
        }
        return diff / scale
    }

    static func randomInput(count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.nextSymmetricUnit() }
    }
}
