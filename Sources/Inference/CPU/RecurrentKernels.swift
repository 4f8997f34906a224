import Foundation

/// LSTM and GRU over the executor's sequence layout `[T, N, I]` (ONNX's `X` layout),
/// forward direction, zero initial state.
///
/// The input projection for all timesteps is one GEMM (`[T·N, I] × Wᵀ`); each step then
/// adds `h_{t-1} Rᵀ` with one more GEMM and applies the gate math in one fused pass.
enum RecurrentKernels {
    /// Scratch floats an LSTM of this size needs: gates `T·N·4H`, cell `N·H`, hidden `N·H`.
    static func lstmScratch(timesteps: Int, batch: Int, hidden: Int) -> Int {
        timesteps * batch * 4 * hidden + 3 * batch * hidden
    }

    /// Scratch floats a GRU needs: projections `T·N·3H`, recurrent part `N·3H`, hidden `N·H`, reset product `N·H`.
    static func gruScratch(timesteps: Int, batch: Int, hidden: Int) -> Int {
        timesteps * batch * 3 * hidden + batch * 3 * hidden + 3 * batch * hidden
    }

    /// The recurrent GEMM's left operand: `h` itself, or a copy rounded to the emulated format.
    @inline(__always)
    static func operand(
        _ h: UnsafeMutablePointer<Float>, rows: Int, k: Int, copy: UnsafeMutablePointer<Float>,
        _ quantizer: (any MatrixOperandQuantizer)?
    ) -> UnsafePointer<Float> {
        guard let quantizer else { return UnsafePointer(h) }
        copy.update(from: h, count: rows * k)
        quantizer.quantizeRows(copy, rows: rows, k: k)
        return UnsafePointer(copy)
    }

    /// ONNX LSTM (gates `i, o, f, c`; `bias` is `Wb + Rb` combined, `[4H]`).
    /// - Parameter sequenceOut: `[T, N, H]` for every step's hidden state, or nil.
    /// - Parameter lastOut: `[N, H]` for the final hidden state, or nil.
    static func lstm(
        x: UnsafePointer<Float>, timesteps t: Int, batch n: Int, inputSize i: Int, hidden h: Int,
        w: UnsafePointer<Float>, r: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, sequenceOut: UnsafeMutablePointer<Float>?,
        lastOut: UnsafeMutablePointer<Float>?, quantizer: (any MatrixOperandQuantizer)? = nil
    ) {
        let g4 = 4 * h
        let gates = scratch
        let cell = scratch + t * n * g4
        let hPrev = cell + n * h
        let hCopy = hPrev + n * h
        // All input projections at once: G[T·N, 4H] = X · Wᵀ.
        BLAS.sgemm(transB: true, m: t * n, n: g4, k: i, a: x, lda: i, b: w, ldb: i, c: gates, ldc: g4)
        cell.update(repeating: 0, count: n * h)
        hPrev.update(repeating: 0, count: n * h)
        for step in 0..<t {
            let g = gates + step * n * g4
            if step > 0 {
                let a = operand(hPrev, rows: n, k: h, copy: hCopy, quantizer)
                BLAS.sgemm(transB: true, m: n, n: g4, k: h, a: a, lda: h, b: r, ldb: h, beta: 1, c: g, ldc: g4)
            }
            for b in 0..<n {
                let gb = g + b * g4
                let cb = cell + b * h
                let hb = hPrev + b * h
                for j in 0..<h {
                    let ig = ElementwiseKernels.sigmoid(gb[j] + bias[j])
                    let og = ElementwiseKernels.sigmoid(gb[h + j] + bias[h + j])
                    let fg = ElementwiseKernels.sigmoid(gb[2 * h + j] + bias[2 * h + j])
                    let cg = tanh(gb[3 * h + j] + bias[3 * h + j])
                    let c = fg * cb[j] + ig * cg
                    cb[j] = c
                    hb[j] = og * tanh(c)
                }
            }
            if let sequenceOut { (sequenceOut + step * n * h).update(from: hPrev, count: n * h) }
        }
        if let lastOut { lastOut.update(from: hPrev, count: n * h) }
    }

