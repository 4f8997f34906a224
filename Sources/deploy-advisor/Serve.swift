import ArgumentParser
import Foundation
import Hummingbird
import Inference
import NIOCore
import Serving

extension DeployAdvisor {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the model locally with Azure ML's scoring contract (POST /score, GET /, GET /swagger.json).")

        @Argument(help: "A built-in model name or a path to an .onnx file.")
        var model: String

        @OptionGroup var shapes: InputShapeOptions

        @Option(help: "Address to bind.") var host = "127.0.0.1"
        @Option(help: "Port (0 picks a free one).") var port = 8080
        @Option(help: "OpenBLAS threads per inference.") var threads = 1
        @Option(name: .customLong("max-concurrent-requests"), help: "Requests in flight at once (replica_max_concurrent_requests).")
        var maxConcurrentRequests = 1
        @Option(name: .customLong("max-request-wait-ms"), help: "Wait for a slot before 503 (max_request_wait_time), ms.")
        var maxRequestWaitMs = 500.0
        @Option(name: .customLong("max-body-bytes"), help: "Largest request body; larger ones get 413.") var maxBodyBytes = 10 << 20
        @Option(help: "Require 'Authorization: Bearer KEY'.") var key: String?
        @Option(help: "Seed for built-in weights.") var seed: UInt64 = 1
        @Option(
            name: .customLong("idle-timeout-s"),
            help:
                "Seconds a connection may go without a complete request part (slow headers, a stalled body, an idle keep-alive) before it is closed."
        )
        var idleTimeoutS = 30.0
        @Option(name: .customLong("body-timeout-s"), help: "Seconds a request's whole body may take; then 408 and the connection closes.")
        var bodyTimeoutS = 30.0
        @Option(name: .customLong("max-connections"), help: "Connections open at once; more are closed when accepted.")
        var maxConnections = 1024

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, got \(port)") }
            guard (1...256).contains(maxConcurrentRequests) else { throw ValidationError("--max-concurrent-requests must be 1 to 256") }
            guard maxRequestWaitMs >= 0 else { throw ValidationError("--max-request-wait-ms must be ≥ 0") }
            guard maxBodyBytes >= 64 else { throw ValidationError("--max-body-bytes must be at least 64") }
            guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1 to 256") }
            if let key, key.isEmpty || key.contains(where: { $0.isWhitespace || !$0.isASCII }) {
                throw ValidationError(
                    "--key must be a non-empty token of visible ASCII characters (clients send 'Authorization: Bearer KEY')")
            }
            for (flag, v) in [("--idle-timeout-s", idleTimeoutS), ("--body-timeout-s", bodyTimeoutS)] where !(v > 0 && v <= 86400) {
                throw ValidationError("\(flag) must be > 0 and at most 86400 seconds, got \(v)")
            }
            guard (1...1_000_000).contains(maxConnections) else {
                throw ValidationError("--max-connections must be 1 to 1000000, got \(maxConnections)")
            }
        }

        func run() async throws {
            let graph = try ModelSource.load(model, inputShapes: try shapes.shapes()).weighted(seed: seed)
            let scoring = try ScoringModel(graph: graph, slots: maxConcurrentRequests, threads: threads)
            var c = ScoringServer.Configuration()
            c.host = host
            c.port = port
            c.threads = threads
            c.maxConcurrentRequests = maxConcurrentRequests
            c.maxRequestWaitMs = maxRequestWaitMs
            c.maxBodyBytes = maxBodyBytes
            c.key = key
            c.idleTimeoutSeconds = idleTimeoutS
            c.bodyTimeoutSeconds = bodyTimeoutS
            c.maxConnections = maxConnections
            let server = ScoringServer(model: scoring, configuration: c)
            let host = self.host
            let app = server.application { boundPort in
                print(
                    "serving \(graph.name) on http://\(host):\(boundPort)/score (GET / for health, /swagger.json for the schema); Ctrl-C stops"
                )
                let place = scoring.runsInline ? "on the request's thread (< 1 ms)" : "on a dedicated queue per executor (≥ 1 ms)"
                print(String(format: "one inference takes %.3f ms here; it runs ", scoring.warmInferenceSeconds * 1000) + place)
                fflush(nil)  // the banner reaches a pipe or file at once
            }
            do {
                try await app.runService()
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                throw EnvironmentFailure("port \(port) on \(host) is already in use; choose another with --port (0 picks a free one)")
            }
            print("stopped")
        }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open-loop HTTP load generator with latencies measured from the scheduled send time (coordinated omission corrected)."
        )

        @Argument(help: "The scoring URL, e.g. http://127.0.0.1:8080/score.") var url: String
        @Option(help: "Requests per second.") var rate: Double
        @Option(help: "Seconds of load.") var duration: Double
        @Option(help: "poisson or constant.") var distribution = "poisson"
        @Option(help: "A JSON body file (default: zeros shaped from the server's /swagger.json).") var payload: String?
        @Option(help: "HTTP connections.") var connections = 16
        @Option(help: "Bearer key to send.") var key: String?
        @Option(help: "Seconds to wait for a response before counting the request as an error.") var timeout = 30.0
        @Option(help: "Seed of the Poisson send times (the same seed, rate and duration give the same schedule).") var seed: UInt64 = 1
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be > 0 and ≤ 1000000, got \(rate)") }
            guard duration > 0, duration <= 86400 else { throw ValidationError("--duration must be > 0 and ≤ 86400 seconds") }
            guard rate * duration <= Double(LoadGenerator.maxRequests) else {
                throw ValidationError(
                    "--rate × --duration is \(Int(rate * duration)) requests; at most \(LoadGenerator.maxRequests) per run (send times and latencies are kept in memory)"
                )
            }
            guard (1...4096).contains(connections) else { throw ValidationError("--connections must be 1 to 4096") }
            guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be > 0 and ≤ 3600 seconds, got \(timeout)") }
            guard LoadGenerator.Distribution(rawValue: distribution) != nil else {
                throw ValidationError("--distribution must be poisson or constant")
            }
            guard let u = URL(string: url), let scheme = u.scheme, ["http"].contains(scheme), u.host != nil else {
                throw ValidationError("'\(url)' is not an http:// URL")
            }
        }

        func run() async throws {
            var body: Data
            if let payload {
                guard let d = FileManager.default.contents(atPath: payload) else {
                    throw ValidationError("\(payload): cannot read the payload file")
                }
                body = d
            } else {
                body = try await Self.defaultBody(for: url)
            }
            var g = LoadGenerator(url: url, ratePerSecond: rate, durationSeconds: duration, body: body)
            g.distribution = LoadGenerator.Distribution(rawValue: distribution)!
            g.connections = connections
            g.timeoutSeconds = timeout
            g.seed = seed
            if let key { g.headers.append(("Authorization", "Bearer \(key)")) }
            let r = try await g.run()
            // Every request failed (refused, timed out, not 2xx): the run measured nothing.
            let succeeded = r.statusCounts.contains { (200..<300).contains(Int($0.key) ?? 0) }
            if output.format == .json {
                try printJSON(r)
                if !succeeded && r.sent > 0 {
                    let why = r.errors.map { "\($0.key) × \($0.value)" } + r.statusCounts.map { "HTTP \($0.key) × \($0.value)" }
                    FileHandle.standardError.write(Data("every request failed: \(why.joined(separator: ", "))\n".utf8))
                    throw ExitCode(1)
                }
                return
            }
            let l = r.latencyMs
            print(
                String(
                    format: "%@: %d requests scheduled at %.4g/s (%@) over %.1f s; achieved %.1f successful/s", url, r.sent, rate,
                    distribution, r.durationSeconds, r.achievedRps))
            if succeeded {
                print(
                    String(
                        format: "latency (from scheduled send): p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms",
                        l["p50"] ?? 0, l["p90"] ?? 0, l["p99"] ?? 0, l["p999"] ?? 0, l["max"] ?? 0))
            } else {
                print("latency: none measured (no request succeeded)")
            }
            defer { if !succeeded && r.sent > 0 { FileHandle.standardError.write(Data("every request failed\n".utf8)) } }
            print(
                "status: "
                    + (r.statusCounts.isEmpty
                        ? "no responses" : r.statusCounts.keys.sorted().map { "\($0) × \(r.statusCounts[$0]!)" }.joined(separator: ", "))
                    + (r.errors.isEmpty ? "" : "; errors: " + r.errors.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")))
            if !succeeded && r.sent > 0 { throw ExitCode(1) }
        }

        /// Zeros shaped like the model's input, from the server's OpenAPI description.
        static func defaultBody(for url: String) async throws -> Data {
            guard let u = URL(string: url), let swagger = URL(string: "/swagger.json", relativeTo: u) else {
                throw ValidationError("bad URL \(url)")
            }
            let data: Data
            do {
                data = try await Fetch.get(swagger.absoluteString)
            } catch {
                throw ValidationError("cannot reach \(swagger.absoluteString) to learn the input shape (\(error)); pass --payload FILE")
            }
            guard let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let paths = doc["paths"] as? [String: Any], let score = paths["/score"] as? [String: Any],
                let post = score["post"] as? [String: Any],
                let rb = post["requestBody"] as? [String: Any], let content = rb["content"] as? [String: Any],
                let json = content["application/json"] as? [String: Any], let schema = json["schema"] as? [String: Any],
                let props = schema["properties"] as? [String: Any], let d = props["data"] as? [String: Any],
                let one = (d["oneOf"] as? [[String: Any]])?.first
            else { throw ValidationError("\(swagger.absoluteString) does not describe the input; pass --payload FILE") }
            func build(_ s: [String: Any]) -> Any {
                if s["type"] as? String == "array", let items = s["items"] as? [String: Any], let n = s["minItems"] as? Int {
                    return (0..<n).map { _ in build(items) }
                }
                return 0.0
            }
            return try JSONSerialization.data(withJSONObject: ["data": build(one)])
        }
    }
}
