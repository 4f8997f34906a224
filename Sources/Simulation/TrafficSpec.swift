import Foundation

/// The load and network a target's simulator plays (built from a workload by `Advisor`).
package struct TrafficSpec: Sendable, Equatable {
    package var arrivals: ArrivalPattern
    package var durationSeconds: Double
    /// Bytes sent per request (client → service).
    package var payloadBytes: Int
    /// Bytes of each response.
    package var responseBytes: Int
    /// Client ↔ cloud round-trip time, seconds.
    package var rttSeconds: Double
    /// Client uplink, bits per second.
    package var uplinkBitsPerSecond: Double
    package var connectivity: ConnectivityPattern
    /// Production deployments get production-sized clusters (AKS needs ≥ 12 vCPU).
    package var production: Bool
    package var seed: UInt64
    /// Spacing of timeline samples, seconds (default: duration / 200).
    package var timelineIntervalSeconds: Double?
    /// Relative jitter of the upload time: a lognormal factor with this coefficient of variation.
    package var networkJitterCV = 0.1
    /// Every request leaves through one link (a site's uplink, `requestsFrom: site`): an upload
    /// waits for the ones before it (FIFO, one at a time), so the link saturates when the
    /// offered bits pass its rate. Otherwise each client has its own link (internet callers).
    package var uplinkShared = false

    package init(
        arrivals: ArrivalPattern, durationSeconds: Double, payloadBytes: Int, responseBytes: Int = 4096,
        rttSeconds: Double, uplinkBitsPerSecond: Double, connectivity: ConnectivityPattern = .alwaysUp,
        production: Bool = true, seed: UInt64 = 1, timelineIntervalSeconds: Double? = nil
    ) {
        self.arrivals = arrivals
        self.durationSeconds = durationSeconds
        self.payloadBytes = payloadBytes
        self.responseBytes = responseBytes
        self.rttSeconds = rttSeconds
        self.uplinkBitsPerSecond = uplinkBitsPerSecond
        self.connectivity = connectivity
        self.production = production
        self.seed = seed
        self.timelineIntervalSeconds = timelineIntervalSeconds
    }

    /// Mean offered requests per second over the run.
    package var offeredRps: Double { arrivals.meanRate(over: durationSeconds) }

    /// The client's upload path (half the round trip plus the payload at the uplink's rate), jittered.
    package var uplink: NetworkDelay {
        NetworkDelay(baseSeconds: rttSeconds / 2, bitsPerSecond: uplinkBitsPerSecond, jitterCV: networkJitterCV)
    }

    /// The response's way back (half the round trip plus the response), seconds.
    package var downloadSeconds: Double { rttSeconds / 2 + Double(responseBytes) * 8 / uplinkBitsPerSecond }

    /// Client ↔ cloud time of one request without queueing (round trip, payload and response), seconds.
    package var meanNetworkSeconds: Double { uplink.meanDelay(bytes: payloadBytes) + downloadSeconds }

    /// An upper bound of the network time's 99th percentile: the whole mean scaled by the upload
    /// jitter's 99th-percentile factor (the download is not jittered, so this errs high), plus
    /// the shared uplink's p99 wait at the offered rate, seconds.
    package var networkP99Seconds: Double {
        meanNetworkSeconds * uplink.jitterQuantileFactor(z: 2.326) + uplinkWaitP99Seconds(rate: offeredRps)
    }

    /// Seconds the link takes to send one request's payload.
    package var uploadTransmitSeconds: Double { Double(payloadBytes) * 8 / uplinkBitsPerSecond }

    /// The shared uplink's utilization at `rate` requests/s (0 when each client has its own link).
    package func uplinkUtilization(rate: Double) -> Double { uplinkShared ? rate * uploadTransmitSeconds : 0 }

    /// The p99 of an upload's wait for the shared link at `rate` requests/s: M/D/1 (Poisson
    /// arrivals, a fixed transmission time S) by the Cramér–Lundberg approximation of the M/G/1
    /// waiting time, P(W > t) ≈ C·e^(−θt), where x = θS solves ρ(eˣ − 1) = x and
    /// C = (1 − ρ)/(ρeˣ − 1) (Asmussen, *Applied Probability and Queues*, XIII.5); infinite at or
    /// above the link's capacity, 0 when the link is not shared. Seconds.
    package func uplinkWaitP99Seconds(rate: Double) -> Double {
        guard uplinkShared, rate > 0 else { return 0 }
        let rho = uplinkUtilization(rate: rate)
        guard rho < 1 else { return .infinity }
        // ρ(eˣ − 1) − x is negative just above 0 (slope ρ − 1) and positive for large x.
        var low = 0.0
        var high = 1.0
        while rho * (exp(high) - 1) - high < 0 { high *= 2 }
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if rho * (exp(mid) - 1) - mid < 0 { low = mid } else { high = mid }
        }
        let x = (low + high) / 2
        let c = (1 - rho) / (rho * exp(x) - 1)
        return max(0, log(c / 0.01) * uploadTransmitSeconds / x)
    }
}
