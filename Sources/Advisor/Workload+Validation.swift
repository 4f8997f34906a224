import Foundation
import Targets

import struct FPGAEmulation.AccuracyFloor
import struct Inference.InputShapes

// MARK: - Validation and flag overrides

/// Values given on the command line; each one set overrides the workload file.
package struct WorkloadOverrides: Sendable, Equatable {
    package var model: String?
    package var batch: Int?
    package var rps: Double?
    package var peakRps: Double?
    package var pattern: LoadPattern?
    package var durationSeconds: Double?
    package var p99Ms: Double?
    package var environment: DeploymentEnvironment?
    package var requestsFrom: RequestSource?
    package var connectivity: Connectivity?
    package var privacy: PrivacyRequirement?
    package var dataMBps: Double?
    package var deployDeadlineMinutes: Double?
    package var existingCluster: Bool?
    package var budgetUSDPerMonth: Double?
    package var devices: Int?
    package var devicesInstalled: Bool?
    package var rttMs: Double?
    package var uplinkMbps: Double?
    package var seed: UInt64?
    /// `--input-shape` values; they replace the file's `inputShapes` entries they name.
    package var inputShapes: InputShapes?

    package init() {}
}

extension Workload {
    /// The workload with every set override applied, validated again.
    ///
    /// - Throws: ``WorkloadError`` naming the flag's key when an overridden value is out of range.
    package func applying(_ o: WorkloadOverrides, source: String = "command line") throws(WorkloadError) -> Workload {
        var w = self
        if let v = o.model { w.model = v }
        if let v = o.batch { w.batch = v }
        if let v = o.rps { w.load.rps = v }
        if let v = o.peakRps { w.load.peakRps = v }
        if let v = o.pattern { w.load.pattern = v }
        if let v = o.durationSeconds { w.load.durationSeconds = v }
        if let v = o.p99Ms { w.latency.p99Ms = v }
        if let v = o.environment { w.environment = v }
        if let v = o.requestsFrom { w.requestsFrom = v }
        if let v = o.connectivity { w.connectivity = v }
        if let v = o.privacy { w.privacy = v }
        if let v = o.dataMBps { w.dataMBps = v }
        if let v = o.deployDeadlineMinutes { w.deployDeadlineMinutes = v }
        if let v = o.existingCluster { w.existingCluster = v }
        if let v = o.budgetUSDPerMonth { w.budgetUSDPerMonth = v }
        if let v = o.devices { w.devices = v }
        if let v = o.devicesInstalled { w.devicesInstalled = v }
        if let v = o.rttMs { w.network.rttMs = v }
        if let v = o.uplinkMbps { w.network.uplinkMbps = v }
        if let v = o.seed { w.seed = v }
        if let v = o.inputShapes {
            for (name, dims) in v.byName { w.inputShapes[name] = dims }
            if let dims = v.unnamed { w.inputShapes[""] = dims }
        }
        try w.validate(source: source)
        return w
    }

