import Foundation
import Testing

/// `deploy-advisor manifests` and the `deploy/` files of `report`: every value from the plan,
/// accepted by the real clients (azure-ai-ml, kubernetes-validate) when `make test` installed
/// them into `.build/venv`, and a broken file caught by the same check.
@Suite("deploy-advisor manifests")
struct ManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = root.appendingPathComponent(".build/venv/bin/python").path
    static let script = root.appendingPathComponent("Scripts/validate-manifests.py").path
    /// Whether the validators are installed (else the validation tests skip, saying why).
    static let validators: Bool = {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        let r = try? run(python, ["-c", "import azure.ai.ml, kubernetes_validate, yaml"])
        return r?.status == 0
    }()

    static func run(_ executable: String, _ arguments: [String]) throws -> CLI.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLI.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: "")
    }

    /// A production workload from the internet with no cluster: managed and AKS are deployable.
    static let workload = ["--model", "mlp", "--rps", "40", "--peak-rps", "80", "--p99-ms", "200", "--environment", "production"]

    /// The files carry the plan's numbers: `plan --format json`'s managed and AKS configurations.
    @Test func everyValueComesFromThePlan() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["manifests"] + Self.workload + ["--out", dir.path, "--endpoint-name", "tagger-prod"])
        #expect(r.status == 0, "\(r.stderr)")
        let plan = try CLI.json(["plan"] + Self.workload + ["--format", "json"])
        let plans = try #require(plan["plans"] as? [[String: Any]])
        func configuration(_ target: String) throws -> [String: Any] {
            try #require(plans.first { $0["target"] as? String == target }?["configuration"] as? [String: Any])
        }
        let managed = try configuration("managed")
        let deployment = try String(contentsOf: dir.appendingPathComponent("managed/deployment.yml"), encoding: .utf8)
        #expect(deployment.contains("instance_type: \(managed["instance_type"]!)\n"))
        #expect(deployment.contains("instance_count: \(managed["instance_count"]!)\n"))
        #expect(deployment.contains("max_concurrent_requests_per_instance: \(managed["max_concurrent_requests_per_instance"]!)\n"))
        #expect(deployment.contains("endpoint_name: tagger-prod\n"))
        let autoscale = try String(contentsOf: dir.appendingPathComponent("managed/autoscale.sh"), encoding: .utf8)
        #expect(autoscale.contains("--min-count \(managed["autoscale_min_instances"]!) --max-count \(managed["autoscale_max_instances"]!)"))
        let aks = try configuration("aks")
        let v1 = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("aks/deploymentconfig.json")))
                as? [String: Any])
        let scaler = try #require(v1["autoScaler"] as? [String: Any])
        #expect(v1["computeType"] as? String == "AKS")
        #expect(scaler["maxReplicas"] as? Int == aks["autoscale_max_replicas"] as? Int)
        #expect(scaler["minReplicas"] as? Int == aks["autoscale_min_replicas"] as? Int)
        let resources = try #require(v1["containerResourceRequirements"] as? [String: Any])
        #expect(resources["cpu"] as? Double == aks["cpu_cores"] as? Double)
        // The same bytes twice (no dictionary order leaks into the files).
        let again = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: again) }
        #expect(try CLI.run(["manifests"] + Self.workload + ["--out", again.path, "--endpoint-name", "tagger-prod"]).status == 0)
        for f in ["managed/deployment.yml", "aks/deployment.yml", "aks/kubernetes.yml", "aks/deploymentconfig.json"] {
            #expect(try Data(contentsOf: dir.appendingPathComponent(f)) == Data(contentsOf: again.appendingPathComponent(f)), "\(f)")
        }
    }

    @Test func badReferencesAreRefusedWithExit2() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["manifests"] + Self.workload + ["--out", dir.path, "--endpoint-name", "9-bad_name"])
        #expect(r.status == 2 && r.stderr.contains("--endpoint-name '9-bad_name'"), "\(r.stderr)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.isEmpty ?? true, "nothing written")
    }

    /// azure-ai-ml accepts every v2 YAML, kubernetes-validate the Kubernetes file, and the JSON
    /// and IoT Edge files parse with the right computeType and structure — for a site workload
    /// (ACI, AKS, managed, IoT Edge) and an FPGA plan. A string instance count is caught.
    @Test(.enabled(if: validators, "azure-ai-ml / kubernetes-validate not in .build/venv: run `make test` (or make python-env)"))
    func theRealClientsAcceptTheFilesAndCatchABrokenOne() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let site = ["--model", "mobilenetv2", "--rps", "10", "--p99-ms", "300", "--requests-from", "site", "--environment", "dev-test"]
        #expect(try CLI.run(["manifests"] + site + ["--out", dir.path]).status == 0)
        let fpga = dir.appendingPathComponent("fpga-plan")
        let f = try CLI.run(
            [
                "manifests", "--model", "resnet50", "--rps", "100", "--p99-ms", "10", "--requests-from", "azure", "--target", "fpga",
                "--out", fpga.path,
            ])
        #expect(f.status == 0, "\(f.stderr)")
        let good = try Self.run(Self.python, [Self.script, dir.path])
        #expect(good.status == 0, "\(good.stdout)")
        for file in [
            "managed/deployment.yml", "aks/deployment.yml", "aks/kubernetes.yml", "iot-edge/deployment.json", "aci/deploymentconfig.json",
        ] {
            #expect(good.stdout.contains(file), "\(file) was not checked: \(good.stdout)")
        }
        let fpgaCheck = try Self.run(Self.python, [Self.script, fpga.path])
        #expect(fpgaCheck.status == 0 && fpgaCheck.stdout.contains("fpga/deploymentconfig.json"), "\(fpgaCheck.stdout)")
        // A wrong value: the instance count as a string.
        let path = dir.appendingPathComponent("managed/deployment.yml")
        let text = try String(contentsOf: path, encoding: .utf8)
        let broken = text.replacingOccurrences(of: #"instance_count: \d+"#, with: "instance_count: three", options: .regularExpression)
        #expect(broken != text)
        try broken.write(to: path, atomically: true, encoding: .utf8)
        let bad = try Self.run(Self.python, [Self.script, dir.path])
        #expect(bad.status == 1 && bad.stdout.contains("managed/deployment.yml"), "\(bad.stdout)")
    }

    /// `report --out DIR` writes the same files under DIR/deploy/ and links them.
    @Test func reportWritesThemUnderDeploy() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["report"] + Self.workload + ["--duration-s", "60", "--out", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("href=\"deploy/managed/deployment.yml\""))
        let direct = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: direct) }
        #expect(try CLI.run(["manifests"] + Self.workload + ["--duration-s", "60", "--out", direct.path]).status == 0)
        #expect(
            try Data(contentsOf: dir.appendingPathComponent("deploy/managed/deployment.yml"))
                == Data(contentsOf: direct.appendingPathComponent("managed/deployment.yml")))
    }
}

