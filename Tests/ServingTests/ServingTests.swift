import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Testing

@testable import Inference
@testable import Serving

/// Starts a server on an ephemeral loopback port, runs `body` with its base URL, then shuts it
/// down gracefully (and checks that it did).
func withServer(
    model: String = "mlp:in=8,hidden=16,layers=1,out=3", configuration: ScoringServer.Configuration = .init(),
    _ body: @Sendable (String, ScoringModel) async throws -> Void
) async throws {
    let graph = try ModelZoo.graph(model).withRandomWeights(seed: 1)
    var c = configuration
    c.port = 0
    let scoring = try ScoringModel(graph: graph, slots: c.maxConcurrentRequests, threads: 1)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = ScoringServer(model: scoring, configuration: c).application { port in portContinuation.yield(port) }
    let group = ServiceGroup(configuration: .init(services: [app], logger: .init(label: "test")))
    let running = Task { try await group.run() }
    var iterator = ports.makeAsyncIterator()
    let port = try #require(await iterator.next())
    do {
        try await body("http://127.0.0.1:\(port)", scoring)
    } catch {
        await group.triggerGracefulShutdown()
        throw error
    }
    await group.triggerGracefulShutdown()
    try await running.value  // returns once the server has stopped
}

func post(_ url: String, _ body: String, headers: [(String, String)] = []) async throws -> (Int, String) {
    let response = try await HTTP1Client.request(
        .POST, url, headers: headers, body: Data(body.utf8), timeout: .seconds(30))
    return (response.status, response.text)
}

/// A server that accepts connections and never answers; close the channel when done.
func silentServer() async throws -> (channel: any Channel, port: Int) {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0).get()
    return (channel, try #require(channel.localAddress?.port))
}

