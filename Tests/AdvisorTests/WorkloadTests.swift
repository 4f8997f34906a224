import Foundation
import Targets
import Testing

@testable import Advisor

@Suite("Workload file")
struct WorkloadTests {
    static let full = """
        name: factory-camera
        model: resnet50
        batch: 2
        payloadBytes: 150000
        load:
          rps: 30
          peakRps: 60
          pattern: diurnal
          durationSeconds: 600
        latency: { p99Ms: 50, p95Ms: 40 }
        environment: production
        connectivity: intermittent
        privacy: on-premises
        dataMBps: 40
        deployDeadlineMinutes: 10
        existingCluster: true
        budgetUSDPerMonth: 500
        network: { rttMs: 35, uplinkMbps: 10 }
        seed: 7
        """

    @Test func everyKeyIsRead() throws {
        let w = try Workload.parse(Self.full)
        #expect(w.name == "factory-camera")
        #expect(w.model == "resnet50")
        #expect(w.batch == 2)
        #expect(w.payloadBytes == 150_000)
        #expect(w.load.rps == 30 && w.load.peakRps == 60 && w.load.pattern == .diurnal && w.load.durationSeconds == 600)
        #expect(w.latency.p99Ms == 50 && w.latency.p95Ms == 40 && w.latency.p50Ms == nil)
        #expect(w.environment == .production && w.connectivity == .intermittent && w.privacy == .onPremises)
        #expect(w.dataMBps == 40 && w.deployDeadlineMinutes == 10 && w.existingCluster)
        #expect(w.budgetUSDPerMonth == 500 && w.network.rttMs == 35 && w.network.uplinkMbps == 10 && w.seed == 7)
    }

    @Test func jsonIsAccepted() throws {
        let json =
            #"{"model": "mobilenetv2", "load": {"rps": 12.5, "pattern": "constant"}, "latency": {"p99Ms": 20}, "environment": "dev-test", "seed": 3}"#
        let w = try Workload.parse(json)
        #expect(w.model == "mobilenetv2" && w.load.rps == 12.5 && w.load.pattern == .constant)
        #expect(w.environment == .devTest && w.latency.p99Ms == 20 && w.seed == 3)
    }

    @Test func defaults() throws {
        let w = try Workload.parse("model: mlp")
        #expect(w.name == "workload" && w.batch == 1 && w.payloadBytes == nil)
        #expect(w.load.rps == 10 && w.load.peakRps == nil && w.load.effectivePeakRps == 10)
        #expect(w.load.pattern == .poisson && w.load.traceFile == nil && w.load.durationSeconds == 600)
        #expect(w.latency == LatencySLO() && w.effectiveP99Ms == 100)
        #expect(w.environment == .production && w.connectivity == .always && w.privacy == .none)
        #expect(w.dataMBps == 0 && w.deployDeadlineMinutes == nil && !w.existingCluster && w.budgetUSDPerMonth == nil)
        #expect(w.network.rttMs == nil && w.rttMs == 40 && w.uplinkMbps == 20 && w.seed == 1)
        #expect(w.requestsFrom == nil && w.requestSource == .internet)
    }

    @Test func requestSourceDefaultsAndImplications() throws {
        // Azure-internal callers: about a millisecond over a VM's network unless the file says otherwise.
        let azure = try Workload.parse("model: mlp\nrequestsFrom: azure")
        #expect(azure.requestSource == .azure && azure.rttMs == 1 && azure.uplinkMbps == 2000)
        let given = try Workload.parse("model: mlp\nrequestsFrom: azure\nnetwork: { rttMs: 3 }")
        #expect(given.rttMs == 3 && given.uplinkMbps == 2000)
        // A site is implied by connectivity, privacy or data produced at the source.
        for yaml in ["connectivity: offline", "privacy: on-premises", "dataMBps: 5"] {
            let w = try Workload.parse("model: mlp\n" + yaml)
            #expect(w.requestSource == .site, "\(yaml)")
            #expect(throws: WorkloadError.self) { try Workload.parse("model: mlp\nrequestsFrom: internet\n" + yaml) }
        }
        // A flag that contradicts the file is caught after all values are applied.
        var o = WorkloadOverrides()
        o.requestsFrom = .azure
        let file = try Workload.parse("model: mlp\nprivacy: on-device")
        do {
            _ = try file.applying(o)
            Issue.record("requestsFrom azure with privacy on-device was accepted")
        } catch {
            #expect(error.message.contains("'requestsFrom'") && error.message.contains("privacy: on-device"), "\(error.message)")
        }
    }

