import Foundation
import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import Simulation

/// An open-loop HTTP load generator: send times are drawn in advance (Poisson or evenly
/// spaced) and every request's latency is measured from its *scheduled* send time, so time a
/// request spends waiting for a free connection counts (no coordinated omission, as in wrk2).
///
/// The engine is SwiftNIO directly (NIOHTTP1's encoder and llhttp-based decoder) with keep-alive
/// connections spread over the event loops; each loop owns a share of the schedule and of the
/// connections, so a request never crosses threads and costs the generator a few microseconds
/// — it shares the machine with the server it measures.
package struct LoadGenerator: Sendable {
    package enum Distribution: String, Sendable, CaseIterable {
        case poisson
        case constant
    }

    package var url: String
    package var ratePerSecond: Double
    package var durationSeconds: Double
    package var distribution: Distribution = .poisson
    package var connections = 16
    package var body: Data
    package var headers: [(String, String)] = [("Content-Type", "application/json")]
    /// A request without a complete response this many seconds after it was sent is an error
    /// (its connection is closed and replaced).
    package var timeoutSeconds = 30.0
    package var seed: UInt64 = 1

    package init(url: String, ratePerSecond: Double, durationSeconds: Double, body: Data) {
        self.url = url
        self.ratePerSecond = ratePerSecond
        self.durationSeconds = durationSeconds
        self.body = body
    }

    package struct Result: Sendable, Codable, Equatable {
        package var url: String
        package var scheduledRps: Double
        package var durationSeconds: Double
        package var sent: Int
        package var achievedRps: Double
        package var latencyMs: [String: Double]
        package var statusCounts: [String: Int]
        package var errors: [String: Int]
    }

    package struct BadURL: Error, CustomStringConvertible {
        package let description: String
    }

    /// Rate, duration, connections or timeout out of range.
    package struct BadParameters: Error, CustomStringConvertible {
        package let description: String
    }

    /// Requests one run may schedule: send times and latencies are held in memory (~24 bytes each).
    package static let maxRequests = 10_000_000

    func validate() throws(BadParameters) {
        guard ratePerSecond > 0, ratePerSecond.isFinite, durationSeconds > 0, durationSeconds.isFinite else {
            throw BadParameters(description: "rate (\(ratePerSecond)/s) and duration (\(durationSeconds) s) must be positive")
        }
        guard ratePerSecond * durationSeconds <= Double(Self.maxRequests) else {
            throw BadParameters(
                description:
                    "rate × duration = \(Int(ratePerSecond * durationSeconds)) requests; at most \(Self.maxRequests) per run (lower --rate or --duration)"
            )
        }
        guard connections >= 1 else { throw BadParameters(description: "connections must be at least 1, got \(connections)") }
        guard timeoutSeconds > 0, timeoutSeconds.isFinite else { throw BadParameters(description: "timeout must be positive") }
    }

    /// Send times in seconds from the start.
    package func schedule() -> [Double] {
        var times: [Double] = []
        var rng = SplitMix64(seed: seed)
        var t = 0.0
        while true {
            switch distribution {
            case .constant:
                t = Double(times.count + 1) / ratePerSecond
            case .poisson:
                let u = (Double(rng.next() >> 11) + 0.5) / Double(1 << 53)
                t += -log(u) / ratePerSecond
            }
            if t >= durationSeconds { break }
            times.append(t)
        }
        return times
    }

    /// Host, port and request target of an `http://` URL.
    static func endpoint(_ url: String) throws(BadURL) -> (host: String, port: Int, target: String) {
        guard let c = URLComponents(string: url), c.scheme?.lowercased() == "http", let host = c.host, !host.isEmpty else {
            throw BadURL(description: "'\(url)' is not an http:// URL with a host")
        }
        let port = c.port ?? 80
        guard (1...65535).contains(port) else { throw BadURL(description: "'\(url)': port \(port) is out of range") }
        var target = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
        if let q = c.percentEncodedQuery { target += "?" + q }
        return (host, port, target)
    }

    package func run() async throws -> Result {
        try validate()
        let (host, port, target) = try Self.endpoint(url)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target)
        head.headers.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
        for (k, v) in headers { head.headers.add(name: k, value: v) }
        head.headers.add(name: "Content-Length", value: String(body.count))
        let request = LoadRequest(head: head, body: ByteBuffer(bytes: body))
        let times = schedule()

        var loops: [any EventLoop] = []
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() { loops.append(loop) }
        let laneCount = max(1, min(loops.count, connections))
        let lanes = (0..<laneCount).map { l in
            LoadLane(
                loop: loops[l], request: request, host: host, port: port,
                connections: connections / laneCount + (l < connections % laneCount ? 1 : 0), timeoutSeconds: timeoutSeconds,
                expected: times.count / laneCount + 1)
        }
        let start = NIODeadline.now() + .milliseconds(5)
        // The run ends by duration + timeout whatever the server does: a request still waiting
        // for a connection then is an error, one still unanswered a timeout.
        let end = start + .nanoseconds(Int64((durationSeconds + timeoutSeconds) * 1e9))
        for (l, lane) in lanes.enumerated() {
            let mine = stride(from: l, to: times.count, by: laneCount).map { start + .nanoseconds(Int64(times[$0] * 1e9)) }
            lane.loop.execute { lane.start(mine, endBy: end) }
        }
        var finished = start
        for lane in lanes {
            let end = try await lane.done.futureResult.get()
            if end > finished { finished = end }
        }

        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        var statuses: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var ok = 0
        var sumMicroseconds = 0.0
        for lane in lanes {
            // The lanes have finished; their loops no longer touch this state.
            for us in lane.okLatencyMicroseconds {
                _ = histogram.record(us)
                sumMicroseconds += Double(us)
            }
            ok += lane.okLatencyMicroseconds.count
            for (status, n) in lane.statusCounts { statuses[String(status), default: 0] += n }
            for (e, n) in lane.errors { errors[e, default: 0] += n }
        }
        func p(_ q: Double) -> Double { ok > 0 ? Double(histogram.valueAtPercentile(q)) / 1000 : 0 }
        let seconds = Double((finished - start).nanoseconds) / 1e9
        return Result(
            url: url, scheduledRps: ratePerSecond, durationSeconds: seconds, sent: times.count,
            achievedRps: Double(ok) / max(seconds, 1e-9),
            latencyMs: [
                "p50": p(50), "p90": p(90), "p95": p(95), "p99": p(99), "p999": p(99.9), "max": ok > 0 ? Double(histogram.max) / 1000 : 0,
                "mean": ok > 0 ? sumMicroseconds / Double(ok) / 1000 : 0,
            ],
            statusCounts: statuses, errors: errors)
    }
}

