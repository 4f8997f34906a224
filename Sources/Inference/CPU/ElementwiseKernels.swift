import Foundation

/// Vectorizable elementwise kernels over contiguous float32 rows.
///
/// The loops are written branch-free on plain pointers so the optimizer emits SIMD code;
/// none of them allocates.
enum ElementwiseKernels {
    /// `x = act(x)` over `count` elements.
    @inline(__always)
    static func apply(_ activation: Activation?, _ x: UnsafeMutablePointer<Float>, _ count: Int) {
        guard let activation else { return }
        switch activation {
        case .relu:
            for i in 0..<count {
                let v = x[i]
                x[i] = v > 0 ? v : 0
            }
        case .relu6:
            for i in 0..<count {
                let v = x[i]
                x[i] = v > 0 ? (v < 6 ? v : 6) : 0
            }
        case .sigmoid:
            for i in 0..<count { x[i] = sigmoid(x[i]) }
        case .tanh:
            for i in 0..<count { x[i] = Foundation.tanh(x[i]) }
        case .gelu:
            for i in 0..<count {
                let v = x[i]
                x[i] = 0.5 * v * (1 + erf(v * 0.707_106_77))
            }
        }
    }

    @inline(__always)
    static func sigmoid(_ v: Float) -> Float { 1 / (1 + exp(-v)) }

    /// Per-channel epilogue of a convolution or dense layer over `[channels, rowLength]`:
    /// `y = act(y + bias[c] + residual)`.
    static func biasResidualActivation(
        _ y: UnsafeMutablePointer<Float>, channels: Int, rowLength: Int,
        bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, activation: Activation?
    ) {
        for c in 0..<channels {
            let row = y + c * rowLength
            let b = bias?[c] ?? 0
            if let residual {
                let r = residual + c * rowLength
                for i in 0..<rowLength { row[i] += b + r[i] }
            } else if b != 0 {
                for i in 0..<rowLength { row[i] += b }
            }
            apply(activation, row, rowLength)
        }
    }

    /// Per-channel epilogue over a pixel-major `[rows, channels]` output: `y = act(y + bias[c])`
    /// (ReLU and ReLU6 in the same pass as the bias).
    static func rowBiasActivation(
        _ y: UnsafeMutablePointer<Float>, rows: Int, channels: Int, bias: UnsafePointer<Float>?, activation: Activation?
    ) {
        // ReLU and ReLU6 as the depthwise kernels' clamp; other activations after the bias.
        let clamp = ConvolutionKernels.DepthwiseEpilogue(bias: bias, activation: activation)
        let (low, high) = clamp.map { ($0.low, $0.high) } ?? (-.infinity, .infinity)
        if let bias {
            for r in 0..<rows {
                let row = y + r * channels
                for c in 0..<channels { row[c] = min(max(row[c] + bias[c], low), high) }
            }
        } else if low > -.infinity {
            for i in 0..<(rows * channels) { y[i] = min(max(y[i], low), high) }
        }
        if clamp == nil { apply(activation, y, rows * channels) }
    }

    /// Per-channel affine transform (an unfolded batch-norm) from `x` to `y` over `[channels, rowLength]`.
    static func scaleShift(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, channels: Int, rowLength: Int,
        scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, activation: Activation?
    ) {
        for c in 0..<channels {
            let s = scale[c]
            let t = shift[c]
            let xr = x + c * rowLength
            let yr = y + c * rowLength
            for i in 0..<rowLength { yr[i] = xr[i] * s + t }
            apply(activation, yr, rowLength)
        }
    }

    /// `y = act(x0 + x1 + …)`.
    static func sum(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, _ y: UnsafeMutablePointer<Float>, count: Int,
        activation: Activation?
    ) {
        let a = inputs[0]
        let b = inputs[1]
        for i in 0..<count { y[i] = a[i] + b[i] }
        if inputs.count > 2 {
            for k in 2..<inputs.count {
                let x = inputs[k]
                for i in 0..<count { y[i] += x[i] }
            }
        }
        apply(activation, y, count)
    }

    /// Softmax over `groups` vectors of `length` elements, element `j` of group `g` at
    /// `g·groupStride + j·stride`.
    static func softmax(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, length: Int, stride: Int,
        groups: Int, groupStride: Int
    ) {
        for g in 0..<groups {
            let xs = x + g * groupStride
            let ys = y + g * groupStride
            var m = -Float.infinity
            for j in 0..<length { m = max(m, xs[j * stride]) }
            var total: Float = 0
            for j in 0..<length {
                let e = exp(xs[j * stride] - m)
                ys[j * stride] = e
                total += e
            }
            let inv = 1 / total
            for j in 0..<length { ys[j * stride] *= inv }
        }
    }
}
