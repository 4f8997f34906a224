import Foundation
import Inference
import Simulation
import Testing

@testable import Targets

/// The managed online endpoint's documented behaviour: admission of
/// 2 × max_concurrent_requests_per_instance × instance_count (429 beyond), request_timeout_ms
/// (408), instances billed at their VM's price, autoscale over minutes; and its settings.
@Suite("Managed online endpoint")
struct ManagedTargetTests {
    let resnet = try! ModelZoo.graph("resnet50")
    let calibration = syntheticCalibration(seconds: 0.08)

    func run(rate: Double, duration: Double = 600, configure: (inout ManagedConfiguration) -> Void) throws -> TargetResult {
        var c = TargetConfigurations()
        configure(&c.managed)
        try c.validate()
        let t = TrafficSpec(
            arrivals: .poisson(rate: rate), durationSeconds: duration, payloadBytes: 20_000, rttSeconds: 0.02, uplinkBitsPerSecond: 100e6,
            connectivity: .alwaysUp, seed: 1)
        return try TargetSimulator(graph: resnet, modelName: "resnet50", batch: 1, calibration: calibration, traffic: t, configurations: c)
            .run(.managed)
    }

    /// One request's service time on an instance type (the whole VM for one request).
    func service(_ type: String) throws -> Double {
        let vm = try HardwareProfile.named(type)
        return ServiceTimeModel.scale(calibration, to: vm, cores: vm.cores).meanSeconds
    }

    /// Three times one instance's capacity: it serves its capacity (1/service, within 5%), at
    /// most two requests are inside at once (one running, one waiting: 2 × 1 × 1), so a served
    /// request waited at most one service time, and about two thirds are turned away with 429.
    @Test func admitsTwiceItsConcurrencyAndRejectsTheRest() throws {
        let s = try service("Standard_F2s_v2")
        let r = try run(rate: 3 / s) { $0.instanceType = "Standard_F2s_v2" }
        #expect(abs(r.throughputRps * s - 1) < 0.05, "throughput \(r.throughputRps)/s vs capacity \(1 / s)/s")
        let rejectedShare = Double(r.errors.rejected) / (r.offeredRps * 600)
        #expect(rejectedShare > 0.6 && rejectedShare < 0.72, "rejected share \(rejectedShare)")
        #expect(r.errors.timeouts == 0)
        // Network p99 here is well under 25 ms (20 ms RTT, 20 kB at 100 Mbit/s).
        let p99 = try #require(r.latencyMs?.p99)
        #expect(p99 <= 1000 * 2 * s + 25, "p99 \(p99) ms with a service time of \(1000 * s) ms")
        #expect(r.notes.contains { $0.contains("429") && $0.contains("408") })
    }

    /// A request_timeout_ms below the service time: every request gets 408.
    @Test func requestsPastTheTimeoutFail() throws {
        let s = try service("Standard_F2s_v2")
        let r = try run(rate: 0.2 / s, duration: 300) {
            $0.instanceType = "Standard_F2s_v2"
            $0.requestTimeoutMs = 1000 * s / 2
        }
        #expect(r.errors.timeouts > 0 && r.successRate < 0.01)
    }

    /// Instances are billed as their VM, at the most the autoscale profile allows:
    /// 3 × Standard_F2s_v2 at USD 0.0846/h.
    @Test func costIsTheInstancesAtTheirVMPrice() throws {
        let r = try run(rate: 1, duration: 60) {
            $0.instanceType = "Standard_F2s_v2"
            $0.instanceCount = 3
            $0.autoscaleMinInstances = 1
            $0.autoscaleMaxInstances = 3
        }
        #expect(abs(r.costPerHourUSD - 3 * 0.0846) < 1e-9)
        #expect(abs(r.costPerMonthUSD - 3 * 0.0846 * 730) < 1e-6)
    }

    /// Autoscale acts over minutes: a step from a third of one instance's capacity to 2.5
    /// instances' worth at t = 600 s. Azure Monitor's rule (5-minute cooldown, 300 s for an
    /// instance to serve) needs minutes to add instances, so requests are turned away (429)
    /// after the step, and the deployment ends with more instances than it started with.
    @Test func autoscaleTakesMinutes() throws {
        let s = try service("Standard_F4s_v2")
        var c = TargetConfigurations()
        c.managed.instanceType = "Standard_F4s_v2"
        c.managed.instanceCount = 1
        c.managed.autoscaleMinInstances = 1
        c.managed.autoscaleMaxInstances = 6
        try c.validate()
        var t = TrafficSpec(
            arrivals: .schedule([RatePhase(start: 0, rate: 0.33 / s), RatePhase(start: 600, rate: 2.5 / s)]), durationSeconds: 2400,
            payloadBytes: 20_000, rttSeconds: 0.02, uplinkBitsPerSecond: 100e6, connectivity: .alwaysUp, seed: 1)
        t.timelineIntervalSeconds = 60
        let sim = try TargetSimulator(
            graph: resnet, modelName: "resnet50", batch: 1, calibration: calibration, traffic: t, configurations: c)
        let managed = try sim.run(.managed)
        #expect(managed.replicas.max >= 3, "instances \(managed.replicas)")
        #expect(managed.errors.rejected > 0, "nothing was turned away while instances were being added")
        #expect(managed.successRate < 0.99)
    }

    @Test func settingsAreValidated() throws {
        var c = TargetConfigurations()
        try c.apply("managed.instance_count=4")
        #expect(c.managed.instanceCount == 4 && c.managed.autoscaleMinInstances == 4 && c.managed.autoscaleMaxInstances == 4)
        try c.apply(["managed.autoscale_min_instances=2", "managed.autoscale_max_instances=8"])
        #expect(c.managed.autoscaleMinInstances == 2 && c.managed.autoscaleMaxInstances == 8)
        do {
            try c.apply("managed.instance_type=Standard_X9")
            Issue.record("an unknown instance type was accepted")
        } catch {
            #expect(error.message.contains("Standard_X9") && error.message.contains("Standard_F4s_v2"))
        }
        var inverted = TargetConfigurations()
        #expect(throws: TargetError.self) { try inverted.apply(["managed.instance_count=5", "managed.autoscale_max_instances=3"]) }
        #expect(throws: TargetError.self) { try inverted.apply("managed.request_timeout_ms=0") }
    }
}
