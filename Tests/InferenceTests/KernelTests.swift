import Testing

@testable import Inference

/// Every kernel is checked through a one-layer (or small) graph against the naive
/// ``ReferenceInterpreter``. Tolerance: max abs error ≤ 1e-4 × the output's max magnitude
/// (float32 accumulation in a different order than the double-precision reference).
@Suite("CPU kernels against the reference")
struct KernelTests {
    static let tolerance: Float = 1e-4

    func check(_ graph: ModelGraph, batch: Int, seed: UInt64 = 3, tolerance: Float = tolerance) throws {
        let g = try graph.withRandomWeights(seed: seed)
        let executor = try CPUExecutor(graph: g, batch: batch, threads: 1)
        let input = ReferenceInterpreter.randomInput(count: executor.inputCount, seed: seed &+ 11)
        let ours = try executor.run(input)
        let reference = try ReferenceInterpreter.run(g, input: input, batch: batch)
        #expect(ours.count == reference.count)
        let err = ReferenceInterpreter.relativeError(ours, reference)
        #expect(err <= tolerance, "\(graph.name) batch \(batch): relative error \(err)")
    }

    /// `executor` (prepared from `g`) against the reference on one random input.
    func expectMatchesReference(_ executor: CPUExecutor, _ g: ModelGraph, batch: Int, seed: UInt64, _ label: String) throws {
        let input = ReferenceInterpreter.randomInput(count: executor.inputCount, seed: seed)
        let err = ReferenceInterpreter.relativeError(try executor.run(input), try ReferenceInterpreter.run(g, input: input, batch: batch))
        #expect(err <= Self.tolerance, "\(label): relative error \(err)")
    }

    func single(_ op: LayerOp, input: [Int], name: String = "layer") -> ModelGraph {
        ModelGraph(name: name, inputShape: input, nodes: [Node(name: name, op: op, inputs: [0])])
    }

    struct ConvCase: CustomTestStringConvertible, Sendable {
        var input: [Int]
        var attributes: Conv2DAttributes
        var batch: Int
        var testDescription: String {
            let a = attributes
            return
                "in \(input) out \(a.outChannels) k\(a.kernelH)x\(a.kernelW) s\(a.strideH),\(a.strideW) p\(a.padTop),\(a.padLeft),\(a.padBottom),\(a.padRight) d\(a.dilationH) g\(a.groups) n\(batch)"
        }
    }

