import Foundation
import Simulation
import Testing

@testable import FPGAEmulation
@testable import Inference

@Suite("NPU cycle model")
struct CycleModelTests {
    let s10 = try! NPUConfiguration.named("brainwave-s10")
    let a10 = try! NPUConfiguration.named("brainwave-a10")
    let msfp8 = try! NumberFormat.named("ms-fp8")

    @Test func presetMatchesThePaper() {
        // Fowers et al. 2018: 96,000 MACs at 250 MHz on Stratix 10 280 → 48 peak TFLOPS.
        #expect(s10.macsPerCycle == 96_000)
        #expect(abs(s10.peakTFLOPS - 48) < 1e-9)
    }

    @Test func oneTileByHand() throws {
        // A 400×400 dense layer, one vector: 1 tile on one of 6 engines, 400/40 = 10 cycles,
        // + 24 fill + 8 dispatch = 42 cycles at 250 MHz.
        let g = ModelGraph(name: "d", inputShape: [400], nodes: [Node(name: "fc", op: .dense(units: 400, bias: false), inputs: [0])])
        let e = try NPUCycleModel.estimate(g, preset: s10, format: msfp8)
        #expect(e.cycles == 42)
        #expect(abs(e.latencyMs - 42 / 250e6 * 1e3) < 1e-12)
        // 401 rows pad to 2 row tiles: 2 tiles on 2 engines in parallel, still 10 cycles.
        let g2 = ModelGraph(name: "d", inputShape: [400], nodes: [Node(name: "fc", op: .dense(units: 401, bias: false), inputs: [0])])
        let e2 = try NPUCycleModel.estimate(g2, preset: s10, format: msfp8)
        #expect(e2.cycles == 42)
        #expect(abs(e2.layers[0].tilingEfficiency - 401.0 / 800) < 1e-12)
        // 7 tiles on 6 engines: 2 rounds = 20 cycles.
        let g3 = ModelGraph(name: "d", inputShape: [400], nodes: [Node(name: "fc", op: .dense(units: 2800, bias: false), inputs: [0])])
        #expect(try NPUCycleModel.estimate(g3, preset: s10, format: msfp8).cycles == 20 + 32)
    }

    /// The paper's headline: 35.9 effective TFLOPS at batch 1 on DeepBench's largest GRU
    /// (hidden 2816, 750 timesteps). Within ±25%.
    @Test func largeGRUEffectiveTflops() throws {
        let e = try NPUCycleModel.estimate(ModelZoo.graph("gru:h=2816,t=750"), preset: s10, format: msfp8.withBlockSize(400))
        #expect(abs(e.effectiveTflops / 35.9 - 1) <= 0.25, "\(e.effectiveTflops) TFLOPS")
        #expect(e.fitsOnChip, "the paper pins this GRU's weights on chip")
    }

    /// "All DeepBench RNN layers under 4 ms at batch 1" (Fowers et al. 2018) for the inference
    /// RNN layers we model: LSTM h = 256 (150 steps), 512 (25), 1024 (25), 1536 (50); GRU
    /// h = 512 (1), 1024 (1500), 1536 (375), 2816 (750).
    @Test(
        "DeepBench RNN layers under 4 ms",
        arguments: [
            "lstm:h=256,t=150", "lstm:h=512,t=25", "lstm:h=1024,t=25", "lstm:h=1536,t=50", "gru:h=512,t=1", "gru:h=1024,t=1500",
            "gru:h=1536,t=375", "gru:h=2816,t=750",
        ])
    func deepBench(_ name: String) throws {
        let e = try NPUCycleModel.estimate(ModelZoo.graph(name), preset: s10, format: msfp8.withBlockSize(400))
        #expect(e.latencyMs < 4, "\(name): \(e.latencyMs) ms")
    }

