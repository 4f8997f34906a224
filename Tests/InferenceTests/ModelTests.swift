import Testing

@testable import Inference

@Suite("Built-in zoo and model profiles")
struct ModelTests {
    /// Published figures (parameters, multiply-accumulates per 224×224 sample):
    /// ResNet-50 25.6M / 4.1G and ResNet-152 60.2M / 11.5G (He et al. 2016, table 1 and
    /// torchvision), VGG-16 138.4M / 15.5G (Simonyan & Zisserman 2015; torchvision),
    /// DenseNet-121 8.0M / 2.9G (Huang et al. 2017), MobileNetV2 3.5M / 0.30G (Sandler et al. 2018, table 4).
    /// Tolerances: 2% on parameters, 5% on MACs (the issue's).
    @Test(
        "profiles match published figures",
        arguments: [
            ("resnet50", 25.6e6, 4.1e9), ("resnet152", 60.2e6, 11.5e9), ("vgg16", 138.4e6, 15.5e9),
            ("densenet121", 8.0e6, 2.9e9), ("mobilenetv2", 3.5e6, 0.30e9),
        ])
    func publishedFigures(_ name: String, _ params: Double, _ macs: Double) throws {
        let p = try ModelZoo.graph(name).profile()
        #expect(abs(Double(p.parameters) / params - 1) <= 0.02, "\(name) parameters \(p.parameters)")
        #expect(abs(Double(p.macs) / macs - 1) <= 0.05, "\(name) MACs \(p.macs)")
        #expect(p.flops == 2 * p.macs)
        #expect(p.outputShape == [1000])
        #expect(p.weightBytes >= p.parameters * 4)
    }

    @Test func recurrentProfileFollowsTheFormula() throws {
        // GRU: T · 3H · (I + H) MACs; LSTM: T · 4H · (I + H). Parameters: W + R + both biases.
        let gru = try ModelZoo.graph("gru:h=2816,t=750").profile()
        #expect(gru.macs == 750 * 3 * 2816 * (2816 + 2816))
        #expect(gru.parameters == 3 * 2816 * 2816 * 2 + 6 * 2816)
        let lstm = try ModelZoo.graph("lstm:h=256,t=10,i=64").profile()
        #expect(lstm.macs == 10 * 4 * 256 * (64 + 256))
        #expect(lstm.inputShape == [10, 64])
    }

    @Test func activationPeakFromLiveness() throws {
        // An MLP 128 → 512 → 512 → 512 → 10: at most input/previous + current are live.
        let p = try ModelZoo.graph("mlp").profile()
        #expect(p.activationBytes == (512 + 512) * 4)
        // ResNet-50's peak: the 64×112×112 stem output and its max-pool... at least the stem output.
        let r = try ModelZoo.graph("resnet50").profile()
        #expect(r.activationBytes >= 64 * 112 * 112 * 4)
        #expect(r.activationBytes <= 4 * 64 * 112 * 112 * 4)
    }

    @Test func unknownModelListsTheKnownOnes() {
        #expect(throws: InferenceError.self) { try ModelZoo.graph("resnet18") }
        do {
            _ = try ModelZoo.graph("resnet18")
        } catch {
            #expect(error.message.contains("resnet50") && error.message.contains("gru"))
        }
        #expect(throws: InferenceError.self) { try ModelZoo.graph("gru:h=abc") }
        #expect(throws: InferenceError.self) { try ModelZoo.graph("gru:x=3") }
        #expect(throws: InferenceError.self) { try ModelZoo.graph("vgg16:h=3") }
    }