    static let convCases: [ConvCase] = [
        ConvCase(input: [3, 9, 7], attributes: Conv2DAttributes(outChannels: 5, kernel: 3), batch: 1),
        ConvCase(input: [3, 9, 7], attributes: Conv2DAttributes(outChannels: 5, kernel: 3, stride: 2, padding: 1, bias: true), batch: 3),
        ConvCase(input: [4, 11, 13], attributes: Conv2DAttributes(outChannels: 6, kernel: 3, padding: 2, dilation: 2), batch: 2),
        ConvCase(input: [6, 8, 8], attributes: Conv2DAttributes(outChannels: 4, kernel: 3, padding: 1, groups: 2, bias: true), batch: 2),
        ConvCase(input: [7, 5, 6], attributes: Conv2DAttributes(outChannels: 9, kernel: 1), batch: 1),
        ConvCase(input: [7, 5, 6], attributes: Conv2DAttributes(outChannels: 9, kernel: 1, bias: true), batch: 4),
        ConvCase(input: [7, 9, 9], attributes: Conv2DAttributes(outChannels: 3, kernel: 1, stride: 2), batch: 2),
        ConvCase(input: [3, 15, 15], attributes: Conv2DAttributes(outChannels: 8, kernel: 7, stride: 2, padding: 3), batch: 2),
        ConvCase(input: [8, 10, 9], attributes: Conv2DAttributes(outChannels: 8, kernel: 3, padding: 1, groups: 8), batch: 1),
        ConvCase(
            input: [8, 10, 9], attributes: Conv2DAttributes(outChannels: 8, kernel: 3, stride: 2, padding: 1, groups: 8, bias: true),
            batch: 3),
        ConvCase(
            input: [5, 12, 12], attributes: Conv2DAttributes(outChannels: 5, kernel: 5, padding: 4, dilation: 2, groups: 5), batch: 2),
        ConvCase(input: [4, 7, 7], attributes: Conv2DAttributes(outChannels: 8, kernel: 3, padding: 1, groups: 4), batch: 2),
        ConvCase(
            input: [3, 10, 8],
            attributes: Conv2DAttributes(
                outChannels: 4, kernelH: 3, kernelW: 2, strideH: 2, strideW: 3, padTop: 1, padLeft: 0, padBottom: 2,
                padRight: 1, dilationH: 1, dilationW: 2, groups: 1, bias: true),
            batch: 2),
        ConvCase(input: [2, 3, 3], attributes: Conv2DAttributes(outChannels: 3, kernel: 3, stride: 3, padding: 0), batch: 5),
        // Depthwise 3×3 planes wide enough for the SIMD path (8 columns at a time, stride 1 and
        // 2), with borders, tails, asymmetric and no padding, and vertical stride ≠ horizontal.
        ConvCase(input: [6, 13, 37], attributes: Conv2DAttributes(outChannels: 6, kernel: 3, padding: 1, groups: 6, bias: true), batch: 2),
        ConvCase(input: [5, 17, 45], attributes: Conv2DAttributes(outChannels: 5, kernel: 3, stride: 2, padding: 1, groups: 5), batch: 1),
        ConvCase(input: [4, 9, 40], attributes: Conv2DAttributes(outChannels: 4, kernel: 3, stride: 2, padding: 0, groups: 4), batch: 3),
        ConvCase(
            input: [3, 12, 34],
            attributes: Conv2DAttributes(
                outChannels: 3, kernelH: 3, kernelW: 3, strideH: 1, strideW: 2, padTop: 0, padLeft: 0, padBottom: 1,
                padRight: 1, dilationH: 1, dilationW: 1, groups: 3, bias: false),
            batch: 2),
        ConvCase(
            input: [2, 6, 19],
            attributes: Conv2DAttributes(
                outChannels: 2, kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, padTop: 2, padLeft: 2, padBottom: 0,
                padRight: 0, dilationH: 1, dilationW: 1, groups: 2, bias: true),
            batch: 1),
        // Narrow depthwise planes (MobileNet's 7×7 and 14×14): an overlapping last vector, four
        // columns at a time, and planes too narrow for either.
        ConvCase(input: [5, 7, 7], attributes: Conv2DAttributes(outChannels: 5, kernel: 3, padding: 1, groups: 5, bias: true), batch: 2),
        ConvCase(input: [3, 14, 14], attributes: Conv2DAttributes(outChannels: 3, kernel: 3, padding: 1, groups: 3), batch: 1),
        ConvCase(input: [2, 5, 6], attributes: Conv2DAttributes(outChannels: 2, kernel: 3, padding: 0, groups: 2), batch: 3),
        ConvCase(input: [4, 6, 4], attributes: Conv2DAttributes(outChannels: 4, kernel: 3, padding: 1, groups: 4, bias: true), batch: 1),
        ConvCase(input: [3, 9, 11], attributes: Conv2DAttributes(outChannels: 3, kernel: 3, padding: 1, groups: 3, bias: true), batch: 2),
        ConvCase(input: [4, 14, 14], attributes: Conv2DAttributes(outChannels: 4, kernel: 3, stride: 2, padding: 1, groups: 4), batch: 2),
        ConvCase(
            input: [3, 28, 28], attributes: Conv2DAttributes(outChannels: 3, kernel: 3, stride: 2, padding: 1, groups: 3, bias: true),
            batch: 1),
        ConvCase(input: [2, 11, 13], attributes: Conv2DAttributes(outChannels: 2, kernel: 3, stride: 2, padding: 0, groups: 2), batch: 2),
        // Narrow planes through the zero-padded copy with uneven padding and strides.
        ConvCase(
            input: [2, 6, 9],
            attributes: Conv2DAttributes(
                outChannels: 2, kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, padTop: 2, padLeft: 2, padBottom: 0,
                padRight: 0, dilationH: 1, dilationW: 1, groups: 2, bias: true),
            batch: 2),
        ConvCase(
            input: [3, 12, 20],
            attributes: Conv2DAttributes(
                outChannels: 3, kernelH: 3, kernelW: 3, strideH: 1, strideW: 2, padTop: 0, padLeft: 0, padBottom: 1,
                padRight: 1, dilationH: 1, dilationW: 1, groups: 3, bias: false),
            batch: 1),
        ConvCase(
            input: [2, 16, 16],
            attributes: Conv2DAttributes(
                outChannels: 2, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 0, padBottom: 1,
                padRight: 2, dilationH: 1, dilationW: 1, groups: 2, bias: true),
            batch: 1),
    ]

