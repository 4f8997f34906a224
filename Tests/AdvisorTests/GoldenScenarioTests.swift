import Foundation
import Testing

@testable import Advisor
@testable import FPGAEmulation
@testable import Inference
@testable import Simulation
@testable import Targets

/// The golden suite's pipeline and the checks that are not one scenario each (the scenarios
/// themselves are ``ExpertScenarioTests``). The model's cost on this host is fixed by a
/// synthetic calibration (its FLOPs at 100 GFLOP/s on one core, perfect scaling), so the
/// answers do not depend on the machine running the tests.
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

    /// Contradictory requirements — offline and no money at all: nothing qualifies, each
    /// target's blocking constraint is named, and the nearest option is given.
    @Test func contradictoryRequirementsAreExplained() throws {
        let r = try Self.recommend("model: mlp\nconnectivity: offline\nbudgetUSDPerMonth: 0\nload: { rps: 1 }")
        #expect(r.recommendation == nil)
        #expect(r.nearestOption == .iotEdge)
        #expect(Self.blocks(r, .iotEdge, .budget))
        for v in r.ranking { #expect(v.verdict == .ruledOut && v.reasons.contains(where: \.blocking)) }
    }

    /// Plans are minimal in simulation: for every verified plan, one server fewer (replicas,
    /// devices, FPGAs) and the next smaller size (replica vCPU, container size, device class)
    /// with as many servers as cost no more were each simulated at the peak and missed the SLO
    /// or the success floor — or were excluded with a stated reason (a sizing rule, or too
    /// few servers of that size to carry the load within the plan's cost).
    @Test(arguments: [
        "model: mobilenetv2\nenvironment: production\nload: { rps: 1500, peakRps: 2000 }\nlatency: { p99Ms: 150 }\nexistingCluster: true\npayloadBytes: 50000\nnetwork: { rttMs: 20, uplinkMbps: 1000 }",
        "model: resnet50\nload: { rps: 500 }\nlatency: { p99Ms: 10 }\npayloadBytes: 150000\nnetwork: { rttMs: 0.5, uplinkMbps: 25000 }\nexistingCluster: true",
        "model: mobilenetv2\nrequestsFrom: site\nload: { rps: 200 }\nlatency: { p99Ms: 300 }\nnetwork: { rttMs: 30, uplinkMbps: 100 }",
    ])
    func plansAreMinimalInSimulation(_ yaml: String) throws {
        let study = try Self.study(yaml)
        let plans = try study.plan(verify: true)
        let slo = study.workload.sloP99Ms
        let floor = DecisionPolicy().minSuccessRate
        var fewer = 0
        var smaller = 0
        for plan in plans where plan.feasible {
            #expect((plan.simulatedP99Ms ?? .infinity) <= slo)
            if let check = plan.smallerCheck {
                fewer += 1
                #expect(
                    check.fails(sloMs: slo, minSuccessRate: floor),
                    "\(plan.target): \(check.summary) met the SLO too (p99 \(check.simulatedP99Ms ?? -1) ms), so \(plan.summary) is not minimal"
                )
            }
            if let check = plan.smallerSizeCheck {
                smaller += 1
                #expect(
                    check.fails(sloMs: slo, minSuccessRate: floor),
                    "\(plan.target): \(check.summary) met the SLO too (p99 \(check.simulatedP99Ms ?? -1) ms), so \(plan.summary) is not minimal"
                )
            }
        }
        #expect(fewer + smaller > 0, "no plan had a smaller neighbour to check")
    }

    /// One size smaller is simulated and fails: ResNet-50 at 100 requests/s with a p99 of
    /// 150 ms on a production cluster. The AKS plan's smaller-size neighbour is a smaller vCPU
    /// size on the same node type that costs no more and reserves no more vCPU, simulated at the
    /// peak, above the SLO; re-simulating it from its settings gives the same p99 (the evidence
    /// is reproducible), and the plan itself meets the SLO.
    @Test func aksPlanHasSimulatedSizeNeighbour() throws {
        let study = try Self.study(
            "model: resnet50\nenvironment: production\nload: { rps: 100 }\nlatency: { p99Ms: 150 }\nexistingCluster: true\npayloadBytes: 1000\nnetwork: { rttMs: 1, uplinkMbps: 1000 }"
        )
        let planner = study.planner
        let plan = try planner.plan(.aks, rate: 100, verify: true)
        #expect(plan.feasible && (plan.simulatedP99Ms ?? .infinity) <= 150)
        let size = try #require(plan.smallerSizeCheck, "no smaller size was checked for \(plan.summary)")
        #expect(size.notSimulated == nil, "\(size.summary) was not simulated: \(size.notSimulated ?? "")")
        #expect((size.simulatedP99Ms ?? .infinity) > 150)
        #expect(size.settings.aks.nodeSize == plan.settings.aks.nodeSize && size.settings.aks.cpuCores < plan.settings.aks.cpuCores)
        let context = try planner.context()
        let aks = AKSTarget()
        #expect(try aks.cost(size.settings, context).perHourUSD <= aks.cost(plan.settings, context).perHourUSD + 1e-9)
        let again = try TargetSimulator(context: context, traffic: try planner.peakTraffic(rate: 100), configurations: size.settings).run(
            .aks)
        #expect(again.latencyMs?.p99 == size.simulatedP99Ms)
        print(
            "aksPlanHasSimulatedSizeNeighbour: \(plan.summary) p99 \(plan.simulatedP99Ms ?? -1) ms; \(size.summary) p99 \(size.simulatedP99Ms ?? -1) ms"
        )
    }

    /// A host a few percent faster or slower does not change the AKS plan's replica size: the
    /// production-aks workload (MobileNetV2, 600 requests/s at the peak, p99 150 ms) planned
    /// from synthetic calibrations whose one-thread time is 85–100% of the roofline (the spread
    /// `Scripts/check-host-invariance.py` saw between hosts) keeps one vCPU size and a maximum
    /// within the issue's factor 1.25, with an analytic p99 within the SLO. Equal-cost sizes compared by replicas × vCPU after the
    /// sizing rule's rounding (even with a 10% margin) failed it: 5 × 2, 9–10 × 1 and 21 × 0.5
    /// vCPU across these factors; in the field, 15 × 1 vs 31 × 0.5 between two hosts.
    @Test func aksReplicaSizeHoldsAcrossHostSpread() throws {
        let yaml =
            "model: mobilenetv2\npayloadBytes: 50000\nload: { rps: 300, peakRps: 600 }\nlatency: { p99Ms: 150 }\n"
            + "environment: production\nrequestsFrom: azure\nexistingCluster: true"
        let w = try Workload.parse(yaml, source: "golden")
        let model = try ModelSource.load(w.model)
        let plans = try stride(from: 0.85, through: 1.0001, by: 0.025).map { factor in
            var calibration = try Self.calibration(model.architecture)
            calibration.steps[0].seconds1 *= factor
            calibration.samples1 = calibration.samples1.map { $0 * factor }
            let study = try Study(workload: w, model: model, calibration: calibration, configurations: TargetConfigurations())
            let plan = try study.planner.plan(.aks, rate: 600, verify: true)
            #expect(plan.feasible, "factor \(factor): \(plan.summary)")
            // The analytic figure is the plan's own replicas at the peak (the sizing rule's
            // maximum), not the count the search started from (it said 1,241 ms for a plan
            // simulated at 73 ms).
            #expect((plan.analyticP99Ms ?? .infinity) <= 150, "factor \(factor): analytic p99 \(plan.analyticP99Ms ?? -1) ms")
            return (factor: factor, cores: plan.settings.aks.cpuCores, maxReplicas: plan.settings.aks.autoscaleMaxReplicas)
        }
        let described = plans.map { String(format: "%.3f: %d × %g", $0.factor, $0.maxReplicas, $0.cores) }
        #expect(Set(plans.map(\.cores)).count == 1, "replica sizes \(described)")
        let replicas = plans.map(\.maxReplicas)
        #expect(Double(replicas.max()!) / Double(replicas.min()!) <= 1.25, "maxima \(described)")
        print("aksReplicaSizeHoldsAcrossHostSpread: \(described)")
    }

    /// A managed online endpoint in production keeps at least three instances (Azure ML's advice
    /// for high availability) even when one carries the load; in dev/test one is enough.
    @Test func managedProductionKeepsThreeInstances() throws {
        let yaml = "model: mlp\nload: { rps: 5 }\nlatency: { p99Ms: 200 }\nenvironment: "
        let production = try Self.study(yaml + "production").planner.plan(.managed, rate: 5, verify: true)
        let devTest = try Self.study(yaml + "dev-test").planner.plan(.managed, rate: 5, verify: true)
        #expect(production.feasible && production.settings.managed.instanceCount == 3, "\(production.summary)")
        #expect(devTest.feasible && devTest.settings.managed.instanceCount == 1, "\(devTest.summary)")
        #expect(
            abs(production.costPerMonthUSD - 3 * devTest.costPerMonthUSD) < 1e-6
                || production.settings.managed.instanceType != devTest.settings.managed.instanceType)
    }

    /// A site's requests share its uplink: 150 KB at 10 requests/s is 12 Mbit/s, over a 10 Mbit/s
    /// link no cloud target can serve them (uploads queue without bound) and the plan says why;
    /// at 5 requests/s (ρ = 0.6) the cloud plans add the link's queue to the network figure
    /// (M/D/1 p99 wait, S = 120 ms); the same requests from internet clients (each with its own
    /// link) do not queue.
    @Test func aSitesSharedUplinkLimitsTheCloudTargets() throws {
        let yaml = "model: mlp\npayloadBytes: 150000\nlatency: { p99Ms: 2000 }\nnetwork: { rttMs: 60, uplinkMbps: 10 }\n"
        let saturated = try Self.study(yaml + "requestsFrom: site\nload: { rps: 10 }\n").planner
        for kind in [TargetKind.aks, .managed, .aci, .fpga] {
            let plan = try saturated.plan(kind, rate: 10, verify: false)
            #expect(
                !plan.feasible && plan.infeasibility == .uplinkSaturated(neededMbps: 12, uplinkMbps: 10), "\(kind): \(plan.reason ?? "")")
            #expect(plan.reason?.contains("12 Mbit/s over a 10 Mbit/s link") == true, "\(plan.reason ?? "")")
        }
        #expect(try saturated.plan(.iotEdge, rate: 10, verify: false).feasible)
        let light = try Self.study(yaml + "requestsFrom: site\nload: { rps: 5 }\n").planner
        let internet = try Self.study(yaml + "requestsFrom: internet\nload: { rps: 5 }\n").planner
        let shared = try light.peakTraffic(rate: 5)
        #expect(shared.uplinkShared && abs(shared.uplinkUtilization(rate: 5) - 0.6) < 1e-9)
        #expect(abs(light.requestNetworkMs - internet.requestNetworkMs - shared.uplinkWaitP99Seconds(rate: 5) * 1000) < 1e-6)
        #expect(shared.uplinkWaitP99Seconds(rate: 5) > 0.2, "a p99 wait of a few transmissions")
        let plan = try light.plan(.aks, rate: 5, verify: true)
        #expect(plan.feasible, "\(plan.reason ?? "")")
    }

    /// The headline's p99 is the plan's, at the peak, and says so; its cost says "estimate" when
    /// the plan's does (the FPGA price), as the comparison table does.
    @Test func theHeadlineSaysWhereItsNumbersComeFrom() throws {
        let yaml = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("reports/realtime-fpga/workload.yaml"), encoding: .utf8)
        let r = try Self.recommend(yaml)
        let chosen = try #require(r.recommendation)
        let plan = Self.verdict(r, chosen).plan
        let peak = try Workload.parse(yaml).load.effectivePeakRps
        #expect(
            r.summary.contains(String(format: "p99 %.2f ms at the %.4g requests/s peak", try #require(plan.p99Ms), peak)), "\(r.summary)")
        #expect(
            r.summary.contains("\(Grouped.usd(plan.costPerMonthUSD))/month (estimate).") == plan.costIsEstimate, "\(r.summary)")
    }

    /// Support status as data: the document's ACI answer (dev/test, quick validation) carries
    /// the warning that its v1 web service is out of support and names the managed endpoint;
    /// a managed answer carries none; every verdict has its path.
    @Test func outOfSupportPathsAreSaidAndTheEquivalentNamed() throws {
        let aci = try Self.recommend(
            "model: mlp\nenvironment: dev-test\nload: { rps: 1 }\nlatency: { p99Ms: 3000 }\ndeployDeadlineMinutes: 10")
        #expect(aci.recommendation == .aci)
        #expect(aci.summary.contains("Support: The ACI web service") && aci.summary.contains("out of support"))
        #expect(aci.summary.contains("managed online endpoint"))
        #expect(aci.ranking.allSatisfy { $0.deploymentPath == $0.target.target.deploymentPath })
        let managed = try Self.recommend("model: mlp\nenvironment: production\nload: { rps: 20 }\nlatency: { p99Ms: 200 }")
        #expect(managed.recommendation == .managed && !managed.summary.contains("Support:"))
        #expect(DeploymentPath.all.filter { $0.status != .supported }.allSatisfy { $0.equivalent != nil && $0.warning != nil })
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

/// The FPGA plan's number format is chosen against the accuracy floor on the model's weights:
/// the fewest bits that keep it, checked against each format measured on its own; a floor
/// nothing keeps rules the FPGA out (with its best attempt kept); the user's samples are read.
@Suite("The FPGA's number format and the accuracy floor")
struct AccuracyFloorTests {
    static func study(_ yaml: String) throws -> Study {
        var s = try GoldenScenarioTests.study(yaml)
        try s.chooseFormat()
        return s
    }

    @Test func theFewestBitsThatKeepTheFloorAreChosen() throws {
        let s = try Self.study("model: mlp\nload: { rps: 50 }\nlatency: { p99Ms: 100 }\naccuracy: { minSqnrDb: 20 }")
        let choice = try #require(s.formatChoice)
        #expect(choice.candidates.count == Study.planFormats.count && choice.inputs.contains("32 seeded"))
        // Each format measured on its own over the same 32 seeded inputs.
        let npu = try NPUConfiguration.named(s.configurations.fpga.preset)
        let graph = try s.model.weighted()
        let own = try choice.candidates.map {
            try EmulationAccuracy.measure(graph, format: try NumberFormat.named($0.format).native(to: npu), samples: 32, seed: 1)
        }
        for (a, b) in zip(choice.candidates, own) {
            #expect(abs(a.sqnrDB - b.sqnrDB) < 0.05 && a.top1Agreement == b.top1Agreement, "\(a) vs \(b)")
        }
        let expected = own.first { $0.sqnrDB >= 20 }?.format
        #expect(choice.chosen == expected && s.configurations.fpga.numberFormat == expected)
        let bits = try choice.candidates.map { try NumberFormat.named($0.format).native(to: npu).storageBitsPerElement }
        #expect(bits == bits.sorted(), "fewest bits first")
        let plans = try s.plan(verify: false)
        let fpga = try #require(plans.first { $0.target == .fpga })
        if let expected { #expect(fpga.summary.contains(expected)) }
        let r = s.recommend(plans)
        #expect(r.verdict(.fpga)?.reasons.contains { $0.criterion == .accuracyFloor } == fpga.feasible)
    }

    @Test func aFloorNoFormatKeepsRulesTheFPGAOut() throws {
        let s = try Self.study(
            "model: mlp\nload: { rps: 50 }\nlatency: { p99Ms: 100 }\naccuracy: { minSqnrDb: 150 }")
        #expect(s.formatChoice?.chosen == nil)
        let plans = try s.plan(verify: false)
        let fpga = try #require(plans.first { $0.target == .fpga })
        #expect(!fpga.feasible && fpga.infeasibility?.criterion == .accuracyFloor)
        #expect(fpga.reason?.contains("SQNR ≥ 150 dB") == true && fpga.bestAttempt != nil)
        let r = s.recommend(plans)
        #expect(r.recommendation != .fpga)
        #expect(r.verdict(.fpga)?.reasons.contains { $0.criterion == .accuracyFloor && $0.blocking } == true)
    }

    @Test func theUsersSamplesAreRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("samples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let shape = try ModelZoo.graph("mlp").inputShape
        let n = shape.reduce(1, *)
        try NPYFile.write(Tensor(shape: [3] + shape, data: (0..<(3 * n)).map { Float($0 % 7) / 7 }), path: dir.path + "/a.npy")
        try NPYFile.write(Tensor(shape: shape, data: [Float](repeating: 0.5, count: n)), path: dir.path + "/b.npy")
        var s = try GoldenScenarioTests.study("model: mlp\nload: { rps: 5 }")
        s.workload.accuracySamples = dir.path
        let inputs = try s.accuracyInputs()
        #expect(inputs.samples.count == 4 && inputs.fromUser && inputs.samples[3].allSatisfy { $0 == 0.5 })
        try s.chooseFormat()
        #expect(s.formatChoice?.candidates.allSatisfy { $0.samples == 4 } == true)
        try NPYFile.write(Tensor(shape: [2, 2], data: [1, 2, 3, 4]), path: dir.path + "/c.npy")
        #expect { try s.accuracyInputs() } throws: { "\($0)".contains("c.npy") && "\($0)".contains("[2, 2]") }
    }
}

/// What would change the answer: each boundary the report names is checked on both sides —
/// just inside it the answer is the report's, just past it the answer is the one named.
@Suite("What would change the answer")
struct SensitivityTests {
    @Test func eachNamedChangeHappensWhereItIsNamed() throws {
        let s = try GoldenScenarioTests.study(
            "model: mobilenetv2\nenvironment: production\nexistingCluster: true\nload: { rps: 200, peakRps: 300, pattern: diurnal }\nlatency: { p99Ms: 150 }"
        )
        let plans = try s.plan(verify: false)
        let r = s.recommend(plans)
        let rows = try s.sensitivity(plans, recommendation: r)
        #expect(!rows.isEmpty)
        #expect(rows.map(\.distance) == rows.map(\.distance).sorted(), "nearest first")
        let keys: [String: WritableKeyPath<PreferenceWeights, Double>] = [
            "fit weight": \.fit, "cost weight": \.cost, "latency weight": \.latency, "deploy weight": \.deploy,
        ]
        for row in rows {
            let becomes = row.becomes == "nothing qualifies" ? nil : TargetKind(rawValue: row.becomes)
            let up = row.value > row.nowValue
            if let key = keys[row.factor] {
                // Bisected to 0.005: 0.01 inside keeps the answer; the named value changes it.
                let inside = up ? row.value - 0.01 : row.value + 0.01
                #expect(s.answer(plans, weights: r.weights, moving: key, to: inside) == r.recommendation, "\(row.text)")
                #expect(s.answer(plans, weights: r.weights, moving: key, to: row.value) == becomes, "\(row.text)")
            } else {
                let slo = row.factor == "p99 SLO"
                func change(_ w: inout Workload, _ k: Double) {
                    if slo { Study.scaleSLO(&w, k) } else { Study.scaleLoad(&w, k) }
                }
                let factor = row.value / row.nowValue
                let inside = up ? factor / 1.03 : factor * 1.03
                let atInside = try s.analyticAnswer(change, factor: inside, weights: r.weights)
                let atValue = try s.analyticAnswer(change, factor: factor, weights: r.weights)
                #expect(atInside == r.recommendation, "\(row.text)")
                #expect(atValue == becomes, "\(row.text)")
            }
        }
    }
}