    /// Checks every value against its allowed range.
    ///
    /// - Throws: ``WorkloadError`` naming the key, the value and what is allowed.
    package func validate(source: String = "workload") throws(WorkloadError) {
        func fail(_ key: String, _ value: Any, _ allowed: String) -> WorkloadError {
            WorkloadError("\(source): key '\(key)': value \(value) is out of range; allowed: \(allowed)")
        }
        if model.trimmingCharacters(in: .whitespaces).isEmpty {
            throw fail("model", "''", "a built-in model name or a path to an .onnx file")
        }
        if !(1...4096).contains(batch) { throw fail("batch", batch, "an integer from 1 to 4096") }
        if let p = payloadBytes, !(0...1 << 34).contains(p) { throw fail("payloadBytes", p, "0 to 17179869184 bytes") }
        if !(load.rps > 0 && load.rps <= 1e7) { throw fail("load.rps", load.rps, "a number > 0 and ≤ 10000000") }
        if let p = load.peakRps {
            if !(p > 0 && p <= 1e7) { throw fail("load.peakRps", p, "a number > 0 and ≤ 10000000") }
            if p < load.rps { throw fail("load.peakRps", p, "at least load.rps (\(load.rps))") }
        }
        if !(load.durationSeconds >= 1 && load.durationSeconds <= 7 * 86400) {
            throw fail("load.durationSeconds", load.durationSeconds, "1 to 604800 seconds")
        }
        let requests = (load.peakRps ?? load.rps) * load.durationSeconds
        if requests > Double(Self.maxSimulatedRequests) {
            throw WorkloadError(
                "\(source): load.peakRps × load.durationSeconds = \(Int(requests)) requests; each simulation replays at most \(Self.maxSimulatedRequests) (one per target and candidate plan): shorten load.durationSeconds (--duration-s) to at most \(Int(Double(Self.maxSimulatedRequests) / (load.peakRps ?? load.rps))) s"
            )
        }
        if load.pattern == .trace && load.traceFile == nil {
            throw WorkloadError(
                "\(source): key 'load.traceFile' is required with 'load.pattern: trace' (a CSV of arrival times in seconds)")
        }
        if load.pattern != .trace && load.traceFile != nil {
            throw WorkloadError(
                "\(source): key 'load.traceFile' is only used with 'load.pattern: trace' (pattern is '\(load.pattern.rawValue)')")
        }
        for (key, v) in [("latency.p50Ms", latency.p50Ms), ("latency.p95Ms", latency.p95Ms), ("latency.p99Ms", latency.p99Ms)] {
            if let v, !(v > 0 && v <= 3_600_000) { throw fail(key, v, "a number of milliseconds > 0 and ≤ 3600000") }
        }
        if let a = latency.p50Ms, let b = latency.p95Ms, a > b { throw fail("latency.p50Ms", a, "at most latency.p95Ms (\(b))") }
        if let a = latency.p95Ms, let b = latency.p99Ms, a > b { throw fail("latency.p95Ms", a, "at most latency.p99Ms (\(b))") }
        if let a = latency.p50Ms, let b = latency.p99Ms, a > b { throw fail("latency.p50Ms", a, "at most latency.p99Ms (\(b))") }
        if let v = accuracy?.minTop1Agreement, !(v >= 0 && v <= 1) { throw fail("accuracy.minTop1Agreement", v, "a fraction from 0 to 1") }
        if let v = accuracy?.minSqnrDb, !(v >= -100 && v <= 200) { throw fail("accuracy.minSqnrDb", v, "-100 to 200 dB") }
        if !(dataMBps >= 0 && dataMBps <= 1e6) { throw fail("dataMBps", dataMBps, "0 to 1000000 MB/s") }
        if let d = deployDeadlineMinutes, !(d > 0 && d <= 525_600) { throw fail("deployDeadlineMinutes", d, "a number of minutes > 0") }
        if let b = budgetUSDPerMonth, !(b >= 0 && b <= 1e9) { throw fail("budgetUSDPerMonth", b, "0 to 1000000000 USD") }
        if !(1...10_000).contains(devices) { throw fail("devices", devices, "an integer from 1 to 10000") }
        if let v = network.rttMs, !(v >= 0 && v <= 10_000) { throw fail("network.rttMs", v, "0 to 10000 ms") }
        if let v = network.uplinkMbps, !(v > 0 && v <= 1e6) {
            throw fail("network.uplinkMbps", v, "a number > 0 and ≤ 1000000 Mbit/s")
        }
        if let given = requestsFrom, given != .site, let implied = siteImpliedBy {
            throw WorkloadError(
                "\(source): key 'requestsFrom': value '\(given.rawValue)' contradicts \(implied), which describes devices at a site; "
                    + "allowed: site (or leave requestsFrom out), or remove \(implied.split(separator: ":")[0])")
        }
    }
}