@Suite("Reports killed mid-run")
struct KilledReportTests {
    /// Starts `report`, sends `signal` after `delay` seconds; true when the signal ended it.
    static func killedRun(_ arguments: [String], temporary: URL, signal: Int32, after delay: Double) throws -> Bool {
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = temporary.path
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: delay)
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        return p.terminationReason == .uncaughtSignal
    }

    /// SIGTERM or SIGINT at any moment: the directory holds the previous whole set (or the new
    /// one), no staging directory and no plot files in TMPDIR. After SIGKILL the next run
    /// removes what the killed one left.
    @Test func theDirectoryHoldsOneWholeSetAndNoTemporaryFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("report")
        let temporary = dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let arguments =
            ["report"] + ManifestTests.workload + [
                "--duration-s", "60", "--out", out.path, "--cache-dir", dir.appendingPathComponent("cache").path,
            ]
        #expect(try CLI.run(arguments).status == 0)
        let first = try Data(contentsOf: out.appendingPathComponent("results.json"))
        var killed = 0
        for (i, delay) in stride(from: 0.05, through: 0.6, by: 0.05).enumerated() {
            if try Self.killedRun(arguments, temporary: temporary, signal: i % 2 == 0 ? SIGTERM : SIGINT, after: delay) { killed += 1 }
            let leftovers = (try FileManager.default.contentsOfDirectory(atPath: temporary.path))
            #expect(leftovers.isEmpty, "after a signal at \(delay) s: \(leftovers)")
            // No staging left; a signal after the switch may leave the previous (whole) run, which the
            // next write removes.
            let runs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(".runs").path)
            #expect(
                !runs.isEmpty && runs.count <= 2 && runs.allSatisfy { !$0.hasSuffix(".partial") && !$0.hasPrefix(".") },
                "after a signal at \(delay) s: \(runs)")
            let current = try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("current").path)
            #expect(runs.contains { ".runs/" + $0 == current }, "\(current) vs \(runs)")
            // The whole set: every link resolves into the one run, results.json as the first run wrote it
            // (the simulation is deterministic) or a new run's identical one.
            #expect(try Data(contentsOf: out.appendingPathComponent("results.json")) == first)
            for name in ["index.html", "summary.md", "deploy/managed/deployment.yml"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) after \(delay) s")
            }
        }
        #expect(killed > 0, "no run was ended by the signal: the delays are too long for this machine")
        // SIGKILL cannot be handled: what it leaves goes with the next run.
        _ = try Self.killedRun(arguments, temporary: temporary, signal: SIGKILL, after: 0.3)
        #expect(try CLI.run(arguments).status == 0)
        let runs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(".runs").path)
        #expect(runs.count == 1 && !runs[0].hasSuffix(".partial"), "\(runs)")
    }
}
