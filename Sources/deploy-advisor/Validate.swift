import Advisor
import ArgumentParser
import Foundation
import Inference
import Logging
import ServiceLifecycle
import Serving
import Targets

extension DeployAdvisor {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Predict latency and throughput on this machine (the local target), then serve the model here and measure them.",
            discussion: """
                The local target is this host described by its calibration, like every target: one worker with one \
                thread serving one request at a time, plus the scoring server's per-request JSON work (measured here), \
                which runs outside the model's slot. \
                At each level (a fraction of the predicted capacity) the serving simulation predicts p50/p95/p99 and \
                throughput; then the model is served on a loopback port with the same settings and driven open-loop \
                (Poisson) at the same rate for --duration-s seconds. Errors are (measured − predicted) / measured.
                """)

        @Argument(help: "A built-in model name or a path to an .onnx file.") var model: String

        @OptionGroup var shapes: InputShapeOptions
        @Option(help: "Load levels, fractions of the predicted capacity, comma-separated.") var levels = "0.3,0.6,0.85"
        @Option(name: .customLong("duration-s"), help: "Seconds of measured load per level.") var durationS = 30.0
        @Option(help: "Seed of the arrivals (prediction and load generator).") var seed: UInt64 = 1
        @Option(
            name: .customLong("cache-dir"),
            help: "Reuse the calibration cached there (default: measure the model now, so the prediction describes this host as it is).")
        var cacheDir: String?
        @Flag(
            name: .customLong("pin-inference"),
            help: "Give the model's inference thread the last CPU to itself and keep every other thread on the rest.")
        var pinInference = false
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard durationS >= 2, durationS <= 3600 else {
                throw ValidationError("--duration-s must be 2 to 3600 seconds, got \(durationS)")
            }
        }

        func run() async throws {
            let report = try await Self.perform(
                try ModelSource.load(model, inputShapes: try shapes.shapes()), levels: try LocalValidation.levels(levels),
                durationSeconds: durationS, seed: seed,
                cacheDirectory: cacheDir, pinInference: pinInference)
            if output.format == .json {
                try printJSON(report)
                return
            }
            print(
                String(
                    format:
                        "%@ on this machine: inference %.3f ms per request in the model's slot, + %.3f ms of JSON work outside it; capacity %.1f requests/s",
                    report.model, report.serviceMeanMs, report.requestOverheadMs,
                    report.capacityRps))
            print("level  offered/s   p50 pred/meas (err%)      p95 pred/meas (err%)      p99 pred/meas (err%)      throughput pred/meas")
            for l in report.levels {
                guard let m = l.measured, let e = l.errorPct else { continue }
                let p = l.predicted
                print(
                    String(
                        format: "%5.2f  %9.2f  %7.2f/%7.2f (%+6.1f)  %7.2f/%7.2f (%+6.1f)  %7.2f/%7.2f (%+6.1f)  %8.2f/%8.2f",
                        l.level, l.offeredRps, p.p50, m.p50, e.p50, p.p95, m.p95, e.p95, p.p99, m.p99, e.p99, p.throughputRps,
                        m.throughputRps))
            }
            for n in report.notes { print("note: \(n)") }
        }

        /// Predicts each level with the local target, then serves the model here and measures it.
        static func perform(
            _ source: ModelSource, levels fractions: [Double], durationSeconds: Double, seed: UInt64, cacheDirectory: String?,
            pinInference: Bool = false
        ) async throws -> LocalValidation.Report {
            let calibration = try Study.measure(source, batch: 1, cacheDirectory: cacheDirectory)
            let graph = try source.weighted()
            let scoring = try ScoringModel(graph: graph, slots: 1, threads: 1)
            let body = try Self.zeros(scoring.inputShape)
            let overhead = try Self.requestOverheadSeconds(body, scoring)
            let service = LocalValidation.serviceTime(calibration)
            let capacity = 1 / service.meanSeconds
            for f in fractions where capacity * f * durationSeconds > Double(LoadGenerator.maxRequests) {
                throw ValidationError(
                    "level \(f) is \(Int(capacity * f * durationSeconds)) requests in \(durationSeconds) s; at most \(LoadGenerator.maxRequests): shorten the run"
                )
            }
            var report = LocalValidation.Report(
                model: source.name, serviceMeanMs: service.meanSeconds * 1000, requestOverheadMs: overhead * 1000, capacityRps: capacity,
                scaling: service.scaling, durationSeconds: durationSeconds, levels: [],
                notes: [
                    "server: 1 worker, 1 inference thread, max_concurrent_requests 1; the load generator and the server's I/O threads share the host's \(ProcessInfo.processInfo.activeProcessorCount) cores with it (not pinned)"
                ])
            for f in fractions {
                let rate = f * capacity
                report.levels.append(
                    LocalValidation.Level(
                        level: f, offeredRps: rate,
                        predicted: LocalValidation.predict(
                            service, overheadSeconds: overhead, rate: rate, durationSeconds: durationSeconds, seed: seed)))
            }
            try await Self.measure(scoring, body: body, into: &report, seed: seed, pin: pinInference)
            return report
        }

        /// Serves the model on a loopback port and drives each level at its rate.
        static func measure(
            _ scoring: ScoringModel, body: Data, into report: inout LocalValidation.Report, seed: UInt64, pin: Bool
        ) async throws {
            // The model's slot gets the last allowed CPU to itself; every other thread (HTTP, JSON,
            // the load generator) runs on the rest, so the prediction's one core is what it gets.
            let cpus = CPUAffinity.allowed
            if pin, cpus.count >= 2, CPUAffinity.pinProcess(to: Array(cpus.dropLast())) {
                scoring.pinning = ([cpus.last!], Array(cpus.dropLast()))
                report.notes = [
                    "server: 1 worker, 1 inference thread pinned to CPU \(cpus.last!), max_concurrent_requests 1; the HTTP threads, JSON work and the load generator share CPU \(cpus.dropLast().map(String.init).joined(separator: ", "))"
                ]
            }
            defer {
                scoring.pinning = nil
                CPUAffinity.pinProcess(to: cpus)
            }
            var c = ScoringServer.Configuration()
            c.port = 0
            c.threads = 1
            c.maxConcurrentRequests = 1
            c.maxRequestWaitMs = 3_600_000  // queue, never refuse: the prediction has no admission limit
            c.maxQueued = 100_000
            c.maxBodyBytes = max(c.maxBodyBytes, body.count + 1024)
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let app = ScoringServer(model: scoring, configuration: c).application { port in portContinuation.yield(port) }
            let group = ServiceGroup(configuration: .init(services: [app], logger: .init(label: "validate")))
            let running = Task { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw EnvironmentFailure("the local scoring server did not start") }
            let url = "http://127.0.0.1:\(port)/score"
            do {
                // Warm-up: two seconds at a fifth of the first level's rate.
                var warm = LoadGenerator(
                    url: url, ratePerSecond: max(0.5, (report.levels.first?.offeredRps ?? 1) / 5), durationSeconds: 2, body: body)
                warm.connections = 4
                _ = try await warm.run()
                for i in report.levels.indices {
                    var g = LoadGenerator(
                        url: url, ratePerSecond: report.levels[i].offeredRps, durationSeconds: report.durationSeconds, body: body)
                    g.connections = 64
                    g.seed = seed &+ UInt64(i)
                    g.timeoutSeconds = 600
                    let r = try await g.run()
                    let measured = LocalValidation.Figures(
                        p50: r.latencyMs["p50"] ?? 0, p95: r.latencyMs["p95"] ?? 0, p99: r.latencyMs["p99"] ?? 0,
                        throughputRps: r.achievedRps)
                    report.levels[i].measured = measured
                    report.levels[i].errorPct = .errorPct(predicted: report.levels[i].predicted, measured: measured)
                    report.levels[i].failed = r.sent - (r.statusCounts["200"] ?? 0)
                }
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await running.value
        }

        /// The scoring server's own work per request besides inference: parsing the JSON body and
        /// rendering the result (median of 15 runs here).
        static func requestOverheadSeconds(_ body: Data, _ scoring: ScoringModel) throws -> Double {
            let outputs = [[Float](repeating: 0, count: scoring.outputShape.reduce(1, *))]
            var times: [Double] = []
            for _ in 0..<15 {
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = try ScoringJSON.parse(body, inputShape: scoring.inputShape)
                _ = try ScoringJSON.render(outputs, outputShape: scoring.outputShape, batched: false)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
            }
            return times.sorted()[times.count / 2]
        }

        /// `{"data": …}` with zeros shaped like one input.
        static func zeros(_ shape: [Int]) throws -> Data {
            func build(_ dims: ArraySlice<Int>) -> Any {
                guard let first = dims.first else { return 0.0 }
                return (0..<first).map { _ in build(dims.dropFirst()) }
            }
            return try JSONSerialization.data(withJSONObject: ["data": build(shape[...])])
        }
    }
}