    @Test("convolution", arguments: convCases)
    func convolution(_ c: ConvCase) throws {
        try check(single(.conv2d(c.attributes), input: c.input), batch: c.batch)
    }

    /// `lastStep` on a recurrent sequence and on a rank-3 value, batch 1 and 3.
    @Test("last step", arguments: [1, 3])
    func lastStep(_ batch: Int) throws {
        var b = GraphBuilder(name: "seq-last", inputShape: [6, 4])
        let seq = b.add(.gru(RecurrentAttributes(hiddenSize: 5, returnSequences: true)), [b.input], name: "gru")
        b.add(.lastStep, [seq], name: "last")
        try check(b.build(), batch: batch)
        try check(single(.lastStep, input: [4, 3, 5]), batch: batch)
        #expect(throws: InferenceError.self) { try single(.lastStep, input: [7]).inferShapes() }
    }

    /// The depthwise kernel splits planes over threads: the same answers with 2 and 3 workers.
    @Test("depthwise convolution split over threads")
    func depthwiseThreads() throws {
        let g = try single(.conv2d(Conv2DAttributes(outChannels: 24, kernel: 3, stride: 2, padding: 1, groups: 24)), input: [24, 33, 41])
            .withRandomWeights(seed: 9)
        let x = ReferenceInterpreter.randomInput(count: 2 * 24 * 33 * 41, seed: 4)
        let reference = try ReferenceInterpreter.run(g, input: x, batch: 2)
        for t in [2, 3] {
            let ours = try CPUExecutor(graph: g, batch: 2, threads: t).run(x)
            #expect(ReferenceInterpreter.relativeError(ours, reference) <= Self.tolerance, "threads \(t)")
        }
    }

    /// 3×3 stride-1 convolutions through Winograd F(2×2, 3×3): odd output sizes (partial tiles at
    /// the right and bottom), no and uneven padding, several samples, bias and ReLU, and the
    /// transforms split over 2 and 3 workers. Each case checks the path was taken.
    static let winogradCases: [(ConvCase, threads: Int)] = [
        (ConvCase(input: [16, 12, 12], attributes: Conv2DAttributes(outChannels: 16, kernel: 3, padding: 1), batch: 1), 1),
        (ConvCase(input: [17, 13, 11], attributes: Conv2DAttributes(outChannels: 20, kernel: 3, padding: 1, bias: true), batch: 2), 3),
        (ConvCase(input: [16, 10, 15], attributes: Conv2DAttributes(outChannels: 24, kernel: 3), batch: 2), 2),
        (
            ConvCase(
                input: [16, 9, 14],
                attributes: Conv2DAttributes(
                    outChannels: 16, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop: 2, padLeft: 0, padBottom: 0,
                    padRight: 1, dilationH: 1, dilationW: 1, groups: 1, bias: true),
                batch: 3), 3
        ),
        (ConvCase(input: [32, 28, 28], attributes: Conv2DAttributes(outChannels: 32, kernel: 3, padding: 1, bias: true), batch: 1), 2),
    ]

    @Test("3×3 convolution through Winograd F(2×2, 3×3)", arguments: winogradCases)
    func winograd(_ c: ConvCase, threads: Int) throws {
        var b = GraphBuilder(name: "winograd", inputShape: c.input)
        let y = b.add(.conv2d(c.attributes), [b.input], name: "conv")
        b.add(.activation(.relu), [y], name: "relu")
        let g = try b.build().withRandomWeights(seed: 13)
        let executor = try CPUExecutor(graph: g, batch: c.batch, threads: threads)
        let taken = executor.steps.contains {
            if case .convolution(let s) = $0 { s.winograd != nil } else { false }
        }
        #expect(taken, "\(c.testDescription) did not take the Winograd path")
        try expectMatchesReference(executor, g, batch: c.batch, seed: 7, "\(c.testDescription) threads \(threads)")
    }

