import Foundation
import Testing

@testable import Advisor
@testable import Inference
@testable import Targets

/// Golden scenarios: each derives from a sentence of the reference document ("where to
/// deploy models", Azure Machine Learning, 2018 — shared/seeds), written down with the
/// recommendation that sentence implies and the criterion that must decide it. The model's
/// cost on this host is fixed by a synthetic calibration (its FLOPs at 100 GFLOP/s on one
/// core, perfect scaling), so the answers do not depend on the machine running the tests.
@Suite("Golden scenarios from the document")
struct GoldenScenarioTests {
    static func calibration(_ graph: ModelGraph) throws -> ModelCalibration {
        let p = try graph.profile()
        let seconds = Double(p.flops) / 100e9
        let host = HostCalibration(cpuModel: "golden", cores: 2, openblas: "none", sgemmGflops1: 100, sgemmGflopsAll: 200, memoryGBps: 20)
        return ModelCalibration(
            model: graph.name, batch: 1, host: host,
            steps: [
                StepMeasurement(
                    name: "model", flops: Double(p.flops), bytes: Double(p.weightBytes), seconds1: seconds, secondsAll: seconds / 2)
            ],
            samples1: Array(repeating: seconds, count: 5), samplesAll: Array(repeating: seconds / 2, count: 5), toolVersion: "golden")
    }

    /// The workload's study with the synthetic calibration: the same pipeline every command uses.
    static func study(_ yaml: String, settings: [String] = []) throws -> Study {
        let w = try Workload.parse(yaml, source: "golden")
        let model = try ModelSource.load(w.model)
        var base = TargetConfigurations()
        try base.apply(settings)
        return try Study(workload: w, model: model, calibration: try calibration(model.architecture), configurations: base)
    }

    static func recommend(_ yaml: String, settings: [String] = []) throws -> Recommendation {
        let study = try study(yaml, settings: settings)
        return study.recommend(try study.plan(verify: true))
    }

    static func verdict(_ r: Recommendation, _ target: TargetKind) -> TargetVerdict { r.verdict(target)! }
    static func blocks(_ r: Recommendation, _ target: TargetKind, _ c: Criterion) -> Bool {
        verdict(r, target).reasons.contains { $0.blocking && $0.criterion == c }
    }
    static func favors(_ r: Recommendation, _ target: TargetKind, _ c: Criterion) -> Bool {
        verdict(r, target).reasons.contains { $0.effect == .favors && $0.criterion == c }
    }

    /// "You need to quickly deploy and validate your model. ACI deployment finishes in less than
    /// five minutes" — a prototype to validate today: ACI; AKS cannot be ready (cluster ~20 min).
    @Test func prototypeToValidateToday() throws {
        let r = try Self.recommend(
            "model: resnet50\nenvironment: dev-test\nload: { rps: 0.5 }\nlatency: { p99Ms: 3000 }\ndeployDeadlineMinutes: 10\npayloadBytes: 100000"
        )
        #expect(r.recommendation == .aci, "\(r.summary)")
        #expect(Self.favors(r, .aci, .quickDeployValidation) && Self.favors(r, .aci, .devTest))
        #expect(Self.blocks(r, .aks, .deployDeadline))
    }

    /// "Deploy your model in a development or test environment" — a dev/test endpoint with no deadline.
    @Test func devTestEndpoint() throws {
        let r = try Self.recommend("model: mlp\nenvironment: dev-test\nload: { rps: 2 }\nlatency: { p99Ms: 500 }")
        #expect(r.recommendation == .aci, "\(r.summary)")
        #expect(Self.favors(r, .aci, .devTest))
    }

    /// "For large-scale production scenarios, use AKS" — a 2,000 requests/s production service:
    /// one ACI container group cannot carry it; AKS autoscales. Its clients are on the internet,
    /// so edge devices are no server pool for it (an architect would not rack NUCs for cloud traffic).
    @Test func largeProductionService() throws {
        let r = try Self.recommend(
            "model: mobilenetv2\nenvironment: production\nload: { rps: 1500, peakRps: 2000 }\nlatency: { p99Ms: 150 }\nexistingCluster: true\npayloadBytes: 50000\nnetwork: { rttMs: 20, uplinkMbps: 1000 }"
        )
        #expect(r.recommendation == .aks, "\(r.summary)")
        #expect(Self.favors(r, .aks, .largeScaleProduction))
        #expect(Self.blocks(r, .iotEdge, .requestSource))
        #expect(Self.blocks(r, .aci, .singleGroupCapacity) || Self.blocks(r, .aci, .aciQuota) || Self.blocks(r, .aci, .latencySLO))
    }

    /// "AKS cluster creation is a one-time process ... takes approximately 20 minutes" — a
    /// production service that must serve in 10 minutes with no cluster: AKS is ruled out by the deadline.
    @Test func productionDeadlineWithoutACluster() throws {
        let r = try Self.recommend(
            "model: mlp\nenvironment: production\nload: { rps: 5 }\nlatency: { p99Ms: 200 }\ndeployDeadlineMinutes: 10\nexistingCluster: false"
        )
        #expect(Self.blocks(r, .aks, .deployDeadline))
        #expect(r.recommendation != .aks)
    }

