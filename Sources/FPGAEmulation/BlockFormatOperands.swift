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
public final class BlockFormatOperands: MatrixOperandQuantizer, @unchecked Sendable {
    public let quantizer: BlockQuantizer
    private let vectorRounding = BlockQuantizer(format: try! NumberFormat.named("fp16"))
    // Per-column scratch for column-blocked quantization, grown on first use of a size.
    private var columnMax: [Float] = []
    private var columnDown: [Double] = []
    private var columnUp: [Double] = []
    private var columnNaN: [Bool] = []

    public init(format: NumberFormat, rounding: Rounding = .nearest) {
        quantizer = BlockQuantizer(format: format, rounding: rounding)
    }

    public var name: String { quantizer.format.name }

    public func quantizeRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, k: Int) {
        for r in 0..<rows { quantizer.quantize(matrix + r * k, count: k) }
    }

    public func quantizeColumns(_ matrix: UnsafeMutablePointer<Float>, k: Int, columns: Int) {
        let format = quantizer.format
        if format.isIdentity { return }
        guard format.isBlockFormat else {
            quantizer.quantize(matrix, count: k * columns)
            return
        }
        if columnMax.count < columns {
            columnMax = [Float](repeating: 0, count: columns)
            columnDown = [Double](repeating: 0, count: columns)
            columnUp = [Double](repeating: 0, count: columns)
            columnNaN = [Bool](repeating: false, count: columns)
        }
        // Blocks of rows: per column, the block's maximum (row-wise, contiguous), its shared
        // exponent, then each row rounded with its column's scale.
        var r0 = 0
        while r0 < k {
            let r1 = min(k, r0 + format.blockSize)
            for c in 0..<columns { columnMax[c] = 0; columnNaN[c] = false }
            for r in r0..<r1 {
                let row = matrix + r * columns
                for c in 0..<columns {
                    let x = row[c]
                    if !x.isFinite { columnNaN[c] = true }
                    columnMax[c] = max(columnMax[c], abs(x))
                }
            }
            for c in 0..<columns {
                if !columnNaN[c], let e = quantizer.sharedExponent(maxAbs: Double(columnMax[c])) {
                    columnDown[c] = Double(sign: .plus, exponent: -e, significand: 1)
                    columnUp[c] = Double(sign: .plus, exponent: e, significand: 1)
                } else {
                    columnNaN[c] = true
                }
            }
            for r in r0..<r1 {
                let row = matrix + r * columns
                for c in 0..<columns {
                    row[c] = columnNaN[c] ? .nan : Float(quantizer.quantizeElement(Double(row[c]) * columnDown[c]) * columnUp[c])
                }
            }
            r0 = r1
        }
    }

    public func roundVector(_ values: UnsafeMutablePointer<Float>, count: Int) {
        vectorRounding.quantize(values, count: count)
    }
}
