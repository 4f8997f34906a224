/// One step of a prepared model: a layer, or a chain of layers fused into one kernel call.
///
/// Values are referenced by id; the executor maps each id to its buffer once, when it plans memory.
enum ExecutionStep: Sendable {
    /// Convolution through GEMM: optional im2col, one GEMM per group, then the epilogue
    /// `act(y + bias + residual)`.
    case convolution(ConvolutionStep)
    /// Depthwise convolution with its own direct kernel, then the epilogue.
    case depthwise(ConvolutionStep)
    /// `Y[U, N] = W[U, F] · X[F, N]`, then the epilogue.
    case dense(DenseStep)
    /// Per-channel affine (an unfolded batch-norm) with an optional activation.
    case scaleShift(ScaleShiftStep)
    case activation(x: Int, y: Int, count: Int, Activation)
    case maxPool(PoolStep)
    case avgPool(PoolStep)
    case globalAvgPool(x: Int, y: Int, planes: Int, planeSize: Int)
    case sum(inputs: [Int], y: Int, count: Int, Activation?)
    /// Channel concatenation: contiguous block copies in the channel-major layout.
    case concat(inputs: [Int], counts: [Int], y: Int)
    /// Reshape or flatten that changes the memory order (batch > 1).
    case relayout(x: Int, y: Int, fromOuter: Int, fromInner: Int, toOuter: Int, toInner: Int)
    case softmax(x: Int, y: Int, length: Int, stride: Int, groups: Int, groupStride: Int)
    case lstm(RecurrentStep)
    case gru(RecurrentStep)
    /// The output aliases the input's buffer (a reshape that keeps the memory order).
    case alias(x: Int, y: Int)
    /// The last timestep of `[T, N, first, inner]` into the channel-major `[first, N, inner]`.
    case lastStep(x: Int, y: Int, timesteps: Int, first: Int, inner: Int)
    /// The general ops (broadcasting elementwise, transpose, slice, concat, reduce, …).
    case general(GeneralStep)

    /// The value ids the step reads.
    var inputs: [Int] {
        switch self {
        case .convolution(let s), .depthwise(let s): s.residual.map { [s.x, $0] } ?? [s.x]
        case .dense(let s): [s.x]
        case .scaleShift(let s): [s.x]
        case .activation(let x, _, _, _): [x]
        case .maxPool(let s), .avgPool(let s): [s.x]
        case .globalAvgPool(let x, _, _, _): [x]
        case .sum(let inputs, _, _, _): inputs
        case .concat(let inputs, _, _): inputs
        case .relayout(let x, _, _, _, _, _): [x]
        case .softmax(let x, _, _, _, _, _): [x]
        case .lstm(let s), .gru(let s): [s.x]
        case .alias(let x, _): [x]
        case .lastStep(let x, _, _, _, _): [x]
        case .general(let g): g.inputs
        }
    }

    /// The value id the step writes.
    var output: Int {
        switch self {
        case .convolution(let s), .depthwise(let s): s.y
        case .dense(let s): s.y
        case .scaleShift(let s): s.y
        case .activation(_, let y, _, _): y
        case .maxPool(let s), .avgPool(let s): s.y
        case .globalAvgPool(_, let y, _, _): y
        case .sum(_, let y, _, _): y
        case .concat(_, _, let y): y
        case .relayout(_, let y, _, _, _, _): y
        case .softmax(_, let y, _, _, _, _): y
        case .lstm(let s), .gru(let s): s.y
        case .alias(_, let y): y
        case .lastStep(_, let y, _, _, _): y
        case .general(let g): g.y
        }
    }

    /// Whether the output may overwrite its first input in place (elementwise steps).
    var canRunInPlace: Bool {
        switch self {
        case .activation, .sum, .scaleShift, .softmax: true
        case .general(let g):
            if case .unary = g.kind { true } else { false }
        default: false
        }
    }
}

struct ConvolutionStep: @unchecked Sendable {
    var x: Int
    var y: Int
    var residual: Int?
    var inChannels: Int
    var outChannels: Int
    var groups: Int
    var batch: Int
    var geometry: WindowGeometry
    /// `[outC, inC/groups, kH, kW]`, batch-norm folded in (unused when `winograd` is set).
    var weights: UnsafePointer<Float>
    var bias: UnsafePointer<Float>?
    var activation: Activation?
    /// 1×1, stride 1, no padding: the input is already the GEMM's right-hand matrix.
    var isPointwise: Bool
    /// The input is pixel-major (`[N·H·W, C]`, channels innermost), as the producing step
    /// wrote it, instead of the executor's channel-major `[C, N·H·W]`.
    var inputPixelMajor = false
    /// The output is written pixel-major (`[N·oH·oW, C]`).
    var outputPixelMajor = false
    /// Winograd F(2×2, 3×3) weights `[16, outC, inC]` (batch-norm folded in) when the layer
    /// runs that way.
    var winograd: UnsafePointer<Float>? = nil
}

struct DenseStep: @unchecked Sendable {
    var x: Int
    var y: Int
    var inFeatures: Int
    var units: Int
    var batch: Int
    var weights: UnsafePointer<Float>
    var bias: UnsafePointer<Float>?
    var activation: Activation?
}

struct ScaleShiftStep: @unchecked Sendable {
    var x: Int
    var y: Int
    var channels: Int
    var rowLength: Int
    var scale: UnsafePointer<Float>
    var shift: UnsafePointer<Float>
    var activation: Activation?
}

struct PoolStep: @unchecked Sendable {
    var x: Int
    var y: Int
    var planes: Int
    var geometry: WindowGeometry
    /// Average pooling: 1 / divisor per output position.
    var inverseCount: UnsafePointer<Float>?
}

struct RecurrentStep: @unchecked Sendable {
    var x: Int
    var y: Int
    var timesteps: Int
    var batch: Int
    var inputSize: Int
    var hidden: Int
    var returnSequences: Bool
    var linearBeforeReset: Bool
    /// A backward pass follows the forward one, with the second half of `w`, `r` and `bias`.
    var bidirectional = false
    /// The batch is one sequence (each sample a timestep): the kernels run with T = batch, N = 1.
    var timeAcrossBatch = false
    var w: UnsafePointer<Float>
    var r: UnsafePointer<Float>
    /// LSTM: `Wb + Rb` `[4H]`; GRU: `[Wb, Rb]` `[6H]`.
    var bias: UnsafePointer<Float>
}
