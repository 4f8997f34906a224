import Foundation
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
    /// Share of the offered requests served while requests arrived (the run then drains the rest).
    package var servedWithinRun: Double = 1
    /// Share of the offered requests still waiting or in flight when the arrivals stopped.
    package var unresolvedAtEnd: Double = 0
    /// The configuration cannot keep up with the load: when the arrivals stopped, at least 1%
    /// of the requests were still waiting and the servers (or the shared uplink) were saturated.
    /// The latencies of such a run grow with its length, so none is reported as a number.
    package var backlogGrows = false
    /// Share of the offered requests lost to capacity: turned away (503), timed out, or beyond
    /// the simulation's backlog bound (not those sent while the link was down).
    package var lostToCapacity: Double = 0
    /// p50/p99 of the requests completed in each timeline interval.
    package var percentilesOverTime: [IntervalPercentiles] = []
}

extension TargetResult {
    /// The `q`-th percentile (50, 90, 95, 99 or 99.9) of the latency of every offered request,
    /// or nil when the run cannot give it as a number: the backlog grows without bound, more
    /// than `100 − q` % of the requests were not served (they have no latency, so the
    /// percentile of all requests is unbounded), or the value reached the simulation's
    /// ceiling (a capped value is not a latency).
    package func reportedLatencyMs(percentile q: Double) -> Double? {
        guard deployable, !backlogGrows, let l = latencyMs, (1 - successRate) * 100 < 100 - q else { return nil }
        let v: Double
        switch q {
        case 50: v = l.p50
        case 90: v = l.p90
        case 95: v = l.p95
        case 99: v = l.p99
        default: v = l.p999
        }
        return v < Self.latencyCeilingMs * 0.999 ? v : nil
    }

    /// The simulation's latency ceiling (``ServingSimulation/latencyCeilingSeconds``), ms.
    package static let latencyCeilingMs = ServingSimulation.defaultLatencyCeilingSeconds * 1000

    /// Why a latency is not reported as a number, when one is not (nil when all are).
    package var latencyCaveat: String? {
        guard deployable else { return nil }
        if backlogGrows { return "backlog grows without bound" }
        if latencyMs == nil { return "no request completed" }
        if 1 - successRate >= 0.01 {
            let offline = max(0, 1 - successRate - lostToCapacity)
            return String(format: "%.1f%% not served within the run", 100 * (1 - successRate))
                + (offline >= 0.001 ? String(format: " (%.1f%% sent while the link was down)", 100 * offline) : "")
        }
        if reportedLatencyMs(percentile: 99) == nil { return "latency beyond the simulation's ceiling" }
        return nil
    }

    /// Whether the configuration carries the run's load within the SLO: p99 of the completed
    /// requests at most `sloMs`, at most `1 − minSuccessRate` of the requests lost to capacity,
    /// and a backlog that does not grow. Requests sent while the link was down are the
    /// connectivity criterion's, not the configuration's (the caveat reports them). The
    /// planner and every report judge "meets the SLO" with this one rule.
    package func meetsSLO(sloMs: Double, minSuccessRate: Double) -> Bool {
        guard deployable, !backlogGrows, let p99 = latencyMs?.p99 else { return false }
        return p99 <= sloMs && lostToCapacity <= 1 - minSuccessRate + 1e-12
    }

    /// The share of requests served, as a report states it: within the run when the backlog grows.
    package var reportedSuccessRate: Double { backlogGrows ? servedWithinRun : successRate }
}

extension TargetResult {
    enum CodingKeys: String, CodingKey {
        case target, config, deployable, infeasibility, refusal, deployMinutes, deployBreakdown, latencyMs, latencyBreakdownMs
        case offeredRps, throughputRps, successRate, errors, replicas, costPerHourUSD, costPerMonthUSD, costPerMillionUSD
        case costIsEstimate, bytesLeftDevice, forwarding, serviceMs, serviceScaling, notes, timeline, cdf, events
        case servedWithinRun, unresolvedAtEnd, backlogGrows, lostToCapacity, percentilesOverTime
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
        try c.encode(servedWithinRun, forKey: .servedWithinRun)
        try c.encode(unresolvedAtEnd, forKey: .unresolvedAtEnd)
        try c.encode(backlogGrows, forKey: .backlogGrows)
        try c.encode(lostToCapacity, forKey: .lostToCapacity)
        try c.encode(percentilesOverTime, forKey: .percentilesOverTime)
    }
}
