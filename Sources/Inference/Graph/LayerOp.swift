/// Elementwise activation functions.
package enum Activation: String, Sendable, CaseIterable, Codable {
    case relu
    case relu6
    case sigmoid
    case tanh
    /// GELU, exact form `0.5·x·(1 + erf(x/√2))`.
    case gelu

    /// The name used in tables (`ReLU`, `ReLU6`, `Sigmoid`, `Tanh`, `GELU`).
    package var displayName: String {
        switch self {
        case .relu: "ReLU"
        case .relu6: "ReLU6"
        case .sigmoid: "Sigmoid"
        case .tanh: "Tanh"
        case .gelu: "GELU"
        }
    }
}

/// Attributes of a 2-D convolution over `[C, H, W]` inputs.
package struct Conv2DAttributes: Sendable, Equatable {
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
    /// Channel groups; `groups == inChannels == outChannels` is a depthwise convolution.
    package var groups: Int
    package var hasBias: Bool

    /// A square convolution with symmetric padding.
    package init(
        outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        groups: Int = 1, bias: Bool = false
    ) {
        self.init(
            outChannels: outChannels, kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride,
            padTop: padding, padLeft: padding, padBottom: padding, padRight: padding,
            dilationH: dilation, dilationW: dilation, groups: groups, bias: bias)
    }

    /// A convolution with every attribute explicit.
    package init(
        outChannels: Int, kernelH: Int, kernelW: Int, strideH: Int, strideW: Int,
        padTop: Int, padLeft: Int, padBottom: Int, padRight: Int,
        dilationH: Int, dilationW: Int, groups: Int, bias: Bool
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
        self.groups = groups
        self.hasBias = bias
    }

    /// Output spatial extent for an input extent (floor mode, as ONNX and PyTorch).
    package func outputSize(height: Int, width: Int) -> (Int, Int) {
        let effH = dilationH * (kernelH - 1) + 1
        let effW = dilationW * (kernelW - 1) + 1
        let oh = (height + padTop + padBottom - effH) / strideH + 1
        let ow = (width + padLeft + padRight - effW) / strideW + 1
        return (oh, ow)
    }
}

/// Attributes of max and average pooling.
package struct PoolAttributes: Sendable, Equatable {
    package var kernelH: Int
    package var kernelW: Int
    package var strideH: Int
    package var strideW: Int
    package var padTop: Int
    package var padLeft: Int
    package var padBottom: Int
    package var padRight: Int
    /// Average pooling only: whether padded positions count in the divisor.
    package var countIncludePad: Bool
    /// Output size rounds up instead of down (ONNX `ceil_mode`).
    package var ceilMode: Bool

    /// A square window with symmetric padding.
    package init(kernel: Int, stride: Int, padding: Int = 0, countIncludePad: Bool = false, ceilMode: Bool = false) {
        self.init(
            kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride,
            padTop: padding, padLeft: padding, padBottom: padding, padRight: padding,
            countIncludePad: countIncludePad, ceilMode: ceilMode)
    }

    /// A window with every attribute explicit.
    package init(
        kernelH: Int, kernelW: Int, strideH: Int, strideW: Int,
        padTop: Int, padLeft: Int, padBottom: Int, padRight: Int,
        countIncludePad: Bool, ceilMode: Bool
    ) {
        self.kernelH = kernelH
        self.kernelW = kernelW
        self.strideH = strideH
        self.strideW = strideW
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.countIncludePad = countIncludePad
        self.ceilMode = ceilMode
    }

    /// Output spatial extent for an input extent.
    package func outputSize(height: Int, width: Int) -> (Int, Int) {
        func extent(_ n: Int, _ k: Int, _ s: Int, _ begin: Int, _ end: Int) -> Int {
            let span = n + begin + end - k
            if span < 0 { return 0 }
            var out = (ceilMode ? (span + s - 1) / s : span / s) + 1
            // PyTorch/ONNX rule: the last window must start inside the input or the leading padding.
            if ceilMode && out > 1 && (out - 1) * s >= n + begin { out -= 1 }
            return out
        }
        return (
            extent(height, kernelH, strideH, padTop, padBottom),
            extent(width, kernelW, strideW, padLeft, padRight)
        )
    }
}

/// Attributes of LSTM and GRU layers (ONNX layouts: gates `i, o, f, c` for LSTM, `z, r, h` for GRU).
package struct RecurrentAttributes: Sendable, Equatable {
    package var hiddenSize: Int
    /// Output every timestep `[T, H]` (true) or only the last hidden state `[H]` (false).
    package var returnSequences: Bool
    /// GRU only: apply the recurrent weights before the reset gate (cuDNN / DeepBench form).
    package var linearBeforeReset: Bool
    /// A forward and a backward pass, each with its own weights (ONNX `direction =
    /// "bidirectional"`): every output holds both, forward first (`[T, 2H]`, or `[2H]`).
    package var bidirectional: Bool
    /// The recurrence runs across the batch: each sample is one timestep (per-sample input
    /// `[1, I]`) and the batch is one sequence, in order, through one state. A model whose
    /// symbolic axis is a stream of chunks (faster-whisper's Silero VAD: `[chunks, 576]`, each
    /// chunk convolved alone, then the chunks fed to the LSTM as its time steps with a batch of 1)
    /// is one request per call of `chunks` samples, never a batch of independent requests.
    package var timeAcrossBatch: Bool

    /// Passes over the sequence: 2 when bidirectional, else 1.
    package var directions: Int { bidirectional ? 2 : 1 }

    package init(
        hiddenSize: Int, returnSequences: Bool = false, linearBeforeReset: Bool = true, bidirectional: Bool = false,
        timeAcrossBatch: Bool = false
    ) {
        self.hiddenSize = hiddenSize
        self.returnSequences = returnSequences
        self.linearBeforeReset = linearBeforeReset
        self.bidirectional = bidirectional
        self.timeAcrossBatch = timeAcrossBatch
    }
}

