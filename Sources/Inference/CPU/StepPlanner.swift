/// Turns a graph into execution steps: folds batch-norm into convolutions, fuses
/// residual adds and activations into their producers, picks kernels, and copies the
/// (transformed) weights into memory the executor owns.
struct StepPlanner {
    let graph: ModelGraph
    let shapes: [[Int]]
    let batch: Int
    let quantizer: (any MatrixOperandQuantizer)?
    /// Memory the steps point into; the executor frees it.
    var owned: [UnsafeMutableRawPointer] = []

    init(graph: ModelGraph, shapes: [[Int]], batch: Int, quantizer: (any MatrixOperandQuantizer)? = nil) {
        self.graph = graph
        self.shapes = shapes
        self.batch = batch
        self.quantizer = quantizer
    }

    /// Stores a weight matrix `[rows, k]`, rounded along `k` to the emulated format when there is one.
    private mutating func storeMatrix(_ values: [Float], rows: Int, k: Int) -> UnsafePointer<Float> {
        let p = store(values)
        if let quantizer { quantizer.quantizeRows(UnsafeMutablePointer(mutating: p), rows: rows, k: k) }
        return p
    }

    struct Result {
        var steps: [ExecutionStep]
        var names: [String]
        /// The graph nodes each step runs (fused chains have several).
        var nodes: [[Int]]
        var scratchElements: Int
    }