    /// The same service with an existing cluster ("you can reuse this cluster"): AKS.
    @Test func productionWithAnExistingCluster() throws {
        let r = try Self.recommend(
            "model: mlp\nenvironment: production\nload: { rps: 200, peakRps: 400 }\nlatency: { p99Ms: 200 }\ndeployDeadlineMinutes: 10\nexistingCluster: true"
        )
        #expect(r.recommendation == .aks, "\(r.summary)")
        #expect(!Self.blocks(r, .aks, .deployDeadline))
    }

    /// "Handle priority tasks locally even without a cloud connection" — an offline factory floor.
    @Test func offlineFactoryFloor() throws {
        let r = try Self.recommend("model: resnet50\nconnectivity: offline\nload: { rps: 2 }\nlatency: { p99Ms: 500 }")
        #expect(r.recommendation == .iotEdge, "\(r.summary)")
        for t in [TargetKind.aci, .aks, .fpga] { #expect(Self.blocks(r, t, .noCloudConnection)) }
        #expect(Self.favors(r, .iotEdge, .noCloudConnection))
    }

    /// The same sentence for a flaky link: intermittent connectivity.
    @Test func intermittentLink() throws {
        let r = try Self.recommend("model: mobilenetv2\nconnectivity: intermittent\nload: { rps: 5 }\nlatency: { p99Ms: 300 }")
        #expect(r.recommendation == .iotEdge, "\(r.summary)")
        #expect(Self.blocks(r, .aks, .noCloudConnection))
    }

    /// "Accommodate data-privacy requirements" — data must not leave the device.
    @Test func onDevicePrivacy() throws {
        let r = try Self.recommend("model: mobilenetv2\nprivacy: on-device\nload: { rps: 3 }\nlatency: { p99Ms: 300 }")
        #expect(r.recommendation == .iotEdge, "\(r.summary)")
        #expect(Self.blocks(r, .aci, .dataPrivacy) && Self.favors(r, .iotEdge, .dataPrivacy))
    }

    /// … and data that must stay on the premises.
    @Test func onPremisesPrivacy() throws {
        let r = try Self.recommend("model: resnet50\nprivacy: on-premises\nload: { rps: 1 }\nlatency: { p99Ms: 1000 }")
        #expect(r.recommendation == .iotEdge, "\(r.summary)")
        #expect(Self.blocks(r, .fpga, .dataPrivacy))
    }

    /// "Work with generated data that is too large to pull quickly to the cloud" — a camera
    /// producing 50 MB/s over a 10 Mbit/s uplink.
    @Test func cameraDataTooLarge() throws {
        let r = try Self.recommend(
            "model: mobilenetv2\ndataMBps: 50\nnetwork: { uplinkMbps: 10 }\nload: { rps: 10 }\nlatency: { p99Ms: 400 }")
        #expect(r.recommendation == .iotEdge, "\(r.summary)")
        #expect(Self.blocks(r, .aks, .dataTooLargeToSend) && Self.favors(r, .iotEdge, .dataTooLargeToSend))
    }

    /// "Extremely low latency for real-time inference" on Brainwave — ResNet-50 at 500 requests/s
    /// with a 10 ms p99 for a client inside Azure (0.5 ms RTT): only the FPGA's NPU is fast enough.
    @Test func ultraLowLatencyResNet() throws {
        let r = try Self.recommend(
            "model: resnet50\nload: { rps: 500 }\nlatency: { p99Ms: 10 }\npayloadBytes: 150000\nnetwork: { rttMs: 0.5, uplinkMbps: 25000 }\nexistingCluster: true"
        )
        #expect(r.recommendation == .fpga, "\(r.summary)")
        #expect(Self.favors(r, .fpga, .ultraLowLatency) && Self.favors(r, .fpga, .supportedDNN))
        #expect(Self.blocks(r, .aks, .latencySLO))
    }

    /// A 2 ms p99 for ResNet-50 at 500 requests/s: even the Arria 10 NPU needs ~2.5 ms per image,
    /// so nothing qualifies — the advisor says so and names the FPGA as the nearest option.
    @Test func twoMillisecondResNetIsImpossibleButNearestIsFPGA() throws {
        let r = try Self.recommend(
            "model: resnet50\nload: { rps: 500 }\nlatency: { p99Ms: 2 }\npayloadBytes: 150000\nnetwork: { rttMs: 0.2, uplinkMbps: 25000 }")
        #expect(r.recommendation == nil)
        #expect(r.nearestOption == .fpga, "\(r.summary)")
        #expect(r.summary.contains("No target satisfies"))
        // With the Stratix 10 NPU (≈0.9 ms for ResNet-50) the same workload is met on the FPGA.
        let s10 = try Self.recommend(
            "model: resnet50\nload: { rps: 500 }\nlatency: { p99Ms: 2 }\npayloadBytes: 150000\nnetwork: { rttMs: 0.2, uplinkMbps: 25000 }",
            settings: ["fpga.preset=brainwave-s10"])
        #expect(s10.recommendation == .fpga, "\(s10.summary)")
    }

    /// "The most common DNNs are available" — a model that is not in the FPGA list is ruled out there.
    @Test func modelNotInTheFPGAList() throws {
        let r = try Self.recommend(
            "model: mobilenetv2\nload: { rps: 50 }\nlatency: { p99Ms: 100 }\nexistingCluster: true\npayloadBytes: 50000\nnetwork: { rttMs: 5, uplinkMbps: 1000 }"
        )
        #expect(Self.blocks(r, .fpga, .supportedDNN))
        #expect(r.recommendation != .fpga && r.recommendation != nil)
    }

    /// A budget that rules out the cluster: production at 20 requests/s with USD 100/month —
    /// a production AKS cluster (≥ 12 vCPU: 3 × D4s_v3) costs about USD 420/month.
    @Test func budgetRulesOutTheCluster() throws {
        let r = try Self.recommend(
            "model: mlp\nenvironment: production\nload: { rps: 20 }\nlatency: { p99Ms: 200 }\nbudgetUSDPerMonth: 100")
        #expect(Self.blocks(r, .aks, .budget))
        #expect(Self.blocks(r, .fpga, .budget))
        #expect(r.recommendation == .aci, "\(r.summary)")
    }

    /// Contradictory requirements — offline and no money at all: nothing qualifies, each
    /// target's blocking constraint is named, and the nearest option is given.
    @Test func contradictoryRequirementsAreExplained() throws {
        let r = try Self.recommend("model: mlp\nconnectivity: offline\nbudgetUSDPerMonth: 0\nload: { rps: 1 }")
        #expect(r.recommendation == nil)
        #expect(r.nearestOption == .iotEdge)
        #expect(Self.blocks(r, .iotEdge, .budget))
        for v in r.ranking { #expect(v.verdict == .ruledOut && v.reasons.contains(where: \.blocking)) }
    }

    /// Plans are minimal in simulation: for every verified plan that is not its family's
    /// smallest, one server fewer (replicas, devices, FPGAs) was simulated at the peak and
    /// missed the SLO or the success floor.
    @Test(arguments: [
        "model: mobilenetv2\nenvironment: production\nload: { rps: 1500, peakRps: 2000 }\nlatency: { p99Ms: 150 }\nexistingCluster: true\npayloadBytes: 50000\nnetwork: { rttMs: 20, uplinkMbps: 1000 }",
        "model: resnet50\nload: { rps: 500 }\nlatency: { p99Ms: 10 }\npayloadBytes: 150000\nnetwork: { rttMs: 0.5, uplinkMbps: 25000 }\nexistingCluster: true",
        "model: mobilenetv2\nrequestsFrom: site\nload: { rps: 200 }\nlatency: { p99Ms: 300 }\nnetwork: { rttMs: 30, uplinkMbps: 100 }",
    ])
    func plansAreMinimalInSimulation(_ yaml: String) throws {
        let study = try Self.study(yaml)
        let plans = try study.plan(verify: true)
        let slo = study.workload.sloP99Ms
        let checked = plans.filter { $0.feasible && $0.smallerCheck != nil }
        #expect(!checked.isEmpty, "no plan had a smaller neighbour to check")
        for plan in checked {
            let check = plan.smallerCheck!
            let missed = (check.simulatedP99Ms ?? .infinity) > slo || check.simulatedSuccessRate < DecisionPolicy().minSuccessRate
            #expect(
                missed,
                "\(plan.target): \(check.summary) met the SLO too (p99 \(check.simulatedP99Ms ?? -1) ms), so \(plan.summary) is not minimal"
            )
            #expect((plan.simulatedP99Ms ?? .infinity) <= slo)
        }
    }

    @Test func weightsAreParsedAndValidated() throws {
        let w = try PreferenceWeights(parsing: "cost=1,fit=0")
        #expect(w.cost == 1 && w.fit == 0)
        #expect(throws: WorkloadError.self) { try PreferenceWeights(parsing: "speed=1") }
        #expect(throws: WorkloadError.self) { try PreferenceWeights(parsing: "cost=-1") }
        // Weighting cost alone picks the cheapest viable target.
        let yaml = "model: mlp\nenvironment: production\nload: { rps: 20 }\nlatency: { p99Ms: 300 }\nexistingCluster: true"
        let study = try Self.study(yaml)
        let r = study.recommend(try study.plan(verify: false), weights: w)
        let viable = r.ranking.filter { $0.verdict != .ruledOut }
        #expect(r.recommendation == viable.min { $0.plan.costPerMonthUSD < $1.plan.costPerMonthUSD }?.target)
    }
}
