import Dispatch

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
    /// Planes (`channel × sample`) are split over `threads` workers when there is enough work.
    /// 3×3 filters with stride 1 or 2 (MobileNet's) use a register-accumulating SIMD kernel;
    /// other shapes the general tap-by-tap kernel.
    static func depthwise(
        _ x: UnsafePointer<Float>, channels: Int, batch: Int, _ g: WindowGeometry,
        weights: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, epilogue: DepthwiseEpilogue? = nil, threads: Int = 1
    ) {
        let job = DepthwiseJob(x: x, weights: weights, y: y, g: g, batch: batch, epilogue: epilogue)
        let planes = channels * batch
        let work = planes * g.outH * g.outW * g.kernelH * g.kernelW
        split(planes, parts: threads > 1 && work >= 1 << 15 ? min(threads, planes) : 1) { job.run($1) }
    }

    /// Runs `body(part, range)` over `0..<count` cut into `parts` contiguous ranges, concurrently
    /// when there are several (each worker must write only its own range's outputs).
    @inline(__always)
    static func split(_ count: Int, parts: Int, _ body: @Sendable (_ part: Int, Range<Int>) -> Void) {
        if parts <= 1 {
            body(0, 0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(part, (count * part / parts)..<(count * (part + 1) / parts))
        }
    }

    /// `y = clamp(y + bias[c], low, high)` applied as outputs are stored (ReLU is `[0, ∞)`,
    /// ReLU6 `[0, 6]`, none `(−∞, ∞)`), saving a second pass over the output.
    struct DepthwiseEpilogue: @unchecked Sendable {
        var bias: UnsafePointer<Float>?
        var low: Float
        var high: Float

        /// nil when the activation cannot be applied as a clamp (sigmoid, tanh, GELU).
        init?(bias: UnsafePointer<Float>?, activation: Activation?) {
            self.bias = bias
            switch activation {
            case nil: (low, high) = (-.infinity, .infinity)
            case .relu: (low, high) = (0, .infinity)
            case .relu6: (low, high) = (0, 6)
            default: return nil
            }
        }
    }

    /// The operands of one depthwise layer, shared by the workers; each writes only its own
    /// planes of `y` (hence `@unchecked Sendable`).
    struct DepthwiseJob: @unchecked Sendable {
        let x: UnsafePointer<Float>
        let weights: UnsafePointer<Float>
        let y: UnsafeMutablePointer<Float>
        let g: WindowGeometry
        let batch: Int
        let epilogue: DepthwiseEpilogue?

        func run(_ planes: Range<Int>) {
            let plane = g.inH * g.inW
            let outPlane = g.outH * g.outW
            let taps = g.kernelH * g.kernelW
            for p in planes {
                let c = p / batch
                let (bias, low, high) = epilogue.map { ($0.bias?[c] ?? 0, $0.low, $0.high) } ?? (0, -.infinity, .infinity)
                ConvolutionKernels.depthwisePlane(
                    x + p * plane, y + p * outPlane, weights + c * taps, g, bias: bias, low: low, high: high)
            }
        }
    }

    /// One `[H, W]` plane through one filter.
    @inline(__always)
    static func depthwisePlane(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ g: WindowGeometry,
        bias: Float = 0, low: Float = -.infinity, high: Float = .infinity
    ) {
        if g.kernelH == 3 && g.kernelW == 3 && g.dilationH == 1 && g.dilationW == 1 && (g.strideW == 1 || g.strideW == 2) {
            depthwise3x3(src, dst, w, g, bias: bias, low: low, high: high)
            return
        }
        defer {
            if bias != 0 || low > -.infinity || high < .infinity {
                for i in 0..<(g.outH * g.outW) { dst[i] = min(max(dst[i] + bias, low), high) }
            }
        }
        // General case: tap by tap over whole output rows (a contiguous multiply-add when the
        // stride is 1).
        dst.update(repeating: 0, count: g.outH * g.outW)
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

    /// 3×3, dilation 1, horizontal stride 1 or 2, any vertical stride and padding. Each output
    /// row is computed once with all nine taps accumulated in registers, eight columns at a time
    /// (stride 2 loads sixteen inputs and keeps the even lanes, then four columns from eight
    /// near the row's end; stride 1 ends the interior with an overlapping vector, or four
    /// columns at a time on narrow planes); the padded border columns and what remains are
    /// computed one by one with bounds checks. Rows outside the input contribute
    /// nothing (zero padding).
    static func depthwise3x3(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ g: WindowGeometry,
        bias: Float, low: Float, high: Float
    ) {
        typealias V = SIMD8<Float>
        let vBias = V(repeating: bias)
        let clamps = low > -.infinity || high < .infinity
        let inW = g.inW
        let inH = g.inH
        let sw = g.strideW
        let pl = g.padLeft
        // Output columns whose three taps all read inside the row.
        let interiorLo = g.columnRange(kx: 0).0
        let interiorHi = max(interiorLo, g.columnRange(kx: 2).1)
        let (w0, w1, w2) = (V(repeating: w[0]), V(repeating: w[1]), V(repeating: w[2]))
        let (w3, w4, w5) = (V(repeating: w[3]), V(repeating: w[4]), V(repeating: w[5]))
        let (w6, w7, w8) = (V(repeating: w[6]), V(repeating: w[7]), V(repeating: w[8]))
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self) }
        let (q0, q1, q2) = (w0.lowHalf, w1.lowHalf, w2.lowHalf)
        let (q3, q4, q5) = (w3.lowHalf, w4.lowHalf, w5.lowHalf)
        let (q6, q7, q8) = (w6.lowHalf, w7.lowHalf, w8.lowHalf)
        @inline(__always) func loadEven(_ p: UnsafePointer<Float>) -> V {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self).evenHalf
        }
        for oy in 0..<g.outH {
            let iy = oy * g.strideH - g.padTop
            let r0: UnsafePointer<Float>? = iy >= 0 && iy < inH ? src + iy * inW : nil
            let r1: UnsafePointer<Float>? = iy + 1 >= 0 && iy + 1 < inH ? src + (iy + 1) * inW : nil
            let r2: UnsafePointer<Float>? = iy + 2 >= 0 && iy + 2 < inH ? src + (iy + 2) * inW : nil
            let d = dst + oy * g.outW
            func scalar(_ ox: Int) -> Float {
                var acc: Float = bias
                let ix0 = ox * sw - pl
                for kx in 0..<3 {
                    let ix = ix0 + kx
                    guard ix >= 0 && ix < inW else { continue }
                    if let r0 { acc += w[kx] * r0[ix] }
                    if let r1 { acc += w[3 + kx] * r1[ix] }
                    if let r2 { acc += w[6 + kx] * r2[ix] }
                }
                return acc
            }
            var ox = 0
            while ox < interiorLo {
                d[ox] = scalar(ox)
                ox += 1
            }
            if sw == 1 {
                @inline(__always) func eight(_ ox: Int) {
                    let i = ox - pl
                    var acc = vBias
                    if let r0 { acc += w0 * load(r0 + i) + w1 * load(r0 + i + 1) + w2 * load(r0 + i + 2) }
                    if let r1 { acc += w3 * load(r1 + i) + w4 * load(r1 + i + 1) + w5 * load(r1 + i + 2) }
                    if let r2 { acc += w6 * load(r2 + i) + w7 * load(r2 + i + 1) + w8 * load(r2 + i + 2) }
                    UnsafeMutableRawPointer(d + ox).storeBytes(of: acc, as: V.self)
                }
                @inline(__always) func four(_ ox: Int) {
                    let i = ox - pl
                    @inline(__always) func taps(_ row: UnsafePointer<Float>, _ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>)
                        -> SIMD4<Float>
                    {
                        let x: SIMD4<Float> = a * load4(row + i)
                        let y: SIMD4<Float> = b * load4(row + i + 1)
                        let z: SIMD4<Float> = c * load4(row + i + 2)
                        return x + y + z
                    }
                    var acc = SIMD4<Float>(repeating: bias)
                    if let r0 { acc += taps(r0, q0, q1, q2) }
                    if let r1 { acc += taps(r1, q3, q4, q5) }
                    if let r2 { acc += taps(r2, q6, q7, q8) }
                    UnsafeMutableRawPointer(d + ox).storeBytes(of: acc, as: SIMD4<Float>.self)
                }
                while ox + 8 <= interiorHi {
                    eight(ox)
                    ox += 8
                }
                // The interior's last columns: one more vector ending at its end, overlapping
                // columns already written (recomputed to the same values), on planes wide
                // enough; four columns at a time on narrow ones (MobileNet's 7×7 and 14×14).
                if ox < interiorHi && interiorHi - interiorLo >= 8 {
                    eight(interiorHi - 8)
                    ox = interiorHi
                } else if interiorHi - interiorLo >= 4 {
                    while ox + 4 <= interiorHi {
                        four(ox)
                        ox += 4
                    }
                    if ox < interiorHi {
                        four(interiorHi - 4)
                        ox = interiorHi
                    }
                }
            } else {
                // The widest load starts at 2·ox − pl + 2 and spans 16 floats: keep it in the row.
                while ox + 8 <= interiorHi && 2 * ox - pl + 2 + 16 <= inW {
                    let i = 2 * ox - pl
                    var acc = vBias
                    if let r0 { acc += w0 * loadEven(r0 + i) + w1 * loadEven(r0 + i + 1) + w2 * loadEven(r0 + i + 2) }
                    if let r1 { acc += w3 * loadEven(r1 + i) + w4 * loadEven(r1 + i + 1) + w5 * loadEven(r1 + i + 2) }
                    if let r2 { acc += w6 * loadEven(r2 + i) + w7 * loadEven(r2 + i + 1) + w8 * loadEven(r2 + i + 2) }
                    UnsafeMutableRawPointer(d + ox).storeBytes(of: acc, as: V.self)
                    ox += 8
                }
                // Then four columns at a time (eight inputs per load), as far as the row allows.
                @inline(__always) func loadEven4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
                    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self).evenHalf
                }
                @inline(__always) func taps(_ row: UnsafePointer<Float>, _ i: Int, _ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>)
                    -> SIMD4<Float>
                {
                    let x: SIMD4<Float> = a * loadEven4(row + i)
                    let y: SIMD4<Float> = b * loadEven4(row + i + 1)
                    let z: SIMD4<Float> = c * loadEven4(row + i + 2)
                    return x + y + z
                }
                while ox + 4 <= interiorHi && 2 * ox - pl + 2 + 8 <= inW {
                    let i = 2 * ox - pl
                    var acc = SIMD4<Float>(repeating: bias)
                    if let r0 { acc += taps(r0, i, q0, q1, q2) }
                    if let r1 { acc += taps(r1, i, q3, q4, q5) }
                    if let r2 { acc += taps(r2, i, q6, q7, q8) }
                    UnsafeMutableRawPointer(d + ox).storeBytes(of: acc, as: SIMD4<Float>.self)
                    ox += 4
                }
            }
            while ox < g.outW {
                d[ox] = scalar(ox)
                ox += 1
            }
            // The activation as a clamp over the row just written (still in L1; a plain loop
            // the compiler vectorizes, unlike SIMD's generic pointwiseMin/Max).
            if clamps {
                for i in 0..<g.outW {
                    let v = d[i]
                    d[i] = v < low ? low : (v > high ? high : v)
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
