/// Geometry of a 2-D sliding window (convolution or pooling) over `[planes, H, W]`.
struct WindowGeometry: Sendable {
    var inH: Int, inW: Int, outH: Int, outW: Int
    var kernelH: Int, kernelW: Int
    var strideH: Int, strideW: Int
    var padTop: Int, padLeft: Int
    var dilationH: Int, dilationW: Int

    /// The output columns `ox` for which tap `kx` reads inside the input: `lo..<hi`.
    @inline(__always)
    func columnRange(kx: Int) -> (Int, Int) {
        let offset = kx * dilationW - padLeft  // ix = ox*sw + offset
        // ox*sw + offset >= 0  →  ox >= ceil(-offset / sw)
        var lo = offset >= 0 ? 0 : (-offset + strideW - 1) / strideW
        // ox*sw + offset <= inW - 1  →  ox <= floor((inW - 1 - offset) / sw)
        let top = inW - 1 - offset
        var hi = top < 0 ? 0 : top / strideW + 1
        lo = min(lo, outW)
        hi = min(max(hi, lo), outW)
        return (lo, hi)
    }

    /// The output rows `oy` for which tap `ky` reads inside the input: `lo..<hi`.
    @inline(__always)
    func rowRange(ky: Int) -> (Int, Int) {
        let offset = ky * dilationH - padTop
        var lo = offset >= 0 ? 0 : (-offset + strideH - 1) / strideH
        let top = inH - 1 - offset
        var hi = top < 0 ? 0 : top / strideH + 1
        lo = min(lo, outH)
        hi = min(max(hi, lo), outH)
        return (lo, hi)
    }
}

/// Convolution kernels on the executor's channel-major layout `[C, N, H, W]`.
enum ConvolutionKernels {
    /// Unfolds `x` (`[C, N, H, W]`) into `cols` (`[C·kH·kW, N·oH·oW]`) so a convolution is one GEMM.
    /// Rows are ordered `(c, ky, kx)`, matching a `[outC, C, kH, kW]` weight tensor.
    static func im2col(
        _ x: UnsafePointer<Float>, channels: Int, batch: Int, _ g: WindowGeometry, cols: UnsafeMutablePointer<Float>
    ) {
        let plane = g.inH * g.inW
        let outPlane = g.outH * g.outW
        let rowLength = batch * outPlane
        for c in 0..<channels {
            for ky in 0..<g.kernelH {
                let (yLo, yHi) = g.rowRange(ky: ky)
                let yOffset = ky * g.dilationH - g.padTop
                for kx in 0..<g.kernelW {
                    let (xLo, xHi) = g.columnRange(kx: kx)
                    let xOffset = kx * g.dilationW - g.padLeft
                    let dst = cols + ((c * g.kernelH + ky) * g.kernelW + kx) * rowLength
                    for n in 0..<batch {
                        let src = x + (c * batch + n) * plane
                        let d0 = dst + n * outPlane
                        for oy in 0..<g.outH {
                            let d = d0 + oy * g.outW
                            guard oy >= yLo && oy < yHi else {
                                d.update(repeating: 0, count: g.outW)
                                continue
                            }
                            let srow = src + (oy * g.strideH + yOffset) * g.inW + xOffset
                            if xLo > 0 { d.update(repeating: 0, count: xLo) }
                            if g.strideW == 1 {
                                (d + xLo).update(from: srow + xLo, count: xHi - xLo)
                            } else {
                                let s = g.strideW
                                for ox in xLo..<xHi { d[ox] = srow[ox * s] }
                            }
                            if xHi < g.outW { (d + xHi).update(repeating: 0, count: g.outW - xHi) }
                        }
                    }
                }
            }
        }
    }

