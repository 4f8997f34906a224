import Foundation
import Testing

@testable import Inference
@testable import Simulation
@testable import Targets

/// A calibration made by hand (no measurement): one compute-bound step of `seconds` on a
/// host with 100 GFLOP/s per core and 10 GB/s, perfect parallel efficiency, no variation.
func syntheticCalibration(model: String = "resnet50", seconds: Double, flops: Double = 8e9) -> ModelCalibration {
    let host = HostCalibration(cpuModel: "test host", cores: 2, openblas: "test", sgemmGflops1: 100, sgemmGflopsAll: 200, memoryGBps: 10)
    return ModelCalibration(
        model: model, batch: 1, host: host,
        steps: [StepMeasurement(name: "all", flops: flops, bytes: 1e6, seconds1: seconds, secondsAll: seconds / 2)],
        samples1: Array(repeating: seconds, count: 5), samplesAll: Array(repeating: seconds / 2, count: 5), toolVersion: "test")
}

@Suite("Service-time model")
struct ServiceTimeTests {
    @Test func cfsThrottling() {
        // 35 ms of CPU at 0.1 core: 10 ms per 100 ms period → 3 full periods + 5 ms = 305 ms.
        #expect(abs(ServiceTimeModel.throttled(0.035, share: 0.1) - 0.305) < 1e-12)
        #expect(ServiceTimeModel.throttled(0.035, share: 1) == 0.035)
        #expect(abs(ServiceTimeModel.throttled(0.009, share: 0.1) - 0.009) < 1e-12, "under one quota: no wait")
    }

    @Test func cpuLimitIsOneBudgetForTheWholeContainer() {
        // 1 ms of CPU per request in a container limited to 0.1 core: 10 ms of CPU per 100 ms
        // period for all requests together, so at most 100 requests/s, however short each is.
        func run(rate: Double) -> ServingSimulation.Outcome {
            var sim = ServingSimulation(
                traffic: TrafficSpec(
                    arrivals: .poisson(rate: rate), durationSeconds: 200, payloadBytes: 0, rttSeconds: 0, uplinkBitsPerSecond: 1e12, seed: 5
                ),
                service: .deterministic(0.001), replicas: 1)
            sim.overNetwork = false
            sim.concurrency = 4
            sim.cpuShare = 0.1
            sim.queueCapacity = 50
            return sim.run()
        }
        let overloaded = run(rate: 400)
        let served = Double(overloaded.completed) / 200
        // Completions over the 200 s of arrivals plus the drain of at most 54 queued or running requests.
        #expect(served <= (100 * 200 + 54) / 200.0 && served > 95, "served \(served) requests/s; the quota allows 100")
        #expect(overloaded.rejected > 0)
        // At a tenth of the quota's capacity requests rarely meet the limit: the median stays near 1 ms.
        let light = run(rate: 10)
        #expect(light.completed == light.offered)
        #expect(light.latency.percentile(50) < 0.0012, "p50 \(light.latency.percentile(50))")
        // The planner's view: a request occupies the container cpu / share (10 ms here).
        let st = ServiceTimeModel.scale(syntheticCalibration(seconds: 0.001), to: .aciHost, cores: 0.1)
        #expect(st.cpuShare == 0.1 && abs(st.meanSeconds - st.cpuSeconds![0] / 0.1) < 1e-12)
    }

    @Test func busyMeasurementsAreRecognized() {
        // Interquartile range over the median: samples 10, 10, 10, 11, 20 → (11 − 10) / 10.
        #expect(abs(MeasurementQuality.spread([10, 10, 10, 11, 20]) - 0.1) < 1e-12)
        #expect(MeasurementQuality(cpuShare: 0.97, spread: 0.03).isQuiet)
        #expect(!MeasurementQuality(cpuShare: 0.5, spread: 0.03).isQuiet, "another process had half our core")
        #expect(!MeasurementQuality(cpuShare: 0.99, spread: 0.4).isQuiet, "samples too spread")
        // A quiet round beats a busy one; among busy ones, the one that ran more.
        #expect(MeasurementQuality(cpuShare: 0.91, spread: 0.09).isBetter(than: MeasurementQuality(cpuShare: 0.99, spread: 0.2)))
        #expect(MeasurementQuality(cpuShare: 0.8, spread: 0.3).isBetter(than: MeasurementQuality(cpuShare: 0.6, spread: 0.1)))
    }