    @Test func siteDevicesAreReadValidatedAndTheOneSource() throws {
        let w = try Workload.parse("model: mlp\nconnectivity: offline\ndevices: 6\ndevicesInstalled: true")
        #expect(w.devices == 6 && w.devicesInstalled)
        let d = try Workload.parse("model: mlp")
        #expect(d.devices == 1 && !d.devicesInstalled)
        #expect(throws: WorkloadError.self) { try Workload.parse("model: mlp\ndevices: 0") }
        #expect(throws: WorkloadError.self) { try Workload.parse("model: mlp\ndevicesInstalled: maybe") }
        // The count is the workload's, not a target setting.
        var c = TargetConfigurations()
        #expect(throws: TargetError.self) { try c.apply("iot-edge.devices=3") }
        let site = w.site(c)
        #expect(site.edge.devices == 6 && site.edge.installed)
    }

    /// Payload defaults follow where requests come from (issue #17 item 5): an image model called
    /// from the internet or a site receives encoded photos (the mean ILSVRC-2012 JPEG, 147,897,477,120
    /// bytes / 1,281,167 images ≈ 115 KB), an Azure service sends the float32 tensor; other models
    /// receive their tensor; `payloadBytes` overrides.
    @Test func payloadDefaultsFollowTheSource() throws {
        let image = [3, 224, 224]
        #expect(Workload.encodedImageBytes == Int((147_897_477_120.0 / 1_281_167 / 1000).rounded()) * 1000)
        #expect(try Workload.parse("model: resnet50").resolvedPayloadBytes(inputShape: image) == 115_000)
        #expect(try Workload.parse("model: resnet50\nbatch: 4").resolvedPayloadBytes(inputShape: image) == 460_000)
        #expect(try Workload.parse("model: resnet50\nrequestsFrom: azure").resolvedPayloadBytes(inputShape: image) == 3 * 224 * 224 * 4)
        #expect(try Workload.parse("model: mlp").resolvedPayloadBytes(inputShape: [128]) == 512)
        #expect(try Workload.parse("model: gru").resolvedPayloadBytes(inputShape: [25, 512]) == 25 * 512 * 4)
        #expect(try Workload.parse("model: resnet50\npayloadBytes: 7").resolvedPayloadBytes(inputShape: image) == 7)
    }

    @Test func flagsOverrideTheFile() throws {
        var o = WorkloadOverrides()
        o.rps = 200
        o.peakRps = 400
        o.p99Ms = 45
        o.connectivity = .offline
        o.model = "vgg16"
        o.existingCluster = false
        o.seed = 99
        let w = try Workload.parse(Self.full).applying(o)
        #expect(w.load.rps == 200 && w.latency.p99Ms == 45 && w.connectivity == .offline && w.model == "vgg16")
        #expect(!w.existingCluster && w.seed == 99)
        #expect(w.load.peakRps == 400 && w.load.durationSeconds == 600, "untouched keys keep the file's value")
        var bad = WorkloadOverrides()
        bad.rps = 100  // above the file's peakRps of 60
        #expect(throws: WorkloadError.self) { try Workload.parse(Self.full).applying(bad) }
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        var yaml: String
        var mentions: [String]
        var testDescription: String { yaml.replacingOccurrences(of: "\n", with: " ⏎ ") }
    }