@Suite("Scoring endpoint and load generator", .serialized)
struct ServingTests {
    @Test func scoresLikeTheInProcessEngine() async throws {
        try await withServer { base, model in
            let x: [Float] = (0..<8).map { Float($0) / 8 - 0.4 }
            let (status, text) = try await post(base + "/score", "{\"data\": \(x)}")
            #expect(status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let result = try #require(json["result"] as? [Double])
            let expected = try CPUExecutor(graph: model.graph, batch: 1).run(x)
            #expect(result.count == 3)
            for (a, b) in zip(result, expected) { #expect(abs(Float(a) - b) <= 1e-6) }
            // A batch of two gives two rows.
            let (s2, t2) = try await post(base + "/score", "{\"data\": [\(x), \(x)]}")
            #expect(s2 == 200)
            let rows = try #require((try JSONSerialization.jsonObject(with: Data(t2.utf8)) as? [String: Any])?["result"] as? [[Double]])
            #expect(rows.count == 2 && rows[0] == rows[1])
            // Health and OpenAPI.
            let health = try await HTTP1Client.request(.GET, base + "/", timeout: .seconds(5))
            #expect(health.status == 200)
            let doc = String(decoding: try await Fetch.get(base + "/swagger.json"), as: UTF8.self)
            #expect(doc.contains("\"openapi\"") && doc.contains("/score"))
        }
    }

    @Test func badRequestsGetTheRightStatus() async throws {
        var configuration = ScoringServer.Configuration()
        configuration.maxBodyBytes = 1000
        configuration.key = "secret"
        try await withServer(configuration: configuration) { base, _ in
            let auth = [("Authorization", "Bearer secret")]
            let good = "{\"data\": [1,2,3,4,5,6,7,8]}"
            #expect(try await post(base + "/score", good).0 == 401)
            #expect(try await post(base + "/score", good, headers: [("Authorization", "Bearer wrong")]).0 == 401)
            #expect(try await post(base + "/score", good, headers: auth).0 == 200)
            let malformed = try await post(base + "/score", "{\"data\": [1,2,", headers: auth)
            #expect(malformed.0 == 400 && malformed.1.contains("malformed JSON"))
            let shape = try await post(base + "/score", "{\"data\": [1,2,3]}", headers: auth)
            #expect(shape.0 == 400 && shape.1.contains("expected [8]"))
            #expect(try await post(base + "/score", "{\"input\": [1]}", headers: auth).0 == 400)
            #expect(try await post(base + "/score", "{\"data\": [[1,2],[3]]}", headers: auth).0 == 400)
            let big = "{\"data\": [" + Array(repeating: "1.0", count: 600).joined(separator: ",") + "]}"
            #expect(try await post(base + "/score", big, headers: auth).0 == 413)
        }
    }

    /// One slot, a 20 ms wait limit, a model that takes about a millisecond or more: a burst of
    /// 200 requests over 64 connections must produce 503s (not crashes or unbounded queues), and
    /// the server must still answer afterwards.
    @Test func overloadGives503AndStaysResponsive() async throws {
        var configuration = ScoringServer.Configuration()
        configuration.maxRequestWaitMs = 20
        configuration.maxQueued = 32
        try await withServer(model: "mlp:in=1024,hidden=2048,layers=6,out=10", configuration: configuration) { base, _ in
            let body = "{\"data\": [" + Array(repeating: "0.5", count: 1024).joined(separator: ",") + "]}"
            let statuses = try await withThrowingTaskGroup(of: Int.self, returning: [Int].self) { group in
                for _ in 0..<200 { group.addTask { try await post(base + "/score", body).0 } }
                var all: [Int] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.contains(503), "overload must be refused")
            #expect(statuses.contains(200))
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 503 })
            #expect(try await post(base + "/score", body).0 == 200, "responsive after the burst")
        }
    }

    @Test func loadGeneratorMeasuresFromTheScheduledTime() async throws {
        try await withServer { base, _ in
            var g = LoadGenerator(
                url: base + "/score", ratePerSecond: 200, durationSeconds: 1, body: Data("{\"data\": [1,2,3,4,5,6,7,8]}".utf8))
            g.distribution = .constant
            g.connections = 4
            #expect(g.schedule().count == 199)
            let r = try await g.run()
            #expect(r.sent == 199 && r.statusCounts["200"] == 199 && r.errors.isEmpty)
            #expect((r.latencyMs["p50"] ?? 0) > 0 && (r.latencyMs["p99"] ?? 0) >= (r.latencyMs["p50"] ?? 0))
            #expect(abs(r.achievedRps - 199) < 40)
        }
        // A stopped server: every request is an error naming the refusal, nothing crashes.
        var dead = LoadGenerator(url: "http://127.0.0.1:9/score", ratePerSecond: 20, durationSeconds: 0.5, body: Data("{}".utf8))
        dead.timeoutSeconds = 2
        let r = try await dead.run()
        #expect(r.statusCounts.isEmpty && r.errors.values.reduce(0, +) == r.sent)
        #expect(r.errors.keys.allSatisfy { $0.hasPrefix("connect to 127.0.0.1:9") }, "\(r.errors)")
    }

    /// A server that closes the connection after every response (as HTTP/1.0 servers and
    /// gunicorn's sync workers do): the generator opens a new connection per request and loses none.
    @Test func loadGeneratorReconnectsWhenTheServerCloses() async throws {
        try await withServer { base, _ in
            var g = LoadGenerator(
                url: base + "/score", ratePerSecond: 300, durationSeconds: 0.5, body: Data("{\"data\": [1,2,3,4,5,6,7,8]}".utf8))
            g.headers.append(("Connection", "close"))
            g.connections = 3
            let r = try await g.run()
            #expect(r.sent > 100 && r.statusCounts["200"] == r.sent && r.errors.isEmpty, "\(r.statusCounts) \(r.errors)")
        }
    }

    /// A server that accepts connections and never answers: each request becomes a timeout error
    /// after `timeoutSeconds`, and the run ends.
    @Test func loadGeneratorTimesOutUnansweredRequests() async throws {
        let (silent, port) = try await silentServer()
        var g = LoadGenerator(url: "http://127.0.0.1:\(port)/score", ratePerSecond: 40, durationSeconds: 0.25, body: Data("{}".utf8))
        g.timeoutSeconds = 0.3
        g.connections = 64
        let r = try await g.run()
        try await silent.close()
        #expect(r.sent > 0 && r.statusCounts.isEmpty)
        #expect(r.errors.count == 1 && r.errors.first?.key.hasPrefix("timeout") == true && r.errors.first?.value == r.sent, "\(r.errors)")
        #expect(r.durationSeconds < 5)
    }

    /// Against a server that never answers, with fewer connections than requests: requests
    /// queue behind unanswered ones, yet the run ends by duration + timeout, the rest counted
    /// as not sent.
    @Test func loadGeneratorEndsByDurationPlusTimeout() async throws {
        let (silent, port) = try await silentServer()
        var g = LoadGenerator(url: "http://127.0.0.1:\(port)/score", ratePerSecond: 40, durationSeconds: 0.5, body: Data("{}".utf8))
        g.timeoutSeconds = 0.5
        g.connections = 2
        let r = try await g.run()
        try await silent.close()
        #expect(r.durationSeconds < 0.5 + 0.5 + 0.3, "ran \(r.durationSeconds) s")
        #expect(r.statusCounts.isEmpty && r.errors.values.reduce(0, +) == r.sent, "\(r.errors)")
        #expect(r.errors.keys.contains { $0.hasPrefix("not sent") }, "\(r.errors)")
    }

    @Test func loadGeneratorRejectsNonHTTPURLs() async throws {
        for bad in ["https://127.0.0.1/score", "127.0.0.1:8080/score", "http:///score", "http://127.0.0.1:99999/"] {
            await #expect(throws: LoadGenerator.BadURL.self, "\(bad)") {
                _ = try await LoadGenerator(url: bad, ratePerSecond: 1, durationSeconds: 0.1, body: Data()).run()
            }
        }
        await #expect(throws: LoadGenerator.BadParameters.self) {
            _ = try await LoadGenerator(url: "http://127.0.0.1:1/", ratePerSecond: 1e6, durationSeconds: 86400, body: Data()).run()
        }
        #expect(try LoadGenerator.endpoint("http://localhost:8080/score?x=1") == ("localhost", 8080, "/score?x=1"))
        #expect(try LoadGenerator.endpoint("http://example.org") == ("example.org", 80, "/"))
    }
}