    @Test func serviceTimeDoesNotDependOnThisHostsCores() {
        // The same one-thread measurement taken on a 1-core and a 2-core host (whose all-core
        // run differs) gives the same prediction for a 4-vCPU replica.
        var a = syntheticCalibration(seconds: 0.05)
        var b = a
        a.host.cores = 1
        a.samplesAll = a.samples1
        b.samplesAll = b.samples1.map { $0 * 0.9 }
        let pa = ServiceTimeModel.scale(a, to: .d4sv3, cores: 4)
        let pb = ServiceTimeModel.scale(b, to: .d4sv3, cores: 4)
        #expect(pa.meanSeconds == pb.meanSeconds)
    }

    @Test func layersUseThreadsByTheirSizeAsMLASDoes() {
        // MLAS: ⌊M·N·K / 65,536⌋ + 1 threads, capped by the cores. 10,000 multiplies → 1 thread.
        #expect(ServiceTimeModel.threads(flops: 2 * 10_000, cores: 8) == 1)
        #expect(ServiceTimeModel.threads(flops: 2 * 3 * 65_536, cores: 8) == 4)
        #expect(ServiceTimeModel.threads(flops: 2 * 1e9, cores: 8) == 8)
        // A small step stays serial on 4 cores; a large one is split four ways.
        var c = syntheticCalibration(seconds: 0.01, flops: 2 * 10_000)
        c.steps[0].bytes = 1
        let small = ServiceTimeModel.scale(c, to: .d4sv3, cores: 4)
        let smallOne = ServiceTimeModel.scale(c, to: .d4sv3, cores: 1)
        #expect(abs(small.meanSeconds - smallOne.meanSeconds) < 1e-12)
        let big = syntheticCalibration(seconds: 0.01, flops: 8e9)
        let bigFour = ServiceTimeModel.scale(big, to: .d4sv3, cores: 4)
        let bigOne = ServiceTimeModel.scale(big, to: .d4sv3, cores: 1)
        #expect(abs(bigFour.meanSeconds - bigOne.meanSeconds / 4) < 1e-12)
    }

    @Test func rooflineScaling() {
        // Compute-bound: host 100 GFLOP/s per core, D3_v2 core 2.4·32·0.7 = 53.76 → 1.86× slower.
        let c = syntheticCalibration(seconds: 0.08)
        let one = ServiceTimeModel.scale(c, to: .d3v2, cores: 1)
        #expect(abs(one.meanSeconds - 0.08 * 100 / 53.76) < 1e-9)
        // Two cores at efficiency 1 (0.08 → 0.04 here): half the time.
        let two = ServiceTimeModel.scale(c, to: .d3v2, cores: 2)
        #expect(abs(two.meanSeconds - one.meanSeconds / 2) < 1e-9)
        // A memory-bound step scales by bandwidth: 10 GB/s here vs 3.5/4 GB/s per Pi core.
        var m = c
        m.steps = [StepMeasurement(name: "copy", flops: 1e6, bytes: 1e9, seconds1: 0.1, secondsAll: 0.1)]
        m.samples1 = Array(repeating: 0.1, count: 5)
        let pi = ServiceTimeModel.scale(m, to: .raspberryPi4, cores: 1)
        #expect(abs(pi.meanSeconds - 0.1 * 10 / (3.5 / 4)) < 1e-9)
        #expect(pi.steps[0].bound == "memory" && one.steps[0].bound == "compute")
    }
}

@Suite("Target simulators")
struct TargetSimulatorTests {
    let resnet = try! ModelZoo.graph("resnet50")

    func simulator(_ traffic: TrafficSpec, seconds: Double = 0.08, configure: (inout TargetConfigurations) -> Void = { _ in })
        -> TargetSimulator
    {
        var c = TargetConfigurations()
        configure(&c)
        // ResNet-50 is one of the DNNs Azure offered on FPGAs (the model source recognizes it; see ModelSourceTests).
        return try! TargetSimulator(
            graph: resnet, modelName: "resnet50", batch: 1, calibration: syntheticCalibration(seconds: seconds), traffic: traffic,
            configurations: c, fpgaOffered: true)
    }

    func traffic(_ arrivals: ArrivalPattern, duration: Double = 600, connectivity: ConnectivityPattern = .alwaysUp, seed: UInt64 = 1)
        -> TrafficSpec
    {
        TrafficSpec(
            arrivals: arrivals, durationSeconds: duration, payloadBytes: 20_000, rttSeconds: 0.02, uplinkBitsPerSecond: 100e6,
            connectivity: connectivity, seed: seed)
    }

