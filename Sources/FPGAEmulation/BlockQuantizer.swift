import Foundation

/// Quantizes float32 values to a ``NumberFormat`` with microxcaling's semantics
/// (`mx/mx_ops.py::_quantize_mx`, `mx/elemwise_ops.py::_quantize_elemwise_core`):
///
/// 1. per block, the shared exponent `e = floor(log2(max|x|)) − emax(element)` (with
///    `max|x| = 0` treated as the smallest fp32 normal); `e` above the scale's range
///    (`2^(scaleBits−1) − 1`) makes the whole block NaN, below it is clamped to its minimum;
/// 2. each element `x / 2^e` is rounded to the element format: floating elements keep
///    their own exponent (clamped below at the element's smallest normal exponent, which
///    gives subnormals) and `elementBits − 2` fraction bits; integer-like elements keep
///    `elementBits − 2` fraction bits; normals saturate at ±`maxNormal`;
/// 3. the result is scaled back by `2^e`.
///
/// A block holding NaN or ±Inf becomes all NaN (as in microxcaling's corner tests).
/// Scalar formats (`bf16`, `fp16`) round each value alone and overflow to ±Inf.
/// `floor(log2 |x|)` is read from the float's exponent field, exactly.
package struct BlockQuantizer: Sendable {
    package let format: NumberFormat
    package let rounding: Rounding

    package init(format: NumberFormat, rounding: Rounding = .nearest) {
        self.format = format
        self.rounding = rounding
    }

    /// `floor(log2 |x|)` for finite non-zero x (subnormals included), exact.
    @inlinable
    static func exponent(_ x: Double) -> Int { Int(x.exponent) }

    @inlinable
    func roundMagnitude(_ a: Double) -> Double {
        switch rounding {
        case .nearest: return (a + 0.5).rounded(.down)
        case .zero: return a.rounded(.down)
        case .even: return a.rounded(.toNearestOrEven)
        }
    }

    /// Rounds one already-scaled value to the element format (step 2).
    @inlinable
    func quantizeElement(_ x: Double) -> Double {
        if x == 0 || !x.isFinite { return x }
        let fractionBits = format.elementBits - 2
        let magnitude = abs(x)
        var q: Double
        if format.elementExponentBits > 0 {
            let minExponent = 2 - (1 << (format.elementExponentBits - 1))
            let e = max(BlockQuantizer.exponent(magnitude), minExponent)
            let step = Double(sign: .plus, exponent: e - fractionBits, significand: 1)
            q = roundMagnitude(magnitude / step) * step
        } else {
            let step = Double(sign: .plus, exponent: -fractionBits, significand: 1)
            q = roundMagnitude(magnitude / step) * step
        }
        if q > format.maxNormal { q = format.saturates ? format.maxNormal : .infinity }
        return x < 0 ? -q : q
    }

    /// Rounds one value already divided by `2^shared` to the element format, in float32
    /// (exact: every step is a power of two and every intermediate fits the significand).
    /// The same arithmetic as ``quantizeElement(_:)`` written so loops vectorize.
    @inline(__always) @inlinable
    func quantizeScaled(_ s: Float) -> Float {
        let magnitude = abs(s)
        let fractionBits = Int32(truncatingIfNeeded: format.elementBits &- 2)
        var stepExponent: Int32
        if format.elementExponentBits > 0 {
            let minExponent = Int32(truncatingIfNeeded: 2 &- (1 &<< (format.elementExponentBits &- 1)))
            let raw = Int32(truncatingIfNeeded: (magnitude.bitPattern &>> 23) & 0xFF) &- 127
            stepExponent = (raw > minExponent ? raw : minExponent) &- fractionBits
        } else {
            stepExponent = 0 &- fractionBits
        }
        let step = Float(bitPattern: UInt32(truncatingIfNeeded: stepExponent &+ 127) &<< 23)
        let inverse = Float(bitPattern: UInt32(truncatingIfNeeded: 127 &- stepExponent) &<< 23)
        let units = magnitude * inverse
        var r: Float
        switch rounding {
        case .nearest: r = (units + 0.5).rounded(.down)
        case .even: r = units.rounded(.toNearestOrEven)
        case .zero: r = units.rounded(.down)
        }
        var q = r * step
        let top = Float(format.maxNormal)
        q = q > top ? top : q
        return s < 0 ? -q : q
    }

    /// Quantizes `count` contiguous values in place, blocks along the sequence.
    package func quantize(_ values: UnsafeMutablePointer<Float>, count: Int) {
        quantize(values, count: count, stride: 1)
    }

    /// Quantizes `count` values `stride` apart, in consecutive blocks of the format's size.
    package func quantize(_ values: UnsafeMutablePointer<Float>, count: Int, stride: Int) {
        if format.isIdentity { return }
        guard format.isBlockFormat else {
            for i in 0..<count { values[i * stride] = Float(quantizeElement(Double(values[i * stride]))) }
            return
        }
        var start = 0
        while start < count {
            let end = min(count, start + format.blockSize)
            quantizeBlock(values, from: start, to: end, stride: stride)
            start = end
        }
    }

    /// The shared exponent of a block whose largest magnitude is `maxAbs`; nil when the block must become NaN.
    @inlinable
    func sharedExponent(maxAbs: Double) -> Int? {
        guard maxAbs.isFinite else { return nil }
        let base = maxAbs == 0 ? -126 : BlockQuantizer.exponent(maxAbs)
        var e = base - format.elementEmax
        let scaleMax = (1 << (format.scaleBits - 1)) - 1
        if e > scaleMax { return nil }
        if e < -scaleMax { e = -scaleMax }
        return e
    }

    @inlinable
    func quantizeBlock(_ v: UnsafeMutablePointer<Float>, from start: Int, to end: Int, stride: Int) {
        var maxAbs: Float = 0
        var special = false
        for i in start..<end {
            let x = v[i * stride]
            if !x.isFinite { special = true }
            maxAbs = max(maxAbs, abs(x))
        }
        guard !special, let e = sharedExponent(maxAbs: Double(maxAbs)) else {
            for i in start..<end { v[i * stride] = .nan }
            return
        }
        if e >= -126 + 8 && e <= 127 - 8 && format.maxNormal < 1e30 {
            // Float fast path: 2^±e and every scaled value are normal floats.
            let down = Float(sign: .plus, exponent: -e, significand: 1)
            let up = Float(sign: .plus, exponent: e, significand: 1)
            if stride == 1 {
                for i in start..<end { v[i] = quantizeScaled(v[i] * down) * up }
            } else {
                for i in start..<end { v[i * stride] = quantizeScaled(v[i * stride] * down) * up }
            }
            return
        }
        let down = Double(sign: .plus, exponent: -e, significand: 1)
        let up = Double(sign: .plus, exponent: e, significand: 1)
        for i in start..<end {
            v[i * stride] = Float(quantizeElement(Double(v[i * stride]) * down) * up)
        }
    }

    /// Quantizes a copy of `values` (convenience for tests and tools).
    package func quantized(_ values: [Float]) -> [Float] {
        var out = values
        out.withUnsafeMutableBufferPointer { quantize($0.baseAddress!, count: $0.count) }
        return out
    }
}
