import Foundation

/// A binary elementwise operation (numpy broadcasting over per-sample shapes).
package enum ElementwiseOp: String, Sendable, Equatable, CaseIterable {
    case add = "Add"
    case sub = "Sub"
    case mul = "Mul"
    case div = "Div"
    case pow = "Pow"
    case min = "Min"
    case max = "Max"

    @inline(__always) func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: a + b
        case .sub: a - b
        case .mul: a * b
        case .div: a / b
        case .pow: b == 2 ? a * a : b == 0.5 ? a.squareRoot() : Float(Foundation.pow(Double(a), Double(b)))
        case .min: Swift.min(a, b)
        case .max: Swift.max(a, b)
        }
    }
}

/// An elementwise function of one value, with its parameters (ONNX defaults when absent).
package struct UnaryFunction: Sendable, Equatable {
    package enum Kind: String, Sendable, Equatable, CaseIterable {
        /// `max(0, min(1, α·x + β))` (ONNX HardSigmoid; α 0.2, β 0.5 by default).
        case hardSigmoid = "HardSigmoid"
        /// `x · max(0, min(1, x/6 + 1/2))`.
        case hardSwish = "HardSwish"
        /// `x ≥ 0 ? x : α·x` (α 0.01 by default).
        case leakyRelu = "LeakyRelu"
        /// `x ≥ 0 ? x : α·(eˣ − 1)` (α 1 by default).
        case elu = "Elu"
        /// `min(max(x, α), β)`.
        case clip = "Clip"
        case exp = "Exp"
        case log = "Log"
        case sqrt = "Sqrt"
        case neg = "Neg"
        case abs = "Abs"
        case reciprocal = "Reciprocal"
        case erf = "Erf"
        case softplus = "Softplus"
        /// `x · sigmoid(x)` (SiLU / Swish, what exporters write as `Mul(x, Sigmoid(x))`).
        case silu = "SiLU"
    }

    package var kind: Kind
    package var alpha: Float
    package var beta: Float

    package init(_ kind: Kind, alpha: Float = 0, beta: Float = 0) {
        self.kind = kind
        self.alpha = alpha
        self.beta = beta
    }

    @inline(__always) func apply(_ x: Float) -> Float {
        switch kind {
        case .hardSigmoid: Swift.max(0, Swift.min(1, alpha * x + beta))
        case .hardSwish: x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
        case .leakyRelu: x >= 0 ? x : alpha * x
        case .elu: x >= 0 ? x : alpha * (Foundation.exp(x) - 1)
        case .clip: Swift.min(Swift.max(x, alpha), beta)
        case .exp: Foundation.exp(x)
        case .log: Foundation.log(x)
        case .sqrt: x.squareRoot()
        case .neg: -x
        case .abs: Swift.abs(x)
        case .reciprocal: 1 / x
        case .erf: Foundation.erf(x)
        case .softplus: x > 20 ? x : Foundation.log1p(Foundation.exp(x))
        case .silu: x / (1 + Foundation.exp(-x))
        }
    }
}

/// How `Pad` fills (ONNX `mode`).
package enum PadMode: String, Sendable, Equatable {
    case constant, reflect, edge
}

/// A reduction over per-sample axes.
package enum ReduceKind: String, Sendable, Equatable, CaseIterable {
    case mean = "ReduceMean"
    case sum = "ReduceSum"
    case max = "ReduceMax"
    case min = "ReduceMin"
}

