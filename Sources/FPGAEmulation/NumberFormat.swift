/// A number format of the emulated accelerator: block floating point (a shared exponent
/// per block of elements) or a scalar reference format.
///
/// Parameters follow microsoft/microxcaling (`mx/formats.py`): `elementExponentBits`
/// (0 for integer-like elements), `elementBits` (the significand *including* the sign and,
/// for floating elements, the implicit leading bit), `elementEmax` (the largest normal
/// exponent of an element) and `maxNormal` (its largest magnitude).
///
/// Bit layouts (per element, then per block):
///
/// | format | element | shared scale | block |
/// |---|---|---|---|
/// | `ms-fp8` (Brainwave) | 1 sign + 2 mantissa bits, no implicit bit | 5-bit exponent | native dimension |
/// | `ms-fp9` (Brainwave) | 1 sign + 3 mantissa bits | 5-bit exponent | native dimension |
/// | `msfp12` (MSFP, NeurIPS 2020) | 1 sign + 3 mantissa bits | 8-bit exponent | 16 |
/// | `msfp16` | 1 sign + 7 mantissa bits | 8-bit exponent | 16 |
/// | `mxint8` (OCP MX) | 8-bit two's-complement-range integer, 1.6 fixed point | E8M0 | 32 |
/// | `mxfp8-e4m3` | 1 sign, 4 exponent (bias 7), 3 mantissa; max 448, no Inf | E8M0 | 32 |
/// | `mxfp8-e5m2` | 1 sign, 5 exponent (bias 15), 2 mantissa; max 57344 | E8M0 | 32 |
/// | `mxfp6-e3m2` | 1 sign, 3 exponent (bias 3), 2 mantissa; max 28 | E8M0 | 32 |
/// | `mxfp6-e2m3` | 1 sign, 2 exponent (bias 1), 3 mantissa; max 7.5 | E8M0 | 32 |
/// | `mxfp4-e2m1` | 1 sign, 2 exponent (bias 1), 1 mantissa; max 6 | E8M0 | 32 |
/// | `bf16` | 1 sign, 8 exponent, 7 mantissa (scalar) | — | — |
/// | `fp16` | 1 sign, 5 exponent, 10 mantissa (scalar, IEEE binary16) | — | — |
/// | `fp32` | IEEE binary32, unchanged | — | — |
///
/// Block-integer elements (`ms-fp*`, `msfp*`, `mxint8`) hold `k · 2^(e − (b − 2))` with
/// `|k| ≤ 2^(b−1) − 1` for element bits `b` (sign included) and shared exponent `e`; the
/// block's largest magnitude lands in `[1, 2)·2^e`.
package struct NumberFormat: Sendable, Hashable, CustomStringConvertible {
    package let name: String
    /// Bits of the shared exponent; 0 for scalar formats.
    package let scaleBits: Int
    /// Elements sharing one exponent; 0 for scalar formats.
    package let blockSize: Int
    package let elementExponentBits: Int
    /// Significand bits including sign (and the implicit bit for floating elements).
    package let elementBits: Int
    package let elementEmax: Int
    package let maxNormal: Double
    /// Scalar formats overflow to ±Inf; block formats saturate at ``maxNormal``.
    package let saturates: Bool
    /// Bits stored per element (for memory figures), scale amortized over the block.
    package let storageBitsPerElement: Double
    package let summary: String

    package var description: String { name }

    /// Whether elements share an exponent.
    package var isBlockFormat: Bool { blockSize > 0 }

    /// Whether the format leaves values unchanged.
    package var isIdentity: Bool { name == "fp32" }

    /// The same format with another block size (e.g. the accelerator's native dimension).
    package func withBlockSize(_ size: Int) -> NumberFormat {
        NumberFormat(
            name: name, scaleBits: scaleBits, blockSize: size, elementExponentBits: elementExponentBits,
            elementBits: elementBits, elementEmax: elementEmax, maxNormal: maxNormal, saturates: saturates,
            storageBitsPerElement: storageBitsPerElement - (blockSize > 0 ? Double(scaleBits) / Double(blockSize) : 0)
                + (size > 0 ? Double(scaleBits) / Double(size) : 0),
            summary: summary)
    }

    static func blockInteger(_ name: String, scaleBits: Int, block: Int, bits: Int, summary: String) -> NumberFormat {
        NumberFormat(
            name: name, scaleBits: scaleBits, blockSize: block, elementExponentBits: 0, elementBits: bits, elementEmax: 0,
            maxNormal: Double((1 << (bits - 1)) - 1) / Double(1 << (bits - 2)), saturates: true,
            storageBitsPerElement: Double(bits) + Double(scaleBits) / Double(block), summary: summary)
    }

    static func blockFloat(_ name: String, exponentBits e: Int, mantissaBits m: Int, emax: Int, maxNormal: Double, summary: String)
        -> NumberFormat
    {
        NumberFormat(
            name: name, scaleBits: 8, blockSize: 32, elementExponentBits: e, elementBits: m + 2, elementEmax: emax,
            maxNormal: maxNormal, saturates: true, storageBitsPerElement: Double(1 + e + m) + 8.0 / 32, summary: summary)
    }

    /// Every supported format.
    package static let all: [NumberFormat] = [
        blockInteger("ms-fp8", scaleBits: 5, block: 128, bits: 3, summary: "Brainwave: sign + 2-bit mantissa, 5-bit shared exponent"),
        blockInteger("ms-fp9", scaleBits: 5, block: 128, bits: 4, summary: "Brainwave: sign + 3-bit mantissa, 5-bit shared exponent"),
        blockInteger("msfp12", scaleBits: 8, block: 16, bits: 4, summary: "MSFP12: sign + 3-bit mantissa, 8-bit shared exponent, block 16"),
        blockInteger("msfp16", scaleBits: 8, block: 16, bits: 8, summary: "MSFP16: sign + 7-bit mantissa, 8-bit shared exponent, block 16"),
        blockInteger("mxint8", scaleBits: 8, block: 32, bits: 8, summary: "OCP MX INT8, E8M0 scale, block 32"),
        blockFloat(
            "mxfp8-e4m3", exponentBits: 4, mantissaBits: 3, emax: 8, maxNormal: 448, summary: "OCP MX FP8 E4M3, E8M0 scale, block 32"),
        blockFloat(
            "mxfp8-e5m2", exponentBits: 5, mantissaBits: 2, emax: 15, maxNormal: 57344, summary: "OCP MX FP8 E5M2, E8M0 scale, block 32"),
        blockFloat(
            "mxfp6-e3m2", exponentBits: 3, mantissaBits: 2, emax: 4, maxNormal: 28, summary: "OCP MX FP6 E3M2, E8M0 scale, block 32"),
        blockFloat(
            "mxfp6-e2m3", exponentBits: 2, mantissaBits: 3, emax: 2, maxNormal: 7.5, summary: "OCP MX FP6 E2M3, E8M0 scale, block 32"),
        blockFloat("mxfp4-e2m1", exponentBits: 2, mantissaBits: 1, emax: 2, maxNormal: 6, summary: "OCP MX FP4 E2M1, E8M0 scale, block 32"),
        NumberFormat(
            name: "bf16", scaleBits: 0, blockSize: 0, elementExponentBits: 8, elementBits: 9, elementEmax: 127,
            maxNormal: 0x1.FEp127, saturates: false, storageBitsPerElement: 16, summary: "bfloat16 (scalar reference)"),
        NumberFormat(
            name: "fp16", scaleBits: 0, blockSize: 0, elementExponentBits: 5, elementBits: 12, elementEmax: 15,
            maxNormal: 65504, saturates: false, storageBitsPerElement: 16, summary: "IEEE half (scalar reference)"),
        NumberFormat(
            name: "fp32", scaleBits: 0, blockSize: 0, elementExponentBits: 8, elementBits: 25, elementEmax: 127,
            maxNormal: Double(Float.greatestFiniteMagnitude), saturates: false, storageBitsPerElement: 32,
            summary: "IEEE single (unchanged)"),
    ]

    /// The names of every format.
    package static var names: [String] { all.map(\.name) }

    /// The format called `name`.
    ///
    /// - Throws: ``EmulationError`` listing the known formats.
    package static func named(_ name: String) throws(EmulationError) -> NumberFormat {
        guard let f = all.first(where: { $0.name == name.lowercased() }) else {
            throw EmulationError("unknown number format '\(name)'; supported: \(names.joined(separator: ", "))")
        }
        return f
    }
}

/// How elements round to their significand.
package enum Rounding: String, Sendable, CaseIterable {
    /// To nearest, ties away from zero (microxcaling's default `nearest`).
    case nearest
    /// To nearest, ties to even.
    case even
    /// Toward zero (microxcaling's `floor` on magnitudes).
    case zero
}

/// An error in the FPGA emulation's input.
package struct EmulationError: Error, Sendable, CustomStringConvertible, Equatable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
