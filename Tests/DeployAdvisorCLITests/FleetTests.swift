import Foundation
import Testing

/// `deploy-advisor sweep` and `merge`: shards of a fleet merge to the unsharded answer, each
/// workload's answer is `recommend`'s, reruns keep finished work, and a merge names what is
/// missing, duplicated or inconsistent. Quick mode (profiles and analytics), so the answers do
/// not depend on this host's timing.
@Suite("deploy-advisor sweep and merge")
struct FleetTests {
    /// Five inline workloads of three models × a two-level grid: ten members.
    static let fleet = """
        name: test-fleet
        defaults: { seed: 3 }
        grid: { loadScale: [1, 3] }
        workloads:
          - { name: tagger, model: mobilenetv2, load: { rps: 50, peakRps: 120, pattern: diurnal, durationSeconds: 600 }, latency: { p99Ms: 150 }, requestsFrom: azure, existingCluster: true }
          - { name: scoring, model: mlp, load: { rps: 300 }, latency: { p99Ms: 40 } }
          - { name: triage, model: resnet50, load: { rps: 2 }, latency: { p99Ms: 2000 }, environment: dev-test, deployDeadlineMinutes: 10 }
          - { name: plant, model: mobilenetv2, load: { rps: 5, peakRps: 10, pattern: step }, latency: { p99Ms: 400 }, connectivity: intermittent, privacy: on-premises }
          - file: base.yaml
            name: cost-first
            weights: { cost: 0.7, fit: 0.1, latency: 0.1, deploy: 0.1 }
            load: { rps: 100 }
        """

    static let base = """
        name: base
        model: mlp
        load: { rps: 20, pattern: poisson, durationSeconds: 600 }
        latency: { p99Ms: 60 }
        environment: production
        """

