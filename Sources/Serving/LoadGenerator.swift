import AsyncHTTPClient
import Foundation
import Histogram
import NIOCore
import NIOHTTP1

/// An open-loop HTTP load generator: send times are drawn in advance (Poisson or evenly
/// spaced) and every request's latency is measured from its *scheduled* send time, so time a
/// request spends waiting for a free connection counts (no coordinated omission, as in wrk2).
public struct LoadGenerator: Sendable {
    public enum Distribution: String, Sendable, CaseIterable {
        case poisson
        case constant
    }

    public var url: String
    public var ratePerSecond: Double
    public var durationSeconds: Double
    public var distribution: Distribution = .poisson
    public var connections = 16
    public var body: Data
    public var headers: [(String, String)] = [("Content-Type", "application/json")]
    public var timeoutSeconds = 30.0
    public var seed: UInt64 = 1

    public init(url: String, ratePerSecond: Double, durationSeconds: Double, body: Data) {
        self.url = url
        self.ratePerSecond = ratePerSecond
        self.durationSeconds = durationSeconds
        self.body = body
    }

    public struct Result: Sendable, Codable, Equatable {
        public var url: String
        public var scheduledRps: Double
        public var durationSeconds: Double
        public var sent: Int
        public var achievedRps: Double
        public var latencyMs: [String: Double]
        public var statusCounts: [String: Int]
        public var errors: [String: Int]
    }

    /// Send times in seconds from the start.
    public func schedule() -> [Double] {
        var times: [Double] = []
        var state = seed
        var t = 0.0
        while true {
            switch distribution {
            case .constant:
                t = Double(times.count + 1) / ratePerSecond
            case .poisson:
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let u = (Double(state >> 11) + 0.5) / Double(1 << 53)
                t += -log(u) / ratePerSecond
            }
            if t >= durationSeconds { break }
            times.append(t)
        }
        return times
    }

    public func run() async throws -> Result {
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections))
        config.timeout = .init(connect: .seconds(5), read: .seconds(Int64(timeoutSeconds)))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        let times = schedule()
        let clock = ContinuousClock()
        let start = clock.now
        let body = self.body
        let url = self.url
        var headerList = HTTPHeaders()
        for (k, v) in headers { headerList.add(name: k, value: v) }
        let requestHeaders = headerList
        let timeout = timeoutSeconds
        let outcomes = await withTaskGroup(of: (Int, Double, String?).self, returning: [(Int, Double, String?)].self) { group in
            for t in times {
                let intended = start + .nanoseconds(Int64(t * 1e9))
                try? await Task.sleep(until: intended, clock: clock)
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers = requestHeaders
                    request.body = .bytes(ByteBuffer(bytes: body))
                    do {
                        let response = try await client.execute(request, timeout: .seconds(Int64(timeout)))
                        _ = try await response.body.collect(upTo: 64 << 20)
                        let latency =
                            Double((clock.now - intended).components.attoseconds) / 1e15 + Double((clock.now - intended).components.seconds)
                            * 1e3
                        return (Int(response.status.code), latency, nil)
                    } catch {
                        let latency = Double((clock.now - intended).components.seconds) * 1e3
                        return (0, latency, String(describing: type(of: error)) + ": " + "\(error)".prefix(80))
                    }
                }
            }
            var all: [(Int, Double, String?)] = []
            all.reserveCapacity(times.count)
            for await o in group { all.append(o) }
            return all
        }
        let elapsed = clock.now - start
        try await client.shutdown()
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        var statuses: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var ok = 0
        var sum = 0.0
        for (status, latency, error) in outcomes {
            if let error {
                errors[error, default: 0] += 1
                continue
            }
            statuses[String(status), default: 0] += 1
            if status == 200 {
                ok += 1
                sum += latency
                _ = histogram.record(UInt64(max(0, latency * 1000)))  // µs
            }
        }
        func p(_ q: Double) -> Double { ok > 0 ? Double(histogram.valueAtPercentile(q)) / 1000 : 0 }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(
            url: url, scheduledRps: ratePerSecond, durationSeconds: seconds, sent: times.count,
            achievedRps: Double(ok) / max(seconds, 1e-9),
            latencyMs: [
                "p50": p(50), "p90": p(90), "p99": p(99), "p999": p(99.9), "max": ok > 0 ? Double(histogram.max) / 1000 : 0,
                "mean": ok > 0 ? sum / Double(ok) : 0,
            ],
            statusCounts: statuses, errors: errors)
    }
}

/// A one-off HTTP GET (used to read a server's /swagger.json).
public enum Fetch {
    public static func get(_ url: String) async throws -> Data {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 16 << 20)
            try await client.shutdown()
            return Data(body.readableBytesView)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