    /// Azure's FPGA service: ~10 ms end to end on premises for ResNet-50 (Duarte et al. 2019),
    /// so the featurizer on the FPGA alone must be well below 10 ms at batch 1.
    @Test("ResNet-50 featurizer under Azure's end-to-end figure", arguments: ["brainwave-a10", "brainwave-s10"])
    func resnet50(_ preset: String) throws {
        let p = try NPUConfiguration.named(preset)
        let e = try NPUCycleModel.estimate(ModelZoo.graph("resnet50"), preset: p, format: msfp8.withBlockSize(p.nativeDimension))
        #expect(e.latencyMs < 10)
        #expect(e.hostLayers == ["fc"], "the classifier runs on the host")
        #expect(e.npuFlops + e.hostFlops == (try ModelZoo.graph("resnet50").profile()).flops)
    }

    @Test func weightsThatDoNotFitAreReported() throws {
        // GRU-2816 weights in ms-fp8 (~18 MB) exceed the Arria 10's 8.4 MB: 3 FPGAs to pin them;
        // streaming the overflow every timestep costs far more than computing.
        let e = try NPUCycleModel.estimate(ModelZoo.graph("gru:h=2816,t=750"), preset: a10, format: msfp8.withBlockSize(128))
        #expect(!e.fitsOnChip && e.fpgasNeeded == 3)
        #expect(e.weightStreamingMs > 10 * Double(e.cycles) * a10.cycleSeconds * 1e3)
    }
}

@Suite("Emulated execution")
struct EmulationTests {
    /// A dense layer in msfp12 against a reference written here: quantize the weight rows and the
    /// input vector (blocks of 16 along the reduction), multiply and sum in double.
    @Test func denseLayerMatchesAHandComputedReference() throws {
        let format = try NumberFormat.named("msfp12")
        let g = try ModelGraph(name: "d", inputShape: [40], nodes: [Node(name: "fc", op: .dense(units: 7, bias: false), inputs: [0])])
            .withRandomWeights(seed: 3)
        let e = try CPUExecutor(graph: g, batch: 1, quantizer: BlockFormatOperands(format: format))
        var rng = SplitMix64(seed: 9)
        let x = (0..<40).map { _ in rng.nextSymmetricUnit() * 3 }
        let y = try e.run(x)
        let q = BlockQuantizer(format: format)
        let xq = q.quantized(x)
        let w = g.nodes[0].parameters[0].data
        for u in 0..<7 {
            let wq = q.quantized(Array(w[(u * 40)..<(u * 40 + 40)]))
            let expected = zip(wq, xq).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(Double(y[u]) - expected) <= 1e-6 * max(1, abs(expected)))
        }
        // And it differs from float32 (the emulation does something).
        let plain = try CPUExecutor(graph: g, batch: 1).run(x)
        #expect(plain != y)
    }

    @Test func accuracyFallsWithFewerBits() throws {
        let g = try ModelZoo.graph("mlp:in=64,hidden=128,layers=2,out=10").withRandomWeights(seed: 2)
        func sqnr(_ name: String) throws -> Double {
            try EmulationAccuracy.measure(g, format: NumberFormat.named(name), samples: 16, seed: 5).sqnrDB
        }
        #expect(try sqnr("fp32") == .infinity)
        let bf16 = try sqnr("bf16")
        let msfp16 = try sqnr("msfp16")
        let msfp12 = try sqnr("msfp12")
        let fp4 = try sqnr("mxfp4-e2m1")
        #expect(bf16 > 35 && msfp16 > 25, "bf16 \(bf16) dB, msfp16 \(msfp16) dB")
        #expect(msfp16 > msfp12 && msfp12 > fp4)
        let a = try EmulationAccuracy.measure(g, format: NumberFormat.named("msfp16"), samples: 16, seed: 5)
        #expect(a.top1Agreement >= 0.9)
    }

    @Test("every zoo layer kind runs emulated", arguments: ["lstm:h=24,t=4", "gru:h=16,t=3,i=8"])
    func recurrentEmulation(_ name: String) throws {
        let g = try ModelZoo.graph(name).withRandomWeights(seed: 1)
        let a = try EmulationAccuracy.measure(g, format: NumberFormat.named("msfp16"), samples: 4)
        #expect(a.sqnrDB > 20 && a.sqnrDB.isFinite)
    }
}
