import Foundation

import struct Inference.HostCalibration
import struct Inference.ModelSource
import struct Targets.ModelCalibration
import struct Targets.Pricing
import struct Targets.TargetConfigurations

/// Estimated seconds of work per fleet member, for balancing shards (`sweep --shard`). Fitted
/// to this machine's sweep of the example fleet (see the README's fleet section); only their
/// ratios matter for the balance.
package enum FleetCost {
    /// Planning one workload once its model is measured: a fixed part, plus the simulated
    /// requests (peak rate × duration) the verification replays over the five targets.
    package static func workloadSeconds(_ w: Workload, quick: Bool) -> Double {
        if quick { return 0.02 }
        let requests = min(w.load.effectivePeakRps * w.load.durationSeconds, Double(Workload.maxSimulatedRequests))
        return 0.3 + 1.4e-6 * requests
    }

    /// Measuring a model here (calibration and the FPGA formats' accuracy check), by its work size.
    package static func calibrationSeconds(macs: Int, batch: Int) -> Double {
        1.5 + 8e-9 * Double(macs) * Double(batch)
    }
}

extension Fleet {
    /// The shard of every member for `count` shards: deterministic (independent of the file's
    /// order) and balanced by estimated cost. A shard pays once for measuring each model it
    /// holds, so a model's members are kept together unless their planning work is more than a
    /// shard's fair share leaves after the measurement: then they are split into as few chunks
    /// as fit (each chunk paying the measurement). The chunks are then placed longest first, each on the
    /// shard with the least work so far (Graham's LPT rule, within 4/3 of the optimum).
    ///
    /// - Returns: `shardOf[i]` for `members[i]`, each in `0..<count`.
    package func assignment(shards count: Int) -> [Int] {
        precondition(count >= 1)
        func key(_ i: Int) -> String { members[i].modelKey + "|\(members[i].workload.batch)" }
        func longestFirst(_ a: Int, _ b: Int) -> Bool {
            let x = members[a].estimatedSeconds
            let y = members[b].estimatedSeconds
            return x != y ? x > y : members[a].name < members[b].name
        }
        let groups = Dictionary(grouping: members.indices, by: key)
        let total = groups.values.map { g in members[g[0]].calibrationSeconds + g.map { members[$0].estimatedSeconds }.reduce(0, +) }
            .reduce(0, +)
        let share = total / Double(count)
        var chunks: [(cost: Double, members: [Int], name: String)] = []
        for k in groups.keys.sorted() {
            let g = groups[k]!.sorted(by: longestFirst)
            let calibration = members[g[0]].calibrationSeconds
            let work = g.map { members[$0].estimatedSeconds }.reduce(0, +)
            // As many chunks as bring each chunk's work within what is left of a share after
            // the measurement (at least half a share: a model whose measurement alone exceeds
            // a share is split only when its planning work does too).
            let room = max(share - calibration, share / 2, 1e-9)
            let pieces = max(1, min(g.count, count, Int((work / room).rounded(.up))))
            var parts = Array(repeating: (cost: calibration, members: [Int]()), count: pieces)
            for i in g {
                let p = parts.indices.min { (parts[$0].cost, $0) < (parts[$1].cost, $1) }!
                parts[p].cost += members[i].estimatedSeconds
                parts[p].members.append(i)
            }
            for p in parts where !p.members.isEmpty {
                chunks.append((p.cost, p.members, p.members.map { members[$0].name }.min()!))
            }
        }
        chunks.sort { $0.cost != $1.cost ? $0.cost > $1.cost : $0.name < $1.name }
        var load = Array(repeating: 0.0, count: count)
        var shardOf = Array(repeating: 0, count: members.count)
        for c in chunks {
            let s = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
            load[s] += c.cost
            for i in c.members { shardOf[i] = s }
        }
        return shardOf
    }

    /// The fleet balanced by planning work alone: its models are measured already (a
    /// `sweep --calibrate-only` filled the shared cache). Every shard must be given the same
    /// choice, since it changes the split (`merge` checks that the shards agree).
    package func assumingMeasured() -> Fleet {
        var f = self
        for i in f.members.indices { f.members[i].calibrationSeconds = 0 }
        f.balancedWithMeasurement = false
        return f
    }