/// `Resize` of the two spatial axes of a `[C, H, W]` value (ONNX opsets 11–19 semantics).
package struct ResizeAttributes: Sendable, Equatable {
    package enum Mode: String, Sendable, Equatable { case nearest, linear }
    /// `coordinate_transformation_mode`.
    package enum Coordinates: String, Sendable, Equatable {
        case halfPixel = "half_pixel"
        case asymmetric
        case alignCorners = "align_corners"
        case pytorchHalfPixel = "pytorch_half_pixel"
    }
    /// `nearest_mode`.
    package enum Rounding: String, Sendable, Equatable {
        case roundPreferFloor = "round_prefer_floor"
        case roundPreferCeil = "round_prefer_ceil"
        case floor
        case ceil
    }

    package var outHeight: Int
    package var outWidth: Int
    /// The scales the source coordinates are computed with (out / in unless given).
    package var scaleH: Float
    package var scaleW: Float
    package var mode: Mode
    package var coordinates: Coordinates
    package var rounding: Rounding

    package init(
        outHeight: Int, outWidth: Int, scaleH: Float, scaleW: Float, mode: Mode, coordinates: Coordinates, rounding: Rounding
    ) {
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.scaleH = scaleH
        self.scaleW = scaleW
        self.mode = mode
        self.coordinates = coordinates
        self.rounding = rounding
    }

    /// The source coordinate of output position `x` along an axis of `inSize` → `outSize`.
    func source(_ x: Int, inSize: Int, outSize: Int, scale: Float) -> Float {
        let xf = Float(x)
        switch coordinates {
        case .halfPixel: return (xf + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return outSize > 1 ? (xf + 0.5) / scale - 0.5 : 0
        case .asymmetric: return xf / scale
        case .alignCorners: return outSize > 1 ? xf * Float(inSize - 1) / Float(outSize - 1) : 0
        }
    }

    /// The nearest source index.
    func nearest(_ x: Float, inSize: Int) -> Int {
        let i: Float
        switch rounding {
        case .roundPreferFloor: i = x - x.rounded(.down) == 0.5 ? x.rounded(.down) : x.rounded()
        case .roundPreferCeil: i = x.rounded()
        case .floor: i = x.rounded(.down)
        case .ceil: i = x.rounded(.up)
        }
        guard i.isFinite else { return i > 0 ? inSize - 1 : 0 }
        return Int(Swift.min(Swift.max(i, 0), Float(inSize - 1)))
    }
}

/// `ConvTranspose` over `[C, H, W]` (weights `[inC, outC/groups, kH, kW]`).
package struct ConvTransposeAttributes: Sendable, Equatable {
    package var outChannels: Int
    package var kernelH: Int
    package var kernelW: Int
    package var strideH: Int
    package var strideW: Int
    package var padTop: Int
    package var padLeft: Int
    package var padBottom: Int
    package var padRight: Int
    package var dilationH: Int
    package var dilationW: Int
    package var outputPaddingH: Int
    package var outputPaddingW: Int
    package var groups: Int
    package var hasBias: Bool

    package init(
        outChannels: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padTop: Int, padLeft: Int, padBottom: Int,
        padRight: Int, dilationH: Int, dilationW: Int, outputPaddingH: Int, outputPaddingW: Int, groups: Int, hasBias: Bool
    ) {
        self.outChannels = outChannels
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.dilationH = dilationH
        self.dilationW = dilationW
        self.outputPaddingH = outputPaddingH
        self.outputPaddingW = outputPaddingW
        self.groups = groups
        self.hasBias = hasBias
    }

    /// `stride·(in − 1) + output_padding + dilation·(k − 1) + 1 − pads` (ONNX).
    package func outputSize(height: Int, width: Int) -> (Int, Int) {
        (
            strideH * (height - 1) + outputPaddingH + dilationH * (kernelH - 1) + 1 - padTop - padBottom,
            strideW * (width - 1) + outputPaddingW + dilationW * (kernelW - 1) + 1 - padLeft - padRight
        )
    }
}

/// The memory layout of a value: per-sample shape `[s0, s1, …]` with the batch after the
/// first axis, `[s0, N, s1, …]` (channel-major: a convolution's channels are the GEMM's rows).
package enum Layout {
    /// The physical dims of a per-sample shape at batch `n`.
    package static func dims(_ s: [Int], batch n: Int) -> [Int] {
        let s = s.isEmpty ? [1] : s
        return [s[0], n] + s.dropFirst()
    }

    /// Contiguous strides of `dims`.
    package static func strides(_ dims: [Int]) -> [Int] {
        var st = [Int](repeating: 1, count: dims.count)
        var acc = 1
        for k in stride(from: dims.count - 1, through: 0, by: -1) {
            st[k] = acc
            acc *= dims[k]
        }
        return st
    }

    /// Steps the multi-index `index` of `dims` to the next position in row-major order (the
    /// last axis fastest); after the last position it wraps to all zeros.
    @inline(__always)
    package static func advance(_ index: inout [Int], in dims: [Int]) {
        var k = dims.count - 1
        while k >= 0 {
            index[k] += 1
            if index[k] < dims[k] { return }
            index[k] = 0
            k -= 1
        }
    }

    /// The physical axis of per-sample axis `k`.
    package static func physicalAxis(_ k: Int) -> Int { k == 0 ? 0 : k + 1 }

    /// Physical strides of a per-sample shape `s` read as `out` (same rank; axes of size 1 in
    /// `s` broadcast with stride 0), at batch `n`; `hasBatch` false for a constant.
    package static func broadcastStrides(_ s: [Int], to out: [Int], batch n: Int, hasBatch: Bool) -> [Int] {
        var st = strides(dims(s, batch: hasBatch ? n : 1))
        if !hasBatch { st[1] = 0 }
        for k in 0..<s.count where s[k] == 1 && out[k] != 1 { st[physicalAxis(k)] = 0 }
        return st
    }
}
