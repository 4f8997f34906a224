/// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions (Lavin & Gray, "Fast Algorithms for
/// Convolutional Neural Networks", CVPR 2016): each 2×2 output tile is
/// `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` over a 4×4 input tile `d`, so the multiplications become 16
/// GEMMs `M_e[outC, T] = U_e[outC, inC] · V_e[inC, T]` (`T` tiles) with 16 multiply-adds per
/// tile and channel pair instead of 36: 2.25× fewer. The transforms are additions only.
///
///     Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
///     G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
///     Aᵀ = [1 1 1 0; 0 1 −1 −1]
enum Winograd {
    /// The tiles of an `outH × outW` output: `(rows, columns)`.
    static func tiles(_ g: WindowGeometry) -> (Int, Int) { ((g.outH + 1) / 2, (g.outW + 1) / 2) }

    /// The most workers the transforms are split over (each needs its own padded plane).
    static let maxWorkers = 4

    /// Scratch the layer needs: a zero-padded input plane per worker, `V` and `M`.
    static func scratch(_ g: WindowGeometry, inChannels: Int, outChannels: Int, batch: Int) -> Int {
        let (th, tw) = tiles(g)
        let t = batch * th * tw
        return maxWorkers * (2 * th + 2) * (2 * tw + 2) + 16 * (inChannels + outChannels) * t
    }

    /// Whether a convolution is one this path computes: 3×3, stride 1, no dilation, one group,
    /// channels enough on both sides and tiles enough (the GEMMs' columns) for the 16 GEMMs to
    /// pay for the transforms. ResNet-50's 7×7 layers at batch 1 (16 tiles) ran no faster
    /// with one thread and slower with two.
    static func applies(_ a: Conv2DAttributes, inChannels: Int, _ g: WindowGeometry, batch: Int) -> Bool {
        let (th, tw) = tiles(g)
        return a.kernelH == 3 && a.kernelW == 3 && a.strideH == 1 && a.strideW == 1 && a.dilationH == 1 && a.dilationW == 1
            && a.groups == 1 && inChannels >= minimumChannels && a.outChannels >= minimumChannels
            && batch * th * tw >= minimumTiles
    }

    /// The fewest input and output channels taken this way.
    static let minimumChannels = 16
    /// The fewest tiles (over the batch) taken this way.
    static let minimumTiles = 36

    /// `U_e[outC, inC]` for the 16 tile elements `e`, from weights `[outC, inC, 3, 3]`.
    static func transformWeights(_ w: [Float], outChannels: Int, inChannels: Int) -> [Float] {
        var u = [Float](repeating: 0, count: 16 * outChannels * inChannels)
        let plane = outChannels * inChannels
        var gg = [Float](repeating: 0, count: 12)
        for o in 0..<outChannels {
            for i in 0..<inChannels {
                let g = (o * inChannels + i) * 9
                // G·g: four rows of three.
                for c in 0..<3 {
                    let (a, b, d) = (w[g + c], w[g + 3 + c], w[g + 6 + c])
                    gg[c] = a
                    gg[3 + c] = (a + b + d) / 2
                    gg[6 + c] = (a - b + d) / 2
                    gg[9 + c] = d
                }
                // (G·g)·Gᵀ: each row [a, b, c] → [a, (a+b+c)/2, (a−b+c)/2, c].
                for r in 0..<4 {
                    let (a, b, d) = (gg[r * 3], gg[r * 3 + 1], gg[r * 3 + 2])
                    let at = o * inChannels + i
                    u[(r * 4) * plane + at] = a
                    u[(r * 4 + 1) * plane + at] = (a + b + d) / 2
                    u[(r * 4 + 2) * plane + at] = (a - b + d) / 2
                    u[(r * 4 + 3) * plane + at] = d
                }
            }
        }
        return u
    }

    /// `y[outC, N, oH, oW]` (channel-major) without bias or activation, from `x[inC, N, H, W]` and
    /// transformed weights `u`; `scratch` holds `scratch(…)` floats.
    static func convolve(
        _ x: UnsafePointer<Float>, inChannels: Int, outChannels: Int, batch: Int, _ g: WindowGeometry,
        u: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, threads: Int = 1
    ) {
        let job = Job(
            x: x, u: u, y: y, scratch: scratch, g: g, inChannels: inChannels, outChannels: outChannels, batch: batch)
        let parts = max(1, min(threads, maxWorkers))
        ConvolutionKernels.split(inChannels, parts: parts) { job.transformInput($1, worker: $0) }
        // The 16 GEMMs on OpenBLAS's threads (splitting them over the workers with OpenBLAS at
        // one thread made every later GEMM wait for OpenBLAS's threads to wake: 57 → 94 ms for
        // ResNet-50 with two threads).
        job.multiply(0..<16)
        ConvolutionKernels.split(outChannels, parts: parts) { job.transformOutput($1) }
    }