    /// Estimated seconds of each shard under ``assignment(shards:)``.
    package func estimatedLoad(shards count: Int) -> [Double] {
        let shardOf = assignment(shards: count)
        var load = Array(repeating: 0.0, count: count)
        var models = Array(repeating: Set<String>(), count: count)
        for (i, m) in members.enumerated() {
            let s = shardOf[i]
            load[s] += m.estimatedSeconds
            if models[s].insert(m.modelKey + "|\(m.workload.batch)").inserted { load[s] += m.calibrationSeconds }
        }
        return load
    }
}

/// A shard: `index/count`, from `--shard i/n` or a Kubernetes Indexed Job's environment.
package struct ShardSpec: Sendable, Equatable {
    package var index: Int
    package var count: Int

    package static let countVariable = "DEPLOY_ADVISOR_SHARD_COUNT"

    /// Parses `i/n` (0 ≤ i < n ≤ 100000; `i` is 0-based, as `JOB_COMPLETION_INDEX`).
    package init(parsing text: String) throws(WorkloadError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 100_000, (0..<n).contains(i) else {
            throw WorkloadError("--shard '\(text)' is not allowed; allowed: i/n with 0 ≤ i < n ≤ 100000 (e.g. 0/4; i is 0-based)")
        }
        index = i
        count = n
    }

    package init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The shard from the environment when `--shard` is not given: `JOB_COMPLETION_INDEX` (set
    /// by Kubernetes in an Indexed Job's pods) with `DEPLOY_ADVISOR_SHARD_COUNT` (the Job's
    /// `completions`); neither set: the whole fleet (0/1).
    package static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(WorkloadError) -> ShardSpec {
        let index = env["JOB_COMPLETION_INDEX"].flatMap { $0.isEmpty ? nil : $0 }
        let count = env[countVariable].flatMap { $0.isEmpty ? nil : $0 }
        switch (index, count) {
        case (nil, nil): return ShardSpec(index: 0, count: 1)
        case (let i?, nil):
            throw WorkloadError(
                "JOB_COMPLETION_INDEX is \(i) but \(countVariable) is not set: set it to the Job's completions (or pass --shard i/n)")
        case (nil, let n?):
            throw WorkloadError("\(countVariable) is \(n) but JOB_COMPLETION_INDEX is not set: pass --shard i/n")
        case (let i?, let n?):
            do {
                return try ShardSpec(parsing: "\(i)/\(n)")
            } catch {
                throw WorkloadError("JOB_COMPLETION_INDEX=\(i) with \(countVariable)=\(n): \(error.message)")
            }
        }
    }

    package var manifestName: String { "shard-\(index)-of-\(count).json" }
}

/// What one fleet member's answer came from: the model's measurement here (or the profile's estimate).
package struct CalibrationSummary: Sendable, Codable, Equatable {
    package var modelKey: String
    package var batch: Int
    /// False for `--quick` (the profile's estimate, the same everywhere).
    package var measured: Bool
    package var cpuModel: String
    package var cores: Int
    package var openblas: String
    /// Median one-thread inference time here, ms.
    package var medianMs: Double
    /// The host as measured with the model: one-thread sgemm GFLOP/s and copy bandwidth, GB/s.
    package var sgemmGflops1: Double
    package var memoryGBps: Double

    init(_ c: ModelCalibration, modelKey: String, measured: Bool) {
        self.modelKey = modelKey
        batch = c.batch
        self.measured = measured
        cpuModel = c.host.cpuModel
        cores = c.host.cores
        openblas = c.host.openblas
        medianMs = c.median1 * 1e3
        sgemmGflops1 = c.host.sgemmGflops1
        memoryGBps = c.host.memoryGBps
    }
}

/// A sweep's answer for one fleet member: `workloads/<name>/results.json`.
package struct FleetResult: Sendable, Codable {
    package var schemaVersion = 1
    package var name: String
    package var inputHash: String
    package var toolVersion: String
    package var quick: Bool
    /// The workload as the fleet states it (relative paths relative to the fleet file).
    package var workload: Workload
    package var weights: PreferenceWeights
    package var settings: [String]
    package var recommendation: Recommendation
    package var calibration: CalibrationSummary
    /// Wall seconds this answer took (measurement included when this member measured its model).
    package var seconds: Double
}

/// A shard's record, written last: `shard-<i>-of-<n>.json` in the sweep's folder.
package struct ShardManifest: Sendable, Codable {
    package struct Member: Sendable, Codable, Equatable {
        package var name: String
        package var directory: String
        package var inputHash: String
        package var shard: Int
    }

    package enum Status: String, Sendable, Codable {
        /// Planned in this run.
        case computed
        /// A finished answer with the same inputs was already there.
        case reused
        /// Planning failed (see `error`).
        case failed
    }

    package struct Entry: Sendable, Codable {
        package var name: String
        package var directory: String
        package var inputHash: String
        package var status: Status
        package var seconds: Double
        package var estimatedSeconds: Double
        package var error: String?
    }

    package var schemaVersion = 1
    package var fleet: String
    package var fleetHash: String
    package var toolVersion: String
    package var quick: Bool
    package var shard: Int
    package var shards: Int
    /// Whether the split counted measuring the models (false with `--cached-calibrations`).
    package var balancedWithMeasurement: Bool
    /// Every member of the fleet and its shard: what `merge` checks coverage against.
    package var assignment: [Member]
    /// This shard's members, in the order they ran.
    package var workloads: [Entry]
    package var host: String
    package var calibrations: [CalibrationSummary]
    package var estimatedSeconds: Double
    package var wallSeconds: Double
    package var finishedAt: String
}

/// Runs one shard of a fleet: plans each of its members (measuring each model once), writes
/// each answer atomically, skips members already answered with the same inputs, and writes
/// the shard's manifest last.
package struct FleetSweep: Sendable {
    package var fleet: Fleet
    package var shard: ShardSpec
    package var out: String
    package var cacheDirectory: String?
    package var pricing: Pricing = .defaults

    package init(fleet: Fleet, shard: ShardSpec, out: String, cacheDirectory: String?) {
        self.fleet = fleet
        self.shard = shard
        self.out = out
        self.cacheDirectory = cacheDirectory
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    package func resultPath(_ m: FleetMember) -> String { out + "/workloads/" + m.directory + "/results.json" }

    /// A finished answer for `m` with the same inputs and tool version, if one is there.
    package func finished(_ m: FleetMember) -> FleetResult? {
        guard let data = FileManager.default.contents(atPath: resultPath(m)),
            let r = try? JSONDecoder().decode(FleetResult.self, from: data),
            r.inputHash == m.inputHash, r.toolVersion == Study.toolVersion, r.name == m.name
        else { return nil }
        return r
    }

    /// Runs the shard; `progress` gets one line per member.
    package func run(progress: (String) -> Void = { _ in }) throws -> ShardManifest {
        let started = Date()
        let shardOf = fleet.assignment(shards: shard.count)
        let mine = fleet.members.indices.filter { shardOf[$0] == shard.index }.map { fleet.members[$0] }
            .sorted { ($0.modelKey, $0.workload.batch, $0.name) < ($1.modelKey, $1.workload.batch, $1.name) }
        try FileManager.default.createDirectory(atPath: out + "/workloads", withIntermediateDirectories: true)
        var calibrations: [String: ModelCalibration] = [:]
        var used: [String: CalibrationSummary] = [:]
        var entries: [ShardManifest.Entry] = []
        var measuredModels: Set<String> = []
        for (n, m) in mine.enumerated() {
            let key = m.modelKey + "|\(m.workload.batch)"
            let estimate = m.estimatedSeconds + (measuredModels.insert(key).inserted ? m.calibrationSeconds : 0)
            var entry = ShardManifest.Entry(
                name: m.name, directory: m.directory, inputHash: m.inputHash, status: .computed, seconds: 0, estimatedSeconds: estimate)
            if let done = finished(m) {
                entry.status = .reused
                entry.seconds = done.seconds
                used[key] = used[key] ?? done.calibration
                progress("[\(n + 1)/\(mine.count)] \(m.name): answered before with the same inputs (kept)")
                entries.append(entry)
                continue
            }
            let t0 = Date()
            do {
                let result = try answer(m, calibrations: &calibrations)
                var r = result
                r.seconds = Date().timeIntervalSince(t0)
                entry.seconds = r.seconds
                used[key] = r.calibration
                let path = resultPath(m)
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try Self.encoder.encode(r).write(to: URL(fileURLWithPath: path), options: .atomic)
                progress(
                    String(
                        format: "[%d/%d] %@: %@ (%.1f s)", n + 1, mine.count, m.name, r.recommendation.recommendation?.rawValue ?? "none",
                        r.seconds))
            } catch {
                entry.status = .failed
                entry.seconds = Date().timeIntervalSince(t0)
                entry.error = "\(error)"
                progress("[\(n + 1)/\(mine.count)] \(m.name): failed: \(error)")
            }
            entries.append(entry)
        }
        let manifest = ShardManifest(
            fleet: fleet.name, fleetHash: fleet.hash, toolVersion: Study.toolVersion, quick: fleet.quick, shard: shard.index,
            shards: shard.count, balancedWithMeasurement: fleet.balancedWithMeasurement,
            assignment: fleet.members.indices.map {
                .init(
                    name: fleet.members[$0].name, directory: fleet.members[$0].directory, inputHash: fleet.members[$0].inputHash,
                    shard: shardOf[$0])
            }, workloads: entries, host: "\(HostCalibration.cpuModelName()), \(ProcessInfo.processInfo.activeProcessorCount) cores",
            calibrations: used.keys.sorted().map { used[$0]! },
            estimatedSeconds: fleet.estimatedLoad(shards: shard.count)[shard.index], wallSeconds: Date().timeIntervalSince(started),
            finishedAt: ISO8601DateFormatter().string(from: Date()))
        try Self.encoder.encode(manifest).write(to: URL(fileURLWithPath: out + "/" + shard.manifestName), options: .atomic)
        return manifest
    }

    /// Measures each model of the shard's members once into the cache (with the FPGA formats'
    /// accuracy check), without planning: run it once before the shards so that every shard
    /// reads the same measurements. Returns each model's measurement and whether it was cached
    /// (a busy host's measurement is not).
    package func calibrate(progress: (String) -> Void = { _ in }) throws -> [(summary: CalibrationSummary, cached: Bool)] {
        guard let cacheDirectory else { throw WorkloadError("--calibrate-only needs the calibration cache (not --no-cache)") }
        let shardOf = fleet.assignment(shards: shard.count)
        var seen: Set<String> = []
        var out: [(summary: CalibrationSummary, cached: Bool)] = []
        for (i, m) in fleet.members.enumerated() where shardOf[i] == shard.index {
            guard seen.insert(m.modelKey + "|\(m.workload.batch)").inserted else { continue }
            let workload = m.resolvedWorkload(baseDirectory: fleet.baseDirectory)
            let model = try ModelSource.load(workload.model, inputShapes: workload.modelInputShapes)
            progress("measuring \(model.name) (batch \(workload.batch)) and its FPGA formats' accuracy")
            let calibration = try Study.measure(model, batch: workload.batch, cacheDirectory: cacheDirectory)
            _ = try Study.prepare(
                workload, model: model, calibration: calibration, configurations: TargetConfigurations(), pricing: pricing,
                cacheDirectory: cacheDirectory)
            let cached = Study.cachedCalibration(model, batch: workload.batch, cacheDirectory: cacheDirectory) != nil
            out.append((CalibrationSummary(calibration, modelKey: model.cacheKey, measured: true), cached))
        }
        return out
    }

    /// Plans one member: the same study as `recommend` (measured, or the profile's estimate
    /// with `--quick`), with the member's weights and settings.
    func answer(_ m: FleetMember, calibrations: inout [String: ModelCalibration]) throws -> FleetResult {
        let workload = m.resolvedWorkload(baseDirectory: fleet.baseDirectory)
        var configurations = TargetConfigurations()
        try configurations.apply(m.settings)
        let study: Study
        if fleet.quick {
            study = try Study.prepare(workload, configurations: configurations, pricing: pricing, cacheDirectory: nil, quick: true)
        } else {
            let model = try ModelSource.load(workload.model, inputShapes: workload.modelInputShapes)
            let key = model.cacheKey + "|\(workload.batch)"
            let calibration = try calibrations[key] ?? Study.measure(model, batch: workload.batch, cacheDirectory: cacheDirectory)
            calibrations[key] = calibration
            study = try Study.prepare(
                workload, model: model, calibration: calibration, configurations: configurations, pricing: pricing,
                cacheDirectory: cacheDirectory)
        }
        let plans = try study.plan(verify: !fleet.quick)
        let recommendation = study.recommend(plans, weights: m.weights, quick: fleet.quick)
        return FleetResult(
            name: m.name, inputHash: m.inputHash, toolVersion: Study.toolVersion, quick: fleet.quick, workload: m.workload,
            weights: m.weights, settings: m.settings, recommendation: recommendation,
            calibration: CalibrationSummary(study.calibration, modelKey: study.model.cacheKey, measured: study.measured), seconds: 0)
    }
}
