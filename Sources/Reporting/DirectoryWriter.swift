import Foundation
import Synchronization

/// Writes a set of files into a directory as one switch: a reader sees the previous set or the
/// new one, never a mix.
///
/// The set is written into `DIR/.runs/<id>.partial/`, renamed to `DIR/.runs/<id>/`, and the
/// symbolic link `DIR/current` is switched to it with one rename(2) (the release pattern of
/// deployment tools: a new link made beside the old one, then renamed over it). Each top-level
/// name of the set (`index.html`, `deploy`, …) is a link `DIR/<name> → current/<name>`, made
/// once, so paths stay `DIR/index.html`. Everything is staged inside DIR, so every rename stays
/// on one file system (DIR may be a mount point, e.g. a container volume at `/out`).
///
/// After the switch the previous run is removed: a reader that already opened its files keeps
/// reading them (POSIX unlink semantics); one that opens a file after that gets the new set.
/// Links of names the new set no longer has are removed; other files in DIR (such as the
/// `workload.yaml` a report came from) are kept. A run killed before the switch leaves only a
/// `.runs/<id>.partial` directory, removed on SIGINT/SIGTERM/SIGHUP (``TemporaryFiles``) or, after
/// SIGKILL, by the next write once its process is gone.
package enum DirectoryWriter {
    static let runsDirectory = ".runs"
    static let currentLink = "current"

    package struct WriteError: Error, CustomStringConvertible {
        package let description: String
    }

    package static func write(_ files: [String: Data], to directory: String) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        // Refusals first, so a refused write leaves nothing behind.
        let tops = Set(files.keys.map { String($0.split(separator: "/", maxSplits: 1)[0]) })
        for name in tops where name == runsDirectory || name == currentLink || name.hasPrefix(".") {
            throw WriteError(description: "\(target.path): '\(name)' is reserved for the writer's own use")
        }
        // A `current` that is not this writer's link is someone's file: never replaced.
        let currentPath = target.appendingPathComponent(currentLink).path
        let currentDestination = try? fm.destinationOfSymbolicLink(atPath: currentPath)
        if currentDestination.map({ !$0.hasPrefix(runsDirectory + "/") }) ?? fm.fileExists(atPath: currentPath) {
            throw WriteError(
                description: "\(currentPath) exists and is not a report's link to \(runsDirectory)/: move it, or write the report elsewhere"
            )
        }
        try fm.createDirectory(at: target, withIntermediateDirectories: true)
        let runs = target.appendingPathComponent(runsDirectory)
        try fm.createDirectory(at: runs, withIntermediateDirectories: true)
        removeAbandoned(in: target)

        let id = runID(in: runs)
        let staging = runs.appendingPathComponent(id + ".partial")
        try TemporaryFiles.register(staging.path)
        defer { TemporaryFiles.remove(staging.path) }
        try TemporaryFiles.guarded { try fm.createDirectory(at: staging, withIntermediateDirectories: true) }
        for (name, content) in files {
            let url = staging.appendingPathComponent(name)
            try TemporaryFiles.guarded {
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: url)
            }
        }
        // The switch as one step with respect to a signal: all of it, or none.
        try TemporaryFiles.guarded {
            let run = runs.appendingPathComponent(id)
            try move(staging.path, to: run.path)
            try link(target.appendingPathComponent(currentLink), to: runsDirectory + "/" + id, scratch: runs)
            for name in tops.sorted() { try link(target.appendingPathComponent(name), to: currentLink + "/" + name, scratch: runs) }
        }

        // Links of names the new set does not have, then every run but this one.
        for name in (try? fm.contentsOfDirectory(atPath: target.path)) ?? [] where !tops.contains(name) {
            let path = target.appendingPathComponent(name).path
            if let dest = try? fm.destinationOfSymbolicLink(atPath: path), dest.hasPrefix(currentLink + "/") {
                try? fm.removeItem(atPath: path)
            }
        }
        for name in (try? fm.contentsOfDirectory(atPath: runs.path)) ?? []
        where name != id && !name.hasSuffix(".partial") && !name.hasPrefix(".") {
            try? fm.removeItem(at: runs.appendingPathComponent(name))
        }
    }

    /// A name that sorts by time and is never reused: a removed run's name given to a later
    /// one would let a reader that resolved `current` before the switch read the later run's
    /// files under the old name (the test caught it with a counter suffix).
    static func runID(in runs: URL) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(f.string(from: Date()))-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(12).lowercased())"
    }

    /// Makes `url` a symbolic link to `destination` in one step: a new link made in `scratch`
    /// (same file system) renamed over whatever is there. A directory in the way (a report
    /// written before runs existed) is moved aside into `scratch` first.
    static func link(_ url: URL, to destination: String, scratch: URL) throws {
        let fm = FileManager.default
        if (try? fm.destinationOfSymbolicLink(atPath: url.path)) == destination { return }
        let temporary = scratch.appendingPathComponent(".link-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        guard symlink(destination, temporary.path) == 0 else { throw failure("cannot create a link", temporary.path) }
        var isDirectory: ObjCBool = false
        if (try? fm.destinationOfSymbolicLink(atPath: url.path)) == nil, fm.fileExists(atPath: url.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            let aside = scratch.appendingPathComponent("replaced-\(UUID().uuidString.prefix(8))")
            do { try move(url.path, to: aside.path) } catch {
                unlink(temporary.path)
                throw error
            }
        }
        do { try move(temporary.path, to: url.path) } catch {
            unlink(temporary.path)
            throw error
        }
    }

    static func move(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else { throw failure("cannot move \(from) into place", to) }
    }

    static func failure(_ what: String, _ path: String) -> WriteError {
        WriteError(description: "\(path): \(what) (\(String(cString: strerror(errno))))")
    }

    /// Staging directories of runs whose process is gone (killed with SIGKILL, or a machine
    /// reset), in `.runs/` and from the layout before runs existed (`DIR/.partial-<pid>-…`).
    static func removeAbandoned(in target: URL) {
        let fm = FileManager.default
        let runs = target.appendingPathComponent(runsDirectory)
        for (dir, name) in (((try? fm.contentsOfDirectory(atPath: runs.path)) ?? []).map { (runs, $0) })
            + (((try? fm.contentsOfDirectory(atPath: target.path)) ?? []).map { (target, $0) })
        {
            let pid: Int32?
            if dir == runs, name.hasSuffix(".partial") {
                // <date>-<pid>-<random>.partial
                pid = name.dropLast(".partial".count).split(separator: "-").dropFirst().first.flatMap { Int32($0) }
            } else if dir == runs, name.hasPrefix(".link-") || name.hasPrefix("replaced-") {
                pid = name.hasPrefix(".link-") ? name.split(separator: "-").dropFirst().first.flatMap { Int32($0) } : 0
            } else if dir == target, name.hasPrefix(".partial-") {
                pid = name.split(separator: "-").dropFirst().first.flatMap { Int32($0) }
            } else {
                continue
            }
            guard let pid, !processIsAlive(pid) else { continue }
            try? fm.removeItem(at: dir.appendingPathComponent(name))
        }
    }

    static func processIsAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if pid == ProcessInfo.processInfo.processIdentifier { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}

/// Temporary files and directories removed on every exit path: by their owner when done, and on
/// SIGINT, SIGTERM or SIGHUP by a handler installed with the first registration (it removes
/// what is registered, then lets the signal end the process as it would have). SIGKILL cannot
/// be handled; ``DirectoryWriter`` removes what such a run left on the next write.
///
/// The handler runs on its own thread while the program goes on, so the file operations on
/// registered paths go through ``guarded(_:)``: the handler's cleanup happens before or after
/// one, never during, and once a signal has arrived they throw instead of writing again (a
/// writer that went on after the cleanup would recreate a half-filled staging directory, and
/// could even switch a report to it).
package enum TemporaryFiles {
    private struct State {
        var paths: Set<String> = []
        var sources: [any DispatchSourceSignal] = []
        var terminating = false
    }
    private static let state = Mutex<State>(State())

    /// A signal arrived: the process is ending.
    package struct Terminating: Error, CustomStringConvertible {
        package var description: String { "stopped by a signal" }
    }

    package static func register(_ path: String) throws {
        try state.withLock { (s: inout State) throws(Terminating) in
            if s.terminating { throw Terminating() }
            s.paths.insert(path)
            if s.sources.isEmpty { s.sources = installHandlers() }
        }
    }

    /// Runs `body` (file operations on registered paths) so a signal's cleanup happens before or
    /// after it, never during; throws ``Terminating`` once a signal has arrived.
    package static func guarded(_ body: () throws -> Void) throws {
        try state.withLock { (s: inout State) throws in
            if s.terminating { throw Terminating() }
            try body()
        }
    }

    /// Removes `path` (if present) and forgets it.
    package static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
        _ = state.withLock { $0.paths.remove(path) }
    }

    private static func installHandlers() -> [any DispatchSourceSignal] {
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            // A signal the parent told us to ignore (nohup, a background job) stays ignored.
            let previous = signal(sig, SIG_IGN)
            if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                // After this, no guarded operation runs: what is removed stays removed.
                let paths = state.withLock { s in
                    s.terminating = true
                    return s.paths
                }
                for p in paths { try? FileManager.default.removeItem(atPath: p) }
                signal(sig, SIG_DFL)
                raise(sig)
            }
            source.resume()
            sources.append(source)
        }
        return sources
    }
}
