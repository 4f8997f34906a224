import Targets

import struct FPGAEmulation.AccuracyFloor
import struct Inference.InputShapes

/// How requests arrive over time.
package enum LoadPattern: String, Sendable, Codable, CaseIterable {
    /// Poisson arrivals at `rps`.
    case poisson
    /// Evenly spaced arrivals at `rps`.
    case constant
    /// A daily cycle between `rps` and `peakRps` (non-homogeneous Poisson).
    case diurnal
    /// `rps`, then a step to `peakRps` half-way through.
    case step
    /// Replay of the timestamps in `traceFile`.
    case trace
}

/// The offered load.
package struct LoadSpec: Sendable, Codable, Equatable {
    /// Mean offered requests per second.
    package var rps: Double = 10
    /// Peak requests per second, for patterns that vary (default: `rps`).
    package var peakRps: Double?
    package var pattern: LoadPattern = .poisson
    /// A CSV of arrival timestamps in seconds (with `pattern: trace`).
    package var traceFile: String?
    /// Simulated duration in seconds.
    package var durationSeconds: Double = 600

    package init() {}

    /// The peak rate: `peakRps` when set, else `rps`.
    package var effectivePeakRps: Double { peakRps ?? rps }
}

/// The latency service-level objective, in milliseconds, at one or more percentiles.
package struct LatencySLO: Sendable, Codable, Equatable {
    package var p50Ms: Double?
    package var p95Ms: Double?
    /// Default 100 ms when no percentile is given.
    package var p99Ms: Double?

    package init(p50Ms: Double? = nil, p95Ms: Double? = nil, p99Ms: Double? = nil) {
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
    }
}

/// The client's network path to the cloud; unset values follow where requests come from
/// (``Workload/rttMs`` and ``Workload/uplinkMbps``).
package struct NetworkSpec: Sendable, Codable, Equatable {
    /// Round-trip time in milliseconds.
    package var rttMs: Double?
    /// Uplink bandwidth in megabits per second.
    package var uplinkMbps: Double?
    package init() {}
}

/// A workload: the model, its load and the requirements the deployment must meet.
///
/// Read from YAML or JSON with ``Workload/parse(_:source:)``; every key but `model`
/// has a default (documented on each property).
package struct Workload: Sendable, Codable, Equatable {
    /// The most requests one simulation replays (peak rate × duration): at the engine's few
    /// million events per second, each of the targets' candidate plans stays within seconds.
    package static let maxSimulatedRequests = 20_000_000

    /// A name for reports (default `workload`).
    package var name: String = "workload"
    /// A built-in model name (`resnet50`, `gru:h=1024,t=50`, …) or a path to an `.onnx` file.
    package var model: String
    /// The full shape of one request's tensor for ONNX inputs with symbolic dimensions other
    /// than the batch, by input name (`inputShapes: {images: [1, 3, 640, 640]}`; default none).
    package var inputShapes: [String: [Int]] = [:]
    /// Samples per request (default 1).
    package var batch: Int = 1
    /// Bytes sent per request (default: the input tensor's size, resolved with the model).
    package var payloadBytes: Int?
    package var load = LoadSpec()
    package var latency = LatencySLO()
    /// The accuracy the FPGA plan's number format must keep against float32 (default
    /// ``AccuracyFloor/standard``: top-1 agreement ≥ 99%).
    package var accuracy: AccuracyFloor?
    /// A directory of `.npy` inputs for the accuracy check (`accuracy.samples`, or `--samples`);
    /// default: 32 seeded random inputs.
    package var accuracySamples: String?
    package var environment: DeploymentEnvironment = .production
    /// Where requests come from (default: `site` when connectivity, privacy or dataMBps
    /// describe a site, else `internet`); see ``requestSource``.
    package var requestsFrom: RequestSource?
    package var connectivity: Connectivity = .always
    package var privacy: PrivacyRequirement = .none
    /// Data produced at the source, MB/s (default 0).
    package var dataMBps: Double = 0
    /// The time by which the model must be serving, in minutes (default: none).
    package var deployDeadlineMinutes: Double?
    /// An AKS cluster already exists in the workspace (default false).
    package var existingCluster: Bool = false
    /// Monthly budget in USD (default: none).
    package var budgetUSDPerMonth: Double?
    /// Edge devices at the site (default 1): each scores its share of the requests (IoT Edge only).
    package var devices: Int = 1
    /// Whether the site's devices are already there (default false: they must be bought, and
    /// their procurement counts against the deploy deadline; true: the class is `iot-edge.device`
    /// and its hardware is not charged).
    package var devicesInstalled: Bool = false
    package var network = NetworkSpec()
    /// Seed of every random stream (default 1).
    package var seed: UInt64 = 1

    package init(model: String) { self.model = model }

    /// What implies that requests come from a site, if anything: a connectivity other than
    /// `always`, a privacy requirement, or data produced at the source.
    package var siteImpliedBy: String? {
        if connectivity != .always { return "connectivity: \(connectivity.rawValue)" }
        if privacy != .none { return "privacy: \(privacy.rawValue)" }
        if dataMBps > 0 { return "dataMBps: \(dataMBps)" }
        return nil
    }

    /// Where requests come from: `requestsFrom` when given, else `site` when the workload
    /// describes one, else `internet`.
    package var requestSource: RequestSource { requestsFrom ?? (siteImpliedBy != nil ? .site : .internet) }

    /// Client ↔ cloud round trip, ms: `network.rttMs`, else 1 ms for Azure-internal callers
    /// (zones in a region are under 2 ms apart, learn.microsoft.com "What are availability
    /// zones?"), else 40 ms (a client in the same geography over the internet).
    package var rttMs: Double { network.rttMs ?? (requestSource == .azure ? 1 : 40) }

    /// The client's uplink, Mbit/s: `network.uplinkMbps`, else 2,000 for Azure-internal callers
    /// (the expected network bandwidth of a 4-vCPU Dsv3 VM, learn.microsoft.com Dv3/Dsv3
    /// series), else 20 (a typical business uplink).
    package var uplinkMbps: Double { network.uplinkMbps ?? (requestSource == .azure ? 2000 : 20) }

    /// The latency bound plans are made for, ms: the p99 SLO, else the p95 or p50 one given, else 100 ms.
    package var sloP99Ms: Double { effectiveP99Ms ?? latency.p95Ms ?? latency.p50Ms ?? 100 }

    /// The SLO's p99 in ms, defaulting to 100 ms when no percentile was given.
    package var effectiveP99Ms: Double? {
        if latency.p99Ms == nil && latency.p95Ms == nil && latency.p50Ms == nil { return 100 }
        return latency.p99Ms
    }
}

extension Workload {
    /// `inputShapes` for the importer (the entry named "" is a shape given without a name).
    package var modelInputShapes: InputShapes {
        var byName = inputShapes
        let unnamed = byName.removeValue(forKey: "")
        return InputShapes(byName: byName, unnamed: unnamed)
    }
}
