import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Linux CPU affinity (`sched_setaffinity(2)`), so a measurement can give the model's
/// inference a core of its own and keep the HTTP threads and the load generator off it.
package enum CPUAffinity {
    /// Restricts the calling thread to `cpus`. Returns false where affinity is unavailable.
    @discardableResult
    package static func pinCurrentThread(to cpus: [Int]) -> Bool { pin(thread: 0, to: cpus) }

    /// Restricts every existing thread of this process to `cpus` (threads created later inherit
    /// the mask of the thread that creates them).
    @discardableResult
    package static func pinProcess(to cpus: [Int]) -> Bool {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return false }
        var ok = true
        for t in tasks { if let tid = Int32(t) { ok = pin(thread: tid, to: cpus) && ok } }
        return ok
    }

    // glibc declares sched_{get,set}affinity only under _GNU_SOURCE, which the Glibc module does
    // not define: look the functions up at run time instead.
    typealias AffinityCall = @convention(c) (Int32, Int, UnsafeMutableRawPointer) -> Int32
    static let getAffinity: AffinityCall? = lookup("sched_getaffinity")
    static let setAffinity: AffinityCall? = lookup("sched_setaffinity")

    static func lookup(_ name: String) -> AffinityCall? {
        #if canImport(Glibc)
            guard let handle = dlopen(nil, RTLD_NOW), let f = dlsym(handle, name) else { return nil }
            return unsafeBitCast(f, to: AffinityCall.self)
        #else
            return nil
        #endif
    }

    /// The CPUs this process may run on now.
    package static var allowed: [Int] {
        #if canImport(Glibc)
            var set = cpu_set_t()
            guard let get = getAffinity, withUnsafeMutableBytes(of: &set, { get(0, $0.count, $0.baseAddress!) }) == 0 else { return [] }
            return withUnsafeBytes(of: &set) { raw in
                (0..<(raw.count * 8)).filter { raw[$0 / 8] & (1 << UInt8($0 % 8)) != 0 }
            }
        #else
            return []
        #endif
    }

    static func pin(thread: Int32, to cpus: [Int]) -> Bool {
        #if canImport(Glibc)
            var set = cpu_set_t()
            withUnsafeMutableBytes(of: &set) { raw in
                for c in cpus where c >= 0 && c < raw.count * 8 { raw[c / 8] |= 1 << UInt8(c % 8) }
            }
            guard let setCall = setAffinity else { return false }
            return withUnsafeMutableBytes(of: &set) { setCall(thread, $0.count, $0.baseAddress!) } == 0
        #else
            return false
        #endif
    }
}