    @Test(
        "bad input names the key, the value and what is allowed",
        arguments: [
            BadCase(yaml: "batch: 2", mentions: ["'model'", "required"]),
            BadCase(yaml: "model: x\nmodle: y", mentions: ["unknown key 'modle'", "allowed keys"]),
            BadCase(yaml: "model: x\nload: { rps: 3, burst: 2 }", mentions: ["'load.burst'", "rps, peakRps"]),
            BadCase(yaml: "model: x\nbatch: two", mentions: ["'batch'", "'two'", "an integer"]),
            BadCase(yaml: "model: x\nbatch: 0", mentions: ["'batch'", "1 to 4096"]),
            BadCase(yaml: "model: x\nbatch: 2.5", mentions: ["'batch'", "an integer"]),
            BadCase(yaml: "model: x\nload: { rps: -3 }", mentions: ["'load.rps'", "-3", "> 0"]),
            BadCase(yaml: "model: x\nload: { rps: \"30\" }", mentions: ["'load.rps'", "a number"]),
            BadCase(yaml: "model: x\nload: { rps: 30, peakRps: 10 }", mentions: ["'load.peakRps'", "at least load.rps"]),
            BadCase(
                yaml: "model: x\nload: { pattern: bursty }",
                mentions: ["'load.pattern'", "'bursty'", "poisson | constant | diurnal | step | trace"]),
            BadCase(yaml: "model: x\nload: { pattern: trace }", mentions: ["'load.traceFile'", "required"]),
            BadCase(yaml: "model: x\nload: { traceFile: a.csv }", mentions: ["'load.traceFile'", "only used"]),
            BadCase(yaml: "model: x\nload: { durationSeconds: 0 }", mentions: ["'load.durationSeconds'"]),
            BadCase(yaml: "model: x\nload: 5", mentions: ["'load'", "a mapping"]),
            BadCase(yaml: "model: x\nlatency: { p99Ms: 0 }", mentions: ["'latency.p99Ms'"]),
            BadCase(yaml: "model: x\naccuracy: { minTop1Agreement: 1.5 }", mentions: ["'accuracy.minTop1Agreement'", "0 to 1"]),
            BadCase(yaml: "model: x\naccuracy: { top1: 0.9 }", mentions: ["top1", "minTop1Agreement"]),
            BadCase(yaml: "model: x\nlatency: { p99Ms: 10, p50Ms: 20 }", mentions: ["'latency.p50Ms'", "at most"]),
            BadCase(yaml: "model: x\nlatency: { p90Ms: 10 }", mentions: ["'latency.p90Ms'"]),
            BadCase(yaml: "model: x\nenvironment: staging", mentions: ["'environment'", "production | dev-test"]),
            BadCase(yaml: "model: x\nconnectivity: sometimes", mentions: ["'connectivity'", "always | intermittent | offline"]),
            BadCase(yaml: "model: x\nprivacy: strict", mentions: ["'privacy'", "none | on-premises | on-device"]),
            BadCase(yaml: "model: x\nrequestsFrom: cloud", mentions: ["'requestsFrom'", "internet | azure | site"]),
            BadCase(yaml: "model: x\ndataMBps: -1", mentions: ["'dataMBps'"]),
            BadCase(yaml: "model: x\ndeployDeadlineMinutes: 0", mentions: ["'deployDeadlineMinutes'"]),
            BadCase(yaml: "model: x\nexistingCluster: maybe", mentions: ["'existingCluster'", "true or false"]),
            BadCase(yaml: "model: x\nbudgetUSDPerMonth: -5", mentions: ["'budgetUSDPerMonth'"]),
            BadCase(yaml: "model: x\nnetwork: { rttMs: -1 }", mentions: ["'network.rttMs'"]),
            BadCase(yaml: "model: x\nnetwork: { uplinkMbps: 0 }", mentions: ["'network.uplinkMbps'"]),
            BadCase(yaml: "model: x\nnetwork: { latency: 3 }", mentions: ["'network.latency'"]),
            BadCase(yaml: "model: x\nseed: -1", mentions: ["'seed'"]),
            BadCase(yaml: "model: x\nname: [a, b]", mentions: ["'name'", "a string"]),
            BadCase(yaml: "model: x\nmodel: y", mentions: ["'model'"]),
            BadCase(yaml: "- model: x", mentions: ["mapping"]),
            BadCase(yaml: "model: [unclosed", mentions: ["not valid YAML"]),
            BadCase(yaml: "", mentions: ["mapping"]),
            BadCase(yaml: "model:", mentions: ["'model'"]),
        ])
    func badInput(_ c: BadCase) {
        do {
            _ = try Workload.parse(c.yaml, source: "w.yaml")
            Issue.record("accepted: \(c.yaml)")
        } catch {
            for m in c.mentions { #expect(error.message.contains(m), "\(error.message) should mention \(m)") }
            #expect(error.message.hasPrefix("w.yaml"), "names the file: \(error.message)")
        }
    }

    @Test func loadFromFileResolvesTheTraceRelativeToIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.yaml").path
        try "model: mlp\nload: { pattern: trace, traceFile: arrivals.csv }\n".write(toFile: path, atomically: true, encoding: .utf8)
        let w = try Workload.load(path: path)
        #expect(w.load.traceFile == dir.appendingPathComponent("arrivals.csv").path)
        #expect(throws: WorkloadError.self) { try Workload.load(path: dir.appendingPathComponent("missing.yaml").path) }
    }
}

