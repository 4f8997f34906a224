import Foundation

/// LSTM and GRU over the executor's sequence layout `[T, N, I]` (ONNX's `X` layout), forward
/// or bidirectional, zero initial state.
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

    /// Scratch a bidirectional layer needs besides the kernel's: the time-reversed input
    /// `T·N·I`, both passes' sequences `2·T·N·H` and final states `2·N·H`.
    static func bidirectionalScratch(_ s: RecurrentStep) -> Int {
        s.timesteps * s.batch * s.inputSize + 2 * s.timesteps * s.batch * s.hidden + 2 * s.batch * s.hidden
    }

    /// Runs one LSTM/GRU step of the executor: `x` is `[T, N, I]`; `y` is `[T, N, D·H]` for
    /// full sequences, else the final hidden state channel-major `[D·H, N]` (D = 2 when
    /// bidirectional: the forward pass's values, then the backward pass's, whose sequence is
    /// read back to front and written at the step it belongs to).
    static func run(
        _ s: RecurrentStep, lstm isLSTM: Bool, x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, quantizer: (any MatrixOperandQuantizer)?
    ) {
        // Across the batch, [1, B, I] is laid out as [B, 1, I]: a sequence of B steps, batch 1.
        let (t, n) = s.timeAcrossBatch ? (s.timesteps * s.batch, 1) : (s.timesteps, s.batch)
        let (i, h) = (s.inputSize, s.hidden)
        let kernelScratch = isLSTM ? lstmScratch(timesteps: t, batch: n, hidden: h) : gruScratch(timesteps: t, batch: n, hidden: h)
        var input = UnsafePointer(x)
        if let quantizer {
            // The input projection's left operand [T·N, I], rounded along I.
            let copy = scratch + kernelScratch + n * h
            copy.update(from: x, count: t * n * i)
            quantizer.quantizeRows(copy, rows: t * n, k: i)
            input = UnsafePointer(copy)
        }
        func pass(_ x: UnsafePointer<Float>, _ d: Int, _ sequence: UnsafeMutablePointer<Float>?, _ last: UnsafeMutablePointer<Float>?) {
            let gates = (isLSTM ? 4 : 3) * h
            let w = s.w + d * gates * i
            let r = s.r + d * gates * h
            if isLSTM {
                lstm(
                    x: x, timesteps: t, batch: n, inputSize: i, hidden: h, w: w, r: r, bias: s.bias + d * 4 * h, scratch: scratch,
                    sequenceOut: sequence, lastOut: last, quantizer: quantizer)
            } else {
                gru(
                    x: x, timesteps: t, batch: n, inputSize: i, hidden: h, w: w, r: r, bias: s.bias + d * 6 * h,
                    linearBeforeReset: s.linearBeforeReset, scratch: scratch, sequenceOut: sequence, lastOut: last, quantizer: quantizer)
            }
        }
        guard s.bidirectional else {
            let last: UnsafeMutablePointer<Float>? = s.returnSequences ? nil : (n == 1 ? y : scratch + kernelScratch)
            pass(input, 0, s.returnSequences ? y : nil, last)
            // [N, H] → the channel-major [H, N].
            if !s.returnSequences && n > 1, let last { LayoutKernels.swapOuterAxes(last, y, a: n, b: h, inner: 1) }
            return
        }
        let reversed = scratch + kernelScratch + n * h + (quantizer != nil ? t * n * i : 0)
        let forward = reversed + t * n * i
        let backward = forward + t * n * h
        let lastForward = backward + t * n * h
        let lastBackward = lastForward + n * h
        for step in 0..<t { (reversed + (t - 1 - step) * n * i).update(from: input + step * n * i, count: n * i) }
        pass(input, 0, s.returnSequences ? forward : nil, lastForward)
        pass(UnsafePointer(reversed), 1, s.returnSequences ? backward : nil, lastBackward)
        if s.returnSequences {
            for step in 0..<t {
                for b in 0..<n {
                    (y + (step * n + b) * 2 * h).update(from: forward + (step * n + b) * h, count: h)
                    (y + (step * n + b) * 2 * h + h).update(from: backward + ((t - 1 - step) * n + b) * h, count: h)
                }
            }
        } else {
            LayoutKernels.swapOuterAxes(lastForward, y, a: n, b: h, inner: 1)
            LayoutKernels.swapOuterAxes(lastBackward, y + h * n, a: n, b: h, inner: 1)
        }
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