@Suite("Admission control")
struct AdmissionControllerTests {
    @Test func admitsQueuesHandsOverAndExpires() async throws {
        let a = AdmissionController(maxConcurrent: 1, maxWaitSeconds: 0.2, maxQueued: 1)
        #expect(await a.acquire() == .admitted)
        let waiter = Task { await a.acquire() }
        while a.load.waiting == 0 { try await Task.sleep(nanoseconds: 1_000_000) }
        // The queue (1) is full: refused at once.
        guard case .rejected(let why) = await a.acquire() else {
            Issue.record("expected a rejection")
            return
        }
        #expect(why.contains("queue is full"))
        // Releasing hands the slot to the waiter: still one in flight, nobody waiting.
        a.release()
        #expect(await waiter.value == .admitted)
        #expect(a.load == (1, 0))
        // Nobody releases: the next request waits 0.2 s and is refused.
        let clock = ContinuousClock()
        let start = clock.now
        guard case .rejected(let late) = await a.acquire() else {
            Issue.record("expected a timeout")
            return
        }
        #expect(late.contains("max_request_wait_time"))
        #expect(clock.now - start >= .milliseconds(190))
        #expect(a.load == (1, 0))
        a.release()
        #expect(a.load == (0, 0))
        #expect(await a.acquire() == .admitted)
    }
}

@Suite("Scoring JSON")
struct ScoringJSONTests {
    @Test func fastAndGeneralParsersAgree() throws {
        let bodies = ["{\"data\": [1, -2.5, 3e2, 4]}", "{ \"data\" : [[1,2,3,4],[5,6,7,8.25]] }", "{\"data\": [1, 2, 3, 4], \"extra\": 1}"]
        for b in bodies {
            let r = try ScoringJSON.parse(Data(b.utf8), inputShape: [4])
            #expect(r.samples[0].count == 4)
        }
        #expect(ScoringJSON.fastParse(Data("{\"data\": [1, -, 3]}".utf8)) == nil)
        #expect(ScoringJSON.fastParse(Data("{\"data\": [[1],[2,3]]}".utf8)) == nil)
        #expect(ScoringJSON.fastParse(Data("{\"data\": [1, 2]} trailing".utf8)) == nil)
        #expect(throws: ScoringJSON.BadRequest.self) { try ScoringJSON.parse(Data("{\"data\": [1, -, 3]}".utf8), inputShape: [3]) }
        let out = try ScoringJSON.render([[0.5, 1], [2, 3]], outputShape: [2], batched: true)
        let back = try JSONSerialization.jsonObject(with: out) as? [String: [[Double]]]
        #expect(back?["result"] == [[0.5, 1], [2, 3]])
    }
}

