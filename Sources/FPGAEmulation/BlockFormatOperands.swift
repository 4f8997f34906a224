import Inference

/// Rounds the CPU executor's matrix operands to a block format: the executor then computes
/// what the accelerator's matrix-vector unit computes.
///
/// Weights are quantized once, in blocks along each row (the reduction dimension);
/// activations before every product, in blocks down each column. Values produced outside
/// the matrix unit (depthwise convolutions, which the MVU does not run) are rounded to the
/// multifunction units' fp16.
///
/// Why quantize-then-sgemm is exact here: after quantization every operand element is a
/// significand of at most 11 bits (8 for every block format) times a power of two, so every
/// product of two elements has at most 22 significant bits and is represented exactly in
/// float32; sgemm then accumulates those exact products in float32, which is the
/// accumulator the formats specify (the order of the additions, which no format fixes, is
/// the only difference from any other fp32 accumulator).
package final class BlockFormatOperands: MatrixOperandQuantizer, @unchecked Sendable {
    package let quantizer: BlockQuantizer
    /// The MFUs' precision: fp16 for block formats, the format itself for scalar references.
    private let vectorRounding: BlockQuantizer
    // Per-column scratch for column-blocked quantization, grown on first use of a size.
    private var columnMax: [Float] = []
    private var columnDown: [Float] = []
    private var columnUp: [Float] = []
    private var columnSlow: [Bool] = []
    private var columnNaN: [Bool] = []

    package init(format: NumberFormat, rounding: Rounding = .nearest) {
        quantizer = BlockQuantizer(format: format, rounding: rounding)
        let fp16 = NumberFormat.all.first { $0.name == "fp16" }!
        vectorRounding = BlockQuantizer(format: format.isBlockFormat ? fp16 : format, rounding: .even)
    }

    package var name: String { quantizer.format.name }

    package func quantizeRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, k: Int) {
        for r in 0..<rows { quantizer.quantize(matrix + r * k, count: k) }
    }

    package func quantizeColumns(_ matrix: UnsafeMutablePointer<Float>, k: Int, columns: Int) {
        let q = quantizer
        let format = q.format
        if format.isIdentity { return }
        guard format.isBlockFormat else {
            q.quantize(matrix, count: k * columns)
            return
        }
        if columnMax.count < columns {
            columnMax = [Float](repeating: 0, count: columns)
            columnDown = [Float](repeating: 0, count: columns)
            columnUp = [Float](repeating: 0, count: columns)
            columnNaN = [Bool](repeating: false, count: columns)
            columnSlow = [Bool](repeating: false, count: columns)
        }
        let block = format.blockSize
        columnMax.withUnsafeMutableBufferPointer { maxBuffer in
            columnDown.withUnsafeMutableBufferPointer { downBuffer in
                columnUp.withUnsafeMutableBufferPointer { upBuffer in
                    let colMax = maxBuffer.baseAddress!
                    let down = downBuffer.baseAddress!
                    let up = upBuffer.baseAddress!
                    var r0 = 0
                    while r0 < k {
                        let r1 = min(k, r0 + block)
                        // Per column, the block's largest magnitude (rows read contiguously).
                        colMax.update(repeating: 0, count: columns)
                        var special = false
                        for r in r0..<r1 {
                            let row = matrix + r * columns
                            for c in 0..<columns {
                                let x = row[c]
                                special = special || !x.isFinite
                                let m = abs(x)
                                colMax[c] = colMax[c] > m ? colMax[c] : m
                            }
                        }
                        // Per column, the scale; columns outside the fast path are handled exactly below.
                        var slowColumns: [Int] = []
                        for c in 0..<columns {
                            if !colMax[c].isFinite || special && columnHasSpecial(matrix, c, r0, r1, columns) {
                                slowColumns.append(c)
                                down[c] = 0
                                up[c] = 0
                            } else if let e = q.sharedExponent(maxAbs: Double(colMax[c])), e >= -126 + 8, e <= 127 - 8,
                                format.maxNormal < 1e30
                            {
                                down[c] = Float(sign: .plus, exponent: -e, significand: 1)
                                up[c] = Float(sign: .plus, exponent: e, significand: 1)
                            } else {
                                slowColumns.append(c)
                                down[c] = 0
                                up[c] = 0
                            }
                        }
                        // Keep the slow columns' values, run the vectorized pass, then redo them exactly.
                        var saved: [Float] = []
                        if !slowColumns.isEmpty {
                            for c in slowColumns { for r in r0..<r1 { saved.append(matrix[r * columns + c]) } }
                        }
                        for r in r0..<r1 {
                            let row = matrix + r * columns
                            for c in 0..<columns { row[c] = q.quantizeScaled(row[c] * down[c]) * up[c] }
                        }
                        if !slowColumns.isEmpty {
                            var i = 0
                            for c in slowColumns {
                                var values = Array(saved[i..<(i + r1 - r0)])
                                i += r1 - r0
                                values.withUnsafeMutableBufferPointer { q.quantize($0.baseAddress!, count: $0.count) }
                                for (j, r) in (r0..<r1).enumerated() { matrix[r * columns + c] = values[j] }
                            }
                        }
                        r0 = r1
                    }
                }
            }
        }
    }

    private func columnHasSpecial(_ m: UnsafeMutablePointer<Float>, _ c: Int, _ r0: Int, _ r1: Int, _ columns: Int) -> Bool {
        for r in r0..<r1 where !m[r * columns + c].isFinite { return true }
        return false
    }

    package func roundVector(_ values: UnsafeMutablePointer<Float>, count: Int) {
        vectorRounding.quantize(values, count: count)
    }
}
