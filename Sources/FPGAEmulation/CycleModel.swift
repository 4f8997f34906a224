import Inference

/// Where a layer runs.
package enum ExecutionUnit: String, Sendable, Codable {
    /// The matrix-vector unit.
    case mvu
    /// The multifunction (vector) units.
    case mfu
    /// The host CPU of the FPGA VM (layers after the featurizer).
    case host
}

/// The cycle model's figures for one layer.
package struct LayerCycles: Sendable, Codable, Equatable {
    package var name: String
    package var kind: String
    package var unit: ExecutionUnit
    package var cycles: Int
    package var timeMs: Double
    package var macs: Int
    /// Useful MACs / (cycles × MACs per cycle) for MVU layers, 0 otherwise.
    package var utilization: Double
    /// Padding efficiency of the weight tiles (useful / padded elements), MVU layers.
    package var tilingEfficiency: Double
}

/// The cycle model's figures for a model.
package struct NPUEstimate: Sendable, Codable, Equatable {
    package var preset: String
    package var format: String
    package var batch: Int
    package var layers: [LayerCycles]
    /// NPU cycles of the featurizer (MVU + MFU layers).
    package var cycles: Int
    /// NPU time, ms (cycles plus weight streaming when weights do not fit on chip).
    package var latencyMs: Double
    /// FLOPs of the layers on the NPU / NPU time, TFLOPS.
    package var effectiveTflops: Double
    /// Effective / peak.
    package var utilization: Double
    /// Bytes of NPU weights in the format.
    package var weightBytes: Int
    package var fitsOnChip: Bool
    /// FPGAs needed to pin every weight on chip.
    package var fpgasNeeded: Int
    /// Time to stream the weights that do not fit from DRAM, every time they are used, ms (0 if they fit).
    package var weightStreamingMs: Double
    /// Layers left to the host CPU (after the featurizer).
    package var hostLayers: [String]
    /// FLOPs per sample on the NPU and on the host.
    package var npuFlops: Int
    package var hostFlops: Int
}

