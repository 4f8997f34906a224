import Foundation
import Testing

@testable import Inference
@testable import Targets

/// The hardware profiles against published measurements (MLPerf Inference, benchmark
/// datasets): the golden numbers are the publications', the calibration is synthetic (each
/// step at a nominal host's roofline), so the test depends on no machine's timing.
@Suite("Hardware profiles against published latencies")
struct PublishedLatencyTests {
    static let nominal = ModelCalibration.nominalRooflineHost

    static func predictedMs(_ model: String, on profile: HardwareProfile, cores: Double) throws -> Double {
        let graph = try ModelZoo.graph(model).withRandomWeights(seed: 1)
        let calibration = try ModelCalibration.roofline(graph, modelKey: model, batch: 1, host: nominal)
        return ServiceTimeModel.scale(calibration, to: profile, cores: cores).meanSeconds * 1000
    }

    /// Every published figure names a known profile and the model's zoo name.
    @Test func figuresNameKnownProfilesAndModels() throws {
        for f in PublishedLatency.all {
            let p = try HardwareProfile.named(f.profile)
            #expect(f.cores <= p.cores, "\(f.profile): \(f.cores) cores published, the profile has \(p.cores)")
            _ = try ModelZoo.graph(f.model)
            #expect(f.p50Ms > 0 && !f.source.isEmpty && !f.date.isEmpty)
        }
    }

    /// The figures the profiles meet (predicted / published within 0.75–1.33). MobileNetV2 on
    /// the Raspberry Pi 4 is outside (see `knownGap`) and listed there, not here.
    @Test(arguments: [("resnet50", "rpi4"), ("resnet50", "Standard_D4as_v5")])
    func predictionMatchesPublication(_ model: String, _ profileID: String) throws {
        let f = try #require(PublishedLatency.all.first { $0.model == model && $0.profile == profileID })
        let predicted = try Self.predictedMs(model, on: try HardwareProfile.named(profileID), cores: f.cores)
        let ratio = predicted / f.p50Ms
        #expect(
            PublishedLatency.acceptedRatio.contains(ratio), "\(model) on \(profileID): predicted \(predicted) ms, published \(f.p50Ms) ms")
    }

    /// MobileNetV2 on the Raspberry Pi 4: the roofline predicts about half of what Arm NN
    /// measured (its depthwise and narrow 1×1 layers run far below the Cortex-A72's GEMM rate,
    /// which ResNet-50 reaches). Kept as a test so that a change that closes — or widens — the
    /// gap is seen: the ratio is pinned to where it is, 0.4–0.75.
    @Test func knownGap() throws {
        let f = try #require(PublishedLatency.all.first { $0.model == "mobilenetv2" && $0.profile == "rpi4" })
        let ratio = try Self.predictedMs("mobilenetv2", on: .raspberryPi4, cores: 4) / f.p50Ms
        #expect(ratio > 0.4 && ratio < PublishedLatency.acceptedRatio.lowerBound, "ratio \(ratio)")
    }

    /// A production runtime does not inherit this engine's speed: a calibration whose steps
    /// took three times the roofline here predicts the same target time as one at the roofline;
    /// the local target (which serves with this engine) keeps the measurement.
    @Test func targetsScaleFromTheRooflineNotFromThisEngine() throws {
        let graph = try ModelZoo.graph("mobilenetv2").withRandomWeights(seed: 1)
        let fast = try ModelCalibration.roofline(graph, modelKey: "m", batch: 1, host: Self.nominal)
        var slow = fast
        for k in slow.steps.indices { slow.steps[k].seconds1 *= 3 }
        slow.samples1 = slow.samples1.map { $0 * 3 }
        let a = ServiceTimeModel.scale(fast, to: .d4sv3, cores: 4).meanSeconds
        let b = ServiceTimeModel.scale(slow, to: .d4sv3, cores: 4).meanSeconds
        #expect(abs(a - b) / a < 1e-9)
        let localFast = ServiceTimeModel.scale(fast, to: .local(Self.nominal), cores: 1, engine: .thisEngine).meanSeconds
        let localSlow = ServiceTimeModel.scale(slow, to: .local(Self.nominal), cores: 1, engine: .thisEngine).meanSeconds
        #expect(abs(localSlow / localFast - 3) < 1e-9)
    }
    /// Fewer multiplications in this engine (Winograd's 3×3 layers, faster than the sgemm rate)
    /// do not reach the targets: compute-bound steps measured at half their roofline predict the
    /// same target time as at the roofline; memory-bound steps measured faster than the
    /// bandwidth allows (from cache) keep their measurement and do lower it.
    @Test func fewerMultiplicationsHereDoNotReachTheTargets() throws {
        // MobileNetV2: compute-bound convolutions and memory-bound depthwise layers.
        let graph = try ModelZoo.graph("mobilenetv2").withRandomWeights(seed: 1)
        let roof = try ModelCalibration.roofline(graph, modelKey: "m", batch: 1, host: Self.nominal)
        func halved(computeBound: Bool) -> ModelCalibration {
            var c = roof
            let hostFlops = c.host.sgemmGflops1 * 1e9
            let bandwidth = c.host.memoryGBps * 1e9
            let before = c.steps.reduce(0) { $0 + $1.seconds1 }
            for k in c.steps.indices where (c.steps[k].flops / hostFlops >= c.steps[k].bytes / bandwidth) == computeBound {
                c.steps[k].seconds1 *= 0.5
            }
            let after = c.steps.reduce(0) { $0 + $1.seconds1 }
            #expect(after < before * 0.99, "some steps are \(computeBound ? "compute" : "memory")-bound")
            c.samples1 = c.samples1.map { $0 * after / before }
            return c
        }
        let base = ServiceTimeModel.scale(roof, to: .d4sv3, cores: 4).meanSeconds
        let fewerMultiplications = ServiceTimeModel.scale(halved(computeBound: true), to: .d4sv3, cores: 4).meanSeconds
        #expect(abs(fewerMultiplications - base) / base < 1e-9)
        let fromCache = ServiceTimeModel.scale(halved(computeBound: false), to: .d4sv3, cores: 4).meanSeconds
        #expect(fromCache < base * 0.999)
    }
}