/// The local target's prediction (`validate`): checked against queueing formulas, not against a measurement.
@Suite("Local validation")
struct LocalValidationTests {
    /// Deterministic service at utilization ρ is M/D/1: mean response `S + ρS / (2(1 − ρ))`
    /// (Pollaczek–Khinchine); the median lies between S and the mean; throughput is the offered rate.
    @Test(arguments: [0.3, 0.6, 0.85])
    func predictionIsMD1(_ rho: Double) {
        let s = 0.010
        let st = ServiceTime(meanSeconds: s, samples: [s], scaling: "", steps: [])
        let rate = rho / s
        let f = LocalValidation.predict(st, rate: rate, durationSeconds: 2000, seed: 3, replications: 3)
        let meanMs = (s + rho * s / (2 * (1 - rho))) * 1000
        #expect(f.p50 >= s * 1000 * 0.999 && f.p50 <= meanMs * 1.02, "p50 \(f.p50) ms, M/D/1 mean \(meanMs) ms")
        #expect(f.p99 > meanMs, "p99 \(f.p99) ms must exceed the mean \(meanMs) ms")
        #expect(abs(f.throughputRps / rate - 1) < 0.02, "throughput \(f.throughputRps) vs offered \(rate)")
    }

    @Test func levelsAreParsedAndChecked() throws {
        #expect(try LocalValidation.levels("0.3, 0.6,0.85") == [0.3, 0.6, 0.85])
        #expect(throws: WorkloadError.self) { try LocalValidation.levels("0.3,1.2") }
        #expect(throws: WorkloadError.self) { try LocalValidation.levels("half") }
        #expect(throws: WorkloadError.self) { try LocalValidation.levels("") }
    }

    @Test func errorIsRelativeToTheMeasurement() {
        let e = LocalValidation.Figures.errorPct(
            predicted: .init(p50: 9, p95: 20, p99: 30, throughputRps: 10), measured: .init(p50: 10, p95: 20, p99: 25, throughputRps: 10))
        #expect(abs(e.p50 - 10) < 1e-9 && e.p95 == 0 && abs(e.p99 + 20) < 1e-9 && e.throughputRps == 0)
    }
}

@Suite("Workload limits")
struct WorkloadLimitTests {
    /// Peak rate × duration is capped, so no simulation replays more than 20 million requests
    /// (10 million requests/s for a week had no cap); the message names the longest duration.
    @Test func simulatedRequestsAreCapped() throws {
        #expect(throws: Never.self) { try Workload.parse("model: mlp\nload: {rps: 5000, durationSeconds: 4000}") }
        do {
            _ = try Workload.parse("model: mlp\nload: {rps: 10000000, durationSeconds: 604800}", source: "w.yaml")
            Issue.record("a week at 10 million requests/s was accepted")
        } catch {
            #expect(error.message.contains("at most 20000000") && error.message.contains("at most 2 s"), "\(error.message)")
        }
    }
}

@Suite("YAML aliases in user files")
struct YAMLGuardTests {
    /// Seven levels of aliases used as mapping keys, each ×10 (the shape of a 459-byte file
    /// that composed for minutes): refused before composing, naming the line.
    @Test func anAliasBombIsRefusedAtOnce() throws {
        var lines = ["a: &a [1, 2]"]
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            lines.append("\(name): &\(name) {" + (0..<10).map { "? [*\(previous), \($0)] : \($0)" }.joined(separator: ", ") + "}")
            previous = name
        }
        lines.append("model: mlp")
        let start = Date()
        #expect(throws: WorkloadError.self) { try Workload.parse(lines.joined(separator: "\n"), source: "bomb.yaml") }
        #expect(Date().timeIntervalSince(start) < 1)
        do {
            _ = try Workload.parse(lines.joined(separator: "\n"), source: "bomb.yaml")
        } catch {
            #expect(error.message.contains("bomb.yaml:2: YAML alias '*a'"), "\(error.message)")
        }
    }

    @Test func onlyRealAliasesAreFound() {
        #expect(YAMLGuard.firstAlias(in: "model: mlp\nload: *x\n")?.line == 2)
        #expect(YAMLGuard.firstAlias(in: "a: [1, *y]")?.name == "y")
        #expect(YAMLGuard.firstAlias(in: "- *z")?.name == "z")
        #expect(YAMLGuard.firstAlias(in: "? *k\n: 1")?.name == "k")
        // Not aliases: quoted, commented, inside a word, a block scalar's text, a lone '*'.
        #expect(YAMLGuard.firstAlias(in: "name: \"a *b\"\nother: 'it''s *c'") == nil)
        #expect(YAMLGuard.firstAlias(in: "model: mlp  # see *notes") == nil)
        #expect(YAMLGuard.firstAlias(in: "name: a*b") == nil)
        #expect(YAMLGuard.firstAlias(in: "text: |\n  *not an alias\n  more\nmodel: mlp") == nil)
        #expect(YAMLGuard.firstAlias(in: "text: >-\n  *no\nnext: *yes")?.name == "yes")
        #expect(YAMLGuard.firstAlias(in: "x: * ") == nil)
        // Anchors alone are harmless.
        #expect(YAMLGuard.firstAlias(in: "load: &l {rps: 10}") == nil)
    }
}