/// Estimates NPU cycles layer by layer.
///
/// - Matrix layers (dense, convolution, LSTM/GRU gate matrices) on the MVU: an `R × C`
///   weight matrix is cut into `⌈R/D⌉ × ⌈C/D⌉` tiles of the native dimension D (padding
///   wasted); each tile-vector product takes `D/L` cycles on one of T tile engines, so `V`
///   vectors take `⌈tiles·V / T⌉ · D/L` cycles, plus the pipeline fill and the dispatch of
///   the layer's instruction chain. A convolution is one matrix-vector product per output
///   pixel (`R = outC/groups`, `C = inC/groups·kH·kW`), streamed back to back.
/// - Recurrent layers run step by step (each step needs the previous hidden state): per step
///   the input and recurrent matrices, then the gate chain on the MFUs (7 dependent MFU
///   operations for an LSTM, 8 for a GRU), each step paying fill, chain and dispatch.
/// - Elementwise layers that follow a matrix layer are chained onto it (their cost is the
///   MFU operation latency); others stream through the MFUs at L elements per cycle.
/// - The featurizer is every layer up to the last global pooling / flatten; what follows
///   (the classifier) runs on the host CPU. Models with no such layer run wholly on the NPU.
package enum NPUCycleModel {
    package static func estimate(
        _ graph: ModelGraph, preset: NPUConfiguration, format: NumberFormat, batch: Int = 1
    ) throws(InferenceError) -> NPUEstimate {
        let shapes = try graph.inferShapes()
        let profile = try graph.profile()
        let d = preset.nativeDimension
        let passCycles = max(1, d / preset.lanes)
        // The featurizer ends at the last global pool or flatten.
        var featurizerEnd = graph.nodes.count
        if let last = graph.nodes.lastIndex(where: {
            if case .globalAvgPool = $0.op { return true }
            if case .flatten = $0.op { return true }
            return false
        }), last < graph.nodes.count - 1 {
            featurizerEnd = last + 1
        }
        func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        func mvuCycles(rows: Int, cols: Int, vectors: Int) -> (cycles: Int, padding: Double) {
            let tiles = ceilDiv(rows, d) * ceilDiv(cols, d)
            let cycles = ceilDiv(tiles * vectors, preset.tileEngines) * passCycles
            return (cycles, Double(rows * cols) / Double(tiles * d * d))
        }
        var layers: [LayerCycles] = []
        var host: [String] = []
        var npuWeightElements = 0
        // Weight elements read per inference: once per layer, once per timestep for recurrent layers.
        var weightReads = 0
        var npuFlops = 0
        var hostFlops = 0
        var previousWasMatrix = false
        for (i, node) in graph.nodes.enumerated() {
            let inShape = shapes[node.inputs[0]]
            let out = shapes[i + 1]
            let macs = profile.layers[i].macs * batch
            // A product of two computed values has no weights to pin in the MVUs: it runs on the host.
            var onHost = i >= featurizerEnd
            if case .matmul = node.op { onHost = true }
            if onHost {
                host.append(node.name)
                hostFlops += 2 * profile.layers[i].macs
                layers.append(
                    LayerCycles(
                        name: node.name, kind: node.op.kind, unit: .host, cycles: 0, timeMs: 0, macs: macs, utilization: 0,
                        tilingEfficiency: 0))
                continue
            }
            var cycles = 0
            var unit = ExecutionUnit.mfu
            var padding = 0.0
            switch node.op {
            case .dense(let units, _):
                let m = mvuCycles(rows: units, cols: inShape[0], vectors: batch)
                cycles = m.cycles + preset.pipelineFillCycles + preset.dispatchCycles
                padding = m.padding
                unit = .mvu
                npuWeightElements += units * inShape[0]
                weightReads += units * inShape[0]
            case .conv2d(let a):
                let rows = a.outChannels / a.groups
                let cols = inShape[0] / a.groups * a.kernelH * a.kernelW
                let pixels = out[1] * out[2] * batch
                let m = mvuCycles(rows: rows, cols: cols, vectors: pixels * a.groups)
                cycles = m.cycles + preset.pipelineFillCycles + preset.dispatchCycles
                padding = m.padding
                unit = .mvu
                npuWeightElements += a.outChannels * cols
                weightReads += a.outChannels * cols
            case .lstm(let a), .gru(let a):
                var isLSTM = false
                if case .lstm = node.op { isLSTM = true }
                let gates = (isLSTM ? 4 : 3) * a.hiddenSize
                // Across the batch, the batch is the sequence: batch steps of one vector each.
                let (timesteps, vectors) = a.timeAcrossBatch ? (batch, 1) : (inShape[0], batch)
                let input = mvuCycles(rows: gates, cols: inShape[1], vectors: vectors)
                let recurrent = mvuCycles(rows: gates, cols: a.hiddenSize, vectors: vectors)
                let chain = (isLSTM ? 7 : 8) * preset.mfuOpLatencyCycles
                let step = input.cycles + recurrent.cycles + preset.pipelineFillCycles + chain + preset.dispatchCycles
                // A bidirectional layer runs its two passes one after the other on the matrix units.
                cycles = step * timesteps * a.directions
                padding =
                    (input.padding * Double(inShape[1]) + recurrent.padding * Double(a.hiddenSize)) / Double(inShape[1] + a.hiddenSize)
                unit = .mvu
                npuWeightElements += a.directions * gates * (inShape[1] + a.hiddenSize)
                weightReads += a.directions * gates * (inShape[1] + a.hiddenSize) * timesteps
            case .activation, .batchNorm, .add:
                if previousWasMatrix {
                    cycles = preset.mfuOpLatencyCycles
                } else {
                    cycles = ceilDiv(out.reduce(1, *) * batch, preset.lanes) + preset.mfuOpLatencyCycles + preset.dispatchCycles
                }
            case .maxPool(let a), .avgPool(let a):
                cycles =
                    ceilDiv(out.reduce(1, *) * batch * a.kernelH * a.kernelW, preset.lanes) + preset.mfuOpLatencyCycles
                    + preset.dispatchCycles
            case .globalAvgPool, .softmax, .concat:
                cycles = ceilDiv(inShape.reduce(1, *) * batch, preset.lanes) + preset.mfuOpLatencyCycles + preset.dispatchCycles
            case .flatten, .reshape, .lastStep:
                cycles = 0
            case .rowDense(let units, _):
                let k = inShape[inShape.count - 1]
                let rows = out.reduce(1, *) / units
                let m = mvuCycles(rows: units, cols: k, vectors: rows * batch)
                cycles = m.cycles + preset.pipelineFillCycles + preset.dispatchCycles
                padding = m.padding
                unit = .mvu
                npuWeightElements += units * k
                weightReads += units * k
            case .convTranspose(let a):
                // One matrix-vector product per input pixel: R = outC/groups·kH·kW, C = inC/groups.
                let rows = a.outChannels / a.groups * a.kernelH * a.kernelW
                let cols = inShape[0] / a.groups
                let m = mvuCycles(rows: rows, cols: cols, vectors: inShape[1] * inShape[2] * batch * a.groups)
                cycles = m.cycles + preset.pipelineFillCycles + preset.dispatchCycles
                padding = m.padding
                unit = .mvu
                npuWeightElements += rows * a.groups * cols
                weightReads += rows * a.groups * cols
            case .elementwise, .elementwiseConstant, .unary:
                cycles =
                    previousWasMatrix
                    ? preset.mfuOpLatencyCycles
                    : ceilDiv(out.reduce(1, *) * batch, preset.lanes) + preset.mfuOpLatencyCycles + preset.dispatchCycles
            case .transpose, .slice, .join, .gather, .pad, .softmaxAxis, .reduce, .resize:
                cycles =
                    ceilDiv(max(inShape.reduce(1, *), out.reduce(1, *)) * batch, preset.lanes) + preset.mfuOpLatencyCycles
                    + preset.dispatchCycles
            case .matmul:
                cycles = 0
            }
            let isMatrix = unit == .mvu
            if isMatrix { npuFlops += 2 * profile.layers[i].macs }
            if case .activation = node.op {
            } else if case .batchNorm = node.op {
            } else if case .add = node.op {
            } else {
                previousWasMatrix = isMatrix
            }
            let utilization = isMatrix && cycles > 0 ? Double(macs) / (Double(cycles) * Double(preset.macsPerCycle)) : 0
            layers.append(
                LayerCycles(
                    name: node.name, kind: node.op.kind, unit: unit, cycles: cycles,
                    timeMs: Double(cycles) * preset.cycleSeconds * 1e3, macs: macs, utilization: utilization,
                    tilingEfficiency: padding))
        }
        let cycles = layers.reduce(0) { $0 + $1.cycles }
        let weightBytes = Int((Double(npuWeightElements) * format.storageBitsPerElement / 8).rounded(.up))
        let fits = weightBytes <= preset.onChipWeightBytes
        // When weights do not fit, the part that does not (the same fraction of every layer) is
        // streamed from DRAM each time it is used: once per layer, every timestep for RNNs.
        let overflow = fits ? 0 : Double(weightBytes - preset.onChipWeightBytes) / Double(weightBytes)
        let streamedBytes = overflow * Double(weightReads) * format.storageBitsPerElement / 8
        let streamingMs = streamedBytes / preset.dramBytesPerSecond * 1e3
        let latencyMs = Double(cycles) * preset.cycleSeconds * 1e3 + streamingMs
        let effective = latencyMs > 0 ? Double(npuFlops * batch) / (latencyMs * 1e-3) / 1e12 : 0
        return NPUEstimate(
            preset: preset.name, format: format.name, batch: batch, layers: layers, cycles: cycles, latencyMs: latencyMs,
            effectiveTflops: effective, utilization: effective / preset.peakTFLOPS, weightBytes: weightBytes,
            fitsOnChip: fits, fpgasNeeded: max(1, Int((Double(weightBytes) / Double(preset.onChipWeightBytes)).rounded(.up))),
            weightStreamingMs: streamingMs, hostLayers: host, npuFlops: npuFlops, hostFlops: hostFlops)
    }
}
