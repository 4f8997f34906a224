import Foundation
import Synchronization

/// The most memory one prepared model may plan (activations arena and scratch), checked before
/// anything is allocated: a request past it is refused with the number, the limit and how to
/// change it, instead of the process aborting in `malloc` or being killed by the kernel.
///
/// The default is half the physical memory, or half the process's own limit when lower
/// (`ulimit -v`, a container's cgroup `memory.max`); `--memory-limit` (the commands that run a model) or
/// the environment variable `DEPLOY_ADVISOR_MEMORY_LIMIT` (bytes, or with a K/M/G/T suffix,
/// powers of 1024) replaces it.
package enum MemoryBudget {
    private static let override = Mutex<Int?>(nil)

    /// The environment variable that sets the limit.
    package static let environmentVariable = "DEPLOY_ADVISOR_MEMORY_LIMIT"

    /// The limit in bytes.
    package static var bytes: Int { limit.bytes }

    /// The limit and where it comes from.
    static var limit: (bytes: Int, source: String) {
        if let b = override.withLock({ $0 }) { return (b, "set by --memory-limit") }
        if let text = ProcessInfo.processInfo.environment[environmentVariable], let b = try? parse(text) {
            return (b, "set by \(environmentVariable)")
        }
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory / 2)
        if let ceiling = processCeiling, ceiling / 2 < physical {
            return (ceiling / 2, "half the process's memory limit (ulimit -v or the container's cgroup)")
        }
        return (physical, "half the physical memory")
    }

    /// The memory this process may use at most, when something below the machine limits it:
    /// the address-space limit (`ulimit -v`) or a cgroup v2 `memory.max` (a container's limit).
    static var processCeiling: Int? {
        var limits: [Int] = []
        var r = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &r) == 0, r.rlim_cur != rlim_t.max { limits.append(Int(clamping: r.rlim_cur)) }
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
            let v = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            limits.append(v)
        }
        return limits.min()
    }

    /// Replaces the limit for this process (nil restores the default).
    package static func set(_ bytes: Int?) { override.withLock { $0 = bytes } }

    /// `text` as bytes: digits with an optional K, M, G or T suffix (powers of 1024).
    ///
    /// - Throws: ``InferenceError`` naming the value and the accepted forms.
    package static func parse(_ text: String) throws(InferenceError) -> Int {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(t)
        var scale = 1
        if let last = t.last, let u = units[last] {
            scale = u
            digits = t.dropLast()
        }
        if digits.hasSuffix("I") || digits.hasSuffix("B") { digits = digits.dropLast() }
        guard let n = Int(digits), n > 0 else {
            throw InferenceError("memory limit '\(text)': give a positive number of bytes, optionally with K, M, G or T (e.g. 8G)")
        }
        let (b, o) = n.multipliedReportingOverflow(by: scale)
        guard !o else { throw InferenceError("memory limit '\(text)' is too large") }
        return b
    }

    /// Checks that `bytes` (what `what` would allocate) fits the limit (`given`, else this
    /// process's).
    ///
    /// - Throws: ``InferenceError`` naming the size, the limit and how to raise it.
    package static func check(_ bytes: Int, for what: String, limit given: Int? = nil) throws(InferenceError) {
        let limit = given.map { (bytes: $0, source: "given") } ?? self.limit
        guard bytes <= limit.bytes else {
            throw InferenceError(
                "\(what): \(bytes == Int.max ? "more than 8 EiB" : format(bytes)) needed, over the memory limit of \(format(limit.bytes)) (\(limit.source)); use a smaller batch or input, or raise the limit with --memory-limit or \(environmentVariable)"
            )
        }
    }

    /// `bytes` in the largest binary unit that keeps it at least 1.
    package static func format(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes)
        var k = 0
        while v >= 1024 && k < units.count - 1 {
            v /= 1024
            k += 1
        }
        return k == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", v, units[k])
    }
}
