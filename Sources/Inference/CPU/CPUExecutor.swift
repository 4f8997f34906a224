import Foundation

/// Runs a ``ModelGraph`` on the CPU with BLAS-backed kernels.
///
/// Preparing an executor (once per model and batch size) folds batch-norm into the
/// preceding convolution, fuses bias, residual add and activation into the layer that
/// produces them, chooses a kernel per layer (pointwise GEMM, im2col + GEMM, depthwise),
/// and plans memory: every value gets a slice of one arena, slices are reused once their
/// value is dead, and scratch space is sized for the largest step. After that, ``run(input:output:)``
/// performs no heap allocation.
///
/// Internally activations use a channel-major layout `[d0, N, rest…]` (the first
/// per-sample axis outermost, then the batch), so that a convolution over the whole batch
/// is one GEMM and channel concatenation is a block copy; inputs and outputs are
/// batch-first (`NCHW`) as everywhere else.
///
/// An executor is a class because it owns its memory; it is not thread-safe (one run at a time).
package final class CPUExecutor: @unchecked Sendable {
    /// The engine's revision: part of the calibration cache's key, so measurements of an older
    /// engine are not reused. Raise it with any change that can change a step's time (a kernel,
    /// the step planner's fusions, threading). 2: the depthwise 3×3 kernel's vector row ends
    /// (2026-12-07), which calibrations cached under the same tool version kept hiding. 3: the
    /// inverted residual pixel-major around its depthwise layer (2026-12-08). 4: 3×3 stride-1
    /// convolutions through Winograd F(2×2, 3×3) (2026-12-08).
    package static let engineRevision = 4
    /// The model as prepared.
    package let graph: ModelGraph
    /// Samples per run.
    package let batch: Int
    /// Per-sample input and output shapes.
    package let inputShape: [Int]
    package let outputShape: [Int]
    /// Floats in one batch of input / output.
    package let inputCount: Int
    package let outputCount: Int
    /// The names of the steps (fused layers joined with `+`), in execution order.
    package let stepNames: [String]
    /// The graph node indices each step runs, in execution order.
    package let stepNodes: [[Int]]
    /// Bytes of the activation arena plus scratch.
    package let plannedBytes: Int
    /// OpenBLAS threads this executor runs with (OpenBLAS's setting is process-wide, so each
    /// run re-applies it when another executor changed it).
    package let threads: Int

    let steps: [ExecutionStep]
    /// The number format of matrix operands, when emulating an accelerator.
    package let quantizer: (any MatrixOperandQuantizer)?
    private var owned: [UnsafeMutableRawPointer] = []
    private let arena: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutablePointer<Float>
    /// Value id → its buffer.
    private let values: UnsafeMutablePointer<UnsafeMutablePointer<Float>>
    private let valueCount: Int
    private let outputValue: Int

    /// Prepares `graph` for runs of `batch` samples.
    ///
    /// - Parameters:
    ///   - graph: a graph with weights (``ModelGraph/withRandomWeights(seed:)`` or an import).
    ///   - batch: samples per run (≥ 1).
    ///   - threads: OpenBLAS threads (default: all cores).
    /// - Throws: ``InferenceError`` when the graph is invalid or has no weights.
    /// - Parameter quantizer: when set, weights and the activations entering every matrix
    ///   product are rounded to its number format (accelerator emulation); nil runs float32.
    /// - Parameter memoryLimit: bytes the plan may take (nil: ``MemoryBudget``'s limit); a larger
    ///   plan is refused before anything is allocated.
    package init(
        graph: ModelGraph, batch: Int = 1, threads: Int? = nil, quantizer: (any MatrixOperandQuantizer)? = nil,
        memoryLimit: Int? = nil
    ) throws(InferenceError) {
        guard batch >= 1 else { throw InferenceError("batch must be at least 1, got \(batch)") }
        let shapes = try graph.inferShapes()
        for node in graph.nodes where node.parameters.count != node.op.parameterTensorCount {
            throw InferenceError(
                "layer '\(node.name)' (\(node.op.kind)) has no weights; build the model with weights before running it")
        }
        // Sizes before anything is allocated: the largest value at this batch (overflow-checked;
        // shapes are within ShapeLimit), then the planned arena and scratch below.
        let what = "model '\(graph.name)' at batch \(batch)"
        // (One check for the largest value: the limit is read once, not once per value.)
        if let (v, shape) = shapes.enumerated().max(by: { $0.element.reduce(1, *) < $1.element.reduce(1, *) }) {
            let (bytes, o) = (shape.reduce(1, *) * 4).multipliedReportingOverflow(by: batch)
            try MemoryBudget.check(o ? Int.max : bytes, for: "\(what) (value \(v), \(describe(shape)) per sample)", limit: memoryLimit)
        }
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        BLAS.setThreads(self.threads)
        self.graph = graph
        self.batch = batch
        self.inputShape = graph.inputShape
        self.outputShape = shapes[graph.output]
        self.inputCount = batch * graph.inputShape.reduce(1, *)
        self.outputCount = batch * shapes[graph.output].reduce(1, *)
        self.outputValue = graph.output

        self.quantizer = quantizer
        var planner = StepPlanner(graph: graph, shapes: shapes, batch: batch, quantizer: quantizer)
        let planned = planner.plan()
        owned = planner.owned
        self.steps = planned.steps
        self.stepNames = planned.names
        self.stepNodes = planned.nodes

        // Memory: value → buffer, buffers reused after their last reader.
        valueCount = shapes.count
        let elements = shapes.map { $0.reduce(1, *) * batch }
        let memory = MemoryPlan(steps: planned.steps, elements: elements, graphOutput: graph.output)
        let arenaCount = max(1, memory.totalElements)
        let scratchCount = max(1, planned.scratchElements)
        let (planBytes, o) = (arenaCount + scratchCount).multipliedReportingOverflow(by: 4)
        do {
            try MemoryBudget.check(o ? Int.max : planBytes, for: "\(what) (activations and scratch)", limit: memoryLimit)
        } catch {
            for p in planner.owned { p.deallocate() }
            throw error
        }
        arena = .allocate(capacity: arenaCount)
        arena.initialize(repeating: 0, count: arenaCount)
        scratch = .allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
        values = .allocate(capacity: valueCount)
        for v in 0..<valueCount { values[v] = arena + max(0, memory.offset[v]) }
        plannedBytes = (arenaCount + scratchCount) * 4
    }

    deinit {
        for p in owned { p.deallocate() }
        arena.deallocate()
        scratch.deallocate()
        values.deallocate()
    }

    /// Runs one batch: `input` holds `inputCount` floats (batch-first), `output` receives `outputCount`.
    /// Allocates nothing.
    package func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        runSteps(input: input, output: output, stepTimes: nil)
    }

    /// Runs one batch and records each step's wall time in seconds into `stepTimes`
    /// (`stepNames.count` entries).
    package func run(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, stepTimes: UnsafeMutablePointer<Double>
    ) {
        runSteps(input: input, output: output, stepTimes: stepTimes)
    }

    /// Runs one batch from an array (convenience; allocates the result).
    ///
    /// - Throws: ``InferenceError`` when `input.count != inputCount`.
    package func run(_ input: [Float]) throws(InferenceError) -> [Float] {
        guard input.count == inputCount else {
            throw InferenceError(
                "input has \(input.count) values, expected \(inputCount) (batch \(batch) × \(describe(inputShape)))")
        }
        var out = [Float](repeating: 0, count: outputCount)
        input.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in run(input: i.baseAddress!, output: o.baseAddress!) }
        }
        return out
    }

    private func runSteps(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, stepTimes: UnsafeMutablePointer<Double>?) {
        if BLAS.threads != threads { BLAS.setThreads(threads) }
        let first = inputShape[0]
        let rest = inputShape.dropFirst().reduce(1, *)
        // Batch-first [N, d0, rest] → channel-major [d0, N, rest].
        LayoutKernels.swapOuterAxes(input, values[0], a: batch, b: first, inner: rest)
        for (index, step) in steps.enumerated() {
            let start = stepTimes == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            execute(step)
            if let stepTimes {
                stepTimes[index] = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            }
        }
        let outFirst = outputShape[0]
        let outRest = outputShape.dropFirst().reduce(1, *)
        LayoutKernels.swapOuterAxes(values[outputValue], output, a: outFirst, b: batch, inner: outRest)
    }

    /// A convolution's multiplication through im2col (or the input as it is) and sgemm, into
    /// `values[s.y]`. Returns true when the output is pixel-major, its epilogue already applied;
    /// otherwise the caller applies the channel-major epilogue.
    @inline(__always)
    private func multiply(_ s: ConvolutionStep, columns: Int) -> Bool {
        let g = s.geometry
        let kPerGroup = (s.inChannels / s.groups) * g.kernelH * g.kernelW
        let mPerGroup = s.outChannels / s.groups
        let b: UnsafePointer<Float>
        if s.isPointwise && quantizer == nil {
            b = UnsafePointer(values[s.x])
        } else {
            if s.isPointwise {
                scratch.update(from: values[s.x], count: s.inChannels * columns)
            } else {
                ConvolutionKernels.im2col(values[s.x], channels: s.inChannels, batch: batch, g, cols: scratch)
            }
            if let quantizer {
                for group in 0..<s.groups {
                    quantizer.quantizeColumns(scratch + group * kPerGroup * columns, k: kPerGroup, columns: columns)
                }
            }
            b = UnsafePointer(scratch)
        }
        let y = values[s.y]
        if s.inputPixelMajor || s.outputPixelMajor {
            // One group (the planner's rule). `b` is `[K, columns]`, or `[columns, K]` when
            // the input is pixel-major; a pixel-major output is `[columns, outC]`.
            let k = kPerGroup
            let inPM = s.inputPixelMajor
            if s.outputPixelMajor {
                BLAS.sgemm(
                    transA: !inPM, transB: true, m: columns, n: s.outChannels, k: k, a: b, lda: inPM ? k : columns,
                    b: s.weights, ldb: k, c: y, ldc: s.outChannels)
                ElementwiseKernels.rowBiasActivation(
                    y, rows: columns, channels: s.outChannels, bias: s.bias, activation: s.activation)
                return true
            }
            BLAS.sgemm(
                transB: true, m: s.outChannels, n: columns, k: k, a: s.weights, lda: k, b: b, ldb: k, c: y, ldc: columns)
        } else {
            for group in 0..<s.groups {
                BLAS.sgemm(
                    m: mPerGroup, n: columns, k: kPerGroup, a: s.weights + group * mPerGroup * kPerGroup, lda: kPerGroup,
                    b: b + group * kPerGroup * columns, ldb: columns, c: y + group * mPerGroup * columns, ldc: columns)
            }
        }
        return false
    }

    @inline(__always)
    private func execute(_ step: ExecutionStep) {
        switch step {
        case .convolution(let s):
            let columns = batch * s.geometry.outH * s.geometry.outW
            if let u = s.winograd {
                Winograd.convolve(
                    values[s.x], inChannels: s.inChannels, outChannels: s.outChannels, batch: batch, s.geometry, u: u,
                    y: values[s.y], scratch: scratch, threads: threads)
            } else if multiply(s, columns: columns) {
                break
            }
            ElementwiseKernels.biasResidualActivation(
                values[s.y], channels: s.outChannels, rowLength: columns, bias: s.bias,
                residual: s.residual.map { UnsafePointer(values[$0]) }, activation: s.activation)
        case .depthwise(let s):
            let g = s.geometry
            let y = values[s.y]
            // Bias and a ReLU/ReLU6 are applied as outputs are stored, unless the vector unit's
            // rounding (FPGA emulation) or a residual must come first.
            if s.inputPixelMajor, let epilogue = ConvolutionKernels.DepthwiseEpilogue(bias: s.bias, activation: s.activation) {
                ConvolutionKernels.depthwisePixelMajor(
                    values[s.x], channels: s.inChannels, batch: batch, g, weights: s.weights, y: y, epilogue: epilogue,
                    threads: threads)
                break
            }
            let fused =
                quantizer == nil && s.residual == nil
                ? ConvolutionKernels.DepthwiseEpilogue(bias: s.bias, activation: s.activation) : nil
            ConvolutionKernels.depthwise(
                values[s.x], channels: s.inChannels, batch: batch, g, weights: s.weights, y: y, epilogue: fused, threads: threads)
            if fused != nil { break }
            quantizer?.roundVector(y, count: s.outChannels * batch * g.outH * g.outW)
            ElementwiseKernels.biasResidualActivation(
                y, channels: s.outChannels, rowLength: batch * g.outH * g.outW, bias: s.bias,
                residual: s.residual.map { UnsafePointer(values[$0]) }, activation: s.activation)
        case .dense(let s):
            let y = values[s.y]
            var x = UnsafePointer(values[s.x])
            if let quantizer {
                scratch.update(from: values[s.x], count: s.inFeatures * batch)
                quantizer.quantizeColumns(scratch, k: s.inFeatures, columns: batch)
                x = UnsafePointer(scratch)
            }
            BLAS.sgemm(
                m: s.units, n: batch, k: s.inFeatures, a: s.weights, lda: s.inFeatures, b: x, ldb: batch,
                c: y, ldc: batch)
            ElementwiseKernels.biasResidualActivation(
                y, channels: s.units, rowLength: batch, bias: s.bias, residual: nil, activation: s.activation)
        case .scaleShift(let s):
            ElementwiseKernels.scaleShift(
                values[s.x], values[s.y], channels: s.channels, rowLength: s.rowLength, scale: s.scale, shift: s.shift,
                activation: s.activation)
        case .activation(let x, let y, let count, let activation):
            if x != y { values[y].update(from: values[x], count: count) }
            ElementwiseKernels.apply(activation, values[y], count)
        case .maxPool(let s):
            PoolingKernels.maxPool(values[s.x], planes: s.planes, s.geometry, y: values[s.y])
        case .avgPool(let s):
            PoolingKernels.avgPool(values[s.x], planes: s.planes, s.geometry, inverseCount: s.inverseCount!, y: values[s.y])
        case .globalAvgPool(let x, let y, let planes, let planeSize):
            PoolingKernels.globalAverage(values[x], planes: planes, planeSize: planeSize, y: values[y])
        case .sum(let inputs, let y, let count, let activation):
            let out = values[y]
            let a = values[inputs[0]]
            let b = values[inputs[1]]
            for i in 0..<count { out[i] = a[i] + b[i] }
            for k in 2..<max(2, inputs.count) {
                let x = values[inputs[k]]
                for i in 0..<count { out[i] += x[i] }
            }
            ElementwiseKernels.apply(activation, out, count)
        case .concat(let inputs, let counts, let y):
            var dst = values[y]
            for (v, n) in zip(inputs, counts) {
                dst.update(from: values[v], count: n)
                dst += n
            }
        case .relayout(let x, let y, let fromOuter, let fromInner, let toOuter, let toInner):
            // [d0, N, rest] → batch-first scratch → [e0, N, rest'].
            LayoutKernels.swapOuterAxes(values[x], scratch, a: fromOuter, b: batch, inner: fromInner)
            LayoutKernels.swapOuterAxes(scratch, values[y], a: batch, b: toOuter, inner: toInner)
        case .softmax(let x, let y, let length, let stride, let groups, let groupStride):
            ElementwiseKernels.softmax(
                values[x], values[y], length: length, stride: stride, groups: groups, groupStride: groupStride)
        case .lstm(let s), .gru(let s):
            var isLSTM = false
            if case .lstm = step { isLSTM = true }
            RecurrentKernels.run(s, lstm: isLSTM, x: values[s.x], y: values[s.y], scratch: scratch, quantizer: quantizer)
        case .general(let g):
            GeneralKernels.run(g, values: values, scratch: scratch)
        case .alias:
            break
        case .lastStep(let x, let y, let timesteps, let first, let inner):
            // x is [T, N, first·inner]; its last block is [N, first, inner].
            let last = values[x] + (timesteps - 1) * batch * first * inner
            LayoutKernels.swapOuterAxes(last, values[y], a: batch, b: first, inner: inner)
        }
    }
}
