import Foundation

/// What `bench` writes: raw latency samples, the host calibration measured in the same run,
/// and the environment.
package struct BenchmarkResult: Sendable, Codable, Equatable {
    package static let currentSchema = 1
    package var schemaVersion = BenchmarkResult.currentSchema
    /// The identity compared by `check` (the model spec unless set with --model-key).
    package var modelKey: String
    package var model: String
    package var batch: Int
    package var threads: Int
    /// Per-inference wall times after warm-up, ms.
    package var samplesMs: [Double]
    package var stopReason: String
    package var warmup: Int
    package var windows: [Double]
    package var calibration: HostProbe
    package var environment: Environment
    /// For a workload: simulated p50/p99 per target, ms.
    package var simulated: [String: [String: Double]]?

    package init(
        modelKey: String, model: String, batch: Int, threads: Int, samplesMs: [Double], stopReason: String, warmup: Int, windows: [Double],
        calibration: HostProbe, environment: Environment, simulated: [String: [String: Double]]?
    ) {
        self.modelKey = modelKey
        self.model = model
        self.batch = batch
        self.threads = threads
        self.samplesMs = samplesMs
        self.stopReason = stopReason
        self.warmup = warmup
        self.windows = windows
        self.calibration = calibration
        self.environment = environment
        self.simulated = simulated
    }

    package struct HostProbe: Sendable, Codable, Equatable {
        /// sgemm GFLOP/s at 1536³ with `threads` threads.
        package var sgemmGflops: Double
        /// Copy bandwidth, GB/s.
        package var memoryGBps: Double
        package init(sgemmGflops: Double, memoryGBps: Double) {
            self.sgemmGflops = sgemmGflops
            self.memoryGBps = memoryGBps
        }
    }

    package struct Environment: Sendable, Codable, Equatable {
        package var cpuModel: String
        package var cores: Int
        package var openblas: String
        package var toolVersion: String
        package var gitCommit: String?
        package var date: String
        package init(cpuModel: String, cores: Int, openblas: String, toolVersion: String, gitCommit: String?, date: String) {
            self.cpuModel = cpuModel
            self.cores = cores
            self.openblas = openblas
            self.toolVersion = toolVersion
            self.gitCommit = gitCommit
            self.date = date
        }
    }

    /// Median latency, ms.
    package var medianMs: Double {
        let s = samplesMs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// An error in `check`'s inputs (exit 2).
package struct RegressionInputError: Error, Sendable, CustomStringConvertible {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension BenchmarkResult {
    /// Reads a result file.
    ///
    /// - Throws: ``RegressionInputError`` for a missing file, bad JSON or another schema version.
    package static func load(path: String) throws(RegressionInputError) -> BenchmarkResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegressionInputError("\(path): cannot read the benchmark file (missing or unreadable)")
        }
        return try decode(data, source: path)
    }

    /// Reads a result from its bytes; `source` names it in messages.
    package static func decode(_ data: Data, source path: String) throws(RegressionInputError) -> BenchmarkResult {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RegressionInputError("\(path): not a JSON object")
        }
        guard let version = object["schemaVersion"] as? Int else {
            throw RegressionInputError("\(path): no schemaVersion; is this a `deploy-advisor bench` result?")
        }
        guard version == currentSchema else {
            throw RegressionInputError(
                "\(path): schemaVersion \(version) is not supported (this tool reads \(currentSchema)); re-run bench with this version")
        }
        do {
            let r = try JSONDecoder().decode(BenchmarkResult.self, from: data)
            guard r.samplesMs.count >= 5 else {
                throw RegressionInputError("\(path): only \(r.samplesMs.count) samples; at least 5 are needed")
            }
            if let bad = r.samplesMs.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw RegressionInputError("\(path): samplesMs[\(bad)] is \(r.samplesMs[bad]); latencies must be positive and finite")
            }
            for (key, v) in [("sgemmGflops", r.calibration.sgemmGflops), ("memoryGBps", r.calibration.memoryGBps)]
            where !(v > 0 && v.isFinite) {
                throw RegressionInputError("\(path): calibration.\(key) is \(v); it must be positive and finite")
            }
            return r
        } catch let e as RegressionInputError {
            throw e
        } catch let e as DecodingError {
            throw RegressionInputError("\(path): malformed benchmark result: \(Self.describe(e))")
        } catch {
            throw RegressionInputError("\(path): malformed benchmark result: \(error.localizedDescription)")
        }
    }

    /// A decoding error as a reader would say it: the key path and what is wrong there.
    static func describe(_ e: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.hasPrefix(".") ? String(p.dropFirst()) : (p.isEmpty ? "the top level" : p)
        }
        switch e {
        case .keyNotFound(let key, let c): return "\(path(c.codingPath + [key])) is missing"
        case .typeMismatch(let type, let c): return "\(path(c.codingPath)) is not a \(type)"
        case .valueNotFound(let type, let c): return "\(path(c.codingPath)) is null, expected a \(type)"
        case .dataCorrupted(let c): return "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
