extension ConvolutionKernels {
    /// Depthwise convolution on pixel-major values: `x` is `[N, H, W, C]`, `y` is `[N, oH, oW, C]`
    /// and `weights` `[kH·kW, C]` (one tap's filters for consecutive channels). Each output pixel
    /// is accumulated eight channels at a time, so every tap is one vector multiply-add whatever
    /// the plane's width (MobileNet's 7×7 planes cost what its 112×112 ones do per output);
    /// taps falling in the zero padding are skipped per pixel. The bias and a ReLU/ReLU6 clamp
    /// are applied as outputs are stored. Output rows (`sample × oy`) are split over `threads`
    /// workers when there is enough work.
    static func depthwisePixelMajor(
        _ x: UnsafePointer<Float>, channels: Int, batch: Int, _ g: WindowGeometry,
        weights: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, epilogue: DepthwiseEpilogue, threads: Int = 1
    ) {
        let job = PixelMajorDepthwiseJob(x: x, weights: weights, y: y, g: g, channels: channels, epilogue: epilogue)
        let rows = batch * g.outH
        let work = rows * g.outW * channels * g.kernelH * g.kernelW
        split(rows, parts: threads > 1 && work >= 1 << 15 ? min(threads, rows) : 1) { job.run($1) }
    }

    /// The operands of one pixel-major depthwise layer; each worker writes only its own output
    /// rows (hence `@unchecked Sendable`).
    struct PixelMajorDepthwiseJob: @unchecked Sendable {
        let x: UnsafePointer<Float>
        let weights: UnsafePointer<Float>
        let y: UnsafeMutablePointer<Float>
        let g: WindowGeometry
        let channels: Int
        let epilogue: DepthwiseEpilogue

        /// The taps `lo..<hi` of a window starting at input index `start` (stride and padding
        /// applied) that fall inside `0..<size`, with dilation `dilation` and `kernel` taps.
        @inline(__always)
        static func taps(start: Int, size: Int, kernel: Int, dilation: Int) -> (Int, Int) {
            // start + t·d ≥ 0  →  t ≥ ceil(−start / d);  start + t·d ≤ size − 1  →  t ≤ floor((size − 1 − start) / d).
            let lo = start >= 0 ? 0 : (-start + dilation - 1) / dilation
            let top = size - 1 - start
            let hi = top < 0 ? 0 : min(kernel, top / dilation + 1)
            return (min(lo, hi), hi)
        }

        func run(_ rows: Range<Int>) {
            typealias V = SIMD8<Float>
            @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
            let c8 = channels
            let vector = c8 - c8 % 8
            let low = epilogue.low
            let high = epilogue.high
            let clamps = low > -.infinity || high < .infinity
            let kW = g.kernelW
            let rowStride = g.inW * c8
            let plane = g.inH * rowStride
            let full3x3 = g.kernelH == 3 && g.kernelW == 3 && g.dilationH == 1 && g.dilationW == 1
            // A 3×3 window's taps: input offsets from its top-left pixel, and filter rows.
            let (o0, o1, o2) = (0, c8, 2 * c8)
            let (o3, o4, o5) = (rowStride, rowStride + c8, rowStride + 2 * c8)
            let (o6, o7, o8) = (2 * rowStride, 2 * rowStride + c8, 2 * rowStride + 2 * c8)
            let (w0, w1, w2) = (weights, weights + c8, weights + 2 * c8)
            let (w3, w4, w5) = (weights + 3 * c8, weights + 4 * c8, weights + 5 * c8)
            let (w6, w7, w8) = (weights + 6 * c8, weights + 7 * c8, weights + 8 * c8)
            let biasVector = epilogue.bias
            @inline(__always) func bias(_ c: Int) -> V { biasVector.map { load($0 + c) } ?? V() }
            for r in rows {
                let n = r / g.outH
                let oy = r - n * g.outH
                let iy0 = oy * g.strideH - g.padTop
                let (kyLo, kyHi) = Self.taps(start: iy0, size: g.inH, kernel: g.kernelH, dilation: g.dilationH)
                let base = x + n * plane
                for ox in 0..<g.outW {
                    let ix0 = ox * g.strideW - g.padLeft
                    let (kxLo, kxHi) = Self.taps(start: ix0, size: g.inW, kernel: kW, dilation: g.dilationW)
                    let dst = y + (r * g.outW + ox) * c8
                    if full3x3 && kyLo == 0 && kyHi == 3 && kxLo == 0 && kxHi == 3 {
                        // The whole window inside the input: nine taps, unrolled, summed as a tree
                        // (short dependency chains), with the offsets computed once per layer.
                        let p = base + (iy0 &* rowStride &+ ix0 &* c8)
                        var c = 0
                        while c < vector {
                            let t0 = load(p + (o0 &+ c)) * load(w0 + c) + load(p + (o1 &+ c)) * load(w1 + c)
                            let t1 = load(p + (o2 &+ c)) * load(w2 + c) + load(p + (o3 &+ c)) * load(w3 + c)
                            let t2 = load(p + (o4 &+ c)) * load(w4 + c) + load(p + (o5 &+ c)) * load(w5 + c)
                            let t3 = load(p + (o6 &+ c)) * load(w6 + c) + load(p + (o7 &+ c)) * load(w7 + c)
                            let t4 = load(p + (o8 &+ c)) * load(w8 + c) + bias(c)
                            UnsafeMutableRawPointer(dst + c).storeBytes(of: (t0 + t1) + (t2 + t3) + t4, as: V.self)
                            c &+= 8
                        }
                    } else {
                        var c = 0
                        while c < vector {
                            var a = bias(c)
                            for ky in kyLo..<kyHi {
                                let row = base + (iy0 + ky * g.dilationH) * rowStride
                                for kx in kxLo..<kxHi {
                                    a += load(row + (ix0 + kx * g.dilationW) * c8 + c) * load(weights + (ky * kW + kx) * c8 + c)
                                }
                            }
                            UnsafeMutableRawPointer(dst + c).storeBytes(of: a, as: V.self)
                            c += 8
                        }
                    }
                    // Channels past the last multiple of eight, one at a time.
                    for c in vector..<c8 {
                        var a = epilogue.bias?[c] ?? 0
                        for ky in kyLo..<kyHi {
                            let row = base + (iy0 + ky * g.dilationH) * rowStride
                            for kx in kxLo..<kxHi { a += row[(ix0 + kx * g.dilationW) * c8 + c] * weights[(ky * kW + kx) * c8 + c] }
                        }
                        dst[c] = a
                    }
                }
                // The activation as a clamp over the row just written (still in cache; a plain
                // loop the compiler vectorizes, unlike SIMD's generic pointwiseMin/Max).
                if clamps {
                    let d = y + r * g.outW * c8
                    for i in 0..<(g.outW * c8) {
                        let v = d[i]
                        d[i] = v < low ? low : (v > high ? high : v)
                    }
                }
            }
        }
    }
}
