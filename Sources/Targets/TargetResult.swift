import Simulation

/// Latency percentiles, ms.
public struct LatencySummary: Sendable, Codable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    public var mean: Double
}

/// Mean latency by where the time went, ms.
public struct LatencyBreakdown: Sendable, Codable, Equatable {
    public var network: Double
    public var queue: Double
    public var service: Double
    /// Share of completed requests that waited for a replica (Erlang C's P(wait) for an M/M/c station).
    public var queuedFraction: Double
}

/// Failed requests by cause.
public struct ErrorCounts: Sendable, Codable, Equatable {
    /// Turned away by admission control (HTTP 503: queue full or `max_request_wait_time` exceeded).
    public var rejected: Int
    /// Exceeded the scoring timeout (or, on ACI, the client's wait).
    public var timeouts: Int
    /// Could not reach the service: the link was down.
    public var offline: Int
}

/// Replica counts over the run.
public struct ReplicaSummary: Sendable, Codable, Equatable {
    public var min: Int
    public var max: Int
    public var mean: Double
}

/// Store-and-forward of results from an edge device.
public struct ForwardingSummary: Sendable, Codable, Equatable {
    public var delivered: Int
    /// Delivered after waiting for the link.
    public var delayed: Int
    /// Older than `timeToLiveSecs` when the link came back.
    public var dropped: Int
    /// Still stored on the device at the end of the run.
    public var pending: Int
}

/// One target's simulated deployment.
public struct TargetResult: Sendable, Codable, Equatable {
    public var target: TargetKind
    /// The configuration simulated (Azure ML parameter names).
    public var config: [String: ConfigValue]
    /// True when the target could be deployed at all (false: see `refusal`).
    public var deployable: Bool
    /// Why it could not be deployed, typed and as a sentence.
    public var infeasibility: Infeasibility?
    public var refusal: String?
    public var deployMinutes: Double
    public var deployBreakdown: [String: Double]
    public var latencyMs: LatencySummary?
    public var latencyBreakdownMs: LatencyBreakdown?
    public var offeredRps: Double
    public var throughputRps: Double
    public var successRate: Double
    public var errors: ErrorCounts
    public var replicas: ReplicaSummary
    public var costPerHourUSD: Double
    public var costPerMonthUSD: Double
    public var costPerMillionUSD: Double?
    public var costIsEstimate: Bool
    public var bytesLeftDevice: Double
    public var forwarding: ForwardingSummary?
    /// Mean service time on the target and how it was derived from the measurement here.
    public var serviceMs: Double
    public var serviceScaling: String
    public var notes: [String]
    public var timeline: Timeline?
    /// (latency ms, cumulative fraction) points for CDF plots.
    public var cdf: [[Double]]
    public var events: Int
}

extension TargetResult {
    enum CodingKeys: String, CodingKey {
        case target, config, deployable, infeasibility, refusal, deployMinutes, deployBreakdown, latencyMs, latencyBreakdownMs
        case offeredRps, throughputRps, successRate, errors, replicas, costPerHourUSD, costPerMonthUSD, costPerMillionUSD
        case costIsEstimate, bytesLeftDevice, forwarding, serviceMs, serviceScaling, notes, timeline, cdf, events
    }

    /// Every key is written, absent values as `null` (a target on which no request completed
    /// still has `latencyMs`, `latencyBreakdownMs` and `costPerMillionUSD`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(target, forKey: .target)
        try c.encode(config, forKey: .config)
        try c.encode(deployable, forKey: .deployable)
        try c.encode(infeasibility, forKey: .infeasibility)
        try c.encode(refusal, forKey: .refusal)
        try c.encode(deployMinutes, forKey: .deployMinutes)
        try c.encode(deployBreakdown, forKey: .deployBreakdown)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(latencyBreakdownMs, forKey: .latencyBreakdownMs)
        try c.encode(offeredRps, forKey: .offeredRps)
        try c.encode(throughputRps, forKey: .throughputRps)
        try c.encode(successRate, forKey: .successRate)
        try c.encode(errors, forKey: .errors)
        try c.encode(replicas, forKey: .replicas)
        try c.encode(costPerHourUSD, forKey: .costPerHourUSD)
        try c.encode(costPerMonthUSD, forKey: .costPerMonthUSD)
        try c.encode(costPerMillionUSD, forKey: .costPerMillionUSD)
        try c.encode(costIsEstimate, forKey: .costIsEstimate)
        try c.encode(bytesLeftDevice, forKey: .bytesLeftDevice)
        try c.encode(forwarding, forKey: .forwarding)
        try c.encode(serviceMs, forKey: .serviceMs)
        try c.encode(serviceScaling, forKey: .serviceScaling)
        try c.encode(notes, forKey: .notes)
        try c.encode(timeline, forKey: .timeline)
        try c.encode(cdf, forKey: .cdf)
        try c.encode(events, forKey: .events)
    }
}