    /// A residual block (3×3 → batch-norm → add → ReLU) through Winograd, the residual fused.
    @Test("Winograd with a fused residual and batch-norm")
    func winogradResidual() throws {
        var b = GraphBuilder(name: "winograd-residual", inputShape: [16, 14, 14])
        var y = b.add(.conv2d(Conv2DAttributes(outChannels: 16, kernel: 3, padding: 1)), [b.input], name: "conv")
        y = b.add(.batchNorm(epsilon: 1e-5), [y], name: "bn")
        y = b.add(.add, [y, b.input], name: "add")
        b.add(.activation(.relu), [y], name: "relu")
        try check(b.build(), batch: 2)
    }

    /// An inverted residual (producer → depthwise → 1×1 project) that the planner runs
    /// pixel-major in the middle: the producer's GEMM writes `[N·H·W, C]`, the depthwise kernel
    /// vectorizes across channels, the 1×1 reads it back. Shapes with channels past a multiple of
    /// eight, stride 2, uneven padding, a 5×5 dilated filter, a k×k producer, a residual on the
    /// projection, batches and threads.
    struct InvertedResidualCase: CustomTestStringConvertible, Sendable {
        var input: [Int]
        var expand: Conv2DAttributes
        var depthwise: Conv2DAttributes
        var project: Int
        var activation: Activation?
        var residual = false
        var batch: Int
        var threads = 1
        var testDescription: String {
            let d = depthwise
            return
                "in \(input) → \(expand.outChannels) k\(expand.kernelH) → dw k\(d.kernelH) s\(d.strideH),\(d.strideW) p\(d.padTop),\(d.padLeft),\(d.padBottom),\(d.padRight) d\(d.dilationH) → \(project) \(activation.map { "\($0)" } ?? "linear")\(residual ? " +x" : "") n\(batch) t\(threads)"
        }

        var graph: ModelGraph {
            var b = GraphBuilder(name: "inverted-residual", inputShape: input)
            var x = b.add(.conv2d(expand), [b.input], name: "expand")
            x = b.add(.batchNorm(epsilon: 1e-3), [x], name: "expand.bn")
            if let activation { x = b.add(.activation(activation), [x], name: "expand.act") }
            x = b.add(.conv2d(depthwise), [x], name: "dw")
            if let activation { x = b.add(.activation(activation), [x], name: "dw.act") }
            let y = b.add(.conv2d(Conv2DAttributes(outChannels: project, kernel: 1, bias: true)), [x], name: "project")
            if residual { b.add(.add, [y, b.input], name: "add") }
            return b.build()
        }
    }

    static let invertedResidualCases: [InvertedResidualCase] = [
        InvertedResidualCase(
            input: [8, 14, 14], expand: Conv2DAttributes(outChannels: 48, kernel: 1),
            depthwise: Conv2DAttributes(outChannels: 48, kernel: 3, padding: 1, groups: 48, bias: true), project: 8,
            activation: .relu6, residual: true, batch: 1),
        InvertedResidualCase(
            input: [6, 17, 15], expand: Conv2DAttributes(outChannels: 21, kernel: 1, bias: true),
            depthwise: Conv2DAttributes(outChannels: 21, kernel: 3, stride: 2, padding: 1, groups: 21), project: 9,
            activation: .relu, batch: 3),
        InvertedResidualCase(
            input: [3, 16, 16], expand: Conv2DAttributes(outChannels: 32, kernel: 3, stride: 2, padding: 1),
            depthwise: Conv2DAttributes(outChannels: 32, kernel: 3, padding: 1, groups: 32, bias: true), project: 16,
            activation: .relu6, batch: 2),
        InvertedResidualCase(
            input: [5, 7, 7], expand: Conv2DAttributes(outChannels: 19, kernel: 1),
            depthwise: Conv2DAttributes(
                outChannels: 19, kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, padTop: 2, padLeft: 0, padBottom: 0,
                padRight: 2, dilationH: 1, dilationW: 1, groups: 19, bias: true),
            project: 4, activation: nil, batch: 2),
        InvertedResidualCase(
            input: [4, 12, 11], expand: Conv2DAttributes(outChannels: 24, kernel: 1),
            depthwise: Conv2DAttributes(outChannels: 24, kernel: 5, padding: 4, dilation: 2, groups: 24), project: 7,
            activation: .relu6, batch: 1),
        InvertedResidualCase(
            input: [8, 33, 29], expand: Conv2DAttributes(outChannels: 40, kernel: 1, bias: true),
            depthwise: Conv2DAttributes(outChannels: 40, kernel: 3, stride: 2, padding: 1, groups: 40, bias: true), project: 8,
            activation: .relu6, batch: 2, threads: 3),
        InvertedResidualCase(
            input: [8, 28, 28], expand: Conv2DAttributes(outChannels: 64, kernel: 1),
            depthwise: Conv2DAttributes(outChannels: 64, kernel: 3, padding: 1, groups: 64, bias: true), project: 8,
            activation: .relu6, residual: true, batch: 1, threads: 2),
    ]