    /// A step from 10 to 60 requests/s at t = 300 s against replicas of ~0.15 s (1 core of a
    /// D4s_v3: 0.08 s · 100/28). Before the step ⌈10·0.15/0.7⌉ = 3 replicas suffice; after it,
    /// ⌈60·0.15/0.7⌉ = 13 are needed. The autoscaler must add them (replicas reach ≥ 13), and once
    /// it has (the last 150 s), p99 must be back near the service time: under 3× the service time
    /// plus network, while 503s during the ramp are allowed.
    @Test func aksScalesUpAfterAStepAndRecovers() throws {
        var t = traffic(.schedule([RatePhase(start: 0, rate: 10), RatePhase(start: 300, rate: 60)]))
        t.timelineIntervalSeconds = 10
        var c = TargetConfigurations()
        c.aks.cpuCores = 1
        c.aks.autoscaleMaxReplicas = 30
        let sim = try TargetSimulator(
            graph: resnet, modelName: "resnet50", batch: 1, calibration: syntheticCalibration(seconds: 0.08), traffic: t, configurations: c)
        let all = try sim.run(.aks)
        #expect(all.replicas.max >= 13, "replicas \(all.replicas)")
        #expect(all.replicas.min <= 3)
        let service = ServiceTimeModel.scale(syntheticCalibration(seconds: 0.08), to: .d4sv3, cores: 1, extraSeconds: 0.0005).meanSeconds
        // Steady state after the ramp: rebuild the same run recording only the last 150 s.
        var steady = ServingSimulation(traffic: t, service: .deterministic(service), replicas: 1)
        steady.maxWaitSeconds = 0.5
        steady.autoscaler = .init(
            minReplicas: 1, maxReplicas: 30, refreshSeconds: 1, targetUtilization: 0.7, replicaStartSeconds: 1, scaleDownDelaySeconds: 60)
        steady.measureFrom = 450
        let o = steady.run()
        let p99 = o.latency.percentile(99)
        #expect(p99 < 3 * service + 0.05, "steady p99 \(p99) s vs service \(service) s")
        // Timeline: replicas grow after the step.
        let timeline = try #require(all.timeline)
        let before = timeline.rows[25][0]
        let after = timeline.rows[50][0]
        #expect(after > before)
    }

    /// What a report may print: an overloaded IoT Edge device (one device, ~0.15 s per request,
    /// 20 requests/s) grows its backlog, so no percentile is a number and the caveat says so;
    /// an ACI group past its capacity turns requests away (its queue holds about 100), so
    /// percentiles the failures cover are not numbers; a comfortable AKS plan prints them all.
    @Test func censoredLatenciesAreNotNumbers() throws {
        let t = traffic(.poisson(rate: 20), duration: 300)
        let edge = try simulator(t) { $0.edge.device = "rpi4" }.run(.iotEdge)
        #expect(edge.backlogGrows && edge.latencyCaveat == "backlog grows without bound")
        #expect([50.0, 95, 99].allSatisfy { edge.reportedLatencyMs(percentile: $0) == nil })
        #expect(edge.reportedSuccessRate == edge.servedWithinRun && edge.servedWithinRun < 0.5)
        #expect(!edge.meetsSLO(sloMs: 1e9, minSuccessRate: 0))
        let aci = try simulator(t) { $0.aci.cpuCores = 1 }.run(.aci)
        #expect(aci.lostToCapacity > 0.01 && aci.reportedLatencyMs(percentile: 99) == nil)
        #expect(aci.latencyCaveat?.hasSuffix("not served within the run") == true, "\(aci.latencyCaveat ?? "nil")")
        #expect((aci.reportedLatencyMs(percentile: 50) != nil) == (aci.successRate > 0.5))
        let aks = try simulator(traffic(.poisson(rate: 2), duration: 300)) { $0.aks.cpuCores = 1 }.run(.aks)
        #expect(!aks.backlogGrows && aks.latencyCaveat == nil)
        #expect(aks.reportedLatencyMs(percentile: 99) == aks.latencyMs?.p99)
    }

    /// A device far past its capacity (10⁶ requests/s for 3 s against one 1 ms server): the
    /// backlog stops at the simulation's bound instead of holding every request; each arrival is
    /// served or counted beyond the bound, and the IoT Edge result says so.
    @Test func anOverloadedTargetsBacklogIsBounded() throws {
        let bound = ServingSimulation.maxWaitingRequests
        var sim = ServingSimulation(traffic: traffic(.constant(rate: 1e6), duration: 3), service: .deterministic(0.001), replicas: 1)
        sim.overNetwork = false
        let o = sim.run()
        #expect(abs(o.offered - 3_000_000) <= 1)
        #expect(o.completed + o.beyondBacklogBound == o.offered, "completed \(o.completed), beyond \(o.beyondBacklogBound)")
        // Held: the bound, plus what the server finished while arrivals went on (3 s / 1 ms).
        #expect(o.completed <= bound + 3001 && o.completed >= bound, "completed \(o.completed)")
        #expect(o.rejected == 0)
        let edge = try simulator(traffic(.constant(rate: 1e6), duration: 3)) { $0.edge.devices = 1 }.run(.iotEdge)
        #expect(edge.notes.contains { $0.contains("cannot keep up") }, "\(edge.notes)")
        #expect(edge.successRate < 0.7, "2,000,000 held of 3,000,000")
    }

