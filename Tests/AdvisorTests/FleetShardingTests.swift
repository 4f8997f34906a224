import Foundation
import Testing

@testable import Advisor

/// How a fleet is split into shards: every member exactly once, balanced by estimated cost
/// (not by position), the same split whatever the order of the file.
@Suite("Fleet sharding")
struct FleetShardingTests {
    static func fleet(_ entries: [String], grid: String = "", quick: Bool = false) throws -> Fleet {
        let text = grid + "workloads:\n" + entries.map { "  - " + $0 }.joined(separator: "\n") + "\n"
        return try Fleet.parse(text, source: "fleet.yaml", baseDirectory: "", quick: quick)
    }

    /// The classic bound of greedy longest-first scheduling (Graham 1969): no shard exceeds
    /// 4/3 of the optimum, and the optimum is at least max(mean load, largest member).
    @Test func balancedByEstimatedCost() throws {
        var entries = ["{ name: heavy, model: mlp, load: { rps: 2000, durationSeconds: 3600 } }"]
        for i in 0..<15 { entries.append("{ name: light\(i), model: mlp, load: { rps: \(10 + 20 * i), durationSeconds: 600 } }") }
        let f = try Self.fleet(entries)
        for n in [1, 2, 3, 4, 7] {
            let shardOf = f.assignment(shards: n)
            #expect(shardOf.count == f.members.count && shardOf.allSatisfy { (0..<n).contains($0) })
            let load = f.estimatedLoad(shards: n)
            // Each shard pays for measuring its model once: the bound's items are the members'
            // own estimates, plus one calibration per shard.
            let calibration = f.members[0].calibrationSeconds
            let work = f.members.map(\.estimatedSeconds)
            let lower = max(work.reduce(0, +) / Double(n), work.max()!) + calibration
            #expect(load.max()! <= 4.0 / 3.0 * lower + 1e-9, "n=\(n): \(load) vs lower bound \(lower)")
            #expect(abs(load.reduce(0, +) - (work.reduce(0, +) + calibration * Double(Set(shardOf).count))) < 1e-6)
        }
        // With two shards the heavy member (most of the work) shares its shard with few others.
        let two = f.assignment(shards: 2)
        let heavyShard = two[0]
        #expect(two.filter { $0 == heavyShard }.count < two.filter { $0 != heavyShard }.count)
    }

    /// Members of one model stay together when that is as balanced: a shard measures a model once.
    @Test func modelsAreMeasuredOncePerShard() throws {
        var entries: [String] = []
        for i in 0..<8 { entries.append("{ name: r\(i), model: resnet50, load: { rps: 5, durationSeconds: 60 } }") }
        for i in 0..<8 { entries.append("{ name: m\(i), model: mobilenetv2, load: { rps: 5, durationSeconds: 60 } }") }
        let f = try Self.fleet(entries)
        let shardOf = f.assignment(shards: 2)
        let models = (0..<2).map { s in Set(f.members.indices.filter { shardOf[$0] == s }.map { f.members[$0].modelKey }) }
        #expect(models.allSatisfy { $0.count == 1 } && models[0] != models[1], "\(models)")
    }

    /// The split depends on the members, not on their order in the file; the grid expands each
    /// workload with names that say which combination it is.
    @Test func deterministicAndOrderFree() throws {
        let entries = (0..<12).map { "{ name: w\($0), model: \(["mlp", "gru", "lstm"][$0 % 3]), load: { rps: \(5 + $0 * 7) } }" }
        let grid = "grid: { loadScale: [1, 2], p99Ms: [50, 500] }\n"
        let a = try Self.fleet(entries, grid: grid)
        let b = try Self.fleet(entries.reversed(), grid: grid)
        #expect(a.members.count == 48)
        #expect(a.members.first?.name == "w0[p99Ms=50,loadScale=1]")
        #expect(a.members.first?.workload.latency.p99Ms == 50)
        #expect(a.members[1].workload.load.rps == 10)
        for n in [2, 5] {
            let sa = a.assignment(shards: n)
            let sb = b.assignment(shards: n)
            let mapA = Dictionary(uniqueKeysWithValues: zip(a.members.map(\.name), sa))
            let mapB = Dictionary(uniqueKeysWithValues: zip(b.members.map(\.name), sb))
            #expect(mapA == mapB)
            #expect(a.assignment(shards: n) == sa)
        }
        // Same inputs, same hash; a changed workload changes its hash and the fleet's.
        #expect(a.hash == (try Self.fleet(entries, grid: grid)).hash)
        var changed = entries
        changed[3] = changed[3].replacingOccurrences(of: "rps: 26", with: "rps: 27")
        let c = try Self.fleet(changed, grid: grid)
        #expect(c.hash != a.hash)
        let differing = zip(a.members, c.members).filter { $0.inputHash != $1.inputHash }.map(\.0.name)
        #expect(differing.count == 4 && differing.allSatisfy { $0.hasPrefix("w3[") }, "\(differing)")
    }

    /// Entries override their workload file, which overrides the defaults, key by key inside
    /// nested mappings; relative paths in a workload file stay relative to that file.
    @Test func overridesAndPaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("da-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: base\nmodel: mlp\nload: { rps: 10, peakRps: 40, pattern: trace, traceFile: trace.csv }\nlatency: { p99Ms: 80 }\n".write(
            to: dir.appendingPathComponent("sub/w.yaml"), atomically: true, encoding: .utf8)
        try "0.0\n0.5\n1.0\n".write(to: dir.appendingPathComponent("sub/trace.csv"), atomically: true, encoding: .utf8)
        let text = """
            defaults: { seed: 9, load: { durationSeconds: 120 } }
            workloads:
              - { file: sub/w.yaml, name: over, load: { rps: 20 } }
            """
        let f = try Fleet.parse(text, source: "fleet.yaml", baseDirectory: dir.path, quick: true)
        let w = try #require(f.members.first?.workload)
        #expect(w.name == "over" && w.seed == 9)
        #expect(w.load.rps == 20 && w.load.peakRps == 40 && w.load.durationSeconds == 120 && w.latency.p99Ms == 80)
        #expect(w.load.traceFile == "sub/trace.csv")
        #expect(f.members[0].resolvedWorkload(baseDirectory: dir.path).load.traceFile == dir.path + "/sub/trace.csv")
        // The trace's content is part of the member's inputs.
        let before = f.members[0].inputHash
        try "0.0\n0.25\n1.0\n".write(to: dir.appendingPathComponent("sub/trace.csv"), atomically: true, encoding: .utf8)
        let after = try Fleet.parse(text, source: "fleet.yaml", baseDirectory: dir.path, quick: true).members[0].inputHash
        #expect(before != after)
    }
}