@Suite("CPU affinity")
struct CPUAffinityTests {
    /// Pinning the calling thread restricts it to that CPU, and restoring gives every CPU back.
    @Test func pinsAndRestoresTheCallingThread() throws {
        let all = CPUAffinity.allowed
        try #require(!all.isEmpty, "sched_getaffinity is unavailable here")
        #expect(CPUAffinity.pinCurrentThread(to: [all.last!]))
        #expect(CPUAffinity.allowed == [all.last!])
        #expect(CPUAffinity.pinCurrentThread(to: all))
        #expect(CPUAffinity.allowed == all)
    }
}

/// One raw TCP exchange on a GCD thread (blocking sockets stay off the cooperative pool):
/// sends `chunks` (the later ones `gap` seconds apart; `shutdownWrite` then half-closes), then
/// reads until the server closes or `timeout` passes. Returns what arrived and when the server
/// closed (nil: still open at the timeout).
func rawExchange(
    port: Int, _ chunks: [String], gap: Double = 0, shutdownWrite: Bool = false, timeout: Double
) async -> (response: String, closedAfter: Double?) {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { return continuation.resume(returning: ("connect failed", 0)) }
            let start = Date()
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            func readAvailable(until deadline: Date) -> Bool {  // true when the server closed
                while Date() < deadline {
                    var tv = timeval(tv_sec: 0, tv_usec: 50_000)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n > 0 {
                        received += buffer[0..<n]
                    } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                        return true
                    }
                }
                return false
            }
            var closed = false
            for (k, chunk) in chunks.enumerated() where !closed {
                if k > 0 { closed = readAvailable(until: Date().addingTimeInterval(gap)) }
                if !closed { _ = chunk.utf8CString.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) } }
            }
            if shutdownWrite { shutdown(fd, Int32(SHUT_WR)) }
            if !closed { closed = readAvailable(until: start.addingTimeInterval(timeout)) }
            let elapsed = Date().timeIntervalSince(start)
            continuation.resume(returning: (String(decoding: received, as: UTF8.self), closed ? elapsed : nil))
        }
    }
}

/// Opens `count` connections to `port` at once (one thread), waits `within` seconds, and
/// returns how many the server closed meanwhile.
func closedConnections(port: Int, opening count: Int, within: Double) async -> Int {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            var fds: [Int32] = []
            for _ in 0..<count {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                fds.append(fd)
            }
            Thread.sleep(forTimeInterval: within)
            var closed = 0
            var byte: UInt8 = 0
            for fd in fds {
                let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { closed += 1 }
                close(fd)
            }
            continuation.resume(returning: closed)
        }
    }
}

/// Clients that send slowly, partly, wrongly or too many at once: each connection ends within
/// the configured time with the status HTTP specifies, and the server keeps answering.
@Suite("Scoring endpoint against hostile clients", .serialized)
struct HostileClientTests {
    static var configuration: ScoringServer.Configuration {
        var c = ScoringServer.Configuration()
        c.idleTimeoutSeconds = 1
        c.bodyTimeoutSeconds = 2
        c.maxConnections = 20
        c.key = "k"
        return c
    }
    static let head = "POST /score HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"

    static func port(_ base: String) -> Int { Int(base.split(separator: ":").last!)! }