    /// ACI with 1 core serves ~1/0.286 ≈ 3.5 requests/s (0.08 s · 100/28 per request). At 2/s
    /// it keeps up; at 8/s it cannot: the queue fills (capacity 100), requests time out or are
    /// turned away, and latency grows by orders of magnitude.
    @Test func aciPastCapacityRejectsAndLatencyGrows() throws {
        let light = try simulator(traffic(.poisson(rate: 2))) {
            $0.aci.cpuCores = 1
            $0.aci.memoryGB = 1.5
        }.run(.aci)
        let heavy = try simulator(traffic(.poisson(rate: 8))) {
            $0.aci.cpuCores = 1
            $0.aci.memoryGB = 1.5
        }.run(.aci)
        #expect(light.successRate > 0.999)
        #expect(heavy.errors.timeouts + heavy.errors.rejected > 0)
        #expect(heavy.successRate < 0.6)
        #expect(try #require(heavy.latencyMs).p50 > 20 * (try #require(light.latencyMs)).p50)
        #expect(heavy.notes.contains { $0.contains("one container group serves") })
    }

    @Test func aciRefusesAModelOverItsMemory() throws {
        let r = try simulator(traffic(.poisson(rate: 1))) { $0.aci.memoryGB = 0.2 }.run(.aci)
        #expect(!r.deployable && (r.refusal ?? "").contains("memory_gb"))
    }

    /// Offline: the edge device serves every request locally; every cloud request fails.
    @Test func offlineKeepsEdgeAtFullSuccessWhileCloudFails() throws {
        let s = simulator(traffic(.poisson(rate: 2), connectivity: .alwaysDown)) {
            $0.aci.cpuCores = 1
            $0.aci.memoryGB = 1.5
            $0.aks.cpuCores = 1
        }
        let edge = try s.run(.iotEdge)
        #expect(edge.successRate == 1)
        #expect(edge.bytesLeftDevice == 0, "nothing leaves an offline device")
        #expect((edge.forwarding?.pending ?? 0) > 0)
        for kind in [TargetKind.aci, .aks, .fpga] {
            let r = try s.run(kind)
            #expect(r.successRate == 0 && r.errors.offline > 0, "\(kind)")
        }
    }

    /// Intermittent links: results made during outages wait on the device and are sent when the
    /// link returns; those older than timeToLiveSecs are dropped.
    @Test func storeAndForward() throws {
        let t = traffic(.poisson(rate: 2), duration: 20_000, connectivity: .intermittent(meanUpSeconds: 600, meanDownSeconds: 600))
        let kept = try simulator(t) { $0.edge.timeToLiveSecs = 7200 }.run(.iotEdge)
        let f = try #require(kept.forwarding)
        #expect(f.delayed > 0)
        let short = try simulator(t) { $0.edge.timeToLiveSecs = 60 }.run(.iotEdge)
        #expect((short.forwarding?.dropped ?? 0) > 0)
        #expect(short.successRate == 1, "inference itself never needs the link")
    }

    /// Brainwave-style FPGA: ResNet-50 at batch 1 takes a few ms on the NPU; the CPU targets
    /// need tens to hundreds of ms for the same work.
    @Test func fpgaBatchOneIsFarBelowCPUTargets() throws {
        let s = simulator(traffic(.poisson(rate: 1))) {
            $0.aci.cpuCores = 4
            $0.aci.memoryGB = 1.5
            $0.aks.cpuCores = 4
        }
        let fpga = try s.run(.fpga)
        for kind in [TargetKind.aci, .aks, .iotEdge] {
            let r = try s.run(kind)
            #expect(fpga.serviceMs * 5 < r.serviceMs, "fpga \(fpga.serviceMs) ms vs \(kind) \(r.serviceMs) ms")
        }
        #expect(fpga.notes.allSatisfy { !$0.contains("not one of the DNNs") }, "ResNet-50 is on Azure's FPGA list")
        let mlp = try TargetSimulator(
            graph: try ModelZoo.graph("mlp"), modelName: "mlp", batch: 1, calibration: syntheticCalibration(model: "mlp", seconds: 0.001),
            traffic: traffic(.poisson(rate: 1)))
        #expect(try mlp.run(.fpga).notes.contains { $0.contains("not one of the DNNs") })
    }

