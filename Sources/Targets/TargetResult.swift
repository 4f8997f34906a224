import Simulation

/// Latency percentiles, ms.
package struct LatencySummary: Sendable, Codable, Equatable {
    package var p50: Double
    package var p90: Double
    package var p95: Double
    package var p99: Double
    package var p999: Double
    package var mean: Double
}

/// Mean latency by where the time went, ms.
package struct LatencyBreakdown: Sendable, Codable, Equatable {
    package var network: Double
    package var queue: Double
    package var service: Double
    /// Share of completed requests that waited for a replica (Erlang C's P(wait) for an M/M/c station).
    package var queuedFraction: Double
}

/// Failed requests by cause.
package struct ErrorCounts: Sendable, Codable, Equatable {
    /// Turned away by admission control (HTTP 503: queue full or `max_request_wait_time` exceeded).
    package var rejected: Int
    /// Exceeded the scoring timeout (or, on ACI, the client's wait).
    package var timeouts: Int
    /// Could not reach the service: the link was down.
    package var offline: Int
}

/// Replica counts over the run.
package struct ReplicaSummary: Sendable, Codable, Equatable {
    package var min: Int
    package var max: Int
    package var mean: Double
}

/// Store-and-forward of results from an edge device.
package struct ForwardingSummary: Sendable, Codable, Equatable {
    package var delivered: Int
    /// Delivered after waiting for the link.
    package var delayed: Int
    /// Older than `timeToLiveSecs` when the link came back.
    package var dropped: Int
    /// Still stored on the device at the end of the run.
    package var pending: Int
}

/// One target's simulated deployment.
package struct TargetResult: Sendable, Codable, Equatable {
    package var target: TargetKind
    /// The configuration simulated (Azure ML parameter names).
    package var config: [String: ConfigValue]
    /// True when the target could be deployed at all (false: see `refusal`).
    package var deployable: Bool
    /// Why it could not be deployed, typed and as a sentence.
    package var infeasibility: Infeasibility?
    package var refusal: String?
    package var deployMinutes: Double
    package var deployBreakdown: [String: Double]
    package var latencyMs: LatencySummary?
    package var latencyBreakdownMs: LatencyBreakdown?
    package var offeredRps: Double
    package var throughputRps: Double
    package var successRate: Double
    package var errors: ErrorCounts
    package var replicas: ReplicaSummary
    package var costPerHourUSD: Double
    package var costPerMonthUSD: Double
    package var costPerMillionUSD: Double?
    package var costIsEstimate: Bool
    package var bytesLeftDevice: Double
    package var forwarding: ForwardingSummary?
    /// Mean service time on the target and how it was derived from the measurement here.
    package var serviceMs: Double
    package var serviceScaling: String
    package var notes: [String]
    package var timeline: Timeline?
    /// (latency ms, cumulative fraction) points for CDF plots.
    package var cdf: [[Double]]
    package var events: Int
}

extension TargetResult {
    enum CodingKeys: String, CodingKey {
        case target, config, deployable, infeasibility, refusal, deployMinutes, deployBreakdown, latencyMs, latencyBreakdownMs
        case offeredRps, throughputRps, successRate, errors, replicas, costPerHourUSD, costPerMonthUSD, costPerMillionUSD
        case costIsEstimate, bytesLeftDevice, forwarding, serviceMs, serviceScaling, notes, timeline, cdf, events
    }

    /// Every key is written, absent values as `null` (a target on which no request completed
    /// still has `latencyMs`, `latencyBreakdownMs` and `costPerMillionUSD`).
    package func encode(to encoder: any Encoder) throws {
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