/// The request every connection sends (the head's headers and the body are shared, not copied).
struct LoadRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
}

/// One event loop's share of a load run: its send times, its connections, its results. All
/// state is touched only on `loop` (hence `@unchecked Sendable`); `run()` reads the results
/// after `done` has fired.
///
/// Connections are opened on demand — when a request is due and none is idle, up to the lane's
/// share of `--connections` — and kept alive while the server allows. Opening them all up
/// front would starve servers with blocking workers (gunicorn's sync workers accept an idle
/// connection and then wait on it), and a connection is never opened without a request for it.
final class LoadLane: @unchecked Sendable {
    let loop: any EventLoop
    let request: LoadRequest
    let host: String
    let port: Int
    let wanted: Int
    let timeout: TimeAmount
    let done: EventLoopPromise<NIODeadline>

    private var times: [NIODeadline] = []
    private var next = 0
    private var inFlight = 0
    private var idle: [LoadConnection] = []
    private var live: [ObjectIdentifier: LoadConnection] = [:]
    private var connecting = 0
    private var timer: Scheduled<Void>?
    private var watchdog: RepeatedTask?
    private var finished = false
    private var end = NIODeadline.distantFuture

    private(set) var okLatencyMicroseconds: [UInt64] = []
    private(set) var statusCounts: [Int: Int] = [:]
    private(set) var errors: [String: Int] = [:]

    init(
        loop: any EventLoop, request: LoadRequest, host: String, port: Int, connections: Int, timeoutSeconds: Double, expected: Int
    ) {
        self.loop = loop
        self.request = request
        self.host = host
        self.port = port
        self.wanted = max(1, connections)
        self.timeout = .nanoseconds(Int64(max(0.001, timeoutSeconds) * 1e9))
        self.done = loop.makePromise()
        okLatencyMicroseconds.reserveCapacity(expected)
    }

    /// Starts sending at the scheduled times (absolute deadlines, in order); at `endBy` every
    /// request not yet answered fails.
    func start(_ deadlines: [NIODeadline], endBy: NIODeadline) {
        times = deadlines
        end = endBy
        let check = min(.milliseconds(100), timeout)
        watchdog = loop.scheduleRepeatedTask(initialDelay: check, delay: check) { [self] _ in expireOverdue() }
        pump()
    }

    /// Sends every due request that has an idle connection, opens connections for the others
    /// (within the limit), and arms the timer for the next send time.
    private func pump() {
        guard !finished else { return }
        let now = NIODeadline.now()
        while next < times.count && times[next] <= now, let c = idle.popLast() {
            guard c.send(request, intended: times[next], now: now) else { continue }  // closing: try another
            inFlight += 1
            next += 1
        }
        // Due requests still waiting, beyond those a connection being opened will take.
        var waiting = 0
        var i = next
        while i < times.count && times[i] <= now && waiting < connecting + wanted {
            waiting += 1
            i += 1
        }
        while waiting > connecting && live.count + connecting < wanted { connect() }
        if next < times.count {
            // A due request waits for a connection (whose arrival pumps again); otherwise
            // wake at the next send time.
            if timer == nil && times[next] > now {
                timer = loop.scheduleTask(deadline: times[next]) { [self] in
                    timer = nil
                    pump()
                }
            }
        } else if inFlight == 0 {
            finish()
        }
    }