/// The operation a graph node performs.
///
/// Parameter tensors, in order:
/// - `dense`: weight `[units, in]`, bias `[units]` when present.
/// - `conv2d`: weight `[outC, inC/groups, kH, kW]`, bias `[outC]` when present.
/// - `batchNorm`: scale `[C]`, offset `[C]`, running mean `[C]`, running variance `[C]`.
/// - `lstm`: `W [4H, I]`, `R [4H, H]`, `B [8H]` (ONNX: `Wb` then `Rb`), gates `i, o, f, c`.
/// - `gru`: `W [3H, I]`, `R [3H, H]`, `B [6H]`, gates `z, r, h`.
/// - A bidirectional LSTM/GRU stacks the backward pass's tensors after the forward's
///   (`W [2·4H, I]`, `R [2·4H, H]`, `B [2·8H]` for an LSTM), as ONNX does along its first axis.
package enum LayerOp: Sendable, Equatable {
    case dense(units: Int, bias: Bool)
    case conv2d(Conv2DAttributes)
    case batchNorm(epsilon: Float)
    case activation(Activation)
    case maxPool(PoolAttributes)
    case avgPool(PoolAttributes)
    case globalAvgPool
    /// Elementwise sum of two or more inputs of the same shape.
    case add
    /// Concatenation along the channel / feature axis (the first per-sample axis).
    case concat
    /// `[C, H, W]` → `[C·H·W]`.
    case flatten
    /// Reshape to a per-sample shape with the same element count.
    case reshape([Int])
    /// Softmax over the last axis.
    case softmax
    case lstm(RecurrentAttributes)
    case gru(RecurrentAttributes)
    /// The last entry along the first per-sample axis: `[T, …]` → `[…]` (a recurrent layer's
    /// final state taken from its full sequence, as ONNX's `Y_h` beside `Y`).
    case lastStep
    /// Two model values of the same per-sample rank, numpy broadcasting.
    case elementwise(ElementwiseOp)
    /// A model value and a constant (parameter 0, per-sample shape `shape`, broadcast; left-padded
    /// with 1s to the value's rank); `constantFirst` computes `c ∘ x`.
    case elementwiseConstant(ElementwiseOp, shape: [Int], constantFirst: Bool)
    /// An elementwise function with parameters (HardSigmoid, LeakyRelu, Clip, Exp, …).
    case unary(UnaryFunction)
    /// A permutation of the per-sample axes.
    case transpose([Int])
    /// Per-sample axis `k` keeps `size[k]` entries from `begin[k]`, `step[k]` apart.
    case slice(begin: [Int], step: [Int], size: [Int])
    /// Padding of the per-sample axes: `begin[k]` entries before and `end[k]` after axis `k`,
    /// filled with `value` (`constant`), mirrored without the edge (`reflect`) or repeating it (`edge`).
    case pad(begin: [Int], end: [Int], mode: PadMode, value: Float)
    /// Entries `indices` of per-sample axis `axis`, in that order (ONNX Gather with constant indices).
    case gather(axis: Int, indices: [Int])
    /// Concatenation along any per-sample axis.
    case join(axis: Int)
    /// Softmax (or log-softmax) along a per-sample axis.
    case softmaxAxis(Int, log: Bool)
    /// A reduction over per-sample axes.
    case reduce(ReduceKind, axes: [Int], keepDims: Bool)
    /// `[…, M, K] × […, K, N]` of two model values (leading axes broadcast).
    case matmul
    /// The last axis times a constant `[K, units]` (parameter 0) plus an optional bias: a dense
    /// layer applied to every row of an N-D value.
    case rowDense(units: Int, bias: Bool)
    case resize(ResizeAttributes)
    /// Transposed 2-D convolution: weight `[inC, outC/groups, kH, kW]`, bias `[outC]` when present.
    case convTranspose(ConvTransposeAttributes)

    /// A short name for tables and messages.
    package var kind: String {
        switch self {
        case .dense: "Dense"
        case .conv2d(let a): a.groups > 1 && a.groups == a.outChannels ? "DepthwiseConv2D" : "Conv2D"
        case .batchNorm: "BatchNorm"
        case .activation(let a): a.displayName
        case .maxPool: "MaxPool"
        case .avgPool: "AvgPool"
        case .globalAvgPool: "GlobalAvgPool"
        case .add: "Add"
        case .concat: "Concat"
        case .flatten: "Flatten"
        case .reshape: "Reshape"
        case .softmax: "Softmax"
        case .lstm: "LSTM"
        case .gru: "GRU"
        case .lastStep: "LastStep"
        case .elementwise(let op), .elementwiseConstant(let op, _, _): op.rawValue
        case .unary(let f): f.kind.rawValue
        case .transpose: "Transpose"
        case .slice: "Slice"
        case .join: "Concat"
        case .gather: "Gather"
        case .pad: "Pad"
        case .softmaxAxis(_, let log): log ? "LogSoftmax" : "Softmax"
        case .reduce(let r, _, _): r.rawValue
        case .matmul: "MatMul"
        case .rowDense: "Dense"
        case .resize: "Resize"
        case .convTranspose: "ConvTranspose"
        }
    }
}