    /// ONNX GRU (gates `z, r, h`; `bias` is `[Wb(3H), Rb(3H)]`).
    static func gru(
        x: UnsafePointer<Float>, timesteps t: Int, batch n: Int, inputSize i: Int, hidden h: Int,
        w: UnsafePointer<Float>, r: UnsafePointer<Float>, bias: UnsafePointer<Float>, linearBeforeReset: Bool,
        scratch: UnsafeMutablePointer<Float>, sequenceOut: UnsafeMutablePointer<Float>?,
        lastOut: UnsafeMutablePointer<Float>?, quantizer: (any MatrixOperandQuantizer)? = nil
    ) {
        let g3 = 3 * h
        let proj = scratch
        let rec = scratch + t * n * g3
        let hPrev = rec + n * g3
        let rh = hPrev + n * h
        let hCopy = rh + n * h
        let wb = bias
        let rb = bias + g3
        BLAS.sgemm(transB: true, m: t * n, n: g3, k: i, a: x, lda: i, b: w, ldb: i, c: proj, ldc: g3)
        hPrev.update(repeating: 0, count: n * h)
        for step in 0..<t {
            let p = proj + step * n * g3
            if linearBeforeReset {
                // rec[N, 3H] = h Rᵀ (all three gates at once).
                let a = operand(hPrev, rows: n, k: h, copy: hCopy, quantizer)
                BLAS.sgemm(transB: true, m: n, n: g3, k: h, a: a, lda: h, b: r, ldb: h, c: rec, ldc: g3)
                for b in 0..<n {
                    let pb = p + b * g3
                    let qb = rec + b * g3
                    let hb = hPrev + b * h
                    for j in 0..<h {
                        let z = ElementwiseKernels.sigmoid(pb[j] + wb[j] + qb[j] + rb[j])
                        let rr = ElementwiseKernels.sigmoid(pb[h + j] + wb[h + j] + qb[h + j] + rb[h + j])
                        let cand = tanh(pb[2 * h + j] + wb[2 * h + j] + rr * (qb[2 * h + j] + rb[2 * h + j]))
                        hb[j] = (1 - z) * cand + z * hb[j]
                    }
                }
            } else {
                // z and r first (rows 0..<2H of R), then (r ⊙ h) R_hᵀ.
                let a = operand(hPrev, rows: n, k: h, copy: hCopy, quantizer)
                BLAS.sgemm(transB: true, m: n, n: 2 * h, k: h, a: a, lda: h, b: r, ldb: h, c: rec, ldc: g3)
                for b in 0..<n {
                    let pb = p + b * g3
                    let qb = rec + b * g3
                    let hb = hPrev + b * h
                    let rhb = rh + b * h
                    for j in 0..<h {
                        let z = ElementwiseKernels.sigmoid(pb[j] + wb[j] + qb[j] + rb[j])
                        let rr = ElementwiseKernels.sigmoid(pb[h + j] + wb[h + j] + qb[h + j] + rb[h + j])
                        qb[j] = z
                        rhb[j] = rr * hb[j]
                    }
                }
                let a2 = operand(rh, rows: n, k: h, copy: hCopy, quantizer)
                BLAS.sgemm(
                    transB: true, m: n, n: h, k: h, a: a2, lda: h, b: r + 2 * h * h, ldb: h, c: rec + 2 * h, ldc: g3)
                for b in 0..<n {
                    let pb = p + b * g3
                    let qb = rec + b * g3
                    let hb = hPrev + b * h
                    for j in 0..<h {
                        let z = qb[j]
                        let cand = tanh(pb[2 * h + j] + wb[2 * h + j] + qb[2 * h + j] + rb[2 * h + j])
                        hb[j] = (1 - z) * cand + z * hb[j]
                    }
                }
            }
            if let sequenceOut { (sequenceOut + step * n * h).update(from: hPrev, count: n * h) }
        }
        if let lastOut { lastOut.update(from: hPrev, count: n * h) }
    }
}
