import Foundation

/// This machine, measured: what the service-time model scales from.
package struct HostCalibration: Sendable, Codable, Equatable {
    package var cpuModel: String
    package var cores: Int
    package var openblas: String
    /// sgemm GFLOP/s with one thread and with every core (1536³, best of 3).
    package var sgemmGflops1: Double
    package var sgemmGflopsAll: Double
    /// Copy bandwidth of a 64 MiB buffer (read + write), GB/s.
    package var memoryGBps: Double

    package init(cpuModel: String, cores: Int, openblas: String, sgemmGflops1: Double, sgemmGflopsAll: Double, memoryGBps: Double) {
        self.cpuModel = cpuModel
        self.cores = cores
        self.openblas = openblas
        self.sgemmGflops1 = sgemmGflops1
        self.sgemmGflopsAll = sgemmGflopsAll
        self.memoryGBps = memoryGBps
    }

    /// Measures this machine (about a second).
    package static func measure() -> HostCalibration {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        BLAS.setThreads(1)
        let one = SgemmPeak.measure(n: 1536, repetitions: 3)
        BLAS.setThreads(cores)
        let all = SgemmPeak.measure(n: 1536, repetitions: 3)
        return HostCalibration(
            cpuModel: cpuModelName(), cores: cores, openblas: BLAS.configuration, sgemmGflops1: one, sgemmGflopsAll: all,
            memoryGBps: memoryBandwidth())
    }

    /// `model name` from /proc/cpuinfo (Linux), else "unknown".
    package static func cpuModelName() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    /// A memory-bandwidth probe: copies 64 MiB five times, best time; counts read + write bytes.
    package static func memoryBandwidth() -> Double {
        let count = 16 << 20
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer {
            a.deallocate()
            b.deallocate()
        }
        a.initialize(repeating: 1, count: count)
        b.initialize(repeating: 0, count: count)
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            b.update(from: a, count: count)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            a[0] = b[count - 1]
        }
        return Double(2 * count * 4) / best / 1e9
    }

    /// A stable identity of this host for cache keys.
    package var identity: String { "\(cpuModel)|\(cores)|\(openblas)" }
}