    private func connect() {
        connecting += 1
        let lane = self
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(min(timeout, .seconds(5)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(LoadConnection(lane: lane))
                }
            }
            .connect(host: host, port: port)
            .flatMap { channel in channel.pipeline.handler(type: LoadConnection.self) }
            .whenComplete { result in
                lane.connecting -= 1
                switch result {
                case .success(let connection):
                    if lane.finished {
                        connection.close()
                        return
                    }
                    lane.live[ObjectIdentifier(connection)] = connection
                    lane.idle.append(connection)
                case .failure(let error):
                    // The oldest waiting request needed this connection: it fails with the reason.
                    if lane.next < lane.times.count && lane.times[lane.next] <= .now() {
                        lane.errors[LoadLane.describeConnectFailure(error, host: lane.host, port: lane.port), default: 0] += 1
                        lane.next += 1
                    }
                }
                lane.pump()
            }
    }

    /// "connect to 127.0.0.1:9: Connection refused" rather than NIO's nested error dump.
    static func describeConnectFailure(_ error: any Error, host: String, port: Int) -> String {
        var why = String("\(error)".prefix(80))
        if let e = error as? NIOConnectionError {
            if let dns = e.dnsAError ?? e.dnsAAAAError {
                why = "cannot resolve the host (\(dns))"
            } else if let io = e.connectionErrors.first?.error as? IOError {
                why = String(cString: strerror(io.errnoCode))
            } else if let other = e.connectionErrors.first?.error {
                why = String("\(other)".prefix(80))
            }
        } else if error is ChannelError, case .connectTimeout = error as! ChannelError {
            why = "timed out"
        }
        return "connect to \(host):\(port): \(why)"
    }

    func completed(_ c: LoadConnection, status: Int, intended: NIODeadline, keepAlive: Bool) {
        inFlight -= 1
        statusCounts[status, default: 0] += 1
        if status == 200 {
            okLatencyMicroseconds.append(UInt64(max(0, (NIODeadline.now() - intended).nanoseconds / 1000)))
        }
        // Either side may end the connection: the response's headers or our own `Connection: close`.
        if keepAlive && request.head.isKeepAlive && !finished {
            idle.append(c)
        } else {
            c.close()
        }
        pump()
    }

    /// A connection went away; an unanswered request on it is an error.
    func closed(_ c: LoadConnection, pending: Bool, reason: String) {
        live[ObjectIdentifier(c)] = nil
        idle.removeAll { $0 === c }
        if pending {
            inFlight -= 1
            errors[reason, default: 0] += 1
        }
        pump()
    }

    private func expireOverdue() {
        let now = NIODeadline.now()
        let over = now >= end
        for c in live.values where c.isBusy && (over || now - c.sentAt > timeout) {
            c.fail(reason: "timeout: no response within \(Double(timeout.nanoseconds) / 1e9) s")
        }
        if over && next < times.count {
            errors["not sent: no connection was free before the run's end (duration + timeout)", default: 0] += times.count - next
            next = times.count
            pump()
        }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        watchdog?.cancel()
        for c in live.values { c.close() }
        done.succeed(.now())
    }
}

/// One keep-alive HTTP/1.1 connection: at most one request outstanding.
final class LoadConnection: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let lane: LoadLane
    private var context: ChannelHandlerContext?
    private var intended: NIODeadline?
    private(set) var sentAt = NIODeadline.now()
    private var status = 0
    private var keepAlive = true
    private var failure: String?
    private var reported = false

    init(lane: LoadLane) { self.lane = lane }

    var isBusy: Bool { intended != nil }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Sends the request; false when the connection is already closing.
    func send(_ request: LoadRequest, intended: NIODeadline, now: NIODeadline) -> Bool {
        guard let context, !reported, context.channel.isActive else { return false }
        self.intended = intended
        sentAt = now
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        return true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            status = Int(h.status.code)
            keepAlive = h.isKeepAlive
        case .body:
            break
        case .end:
            guard let t = intended else { return }  // a response nobody asked for: ignore
            intended = nil
            lane.completed(self, status: status, intended: t, keepAlive: keepAlive)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil { failure = String(describing: type(of: error)) + ": " + String("\(error)".prefix(80)) }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        report()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        report()
        self.context = nil
    }

    /// Gives up on the outstanding request (timeout) and closes the connection.
    func fail(reason: String) {
        failure = reason
        close()
    }

    func close() { context?.close(promise: nil) }

    private func report() {
        guard !reported else { return }
        reported = true
        let pending = intended != nil
        intended = nil
        lane.closed(self, pending: pending, reason: failure ?? "connection closed before the response")
    }
}

/// A one-off HTTP GET (used to read a server's /swagger.json).
package enum Fetch {
    package static func get(_ url: String) async throws -> Data {
        let response = try await HTTP1Client.request(.GET, url, timeout: .seconds(10), maxBytes: 16 << 20)
        guard response.status == 200 else { throw HTTP1ClientError("GET \(url): HTTP \(response.status)") }
        return response.body
    }
}