    mutating func store(_ values: [Float]) -> UnsafePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, values.count))
        p.initialize(from: values, count: values.count)
        owned.append(UnsafeMutableRawPointer(p))
        return UnsafePointer(p)
    }

    /// The nodes reading each value.
    private func consumers() -> [[Int]] {
        var c = [[Int]](repeating: [], count: graph.nodes.count + 1)
        for (i, node) in graph.nodes.enumerated() { for v in node.inputs { c[v].append(i) } }
        return c
    }

    mutating func plan() -> Result {
        let nodes = graph.nodes
        let readers = consumers()
        var absorbed = Set<Int>()
        var absorbedHere: [Int] = []  // the nodes the current step absorbed
        var steps: [ExecutionStep] = []
        var names: [String] = []
        var stepNodes: [[Int]] = []
        var scratch = 0

        /// The single node reading node `i`'s output, if exactly one does and it is not the graph output.
        func soleReader(_ i: Int) -> Int? {
            let v = i + 1
            guard v != graph.output, readers[v].count == 1 else { return nil }
            return readers[v][0]
        }
        func activationOf(_ i: Int) -> Activation? {
            if case .activation(let a) = nodes[i].op { return a }
            return nil
        }
        /// Absorbs node `r` into the step being built (its output becomes the step's).
        func absorb(_ r: Int, into name: inout String, last: inout Int) {
            absorbed.insert(r)
            absorbedHere.append(r)
            name += "+" + nodes[r].name
            last = r
        }
        /// Absorbs an activation that is the sole reader of `last`'s output; returns it.
        func fuseActivation(after last: inout Int, name: inout String) -> Activation? {
            guard let r = soleReader(last), let act = activationOf(r) else { return nil }
            absorb(r, into: &name, last: &last)
            return act
        }

        for (i, node) in nodes.enumerated() where !absorbed.contains(i) {
            absorbedHere.removeAll(keepingCapacity: true)
            let inShape = shapes[node.inputs[0]]
            var name = node.name
            switch node.op {
            case .conv2d(let a):
                var weights = node.parameters[0].data
                var bias: [Float]? = a.hasBias ? node.parameters[1].data : nil
                var last = i
                // Fold a following batch-norm: w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β.
                if let r = soleReader(last), case .batchNorm(let eps) = nodes[r].op {
                    let p = nodes[r].parameters
                    let perChannel = weights.count / a.outChannels
                    var b = bias ?? [Float](repeating: 0, count: a.outChannels)
                    for c in 0..<a.outChannels {
                        let s = p[0].data[c] / (p[3].data[c] + eps).squareRoot()
                        for k in 0..<perChannel { weights[c * perChannel + k] *= s }
                        b[c] = (b[c] - p[2].data[c]) * s + p[1].data[c]
                    }
                    bias = b
                    absorb(r, into: &name, last: &last)
                }
                // Fuse a residual add whose other input is already computed.
                var residual: Int?
                if let r = soleReader(last), case .add = nodes[r].op, nodes[r].inputs.count == 2 {
                    let other = nodes[r].inputs[0] == last + 1 ? nodes[r].inputs[1] : nodes[r].inputs[0]
                    if other <= i && other != last + 1 {
                        residual = other
                        absorb(r, into: &name, last: &last)
                    }
                }
                var activation: Activation?
                activation = fuseActivation(after: &last, name: &name)
                let out = shapes[i + 1]
                let geometry = WindowGeometry(
                    inH: inShape[1], inW: inShape[2], outH: out[1], outW: out[2], kernelH: a.kernelH, kernelW: a.kernelW,
                    strideH: a.strideH, strideW: a.strideW, padTop: a.padTop, padLeft: a.padLeft,
                    dilationH: a.dilationH, dilationW: a.dilationW)
                let isDepthwise = a.groups > 1 && a.groups == inShape[0] && a.outChannels == a.groups
                let isPointwise =
                    a.kernelH == 1 && a.kernelW == 1 && a.strideH == 1 && a.strideW == 1
                    && a.padTop == 0 && a.padLeft == 0 && a.padBottom == 0 && a.padRight == 0
                let winograd = quantizer == nil && Winograd.applies(a, inChannels: inShape[0], geometry, batch: batch)
                var step = ConvolutionStep(
                    x: node.inputs[0], y: last + 1, residual: residual, inChannels: inShape[0], outChannels: a.outChannels,
                    groups: a.groups, batch: batch, geometry: geometry,
                    weights: isDepthwise
                        ? store(weights)
                        : winograd ? store([]) : storeMatrix(weights, rows: a.outChannels, k: weights.count / a.outChannels),
                    bias: bias.map { store($0) }, activation: activation, isPointwise: isPointwise)
                if isDepthwise {
                    steps.append(.depthwise(step))
                } else if winograd {
                    step.winograd = store(Winograd.transformWeights(weights, outChannels: a.outChannels, inChannels: inShape[0]))
                    scratch = max(
                        scratch, Winograd.scratch(geometry, inChannels: inShape[0], outChannels: a.outChannels, batch: batch))
                    steps.append(.convolution(step))
                } else {
                    if !isPointwise || quantizer != nil {
                        scratch = max(scratch, inShape[0] * a.kernelH * a.kernelW * batch * out[1] * out[2])
                    }
                    steps.append(.convolution(step))
                }
            case .dense(let units, let hasBias):
                var last = i
                var activation: Activation?
                activation = fuseActivation(after: &last, name: &name)
                steps.append(
                    .dense(
                        DenseStep(
                            x: node.inputs[0], y: last + 1, inFeatures: inShape[0], units: units, batch: batch,
                            weights: storeMatrix(node.parameters[0].data, rows: units, k: inShape[0]),
                            bias: hasBias ? store(node.parameters[1].data) : nil, activation: activation)))
                if quantizer != nil { scratch = max(scratch, inShape[0] * batch) }
            case .batchNorm(let eps):
                let p = node.parameters
                let channels = inShape[0]
                var scale = [Float](repeating: 0, count: channels)
                var shift = [Float](repeating: 0, count: channels)
                for c in 0..<channels {
                    scale[c] = p[0].data[c] / (p[3].data[c] + eps).squareRoot()
                    shift[c] = p[1].data[c] - p[2].data[c] * scale[c]
                }
                var last = i
                var activation: Activation?
                activation = fuseActivation(after: &last, name: &name)
                steps.append(
                    .scaleShift(
                        ScaleShiftStep(
                            x: node.inputs[0], y: last + 1, channels: channels,
                            rowLength: batch * inShape.dropFirst().reduce(1, *), scale: store(scale), shift: store(shift),
                            activation: activation)))
            case .activation(let act):
                steps.append(.activation(x: node.inputs[0], y: i + 1, count: batch * inShape.reduce(1, *), act))
            case .maxPool(let a), .avgPool(let a):
                let out = shapes[i + 1]
                let geometry = WindowGeometry(
                    inH: inShape[1], inW: inShape[2], outH: out[1], outW: out[2], kernelH: a.kernelH, kernelW: a.kernelW,
                    strideH: a.strideH, strideW: a.strideW, padTop: a.padTop, padLeft: a.padLeft, dilationH: 1, dilationW: 1)
                var step = PoolStep(x: node.inputs[0], y: i + 1, planes: inShape[0] * batch, geometry: geometry, inverseCount: nil)
                if case .avgPool = node.op {
                    var inverse = [Float](repeating: 0, count: out[1] * out[2])
                    for oy in 0..<out[1] {
                        for ox in 0..<out[2] {
                            let y0 = oy * a.strideH - a.padTop
                            let x0 = ox * a.strideW - a.padLeft
                            let y1 = min(y0 + a.kernelH, inShape[1] + (a.countIncludePad ? a.padBottom : 0))
                            let x1 = min(x0 + a.kernelW, inShape[2] + (a.countIncludePad ? a.padRight : 0))
                            let ys = a.countIncludePad ? y0 : max(y0, 0)
                            let xs = a.countIncludePad ? x0 : max(x0, 0)
                            let count = max(1, (y1 - ys) * (x1 - xs))
                            inverse[oy * out[2] + ox] = 1 / Float(count)
                        }
                    }
                    step.inverseCount = store(inverse)
                    steps.append(.avgPool(step))
                } else {
                    steps.append(.maxPool(step))
                }
            case .globalAvgPool:
                steps.append(
                    .globalAvgPool(x: node.inputs[0], y: i + 1, planes: inShape[0] * batch, planeSize: inShape[1] * inShape[2]))
            case .add:
                var last = i
                var activation: Activation?
                activation = fuseActivation(after: &last, name: &name)
                steps.append(.sum(inputs: node.inputs, y: last + 1, count: batch * inShape.reduce(1, *), activation))
            case .concat:
                steps.append(
                    .concat(inputs: node.inputs, counts: node.inputs.map { batch * shapes[$0].reduce(1, *) }, y: i + 1))
            case .flatten, .reshape:
                let out = shapes[i + 1]
                if batch == 1 || out[0] == inShape[0] {
                    steps.append(.alias(x: node.inputs[0], y: i + 1))
                } else {
                    scratch = max(scratch, batch * inShape.reduce(1, *))
                    steps.append(
                        .relayout(
                            x: node.inputs[0], y: i + 1, fromOuter: inShape[0], fromInner: inShape.dropFirst().reduce(1, *),
                            toOuter: out[0], toInner: out.dropFirst().reduce(1, *)))
                }
            case .softmax:
                let total = batch * inShape.reduce(1, *)
                if inShape.count == 1 {
                    steps.append(.softmax(x: node.inputs[0], y: i + 1, length: inShape[0], stride: batch, groups: batch, groupStride: 1))
                } else {
                    let last = inShape[inShape.count - 1]
                    steps.append(.softmax(x: node.inputs[0], y: i + 1, length: last, stride: 1, groups: total / last, groupStride: last))
                }
            case .lstm(let a), .gru(let a):
                let h = a.hiddenSize
                let p = node.parameters
                var isLSTM = false
                if case .lstm = node.op { isLSTM = true }
                let bias: [Float]
                if isLSTM {
                    // Per direction, Wb + Rb.
                    bias = (0..<a.directions).flatMap { d in
                        (0..<(4 * h)).map { p[2].data[d * 8 * h + $0] + p[2].data[d * 8 * h + 4 * h + $0] }
                    }
                } else {
                    bias = p[2].data
                }
                let step = RecurrentStep(
                    x: node.inputs[0], y: i + 1, timesteps: inShape[0], batch: batch, inputSize: inShape[1], hidden: h,
                    returnSequences: a.returnSequences, linearBeforeReset: a.linearBeforeReset, bidirectional: a.bidirectional,
                    timeAcrossBatch: a.timeAcrossBatch,
                    w: storeMatrix(p[0].data, rows: p[0].shape[0], k: inShape[1]), r: storeMatrix(p[1].data, rows: p[1].shape[0], k: h),
                    bias: store(bias))
                let need =
                    (isLSTM
                        ? RecurrentKernels.lstmScratch(timesteps: inShape[0], batch: batch, hidden: h)
                        : RecurrentKernels.gruScratch(timesteps: inShape[0], batch: batch, hidden: h)) + batch * h
                    + (quantizer != nil ? inShape[0] * batch * inShape[1] : 0)
                    + (a.bidirectional ? RecurrentKernels.bidirectionalScratch(step) : 0)
                scratch = max(scratch, need)
                steps.append(isLSTM ? .lstm(step) : .gru(step))
            case .lastStep:
                let rest = Array(inShape.dropFirst())
                steps.append(
                    .lastStep(
                        x: node.inputs[0], y: i + 1, timesteps: inShape[0], first: rest[0], inner: rest.dropFirst().reduce(1, *)))
            case .elementwise, .elementwiseConstant, .unary, .transpose, .slice, .join, .gather, .pad, .softmaxAxis, .reduce, .matmul,
                .rowDense,
                .resize, .convTranspose:
                let (step, need) = planGeneral(node, output: i + 1)
                scratch = max(scratch, need)
                steps.append(.general(step))
            }
            names.append(name)
            stepNodes.append([i] + Set(absorbedHere).subtracting([i]).filter { $0 > i }.sorted())
        }
        if quantizer == nil { pixelMajorAroundDepthwise(&steps) }
        return Result(steps: steps, names: names, nodes: stepNodes, scratchElements: scratch)
    }

    /// Runs a depthwise layer pixel-major (`[N·H·W, C]`) between the GEMM convolutions that feed
    /// and read it — MobileNet's inverted residual: expand → depthwise → project. The producer's
    /// GEMM writes its output transposed (`sgemm` takes either orientation; measured the same),
    /// the depthwise kernel then vectorizes across channels (every tap of every pixel a full
    /// vector, whatever the plane's width: 7×7 planes cost no more per output than 112×112),
    /// and the 1×1 consumer reads the transposed input back into the channel-major layout. No
    /// copy is added. Only when the FPGA emulation is off (its rounding follows the
    /// channel-major steps), the values in between have no other reader, the producer adds no
    /// residual, and the depthwise activation is a clamp the kernel applies as it stores.
    mutating func pixelMajorAroundDepthwise(_ steps: inout [ExecutionStep]) {
        var readers: [Int: [Int]] = [:]
        var producer: [Int: Int] = [:]
        for (k, step) in steps.enumerated() {
            for v in step.inputs { readers[v, default: []].append(k) }
            producer[step.output] = k
        }
        for d in steps.indices {
            guard case .depthwise(var dw) = steps[d], dw.residual == nil,
                ConvolutionKernels.DepthwiseEpilogue(bias: nil, activation: dw.activation) != nil,
                dw.x != 0, dw.x != graph.output, dw.y != graph.output,
                readers[dw.x] == [d], let q = readers[dw.y], q.count == 1,
                let p = producer[dw.x], case .convolution(var expand) = steps[p], expand.groups == 1, expand.residual == nil,
                expand.winograd == nil,
                expand.y == dw.x, case .convolution(var project) = steps[q[0]], project.groups == 1, project.isPointwise,
                project.x == dw.y
            else { continue }
            // Filters `[C, kH·kW]` → `[kH·kW, C]`: one tap's weights for consecutive channels.
            let taps = dw.geometry.kernelH * dw.geometry.kernelW
            var transposed = [Float](repeating: 0, count: taps * dw.outChannels)
            for c in 0..<dw.outChannels { for t in 0..<taps { transposed[t * dw.outChannels + c] = dw.weights[c * taps + t] } }
            dw.weights = store(transposed)
            dw.inputPixelMajor = true
            dw.outputPixelMajor = true
            expand.outputPixelMajor = true
            project.inputPixelMajor = true
            steps[p] = .convolution(expand)
            steps[d] = .depthwise(dw)
            steps[q[0]] = .convolution(project)
        }
    }
}

