import Foundation
import Synchronization
import Testing

@testable import Reporting

@Suite("Report sets switched as one")
struct DirectoryWriterTests {
    static func text(_ dir: URL, _ name: String) -> String? {
        try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
    }

    static func set(_ tag: String, _ names: [String]) -> [String: Data] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, Data("\(tag):\($0)".utf8)) })
    }

    static func entries(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    @Test func aNewSetReplacesTheOldOneAndDropsNamesItNoLongerHas() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "mine".write(to: dir.appendingPathComponent("workload.yaml"), atomically: true, encoding: .utf8)
        try DirectoryWriter.write(Self.set("a", ["index.html", "old.csv", "deploy/aks/x.yml"]), to: dir.path)
        #expect(Self.text(dir, "index.html") == "a:index.html" && Self.text(dir, "deploy/aks/x.yml") == "a:deploy/aks/x.yml")
        #expect(Self.text(dir, "old.csv") == "a:old.csv")
        try DirectoryWriter.write(Self.set("b", ["index.html", "deploy/aks/x.yml", "new.csv"]), to: dir.path)
        #expect(Self.text(dir, "index.html") == "b:index.html" && Self.text(dir, "deploy/aks/x.yml") == "b:deploy/aks/x.yml")
        #expect(Self.text(dir, "new.csv") == "b:new.csv" && Self.text(dir, "old.csv") == nil)
        #expect(Self.entries(dir) == [".runs", "current", "deploy", "index.html", "new.csv", "workload.yaml"])
        #expect(Self.text(dir, "workload.yaml") == "mine")
        // One run left, the one `current` names.
        let runs = Self.entries(dir.appendingPathComponent(".runs"))
        let current = try FileManager.default.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("current").path)
        #expect(runs.count == 1 && current == ".runs/" + runs[0])
    }

    /// A report written before runs existed (regular files and a `deploy/` directory) becomes links.
    @Test func theLayoutBeforeRunsIsTakenOver() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("deploy/aks"), withIntermediateDirectories: true)
        try "old".write(to: dir.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "old".write(to: dir.appendingPathComponent("deploy/aks/x.yml"), atomically: true, encoding: .utf8)
        // A staging directory left by a killed run of the old layout (its process is gone).
        let dead = try Self.deadProcessID()
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent(".partial-\(dead)-abcd1234"), withIntermediateDirectories: true)
        try DirectoryWriter.write(Self.set("b", ["index.html", "deploy/aks/x.yml"]), to: dir.path)
        #expect(Self.text(dir, "index.html") == "b:index.html" && Self.text(dir, "deploy/aks/x.yml") == "b:deploy/aks/x.yml")
        #expect(Self.entries(dir) == [".runs", "current", "deploy", "index.html"])
        #expect(Self.entries(dir.appendingPathComponent(".runs")).count == 1)
    }

    /// A run killed with SIGKILL leaves `.runs/<id>.partial`; the next write removes it once its
    /// process is gone, and keeps one whose process still runs.
    @Test func abandonedStagingIsRemovedOnlyWhenItsProcessIsGone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent(".runs")
        let dead = try Self.deadProcessID()
        let abandoned = runs.appendingPathComponent("20260101T000000Z-\(dead).partial")
        let live = runs.appendingPathComponent("20260101T000000Z-\(getppid()).partial")
        for d in [abandoned, live] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try DirectoryWriter.write(Self.set("a", ["index.html"]), to: dir.path)
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
    }

    /// A file of the user's named `current` is never replaced.
    @Test func aForeignCurrentIsKept() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "mine".write(to: dir.appendingPathComponent("current"), atomically: true, encoding: .utf8)
        #expect(throws: DirectoryWriter.WriteError.self) { try DirectoryWriter.write(Self.set("a", ["index.html"]), to: dir.path) }
        #expect(Self.text(dir, "current") == "mine" && Self.text(dir, "index.html") == nil)
    }

    @Test func reservedNamesAreRefused() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["current", ".runs/x", ".hidden"] {
            #expect(throws: DirectoryWriter.WriteError.self) { try DirectoryWriter.write([name: Data()], to: dir.path) }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path), "a refused write creates nothing")
    }

    /// A reader resolving `current` once sees one whole set while sets are switched under it.
    @Test func aReaderNeverSeesAMix() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = ["index.html", "results.json", "summary.md", "deploy/aks/x.yml"]
        try DirectoryWriter.write(Self.set("0", names), to: dir.path)
        let reads = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        // A thread of its own: the test pool's threads may all be busy with other suites.
        let mixed = Mutex<[String]>([])
        let finished = DispatchSemaphore(value: 0)
        let reader = Thread {
            defer { finished.signal() }
            while !stop.load(ordering: .acquiring) {
                guard let run = try? FileManager.default.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("current").path)
                else {
                    mixed.withLock { $0.append("no current link") }
                    return
                }
                let base = dir.appendingPathComponent(run)
                let tags = names.compactMap { Self.text(base, $0)?.split(separator: ":").first.map(String.init) }
                // A run removed between resolving and reading gives no text: read again.
                if tags.count == names.count {
                    reads.add(1, ordering: .relaxed)
                    if Set(tags).count != 1 { mixed.withLock { $0.append(tags.joined(separator: ",")) } }
                }
            }
        }
        reader.start()
        // Switch sets until the reader has read many times while they were switched.
        var i = 0
        while i < 60 || (reads.load(ordering: .relaxed) < 300 && i < 5000) {
            i += 1
            try DirectoryWriter.write(Self.set("\(i)", names), to: dir.path)
        }
        stop.store(true, ordering: .releasing)
        finished.wait()
        let seen = mixed.withLock { $0 }
        #expect(seen.isEmpty, "\(seen.prefix(5))")
        #expect(reads.load(ordering: .relaxed) >= 300, "the reader read \(reads.load(ordering: .relaxed)) times")
        #expect(Self.text(dir, "results.json") == "\(i):results.json")
    }

    /// The pid of a child that has exited and been reaped.
    static func deadProcessID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }
}
