import Foundation
import Inference
import Simulation

/// Runs a model repeatedly until its latency is stable (perf_analyzer's rule: the medians of
/// the last three windows within a tolerance of one another), or a maximum is reached.
package struct LatencyBench: Sendable {
    package var windowSize = 10
    /// Relative spread allowed between the last three window medians.
    package var tolerance = 0.10
    package var minIterations = 30
    package var maxIterations = 300
    package var warmup = 3

    package init() {}

    /// Runs `executor` and returns the samples (ms), the window medians and why it stopped.
    package func run(_ executor: CPUExecutor, seed: UInt64 = 1) -> (samplesMs: [Double], windows: [Double], stopReason: String) {
        var samples: [Double] = []
        var windows: [Double] = []
        var reason = "maximum of \(maxIterations) iterations"
        executor.timedRuns(warmup: warmup, seed: seed) { seconds in
            samples.append(seconds * 1e3)
            if samples.count % windowSize == 0 {
                let w = samples.suffix(windowSize).sorted()
                windows.append(w[w.count / 2])
                if samples.count >= minIterations && windows.count >= 3 {
                    let last = windows.suffix(3)
                    if let lo = last.min(), let hi = last.max(), hi - lo <= tolerance * lo {
                        reason = String(format: "stable: last 3 window medians within %.0f%%", tolerance * 100)
                        return false
                    }
                }
            }
            return samples.count < maxIterations
        }
        return (samples, windows, reason)
    }

    /// The git commit of the working directory, if it is a repository.
    package static func gitCommit() -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
