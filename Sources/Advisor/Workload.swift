import Targets

/// How requests arrive over time.
public enum LoadPattern: String, Sendable, Codable, CaseIterable {
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
public struct LoadSpec: Sendable, Codable, Equatable {
    /// Mean offered requests per second.
    public var rps: Double = 10
    /// Peak requests per second, for patterns that vary (default: `rps`).
    public var peakRps: Double?
    public var pattern: LoadPattern = .poisson
    /// A CSV of arrival timestamps in seconds (with `pattern: trace`).
    public var traceFile: String?
    /// Simulated duration in seconds.
    public var durationSeconds: Double = 600

    public init() {}

    /// The peak rate: `peakRps` when set, else `rps`.
    public var effectivePeakRps: Double { peakRps ?? rps }
}

/// The latency service-level objective, in milliseconds, at one or more percentiles.
public struct LatencySLO: Sendable, Codable, Equatable {
    public var p50Ms: Double?
    public var p95Ms: Double?
    /// Default 100 ms when no percentile is given.
    public var p99Ms: Double?

    public init(p50Ms: Double? = nil, p95Ms: Double? = nil, p99Ms: Double? = nil) {
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
    }
}

/// The client's network path to the cloud.
public struct NetworkSpec: Sendable, Codable, Equatable {
    /// Round-trip time in milliseconds.
    public var rttMs: Double = 40
    /// Uplink bandwidth in megabits per second.
    public var uplinkMbps: Double = 20
    public init() {}
}

/// A workload: the model, its load and the requirements the deployment must meet.
///
/// Read from YAML or JSON with ``Workload/parse(_:source:)``; every key but `model`
/// has a default (documented on each property).
public struct Workload: Sendable, Codable, Equatable {
    /// A name for reports (default `workload`).
    public var name: String = "workload"
    /// A built-in model name (`resnet50`, `gru:h=1024,t=50`, …) or a path to an `.onnx` file.
    public var model: String
    /// Samples per request (default 1).
    public var batch: Int = 1
    /// Bytes sent per request (default: the input tensor's size, resolved with the model).
    public var payloadBytes: Int?
    public var load = LoadSpec()
    public var latency = LatencySLO()
    public var environment: DeploymentEnvironment = .production
    public var connectivity: Connectivity = .always
    public var privacy: PrivacyRequirement = .none
    /// Data produced at the source, MB/s (default 0).
    public var dataMBps: Double = 0
    /// The time by which the model must be serving, in minutes (default: none).
    public var deployDeadlineMinutes: Double?
    /// An AKS cluster already exists in the workspace (default false).
    public var existingCluster: Bool = false
    /// Monthly budget in USD (default: none).
    public var budgetUSDPerMonth: Double?
    public var network = NetworkSpec()
    /// Seed of every random stream (default 1).
    public var seed: UInt64 = 1

    public init(model: String) { self.model = model }

    /// The latency bound plans are made for, ms: the p99 SLO, else the p95 or p50 one given, else 100 ms.
    public var sloP99Ms: Double { effectiveP99Ms ?? latency.p95Ms ?? latency.p50Ms ?? 100 }

    /// The SLO's p99 in ms, defaulting to 100 ms when no percentile was given.
    public var effectiveP99Ms: Double? {
        if latency.p99Ms == nil && latency.p95Ms == nil && latency.p50Ms == nil { return 100 }
        return latency.p99Ms
    }
}