    @Test func slowAndPartialRequestsAreClosedInTime() async throws {
        try await withServer(configuration: Self.configuration) { base, _ in
            let port = Self.port(base)
            // Headers that never end (slowloris): closed after the idle timeout.
            let slow = await rawExchange(port: port, ["POST /score HTTP/1.1\r\nHost: x\r\n"], timeout: 5)
            #expect(slow.closedAfter.map { $0 >= 0.9 && $0 < 3 } == true, "slow headers: \(slow)")
            // A body that stops: closed after the idle timeout.
            let partial = await rawExchange(port: port, [Self.head + "Content-Length: 100\r\n\r\n{\"data\":"], timeout: 5)
            #expect(partial.closedAfter.map { $0 < 3 } == true, "partial body: \(partial)")
            // A body dripped a byte every 0.5 s (never idle): 408 at the body timeout, then closed.
            let drip = await rawExchange(
                port: port, [Self.head + "Content-Length: 100\r\n\r\n"] + Array(repeating: " ", count: 12), gap: 0.5, timeout: 8)
            #expect(drip.response.hasPrefix("HTTP/1.1 408"), "drip: \(drip)")
            #expect(drip.closedAfter.map { $0 >= 1.9 && $0 < 4 } == true, "drip: \(drip)")
            // A chunked body that never ends.
            let chunked = await rawExchange(port: port, [Self.head + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"dat\r\n"], timeout: 5)
            #expect(chunked.closedAfter.map { $0 < 3 } == true, "unterminated chunked: \(chunked)")
            // An idle keep-alive connection after a response.
            let idle = await rawExchange(port: port, ["GET / HTTP/1.1\r\nHost: x\r\n\r\n"], timeout: 5)
            #expect(idle.response.hasPrefix("HTTP/1.1 200") && idle.closedAfter.map { $0 >= 0.9 && $0 < 3 } == true, "idle: \(idle)")
            // A 401 with a body left unread and Connection: close: closed at once.
            let refused = await rawExchange(
                port: port, ["POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"data\""], timeout: 5)
            #expect(refused.response.hasPrefix("HTTP/1.1 401") && refused.closedAfter.map { $0 < 0.9 } == true, "401: \(refused)")
            let after = try await post(base + "/score", "{\"data\": [1,2,3,4,5,6,7,8]}", headers: [("Authorization", "Bearer k")])
            #expect(after.0 == 200)
        }
    }

    @Test func malformedFramingGetsTheStatusHTTPSpecifies() async throws {
        try await withServer(configuration: Self.configuration) { base, _ in
            let port = Self.port(base)
            let badSize = await rawExchange(
                port: port, [Self.head + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"], timeout: 3)
            #expect(badSize.response.hasPrefix("HTTP/1.1 400"), "bad chunk size: \(badSize)")
            let eof = await rawExchange(
                port: port, [Self.head + "Transfer-Encoding: chunked\r\n\r\n10\r\nabc"], shutdownWrite: true, timeout: 3)
            #expect(eof.response.hasPrefix("HTTP/1.1 400"), "EOF mid-chunk: \(eof)")
            let gzip = await rawExchange(port: port, [Self.head + "Transfer-Encoding: gzip\r\n\r\nabc"], timeout: 3)
            #expect(gzip.response.hasPrefix("HTTP/1.1 501"), "Transfer-Encoding gzip: \(gzip)")
            for body in ["true", "[1,2]", "\"data\"", "null", "{\"data\": true}"] {
                let (status, _) = try await post(base + "/score", body, headers: [("Authorization", "Bearer k")])
                #expect(status == 400, "\(body) → \(status)")
            }
        }
    }

    @Test func connectionsOverTheCapAreClosed() async throws {
        var c = Self.configuration
        c.idleTimeoutSeconds = 10
        try await withServer(configuration: c) { base, _ in
            let port = Self.port(base)
            // 25 connections open at once against a cap of 20: 5 are closed at once.
            let closed = await closedConnections(port: port, opening: 25, within: 1)
            #expect(closed == 5, "closed at once: \(closed) of 25 (cap 20)")
            // Once they are gone the server answers again.
            try await Task.sleep(for: .milliseconds(200))
            let after = try await post(base + "/score", "{\"data\": [1,2,3,4,5,6,7,8]}", headers: [("Authorization", "Bearer k")])
            #expect(after.0 == 200)
        }
    }
}