    /// A folder with the fleet file and the workload file it names.
    static func fleetFolder(_ text: String = fleet) throws -> URL {
        let dir = try CLI.temporaryDirectory()
        try text.write(to: dir.appendingPathComponent("fleet.yaml"), atomically: true, encoding: .utf8)
        try base.write(to: dir.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    static func sweep(_ dir: URL, _ out: String, _ extra: [String] = [], environment: [String: String?] = [:]) throws -> CLI.Result {
        try CLI.run(["sweep", dir.appendingPathComponent("fleet.yaml").path, "--out", out, "--quick"] + extra, environment: environment)
    }

    static func object(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// One shard and three shards (in parallel processes) merge to the same fleet.json, byte
    /// for byte; every member is answered once; each answer is the one `recommend` gives.
    @Test func shardsMergeToTheUnshardedAnswer() throws {
        let dir = try Self.fleetFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = dir.appendingPathComponent("one").path
        let r = try Self.sweep(dir, one, ["--shard", "0/1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("10 workloads (10 planned, 0 kept"), "\(r.stdout)")
        // Three shards at once, into one shared folder and into separate ones.
        let shared = dir.appendingPathComponent("shared").path
        let results = try (0..<3).map { i in try Self.sweep(dir, shared, ["--shard", "\(i)/3"]) }
        for x in results { #expect(x.status == 0, "\(x.stderr)") }
        let separate = try (0..<3).map { i -> String in
            let out = dir.appendingPathComponent("s\(i)").path
            let r = try Self.sweep(dir, out, ["--shard", "\(i)/3"])
            #expect(r.status == 0, "\(r.stderr)")
            return out
        }
        let m1 = try CLI.run(["merge", one, "--out", dir.appendingPathComponent("r1").path])
        let m3 = try CLI.run(["merge", shared, "--out", dir.appendingPathComponent("r3").path])
        let m3b = try CLI.run(["merge"] + separate + ["--out", dir.appendingPathComponent("r3b").path])
        #expect(m1.status == 0 && m3.status == 0 && m3b.status == 0, "\(m1.stderr) \(m3.stderr) \(m3b.stderr)")
        let f1 = try Data(contentsOf: dir.appendingPathComponent("r1/fleet.json"))
        #expect(f1 == (try Data(contentsOf: dir.appendingPathComponent("r3/fleet.json"))))
        #expect(f1 == (try Data(contentsOf: dir.appendingPathComponent("r3b/fleet.json"))))
        let fleet = try Self.object(dir.appendingPathComponent("r1/fleet.json"))
        let workloads = try #require(fleet["workloads"] as? [[String: Any]])
        #expect(workloads.count == 10)
        #expect(Set(workloads.compactMap { $0["name"] as? String }).count == 10)
        #expect(workloads.first?["name"] as? String == "tagger[loadScale=1]")
        // Every shard ran a share, the three together once each.
        var counts: [Int] = []
        for i in 0..<3 {
            let m = try Self.object(URL(fileURLWithPath: shared).appendingPathComponent("shard-\(i)-of-3.json"))
            counts.append((m["workloads"] as? [Any])?.count ?? -1)
        }
        #expect(counts.reduce(0, +) == 10 && counts.allSatisfy { $0 >= 1 }, "\(counts)")
        // Each answer is `recommend --quick`'s for the same workload (the grid's load applied).
        for (name, flags) in [
            ("scoring[loadScale=3]", ["--model", "mlp", "--rps", "900", "--p99-ms", "40", "--seed", "3"]),
            (
                "tagger[loadScale=1]",
                [
                    "--model", "mobilenetv2", "--rps", "50", "--peak-rps", "120", "--pattern", "diurnal", "--duration-s", "600", "--p99-ms",
                    "150", "--requests-from", "azure", "--existing-cluster", "--seed", "3",
                ]
            ),
            (
                "cost-first[loadScale=1]",
                [
                    "--model", "mlp", "--rps", "100", "--pattern", "poisson", "--duration-s", "600", "--p99-ms", "60", "--seed", "3",
                    "--weights", "cost=0.7,fit=0.1,latency=0.1,deploy=0.1",
                ]
            ),
        ] {
            let rec = try CLI.json(["recommend", "--quick", "--format", "json"] + flags)
            let row = try #require(workloads.first { $0["name"] as? String == name })
            #expect((row["recommendation"] as? String) == (rec["recommendation"] as? String), "\(name)")
            let ranking = try #require(rec["ranking"] as? [[String: Any]])
            let chosen = ranking.first { $0["target"] as? String == rec["recommendation"] as? String }
            let plan = chosen?["plan"] as? [String: Any]
            #expect((row["plan"] as? [String: Any])?["summary"] as? String == plan?["summary"] as? String, "\(name)")
        }
        // The report files.
        for f in ["index.html", "summary.md", "fleet.json", "shards.json", "workloads.csv", "totals.csv"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r3/\(f)").path), "\(f)")
        }
        let csv = try String(contentsOf: dir.appendingPathComponent("r1/workloads.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 11)
        let totals = try #require(fleet["totals"] as? [[String: Any]])
        let answered = workloads.filter { $0["recommendation"] is String }.count
        #expect(totals.compactMap { $0["workloads"] as? Int }.reduce(0, +) == answered)
        let cost = workloads.compactMap { ($0["plan"] as? [String: Any])?["costPerMonthUSD"] as? Double }.reduce(0, +)
        #expect(abs(totals.compactMap { $0["costPerMonthUSD"] as? Double }.reduce(0, +) - cost) < 1e-6 * max(1, cost))
        // Servers and replicas per target are the plans' own numbers added up.
        for t in totals {
            let target = try #require(t["target"] as? String)
            let plans = workloads.filter { $0["recommendation"] as? String == target }.compactMap { $0["plan"] as? [String: Any] }
            func sum(_ key: String) -> Int { plans.compactMap { ($0["configuration"] as? [String: Any])?[key] as? Int }.reduce(0, +) }
            switch target {
            case "aks": #expect(t["replicas"] as? Int == sum("autoscale_max_replicas") && t["units"] as? Int == sum("nodes"))
            case "managed": #expect(t["units"] as? Int == sum("autoscale_max_instances"))
            case "iot-edge": #expect(t["units"] as? Int == sum("devices"))
            case "fpga": #expect(t["units"] as? Int == sum("fpgas"))
            default: #expect(t["units"] as? Int == sum("container_groups"))
            }
        }
        #expect(Set(totals.compactMap { $0["target"] as? String }).count >= 2, "the test fleet should spread over targets")
    }

    /// A rerun keeps what is done; a changed workload is planned again, alone; shards of
    /// different inputs do not merge.
    @Test func rerunsKeepFinishedWorkloads() throws {
        let dir = try Self.fleetFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        #expect(try Self.sweep(dir, out, ["--shard", "0/2"]).status == 0)
        let manifest = URL(fileURLWithPath: out).appendingPathComponent("shard-0-of-2.json")
        let first = try Self.object(manifest)
        let again = try Self.sweep(dir, out, ["--shard", "0/2"])
        #expect(again.status == 0, "\(again.stderr)")
        let statuses = try #require((try Self.object(manifest))["workloads"] as? [[String: Any]]).compactMap { $0["status"] as? String }
        #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == "reused" }, "\(statuses)")
        #expect((first["workloads"] as? [Any])?.count == statuses.count)
        // Other prices are other inputs: every answer is planned again.
        let prices = dir.appendingPathComponent("prices.yaml")
        try "{}\n".write(to: prices, atomically: true, encoding: .utf8)
        #expect(try Self.sweep(dir, out, ["--shard", "0/2", "--pricing", prices.path]).status == 0)
        let repriced = try #require((try Self.object(manifest))["workloads"] as? [[String: Any]]).compactMap { $0["status"] as? String }
        #expect(repriced.allSatisfy { $0 == "computed" }, "\(repriced)")
        #expect(try Self.sweep(dir, out, ["--shard", "0/2"]).status == 0)
        // Change one workload (the base file's SLO): only the member from it is planned again.
        try Self.base.replacingOccurrences(of: "p99Ms: 60", with: "p99Ms: 70").write(
            to: dir.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
        let other = dir.appendingPathComponent("other").path
        #expect(try Self.sweep(dir, other, ["--shard", "1/2"]).status == 0)
        #expect(try Self.sweep(dir, out, ["--shard", "0/2"]).status == 0)
        let entries = try #require((try Self.object(manifest))["workloads"] as? [[String: Any]])
        let computed = entries.filter { $0["status"] as? String == "computed" }.compactMap { $0["name"] as? String }
        #expect(computed.allSatisfy { $0.hasPrefix("cost-first[") } && entries.count - computed.count >= 1, "\(computed)")
        #expect(try CLI.run(["merge", out, other, "--out", dir.appendingPathComponent("report").path]).status == 0)
        // A shard from before the change does not merge with one from after.
        let stale = dir.appendingPathComponent("stale").path
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        try Self.base.write(to: dir.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
        #expect(try Self.sweep(dir, stale, ["--shard", "1/2"]).status == 0)
        let mixed = try CLI.run(["merge", out, stale, "--out", dir.appendingPathComponent("mixed").path])
        #expect(mixed.status == 2 && mixed.stderr.contains("different fleet inputs"), "\(mixed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("mixed").path))
    }

    /// A shard stopped part-way (no manifest, one answer missing, one cut short) resumes: the
    /// rerun plans only those two and keeps the rest.
    @Test func anInterruptedShardResumes() throws {
        let dir = try Self.fleetFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        #expect(try Self.sweep(dir, out).status == 0)
        let workloads = URL(fileURLWithPath: out).appendingPathComponent("workloads")
        try FileManager.default.removeItem(atPath: out + "/shard-0-of-1.json")
        let names = try FileManager.default.contentsOfDirectory(atPath: workloads.path).sorted()
        try FileManager.default.removeItem(at: workloads.appendingPathComponent(names[0] + "/results.json"))
        let cut = workloads.appendingPathComponent(names[1] + "/results.json")
        try Data(try Data(contentsOf: cut).prefix(100)).write(to: cut)
        #expect(try CLI.run(["merge", out, "--out", dir.appendingPathComponent("r").path]).status == 2)
        let r = try Self.sweep(dir, out)
        #expect(r.status == 0 && r.stdout.contains("10 workloads (2 planned, 8 kept"), "\(r.stdout)")
        #expect(try CLI.run(["merge", out, "--out", dir.appendingPathComponent("r").path]).status == 0)
    }

    /// A merge names the missing shard and its workloads, a shard given twice, and a result
    /// that is gone.
    @Test func mergeNamesWhatIsMissingOrDuplicated() throws {
        let dir = try Self.fleetFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a").path
        let b = dir.appendingPathComponent("b").path
        #expect(try Self.sweep(dir, a, ["--shard", "0/3"]).status == 0)
        #expect(try Self.sweep(dir, a, ["--shard", "1/3"]).status == 0)
        #expect(try Self.sweep(dir, b, ["--shard", "1/3"]).status == 0)
        let missing = try CLI.run(["merge", a, "--out", dir.appendingPathComponent("r").path])
        #expect(missing.status == 2 && missing.stderr.contains("shard 2/3 is missing"), "\(missing.stderr)")
        #expect(missing.stderr.contains("--shard 2/3"))
        #expect(try Self.sweep(dir, a, ["--shard", "2/3"]).status == 0)
        let twice = try CLI.run(["merge", a, b, "--out", dir.appendingPathComponent("r").path])
        #expect(twice.status == 2 && twice.stderr.contains("shard 1/3 appears twice"), "\(twice.stderr)")
        // The same folder twice is one folder.
        #expect(try CLI.run(["merge", a, a + "/", "--out", dir.appendingPathComponent("r").path]).status == 0)
        // A result deleted after the sweep.
        let workloads = URL(fileURLWithPath: a).appendingPathComponent("workloads")
        let victim = try #require(try FileManager.default.contentsOfDirectory(atPath: workloads.path).sorted().first)
        try FileManager.default.removeItem(at: workloads.appendingPathComponent(victim).appendingPathComponent("results.json"))
        let gone = try CLI.run(["merge", a, "--out", dir.appendingPathComponent("r2").path])
        #expect(gone.status == 2 && gone.stderr.contains("results.json: missing"), "\(gone.stderr)")
        // A manifest that is not one (cut short, or from another version).
        let bad = dir.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data("{\"schemaVersion\": 1}".utf8).write(to: bad.appendingPathComponent("shard-0-of-1.json"))
        let odd = try CLI.run(["merge", bad.path, "--out", dir.appendingPathComponent("r4").path])
        #expect(odd.status == 2 && odd.stderr.contains("shard-0-of-1.json: not a shard manifest this version"), "\(odd.stderr)")
        #expect(odd.stderr.contains("key 'fleet' missing"), "\(odd.stderr)")
        let empty = try CLI.run(["merge", dir.path, "--out", dir.appendingPathComponent("r3").path])
        #expect(empty.status == 2 && empty.stderr.contains("no shard manifest"), "\(empty.stderr)")
    }

    /// Answers resting on different measurements of one model (shards on other hosts, or a
    /// busy one) are flagged by the merge, in the report and on stderr.
    @Test func differingMeasurementsAreFlagged() throws {
        let dir = try Self.fleetFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        #expect(try Self.sweep(dir, out).status == 0)
        let clean = try CLI.run(["merge", out, "--out", dir.appendingPathComponent("r1").path])
        #expect(clean.status == 0 && !clean.stderr.contains("measured"), "\(clean.stderr)")
        // As if another host had measured the model of one of the tagger's members.
        let file = URL(fileURLWithPath: out).appendingPathComponent("workloads/tagger_loadScale_3_/results.json")
        var object = try Self.object(file)
        var calibration = try #require(object["calibration"] as? [String: Any])
        calibration["medianMs"] = (calibration["medianMs"] as! Double) * 1.5
        calibration["cpuModel"] = "Other CPU"
        object["calibration"] = calibration
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        let r = try CLI.run(["merge", out, "--out", dir.appendingPathComponent("r2").path])
        #expect(r.status == 0 && r.stderr.contains("was measured 2 times with different results"), "\(r.stderr)")
        #expect(r.stderr.contains("×1.50") && r.stderr.contains("Other CPU"), "\(r.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("r2/index.html"), encoding: .utf8)
        #expect(html.contains("calibration-warning"))
    }

    /// `--format json`: the split (dry run), the shard's manifest, and the merge's fleet.json.
    @Test func jsonOutput() throws {
        let dir = try Self.fleetFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fleet = dir.appendingPathComponent("fleet.yaml").path
        let split = try CLI.run(["sweep", fleet, "--quick", "--dry-run", "--shard", "0/3", "--format", "json"])
        let shards = try #require(try JSONSerialization.jsonObject(with: Data(split.stdout.utf8)) as? [[String: Any]])
        #expect(shards.count == 3)
        #expect(shards.flatMap { $0["workloads"] as? [String] ?? [] }.sorted().count == 10)
        let out = dir.appendingPathComponent("out").path
        let manifest = try CLI.json(["sweep", fleet, "--quick", "--out", out, "--format", "json"])
        #expect((manifest["workloads"] as? [Any])?.count == 10 && manifest["fleetHash"] is String)
        let merged = try CLI.run(["merge", out, "--out", dir.appendingPathComponent("r").path, "--format", "json"])
        #expect(merged.status == 0)
        let written = try Data(contentsOf: dir.appendingPathComponent("r/fleet.json"))
        #expect(Data(merged.stdout.utf8) == written + Data("\n".utf8))
    }

    /// In a Kubernetes Indexed Job the shard comes from JOB_COMPLETION_INDEX and
    /// DEPLOY_ADVISOR_SHARD_COUNT; one without the other is refused.
    @Test func shardFromTheEnvironment() throws {
        let dir = try Self.fleetFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try Self.sweep(dir, out, environment: ["JOB_COMPLETION_INDEX": "2", "DEPLOY_ADVISOR_SHARD_COUNT": "4"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/shard-2-of-4.json"))
        let half = try Self.sweep(dir, out, environment: ["JOB_COMPLETION_INDEX": "1", "DEPLOY_ADVISOR_SHARD_COUNT": nil])
        #expect(half.status == 2 && half.stderr.contains("DEPLOY_ADVISOR_SHARD_COUNT is not set"), "\(half.stderr)")
        let out5 = try Self.sweep(dir, out, environment: ["JOB_COMPLETION_INDEX": "4", "DEPLOY_ADVISOR_SHARD_COUNT": "4"])
        #expect(out5.status == 2 && out5.stderr.contains("JOB_COMPLETION_INDEX=4"), "\(out5.stderr)")
        let flag = try Self.sweep(dir, out, ["--shard", "3/3"])
        #expect(flag.status == 2 && flag.stderr.contains("--shard '3/3'"), "\(flag.stderr)")
    }

    /// Bad fleet files: each refused with exit 2, naming the problem, before anything is written.
    @Test(arguments: [
        ("workloads:\n  - { model: mlp }\n", "has no name"),
        ("workloads:\n  - { name: a, model: mlp }\n  - { name: a, model: resnet50 }\n", "'a' is used twice"),
        ("workloads:\n  - { name: 'a b', model: mlp }\n", "workload name 'a b' is not allowed"),
        ("workloads:\n  - { name: a, model: mlp, lod: 3 }\n", "unknown key 'workloads[0].lod'"),
        ("workloads:\n  - { name: a, file: nope.yaml }\n", "cannot read the workload file"),
        ("workloads:\n  - { name: a, model: nosuchmodel }\n", "key 'model'"),
        ("workloads:\n  - { name: a, model: mlp, load: { rps: -1 } }\n", "load.rps"),
        ("grid: { loadScale: [0] }\nworkloads:\n  - { name: a, model: mlp }\n", "grid.loadScale"),
        ("workloads:\n  - { name: a, model: mlp, config: [aks.bogus=1] }\n", "bogus"),
        ("workloads: []\n", "non-empty list"),
        ("defaults: { name: x }\nworkloads:\n  - { name: a, model: mlp }\n", "unknown key 'defaults.name'"),
    ])
    func badFleetsAreRefused(_ text: String, _ expected: String) throws {
        let dir = try Self.fleetFolder(text)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let r = try Self.sweep(dir, out)
        #expect(r.status == 2 && r.stderr.contains(expected), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written")
    }

    /// The Kubernetes Indexed Job and merge Job are accepted by kubernetes-validate, and the
    /// sweep's shard count matches the Job's completions (skipped without the validators).
    @Test(.enabled(if: ManifestTests.validators, "kubernetes-validate not in .build/venv: run `make test` (or make python-env)"))
    func kubernetesJobIsValid() throws {
        let job = ManifestTests.root.appendingPathComponent("deploy/kubernetes/sweep-job.yaml").path
        let ok = try ManifestTests.run(ManifestTests.python, [ManifestTests.script, job])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains("checked 4 Kubernetes documents"), "\(ok.stdout)")
        // The same check fails a Job whose shard count disagrees with its completions.
        let text = try String(contentsOfFile: job, encoding: .utf8)
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("job.yaml")
        try text.replacingOccurrences(of: "completions: 50", with: "completions: 40").write(to: bad, atomically: true, encoding: .utf8)
        let r = try ManifestTests.run(ManifestTests.python, [ManifestTests.script, bad.path])
        #expect(r.status == 1 && r.stdout.contains("is not the Job's completions"), "\(r.stdout)")
    }
}