    /// One layer's operands; workers write disjoint channels of `V` and `y` and their own padded
    /// plane (hence `@unchecked Sendable`).
    struct Job: @unchecked Sendable {
        let x: UnsafePointer<Float>
        let u: UnsafePointer<Float>
        let y: UnsafeMutablePointer<Float>
        let g: WindowGeometry
        let inChannels: Int
        let outChannels: Int
        let batch: Int
        let th: Int
        let tw: Int
        let t: Int
        let ph: Int
        let pw: Int
        let padded: UnsafeMutablePointer<Float>
        let v: UnsafeMutablePointer<Float>
        let m: UnsafeMutablePointer<Float>

        init(
            x: UnsafePointer<Float>, u: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
            g: WindowGeometry, inChannels: Int, outChannels: Int, batch: Int
        ) {
            (self.x, self.u, self.y, self.g) = (x, u, y, g)
            (self.inChannels, self.outChannels, self.batch) = (inChannels, outChannels, batch)
            (th, tw) = Winograd.tiles(g)
            t = batch * th * tw
            ph = 2 * th + 2
            pw = 2 * tw + 2
            padded = scratch
            v = scratch + maxWorkers * ph * pw
            m = v + 16 * inChannels * t
        }

        func transformInput(_ channels: Range<Int>, worker: Int) {
            let pad = padded + worker * ph * pw
            let plane = g.inH * g.inW
            pad.update(repeating: 0, count: ph * pw)
            for c in channels {
                for n in 0..<batch {
                    // The plane at (padTop, padLeft) of a zero border; only the interior is
                    // rewritten, so the border stays zero from the first clear.
                    let src = x + (c * batch + n) * plane
                    let count = min(g.inW, pw - g.padLeft)
                    for r in 0..<min(g.inH, ph - g.padTop) {
                        (pad + (r + g.padTop) * pw + g.padLeft).update(from: src + r * g.inW, count: count)
                    }
                    inputTransform(pad, pw: pw, th: th, tw: tw, v: v + c * t + n * th * tw, stride: inChannels * t)
                }
            }
        }

        func multiply(_ elements: Range<Int>) {
            for e in elements {
                BLAS.sgemm(
                    m: outChannels, n: t, k: inChannels, a: u + e * outChannels * inChannels, lda: inChannels,
                    b: v + e * inChannels * t, ldb: t, c: m + e * outChannels * t, ldc: t)
            }
        }

        func transformOutput(_ channels: Range<Int>) {
            let outPlane = g.outH * g.outW
            for o in channels {
                for n in 0..<batch {
                    outputTransform(
                        m + o * t + n * th * tw, stride: outChannels * t, th: th, tw: tw, y: y + (o * batch + n) * outPlane,
                        outH: g.outH, outW: g.outW)
                }
            }
        }
    }

