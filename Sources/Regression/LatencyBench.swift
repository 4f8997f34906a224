import Foundation
import Inference
import Simulation

/// Runs a model repeatedly until its latency is stable (perf_analyzer's rule: the medians of
/// the last three windows within a tolerance of one another), or a maximum is reached.
public struct LatencyBench: Sendable {
    public var windowSize = 10
    /// Relative spread allowed between the last three window medians.
    public var tolerance = 0.10
    public var minIterations = 30
    public var maxIterations = 300
    public var warmup = 3

    public init() {}

    /// Runs `executor` and returns the samples (ms), the window medians and why it stopped.
    public func run(_ executor: CPUExecutor, seed: UInt64 = 1) -> (samplesMs: [Double], windows: [Double], stopReason: String) {
        var rng = SplitMix64(seed: seed)
        let input = (0..<executor.inputCount).map { _ in rng.nextSymmetricUnit() }
        let output = UnsafeMutablePointer<Float>.allocate(capacity: executor.outputCount)
        defer { output.deallocate() }
        var samples: [Double] = []
        var windows: [Double] = []
        var reason = "maximum of \(maxIterations) iterations"
        input.withUnsafeBufferPointer { inp in
            for _ in 0..<warmup { executor.run(input: inp.baseAddress!, output: output) }
            while samples.count < maxIterations {
                let t0 = DispatchTime.now().uptimeNanoseconds
                executor.run(input: inp.baseAddress!, output: output)
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6)
                if samples.count % windowSize == 0 {
                    let w = samples.suffix(windowSize).sorted()
                    windows.append(w[w.count / 2])
                    if samples.count >= minIterations && windows.count >= 3 {
                        let last = windows.suffix(3)
                        if let lo = last.min(), let hi = last.max(), hi - lo <= tolerance * lo {
                            reason = String(format: "stable: last 3 window medians within %.0f%%", tolerance * 100)
                            break
                        }
                    }
                }
            }
        }
        return (samples, windows, reason)
    }

    /// The git commit of the working directory, if it is a repository.
    public static func gitCommit() -> String? {
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