    @Test func validationNamesTheLayerAndShapes() {
        let bad = ModelGraph(
            name: "bad", inputShape: [3, 8, 8],
            nodes: [
                Node(name: "conv", op: .conv2d(Conv2DAttributes(outChannels: 4, kernel: 3, groups: 2)), inputs: [0])
            ])
        do {
            _ = try bad.inferShapes()
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("'conv'") && error.message.contains("[3, 8, 8]") && error.message.contains("groups 2"))
        }
        let mismatch = ModelGraph(
            name: "m", inputShape: [4],
            nodes: [
                Node(name: "fc", op: .dense(units: 3, bias: true), inputs: [0]),
                Node(name: "sum", op: .add, inputs: [0, 1]),
            ])
        #expect(throws: InferenceError.self) { try mismatch.inferShapes() }
        let dense = ModelGraph(name: "d", inputShape: [3, 4, 4], nodes: [Node(name: "fc", op: .dense(units: 3, bias: true), inputs: [0])])
        do { _ = try dense.inferShapes() } catch { #expect(error.message.contains("Flatten")) }
        let tooBig = ModelGraph(
            name: "k", inputShape: [1, 2, 2],
            nodes: [Node(name: "c", op: .conv2d(Conv2DAttributes(outChannels: 1, kernel: 5)), inputs: [0])])
        #expect(throws: InferenceError.self) { try tooBig.inferShapes() }
        let forward = ModelGraph(
            name: "f", inputShape: [2], nodes: [Node(name: "a", op: .add, inputs: [0, 2]), Node(name: "b", op: .add, inputs: [0, 0])])
        #expect(throws: InferenceError.self) { try forward.inferShapes() }
    }

    @Test func weightShapesAreChecked() throws {
        var g = try ModelZoo.graph("mlp").withRandomWeights(seed: 1)
        g.nodes[0].parameters[0] = Tensor(zeros: [3, 3])
        #expect(throws: InferenceError.self) { try g.inferShapes() }
        let noWeights = try ModelZoo.graph("mlp")
        #expect(throws: InferenceError.self) { try CPUExecutor(graph: noWeights) }
    }

    @Test("whole models are deterministic for a seed", arguments: ["mlp", "lstm:h=32,t=6", "gru:h=24,t=5,i=8"])
    func determinism(_ name: String) throws {
        let a = try CPUExecutor(graph: try ModelZoo.graph(name).withRandomWeights(seed: 42), batch: 2)
        let b = try CPUExecutor(graph: try ModelZoo.graph(name).withRandomWeights(seed: 42), batch: 2)
        let c = try CPUExecutor(graph: try ModelZoo.graph(name).withRandomWeights(seed: 43), batch: 2)
        let input = ReferenceInterpreter.randomInput(count: a.inputCount, seed: 1)
        let ya = try a.run(input)
        #expect(ya == (try b.run(input)))
        #expect(ya == (try a.run(input)), "a second run of the same executor gives the same output")
        #expect(ya != (try c.run(input)))
    }

    @Test func zooModelsAgreeWithTheReference() throws {
        // MLP and recurrent zoo models end to end against the reference interpreter.
        for name in ["mlp:in=20,hidden=32,layers=2,out=5", "lstm:h=16,t=4,i=6", "gru:h=12,t=5"] {
            let g = try ModelZoo.graph(name).withRandomWeights(seed: 8)
            let e = try CPUExecutor(graph: g, batch: 3)
            let input = ReferenceInterpreter.randomInput(count: e.inputCount, seed: 2)
            let err = ReferenceInterpreter.relativeError(try e.run(input), try ReferenceInterpreter.run(g, input: input, batch: 3))
            #expect(err <= 1e-4, "\(name): \(err)")
        }
    }

    @Test func mobileNetV2RunsAndMatchesTheReferenceAtLowResolution() throws {
        // The real MobileNetV2 architecture at 64×64 input (the same layers, fewer pixels) so
        // the naive reference finishes quickly.
        var g = try ModelZoo.graph("mobilenetv2")
        g.inputShape = [3, 64, 64]
        g = try g.withRandomWeights(seed: 4)
        let e = try CPUExecutor(graph: g, batch: 1)
        let input = ReferenceInterpreter.randomInput(count: e.inputCount, seed: 3)
        let err = ReferenceInterpreter.relativeError(try e.run(input), try ReferenceInterpreter.run(g, input: input, batch: 1))
        #expect(err <= 1e-3, "relative error \(err)")
    }
}