    @Test func sameSeedSameJSON() throws {
        func json(_ seed: UInt64) throws -> Data {
            let results = try simulator(traffic(.poisson(rate: 5), seed: seed)) { $0.aks.cpuCores = 1 }.run()
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            return try e.encode(results)
        }
        #expect(try json(7) == json(7))
        #expect(try json(7) != json(8))
    }

    @Test func deployTimes() throws {
        let r = try simulator(traffic(.poisson(rate: 1))) { $0.aci.memoryGB = 1.5 }.run()
        let aci = try #require(r.first { $0.target == .aci })
        let aks = try #require(r.first { $0.target == .aks })
        #expect(aci.deployMinutes < 5, "the document: ACI deploys in under 5 minutes")
        #expect(aks.deployMinutes - (aks.deployBreakdown["clusterCreate"] ?? 0) < 5)
        #expect(aks.deployBreakdown["clusterCreate"] == 20)
    }

    @Test func costs() throws {
        let r = try simulator(traffic(.poisson(rate: 1))) {
            $0.aci.cpuCores = 1
            $0.aci.memoryGB = 2
        }.run()
        let aci = try #require(r.first { $0.target == .aci })
        // 3600 s · (1 vCPU · 0.0000135 + 2 GB · 0.0000015) = 0.0594 USD/h.
        #expect(abs(aci.costPerHourUSD - 0.0594) < 1e-9)
        let aks = try #require(r.first { $0.target == .aks })
        // Production: at least 12 vCPU → 3 × D4s_v3 at 0.192 USD/h.
        #expect(abs(aks.costPerHourUSD - 3 * 0.192) < 1e-9)
        let fpga = try #require(r.first { $0.target == .fpga })
        #expect(fpga.costIsEstimate)
        let edge = try #require(r.first { $0.target == .iotEdge })
        #expect(abs(edge.costPerMonthUSD - (600.0 / 36 + 25)) < 1e-6)
    }

    @Test func pricingFileOverridesAndRejectsUnknownKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pricing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("p.yaml").path
        try "fpgaVmHour: { usd: 2.5, asOf: '2026-01-01', source: 'my quote', estimate: false }\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        let p = try Pricing.load(path: good)
        #expect(p.fpgaVmHour.usd == 2.5 && !p.fpgaVmHour.estimate)
        #expect(p.aciVcpuSecond == Pricing.defaults.aciVcpuSecond)
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "fpgaHour: 3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: TargetError.self) { try Pricing.load(path: bad) }
    }

    @Test func settingsAreValidated() throws {
        var c = TargetConfigurations()
        try c.apply("aks.cpu_cores=2")
        #expect(c.aks.cpuCores == 2)
        try c.apply("aks.num_replicas=4")
        #expect(c.aks.numReplicas == 4 && !c.aks.autoscaleEnabled)
        #expect(throws: TargetError.self) { try c.apply("aks.cpu=2") }
        #expect(throws: TargetError.self) { try c.apply("iot-edge.device=toaster") }
        #expect(throws: TargetError.self) { try c.apply("aci.cpu_cores=-1") }
        #expect(throws: TargetError.self) { try c.apply("nonsense") }
        // Server counts the simulation can hold (a billion replicas allocated 4 GB before).
        for key in ["aks.num_replicas", "aks.autoscale_max_replicas", "managed.autoscale_max_instances", "fpga.fpgas"] {
            var big = TargetConfigurations()
            #expect(throws: TargetError.self, "\(key)") { try big.apply("\(key)=\(TargetConfigurations.maxServers + 1)") }
        }
        var most = TargetConfigurations()
        try most.apply("aks.num_replicas=\(TargetConfigurations.maxServers)")
        // All settings first, then one check: the order of min and max does not matter.
        var both = TargetConfigurations()
        try both.apply(["aks.autoscale_min_replicas=30", "aks.autoscale_max_replicas=30"])
        #expect(both.aks.autoscaleMinReplicas == 30 && both.aks.autoscaleMaxReplicas == 30)
        var inverted = TargetConfigurations()
        do {
            try inverted.apply(["aks.autoscale_max_replicas=5", "aks.autoscale_min_replicas=8"])
            Issue.record("max 5 < min 8 was accepted")
        } catch {
            #expect(error.message.contains("autoscale_max_replicas (5)") && error.message.contains("autoscale_min_replicas (8)"))
        }
    }
}