    /// Depthwise convolution (one filter per channel): `y[c] = Σ w[c,ky,kx] · x[c, shifted]`.
    /// Loops run tap by tap over whole output rows so the inner loop is a contiguous
    /// multiply-add (vectorized) when the stride is 1.
    static func depthwise(
        _ x: UnsafePointer<Float>, channels: Int, batch: Int, _ g: WindowGeometry,
        weights: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        let plane = g.inH * g.inW
        let outPlane = g.outH * g.outW
        let taps = g.kernelH * g.kernelW
        for c in 0..<channels {
            let w = weights + c * taps
            for n in 0..<batch {
                let src = x + (c * batch + n) * plane
                let dst = y + (c * batch + n) * outPlane
                dst.update(repeating: 0, count: outPlane)
                for ky in 0..<g.kernelH {
                    let (yLo, yHi) = g.rowRange(ky: ky)
                    let yOffset = ky * g.dilationH - g.padTop
                    for kx in 0..<g.kernelW {
                        let (xLo, xHi) = g.columnRange(kx: kx)
                        let xOffset = kx * g.dilationW - g.padLeft
                        let wv = w[ky * g.kernelW + kx]
                        if xLo >= xHi { continue }
                        for oy in yLo..<yHi {
                            let d = dst + oy * g.outW
                            let s = src + (oy * g.strideH + yOffset) * g.inW + xOffset
                            if g.strideW == 1 {
                                for ox in xLo..<xHi { d[ox] += wv * s[ox] }
                            } else {
                                let st = g.strideW
                                for ox in xLo..<xHi { d[ox] += wv * s[ox * st] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Pooling kernels on `[planes, H, W]`.
enum PoolingKernels {
    static func maxPool(_ x: UnsafePointer<Float>, planes: Int, _ g: WindowGeometry, y: UnsafeMutablePointer<Float>) {
        let plane = g.inH * g.inW
        let outPlane = g.outH * g.outW
        for p in 0..<planes {
            let src = x + p * plane
            let dst = y + p * outPlane
            dst.update(repeating: -.infinity, count: outPlane)
            for ky in 0..<g.kernelH {
                let (yLo, yHi) = g.rowRange(ky: ky)
                let yOffset = ky * g.dilationH - g.padTop
                for kx in 0..<g.kernelW {
                    let (xLo, xHi) = g.columnRange(kx: kx)
                    let xOffset = kx * g.dilationW - g.padLeft
                    if xLo >= xHi { continue }
                    for oy in yLo..<yHi {
                        let d = dst + oy * g.outW
                        let s = src + (oy * g.strideH + yOffset) * g.inW + xOffset
                        let st = g.strideW
                        for ox in xLo..<xHi {
                            let v = s[ox * st]
                            d[ox] = d[ox] > v ? d[ox] : v
                        }
                    }
                }
            }
        }
    }

    /// Average pooling; `inverseCount[oy·oW + ox]` is 1 / the window's divisor.
    static func avgPool(
        _ x: UnsafePointer<Float>, planes: Int, _ g: WindowGeometry, inverseCount: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>
    ) {
        let plane = g.inH * g.inW
        let outPlane = g.outH * g.outW
        for p in 0..<planes {
            let src = x + p * plane
            let dst = y + p * outPlane
            dst.update(repeating: 0, count: outPlane)
            for ky in 0..<g.kernelH {
                let (yLo, yHi) = g.rowRange(ky: ky)
                let yOffset = ky * g.dilationH - g.padTop
                for kx in 0..<g.kernelW {
                    let (xLo, xHi) = g.columnRange(kx: kx)
                    let xOffset = kx * g.dilationW - g.padLeft
                    if xLo >= xHi { continue }
                    for oy in yLo..<yHi {
                        let d = dst + oy * g.outW
                        let s = src + (oy * g.strideH + yOffset) * g.inW + xOffset
                        let st = g.strideW
                        for ox in xLo..<xHi { d[ox] += s[ox * st] }
                    }
                }
            }
            for i in 0..<outPlane { dst[i] *= inverseCount[i] }
        }
    }

    /// Mean of each plane.
    static func globalAverage(_ x: UnsafePointer<Float>, planes: Int, planeSize: Int, y: UnsafeMutablePointer<Float>) {
        let inv = 1 / Float(planeSize)
        for p in 0..<planes {
            let s = x + p * planeSize
            var acc: Float = 0
            for i in 0..<planeSize { acc += s[i] }
            y[p] = acc * inv
        }
    }
}

/// Layout changes between the batch-first layout of the outside world and the executor's
/// layout, which keeps the first per-sample axis outermost: `[d0, N, rest…]`.
enum LayoutKernels {
    /// Swaps the two outer axes of `[a, b, inner]` into `[b, a, inner]`.
    static func swapOuterAxes(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, a: Int, b: Int, inner: Int
    ) {
        if a == 1 || b == 1 {
            y.update(from: x, count: a * b * inner)
            return
        }
        for i in 0..<a {
            for j in 0..<b {
                (y + (j * a + i) * inner).update(from: x + (i * b + j) * inner, count: inner)
            }
        }
    }
}
