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
    /// jitter's 99th-percentile factor (the download is not jittered, so this errs high), seconds.
    package var networkP99Seconds: Double { meanNetworkSeconds * uplink.jitterQuantileFactor(z: 2.326) }
}