    /// `V_e[tile] = (Bᵀ d B)_e` for every tile of one padded plane, element `e` at `v + e·stride`;
    /// four tiles at a time (a tile starts every second column: even and odd lanes of two loads).
    @inline(__always)
    static func inputTransform(_ p: UnsafePointer<Float>, pw: Int, th: Int, tw: Int, v: UnsafeMutablePointer<Float>, stride: Int) {
        typealias V4 = SIMD4<Float>
        @inline(__always) func load8(_ q: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(q).loadUnaligned(as: SIMD8<Float>.self) }
        @inline(__always) func store(_ e: Int, _ i: Int, _ value: V4) {
            UnsafeMutableRawPointer(v + e * stride + i).storeBytes(of: value, as: V4.self)
        }
        for ty in 0..<th {
            let r0 = p + 2 * ty * pw
            let r1 = r0 + pw
            let r2 = r1 + pw
            let r3 = r2 + pw
            var tx = 0
            while tx + 4 <= tw {
                let c = 2 * tx
                // Columns k = 0…3 of the four tiles, per input row.
                @inline(__always) func columns(_ r: UnsafePointer<Float>) -> (V4, V4, V4, V4) {
                    let a = load8(r + c)
                    let b = load8(r + c + 2)
                    return (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
                }
                let d0 = columns(r0)
                let d1 = columns(r1)
                let d2 = columns(r2)
                let d3 = columns(r3)
                // Bᵀ·d (rows), then ·B (columns).
                let t0 = (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3)
                let t1 = (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3)
                let t2 = (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3)
                let t3 = (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3)
                let i = ty * tw + tx
                @inline(__always) func emit(_ row: Int, _ s: (V4, V4, V4, V4)) {
                    store(row * 4, i, s.0 - s.2)
                    store(row * 4 + 1, i, s.1 + s.2)
                    store(row * 4 + 2, i, s.2 - s.1)
                    store(row * 4 + 3, i, s.1 - s.3)
                }
                emit(0, t0)
                emit(1, t1)
                emit(2, t2)
                emit(3, t3)
                tx += 4
            }
            while tx < tw {
                // One tile: the same transform on scalars.
                let c = 2 * tx
                let i = ty * tw + tx
                @inline(__always) func at(_ r: Int, _ k: Int) -> Float { (r0 + r * pw)[c + k] }
                @inline(__always) func emit(_ row: Int, _ t: (Float, Float, Float, Float)) {
                    v[(row * 4) * stride + i] = t.0 - t.2
                    v[(row * 4 + 1) * stride + i] = t.1 + t.2
                    v[(row * 4 + 2) * stride + i] = t.2 - t.1
                    v[(row * 4 + 3) * stride + i] = t.1 - t.3
                }
                emit(0, (at(0, 0) - at(2, 0), at(0, 1) - at(2, 1), at(0, 2) - at(2, 2), at(0, 3) - at(2, 3)))
                emit(1, (at(1, 0) + at(2, 0), at(1, 1) + at(2, 1), at(1, 2) + at(2, 2), at(1, 3) + at(2, 3)))
                emit(2, (at(2, 0) - at(1, 0), at(2, 1) - at(1, 1), at(2, 2) - at(1, 2), at(2, 3) - at(1, 3)))
                emit(3, (at(1, 0) - at(3, 0), at(1, 1) - at(3, 1), at(1, 2) - at(3, 2), at(1, 3) - at(3, 3)))
                tx += 1
            }
        }
    }

    /// `y = Aᵀ m A` for every tile of one output plane (`m_e[tile]` at `m + e·stride`), four
    /// tiles at a time where all eight columns are inside the plane.
    @inline(__always)
    static func outputTransform(
        _ m: UnsafePointer<Float>, stride: Int, th: Int, tw: Int, y: UnsafeMutablePointer<Float>, outH: Int, outW: Int
    ) {
        typealias V4 = SIMD4<Float>
        @inline(__always) func load(_ e: Int, _ i: Int) -> V4 { UnsafeRawPointer(m + e * stride + i).loadUnaligned(as: V4.self) }
        @inline(__always) func interleave(_ a: V4, _ b: V4) -> SIMD8<Float> { SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]) }
        for ty in 0..<th {
            let oy = 2 * ty
            let twoRows = oy + 1 < outH
            var tx = 0
            while tx + 4 <= tw && 2 * tx + 8 <= outW {
                let i = ty * tw + tx
                // Aᵀ·m (rows): s0 = m0 + m1 + m2, s1 = m1 − m2 − m3, per column j.
                @inline(__always) func rows(_ j: Int) -> (V4, V4) {
                    let (a, b, c, d) = (load(j, i), load(4 + j, i), load(8 + j, i), load(12 + j, i))
                    return (a + b + c, b - c - d)
                }
                let (a0, b0) = rows(0)
                let (a1, b1) = rows(1)
                let (a2, b2) = rows(2)
                let (a3, b3) = rows(3)
                let s0 = (a0, a1, a2, a3)
                let s1 = (b0, b1, b2, b3)
                // ·A (columns): y0 = s0 + s1 + s2, y1 = s1 − s2 − s3.
                let top = interleave(s0.0 + s0.1 + s0.2, s0.1 - s0.2 - s0.3)
                UnsafeMutableRawPointer(y + oy * outW + 2 * tx).storeBytes(of: top, as: SIMD8<Float>.self)
                if twoRows {
                    let bottom = interleave(s1.0 + s1.1 + s1.2, s1.1 - s1.2 - s1.3)
                    UnsafeMutableRawPointer(y + (oy + 1) * outW + 2 * tx).storeBytes(of: bottom, as: SIMD8<Float>.self)
                }
                tx += 4
            }
            while tx < tw {
                // One tile, with its columns and rows clipped to the plane.
                let i = ty * tw + tx
                @inline(__always) func at(_ r: Int, _ c: Int) -> Float { m[(r * 4 + c) * stride + i] }
                @inline(__always) func s0(_ j: Int) -> Float { at(0, j) + at(1, j) + at(2, j) }
                @inline(__always) func s1(_ j: Int) -> Float { at(1, j) - at(2, j) - at(3, j) }
                let ox = 2 * tx
                y[oy * outW + ox] = s0(0) + s0(1) + s0(2)
                if ox + 1 < outW { y[oy * outW + ox + 1] = s0(1) - s0(2) - s0(3) }
                if twoRows {
                    y[(oy + 1) * outW + ox] = s1(0) + s1(1) + s1(2)
                    if ox + 1 < outW { y[(oy + 1) * outW + ox + 1] = s1(1) - s1(2) - s1(3) }
                }
                tx += 1
            }
        }
    }
}