    @Test("inverted residual through the pixel-major depthwise path", arguments: invertedResidualCases)
    func invertedResidual(_ c: InvertedResidualCase) throws {
        let g = try c.graph.withRandomWeights(seed: 21)
        let executor = try CPUExecutor(graph: g, batch: c.batch, threads: c.threads)
        // The planner took the pixel-major path (else this test would check the channel-major one).
        let marked = executor.steps.filter {
            switch $0 {
            case .depthwise(let s): s.inputPixelMajor && s.outputPixelMajor
            case .convolution(let s): s.inputPixelMajor != s.outputPixelMajor
            default: false
            }
        }
        #expect(marked.count == 3, "\(c.testDescription): \(executor.stepNames)")
        try expectMatchesReference(executor, g, batch: c.batch, seed: 5, c.testDescription)
    }

    /// With a second reader of the expanded value (a residual around the block) the layers stay
    /// channel-major (and still match the reference).
    @Test("pixel-major path only where nothing else reads the values")
    func pixelMajorOnlyForPrivateValues() throws {
        var b = GraphBuilder(name: "shared-expand", inputShape: [8, 10, 10])
        let e = b.add(.conv2d(Conv2DAttributes(outChannels: 16, kernel: 1)), [b.input], name: "expand")
        let d = b.add(.conv2d(Conv2DAttributes(outChannels: 16, kernel: 3, padding: 1, groups: 16)), [e], name: "dw")
        let p = b.add(.conv2d(Conv2DAttributes(outChannels: 16, kernel: 1)), [d], name: "project")
        b.add(.add, [p, e], name: "add")
        let g = try b.build().withRandomWeights(seed: 4)
        let executor = try CPUExecutor(graph: g, batch: 2, threads: 1)
        for step in executor.steps {
            if case .depthwise(let s) = step { #expect(!s.inputPixelMajor) }
            if case .convolution(let s) = step { #expect(!s.inputPixelMajor && !s.outputPixelMajor) }
        }
        try expectMatchesReference(executor, g, batch: 2, seed: 6, "shared expand")
    }

    @Test("dense", arguments: [(17, 5, true, 1), (64, 33, false, 3), (1, 1, true, 2)])
    func dense(_ inFeatures: Int, _ units: Int, _ bias: Bool, _ batch: Int) throws {
        try check(single(.dense(units: units, bias: bias), input: [inFeatures]), batch: batch)
    }

    @Test("activations", arguments: Activation.allCases)
    func activation(_ a: Activation) throws {
        // Inputs are in [-1, 1); scale them through a dense layer so ReLU6 clips and sigmoid saturates.
        var b = GraphBuilder(name: "act", inputShape: [13])
        let x = b.add(.dense(units: 40, bias: true), [b.input], name: "fc")
        let y = b.add(.batchNorm(epsilon: 1e-3), [x], name: "scale")
        b.add(.activation(a), [y], name: "act")
        var g = b.build()
        g = try g.withRandomWeights(seed: 5)
        // Widen the batch-norm scale so values reach ±10.
        g.nodes[1].parameters[0] = Tensor(shape: [40], data: (0..<40).map { Float($0 % 7 + 1) * 2 })
        let executor = try CPUExecutor(graph: g, batch: 3, threads: 1)
        let input = ReferenceInterpreter.randomInput(count: executor.inputCount, seed: 9)
        let err = ReferenceInterpreter.relativeError(try executor.run(input), try ReferenceInterpreter.run(g, input: input, batch: 3))
        #expect(err <= Self.tolerance)
    }

    @Test("batch-norm alone (image and vector)", arguments: [[6, 5, 4], [9]])
    func batchNorm(_ shape: [Int]) throws {
        try check(single(.batchNorm(epsilon: 1e-5), input: shape), batch: 2)
    }

    @Test(
        "pooling",
        arguments: [
            PoolAttributes(kernel: 3, stride: 2, padding: 1),
            PoolAttributes(kernel: 2, stride: 2),
            PoolAttributes(kernel: 3, stride: 1, padding: 1, countIncludePad: true),
            PoolAttributes(kernel: 3, stride: 2, padding: 0, ceilMode: true),
            PoolAttributes(
                kernelH: 2, kernelW: 3, strideH: 1, strideW: 2, padTop: 1, padLeft: 1, padBottom: 0, padRight: 2, countIncludePad: false,
                ceilMode: false),
        ])
    func pooling(_ a: PoolAttributes) throws {
        try check(single(.maxPool(a), input: [3, 9, 11]), batch: 2)
        try check(single(.avgPool(a), input: [3, 9, 11]), batch: 2)
    }

    @Test func globalAveragePoolFlattenDense() throws {
        var b = GraphBuilder(name: "gap", inputShape: [6, 5, 7])
        var x = b.add(.globalAvgPool, [b.input], name: "gap")
        x = b.add(.flatten, [x], name: "flatten")
        b.add(.dense(units: 4, bias: true), [x], name: "fc")
        try check(b.build(), batch: 3)
    }

    @Test("flatten and reshape that reorder memory", arguments: [1, 4])
    func flattenReshape(_ batch: Int) throws {
        var b = GraphBuilder(name: "flat", inputShape: [3, 4, 5])
        var x = b.add(.conv2d(Conv2DAttributes(outChannels: 2, kernel: 3, padding: 1)), [b.input], name: "conv")
        x = b.add(.flatten, [x], name: "flatten")
        x = b.add(.dense(units: 6, bias: true), [x], name: "fc")
        x = b.add(.reshape([2, 3]), [x], name: "reshape")
        b.add(.softmax, [x], name: "softmax")
        try check(b.build(), batch: batch)
    }

    @Test("add with three inputs, concat, softmax over features", arguments: [1, 3])
    func addConcatSoftmax(_ batch: Int) throws {
        var b = GraphBuilder(name: "merge", inputShape: [4, 6, 6])
        let p = b.add(.conv2d(Conv2DAttributes(outChannels: 4, kernel: 1)), [b.input], name: "p")
        let q = b.add(.conv2d(Conv2DAttributes(outChannels: 4, kernel: 3, padding: 1)), [b.input], name: "q")
        let s = b.add(.add, [b.input, p, q], name: "sum")
        let c = b.add(.concat, [s, p, b.input], name: "cat")
        var x = b.add(.globalAvgPool, [c], name: "gap")
        x = b.add(.flatten, [x], name: "flat")
        b.add(.softmax, [x], name: "softmax")
        try check(b.build(), batch: batch)
    }

    @Test("fused conv + batch-norm + residual add + ReLU (both orders)", arguments: [1, 2])
    func residualBlock(_ batch: Int) throws {
        var b = GraphBuilder(name: "res", inputShape: [8, 9, 9])
        // Shortcut computed before the main path (fused into conv2), then after it (fused into the downsample).
        var y = b.convBN(b.input, Conv2DAttributes(outChannels: 8, kernel: 3, padding: 1), name: "a1")
        y = b.convBN(y, Conv2DAttributes(outChannels: 8, kernel: 3, padding: 1), activation: nil, name: "a2")
        var x = b.add(.add, [y, b.input], name: "add1")
        x = b.add(.activation(.relu), [x], name: "relu1")
        var z = b.convBN(x, Conv2DAttributes(outChannels: 16, kernel: 1, stride: 2), activation: nil, name: "main")
        let d = b.convBN(x, Conv2DAttributes(outChannels: 16, kernel: 3, stride: 2, padding: 1), activation: nil, name: "down")
        z = b.add(.add, [z, d], name: "add2")
        b.add(.activation(.relu6), [z], name: "relu2")
        let graph = b.build()
        let executor = try CPUExecutor(graph: try graph.withRandomWeights(seed: 1), batch: batch)
        // The fusion actually happened: 4 convolutions, each with its batch-norm, adds and activations folded in.
        #expect(executor.stepNames.count == 4, "\(executor.stepNames)")
        try check(graph, batch: batch)
    }

    @Test("DenseNet-style pre-activation block with concat")
    func denseBlock() throws {
        var b = GraphBuilder(name: "dense", inputShape: [6, 8, 8])
        var x = b.input
        for i in 0..<3 {
            var y = b.add(.batchNorm(epsilon: 1e-5), [x], name: "n\(i)")
            y = b.add(.activation(.relu), [y], name: "r\(i)")
            y = b.add(.conv2d(Conv2DAttributes(outChannels: 4, kernel: 3, padding: 1)), [y], name: "c\(i)")
            x = b.add(.concat, [x, y], name: "cat\(i)")
        }
        x = b.add(.avgPool(PoolAttributes(kernel: 2, stride: 2)), [x], name: "pool")
        try check(b.build(), batch: 2)
    }

    struct RNNCase: CustomTestStringConvertible, Sendable {
        var gru: Bool
        var hidden: Int
        var timesteps: Int
        var inputSize: Int
        var sequences: Bool
        var linearBeforeReset: Bool
        var batch: Int
        var bidirectional = false
        var acrossBatch = false
        var testDescription: String {
            "\(gru ? "GRU" : "LSTM") h\(hidden) t\(timesteps) i\(inputSize) seq=\(sequences) lbr=\(linearBeforeReset) n\(batch)\(bidirectional ? " bidirectional" : "")\(acrossBatch ? " across the batch" : "")"
        }
    }

    @Test(
        "recurrent layers",
        arguments: [
            RNNCase(gru: false, hidden: 7, timesteps: 5, inputSize: 3, sequences: false, linearBeforeReset: true, batch: 1),
            RNNCase(gru: false, hidden: 6, timesteps: 4, inputSize: 9, sequences: true, linearBeforeReset: true, batch: 3),
            RNNCase(gru: false, hidden: 5, timesteps: 3, inputSize: 5, sequences: false, linearBeforeReset: true, batch: 2),
            RNNCase(gru: true, hidden: 7, timesteps: 5, inputSize: 3, sequences: false, linearBeforeReset: true, batch: 1),
            RNNCase(gru: true, hidden: 6, timesteps: 4, inputSize: 9, sequences: true, linearBeforeReset: true, batch: 3),
            RNNCase(gru: true, hidden: 5, timesteps: 6, inputSize: 4, sequences: false, linearBeforeReset: false, batch: 2),
            RNNCase(gru: true, hidden: 4, timesteps: 3, inputSize: 2, sequences: true, linearBeforeReset: false, batch: 1),
            RNNCase(
                gru: false, hidden: 6, timesteps: 4, inputSize: 5, sequences: true, linearBeforeReset: true, batch: 3, bidirectional: true),
            RNNCase(
                gru: false, hidden: 5, timesteps: 3, inputSize: 4, sequences: false, linearBeforeReset: true, batch: 2, bidirectional: true),
            RNNCase(
                gru: true, hidden: 4, timesteps: 5, inputSize: 3, sequences: true, linearBeforeReset: false, batch: 1, bidirectional: true),
            RNNCase(
                gru: true, hidden: 6, timesteps: 2, inputSize: 7, sequences: false, linearBeforeReset: true, batch: 3, bidirectional: true),
            RNNCase(
                gru: false, hidden: 5, timesteps: 1, inputSize: 4, sequences: true, linearBeforeReset: true, batch: 6, acrossBatch: true),
            RNNCase(
                gru: true, hidden: 4, timesteps: 1, inputSize: 3, sequences: true, linearBeforeReset: false, batch: 5, bidirectional: true,
                acrossBatch: true),
        ])
    func recurrent(_ c: RNNCase) throws {
        let a = RecurrentAttributes(
            hiddenSize: c.hidden, returnSequences: c.sequences, linearBeforeReset: c.linearBeforeReset, bidirectional: c.bidirectional,
            timeAcrossBatch: c.acrossBatch)
        try check(single(c.gru ? .gru(a) : .lstm(a), input: [c.timesteps, c.inputSize]), batch: c.batch)
    }

    @Test("a stacked recurrent model with a classifier head", arguments: [1, 2])
    func stackedRNN(_ batch: Int) throws {
        var b = GraphBuilder(name: "rnn", inputShape: [6, 5])
        var x = b.add(.lstm(RecurrentAttributes(hiddenSize: 8, returnSequences: true)), [b.input], name: "l1")
        x = b.add(.gru(RecurrentAttributes(hiddenSize: 6)), [x], name: "g2")
        x = b.add(.dense(units: 3, bias: true), [x], name: "fc")
        b.add(.softmax, [x], name: "sm")
        try check(b.build(), batch: batch)
    }
}