/// Assigns every value a slice of one arena: a value's slice is reused by later values
/// once every step that reads it has run (best fit among free slices, growing the last
/// resort). Aliasing steps share their input's slice; elementwise steps whose input dies
/// with them write in place.
struct MemoryPlan {
    /// Element offset of each value in the arena (-1: never materialised).
    var offset: [Int]
    var totalElements: Int

    init(steps: [ExecutionStep], elements: [Int], graphOutput: Int) {
        let valueCount = elements.count
        // Last step reading each value; the graph output lives to the end.
        var lastRead = [Int](repeating: -1, count: valueCount)
        for (s, step) in steps.enumerated() { for v in step.inputs { lastRead[v] = max(lastRead[v], s) } }
        lastRead[graphOutput] = steps.count
        // Aliases: the buffer lives as long as any value in the chain.
        var root = Array(0..<valueCount)
        for step in steps { if case .alias(let x, let y) = step { root[y] = root[x] } }
        var bufferEnd = [Int](repeating: -1, count: valueCount)
        for v in 0..<valueCount { bufferEnd[root[v]] = max(bufferEnd[root[v]], lastRead[v]) }

        struct Slice {
            var offset: Int
            var capacity: Int
        }
        var slices: [Slice] = []
        var free: [Int] = []  // slice indices
        var sliceOf = [Int](repeating: -1, count: valueCount)
        var releaseAt = [[Int]](repeating: [], count: steps.count + 2)

        func allocate(_ need: Int) -> Int {
            var best = -1
            for (k, s) in free.enumerated() where slices[s].capacity >= need {
                if best < 0 || slices[s].capacity < slices[free[best]].capacity { best = k }
            }
            if best >= 0 { return free.remove(at: best) }
            slices.append(Slice(offset: 0, capacity: need))
            return slices.count - 1
        }
        func schedule(_ slice: Int, after step: Int) {
            releaseAt[max(0, step) + 1].append(slice)
        }

        // The graph input occupies a slice from the start.
        sliceOf[0] = allocate(elements[0])
        schedule(sliceOf[0], after: bufferEnd[0])
        for (s, step) in steps.enumerated() {
            free.append(contentsOf: releaseAt[s])
            let y = step.output
            if case .alias(let x, _) = step {
                sliceOf[y] = sliceOf[root[x]]
                continue
            }
            var chosen = -1
            if step.canRunInPlace, let x = step.inputs.first, root[x] == x, bufferEnd[x] == s,
                slices[sliceOf[x]].capacity >= elements[y], x != 0
            {
                chosen = sliceOf[x]
                // The input's slice would be released after this step: keep it for the output instead.
                releaseAt[s + 1].removeAll { $0 == chosen }
            }
            if chosen < 0 { chosen = allocate(elements[y]) }
            sliceOf[y] = chosen
            schedule(chosen, after: bufferEnd[y])
        }
        // Lay slices out one after another.
        var total = 0
        for k in slices.indices {
            slices[k].offset = total
            total += slices[k].capacity
        }
        offset = sliceOf.map { $0 < 0 ? -1 : slices[$0].offset }
        totalElements = total
    }
}
