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
                thread serving one request at a time. The model is served on a loopback port with those settings and \
                the load generator runs as a separate process. A light load first (evenly spaced at a fifth of the \
                calibrated capacity) measures what the request path adds outside the slot (HTTP, JSON both ways) and \
                what the slot takes as served (reported against the calibration). At each level (a fraction of the \
                calibrated capacity) the serving simulation predicts p50/p95/p99 and throughput; then the server is \
                driven open-loop (Poisson) at the same rate for --duration-s seconds. Errors are (measured − predicted) \
                / measured.
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
                        "%@ on this machine: the slot takes %.3f ms per request (calibration; as served at a light load × %.3f of it); the request path adds %.3f ms outside it (measured at a light load); capacity %.1f requests/s",
                    report.model, report.serviceMeanMs, report.servedOverCalibrated ?? .nan, report.requestOverheadMs, report.capacityRps))
            print(
                "level  offered/s   p50 pred/meas (err%)      p95 pred/meas (err%)      p99 pred/meas (err%)      throughput pred/meas  slot/inference served  p50/p99 pred at served slot"
            )
            for l in report.levels {
                guard let m = l.measured, let e = l.errorPct else { continue }
                let p = l.predicted
                print(
                    String(
                        format:
                            "%5.2f  %9.2f  %7.2f/%7.2f (%+6.1f)  %7.2f/%7.2f (%+6.1f)  %7.2f/%7.2f (%+6.1f)  %8.2f/%8.2f  %7.3f/%7.3f ms  %7.2f/%7.2f",
                        l.level, l.offeredRps, p.p50, m.p50, e.p50, p.p95, m.p95, e.p95, p.p99, m.p99, e.p99, p.throughputRps,
                        m.throughputRps, l.servedSlotMeanMs ?? .nan, l.servedInferenceMeanMs ?? .nan, l.predictedAtServedSlot?.p50 ?? .nan,
                        l.predictedAtServedSlot?.p99 ?? .nan))
            }
            for n in report.notes { print("note: \(n)") }
        }

        /// Serves the model here; measures the slot and the request path at a light load; predicts
        /// each level with the local target and measures it.
        static func perform(
            _ source: ModelSource, levels fractions: [Double], durationSeconds: Double, seed: UInt64, cacheDirectory: String?,
            pinInference: Bool = false
        ) async throws -> LocalValidation.Report {
            let calibration = try Study.measure(source, batch: 1, cacheDirectory: cacheDirectory)
            let graph = try source.weighted()
            let scoring = try ScoringModel(graph: graph, slots: 1, threads: 1)
            let body = try Self.zeros(scoring.inputShape)
            let calibrated = LocalValidation.serviceTime(calibration)
            var report = LocalValidation.Report(
                model: source.name, serviceMeanMs: calibrated.meanSeconds * 1000, requestOverheadMs: 0,
                capacityRps: 1 / calibrated.meanSeconds, scaling: calibrated.scaling, durationSeconds: durationSeconds, levels: [],
                notes: [
                    "server: 1 worker, 1 inference thread, max_concurrent_requests 1; the load generator (a separate process) and the server's I/O threads share the host's \(ProcessInfo.processInfo.activeProcessorCount) cores with it (not pinned)"
                ])
            // The model's slot gets the last allowed CPU to itself; every other thread (HTTP, JSON,
            // the load generator) runs on the rest, so the prediction's one core is what it gets.
            let cpus = CPUAffinity.allowed
            if pinInference, cpus.count >= 2, CPUAffinity.pinProcess(to: Array(cpus.dropLast())) {
                scoring.pinning = ([cpus.last!], Array(cpus.dropLast()))
                report.notes = [
                    "server: 1 worker, 1 inference thread pinned to CPU \(cpus.last!), max_concurrent_requests 1; the HTTP threads, JSON work and the load generator (a separate process) share CPU \(cpus.dropLast().map(String.init).joined(separator: ", "))"
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
            // The load generator runs as a separate process (this binary's `load`), as a client
            // would: in this process it would share the server's event loops, and the time a
            // loop spends parsing a request body would delay the generator's sends and count as
            // latency the server did not add.
            let payload = FileManager.default.temporaryDirectory.appendingPathComponent("deploy-advisor-validate-\(getpid()).json")
            do {
                try body.write(to: payload)
                defer { try? FileManager.default.removeItem(at: payload) }
                scoring.recordsTimes = true
                // A light load first (evenly spaced at a fifth of the calibrated capacity, so no
                // request waits): what the request path adds outside the slot (HTTP over loopback,
                // JSON both ways, the client), and what the slot takes as served (hand-over to the
                // inference thread included) against the calibration.
                let idleRate = min(0.2 / calibrated.meanSeconds, 2000)
                let idle = try await Self.load(
                    url, rate: idleRate, durationSeconds: max(2, 30 / idleRate), payload: payload.path, seed: seed,
                    distribution: "constant")
                let slot = scoring.takeTimes().slot.sorted()
                guard !slot.isEmpty, let idleP50 = idle.latencyMs["p50"] else {
                    throw EnvironmentFailure("the local scoring server answered no request of the light-load run")
                }
                let servedMedian = slot[slot.count / 2]
                let calibratedMedian = calibrated.samples.sorted()[calibrated.samples.count / 2]
                // The prediction keeps the calibration's service times (the local target is
                // described like every target); the light load's slot is reported beside it.
                let service = calibrated
                let overhead = max(0, idleP50 / 1000 - servedMedian)
                report.servedOverCalibrated = servedMedian / calibratedMedian
                report.requestOverheadMs = overhead * 1000
                for f in fractions where report.capacityRps * f * durationSeconds > Double(LoadGenerator.maxRequests) {
                    throw ValidationError(
                        "level \(f) is \(Int(report.capacityRps * f * durationSeconds)) requests in \(durationSeconds) s; at most \(LoadGenerator.maxRequests): shorten the run"
                    )
                }
                for (i, f) in fractions.enumerated() {
                    let rate = f * report.capacityRps
                    var level = LocalValidation.Level(
                        level: f, offeredRps: rate,
                        predicted: LocalValidation.predict(
                            service, overheadSeconds: overhead, rate: rate, durationSeconds: durationSeconds, seed: seed))
                    let r = try await Self.load(
                        url, rate: rate, durationSeconds: durationSeconds, payload: payload.path, seed: seed &+ UInt64(i))
                    let measured = LocalValidation.Figures(
                        p50: r.latencyMs["p50"] ?? 0, p95: r.latencyMs["p95"] ?? 0, p99: r.latencyMs["p99"] ?? 0,
                        throughputRps: r.achievedRps)
                    level.measured = measured
                    level.errorPct = .errorPct(predicted: level.predicted, measured: measured)
                    level.failed = r.sent - (r.statusCounts["200"] ?? 0)
                    let times = scoring.takeTimes()
                    func mean(_ v: [Double]) -> Double? { v.isEmpty ? nil : 1000 * v.reduce(0, +) / Double(v.count) }
                    level.servedInferenceMeanMs = mean(times.inference)
                    level.servedSlotMeanMs = mean(times.slot)
                    if let served = level.servedSlotMeanMs {
                        let k = served / 1000 / service.meanSeconds
                        let atServed = ServiceTime(
                            meanSeconds: service.meanSeconds * k, samples: service.samples.map { $0 * k }, scaling: service.scaling,
                            steps: service.steps)
                        level.predictedAtServedSlot = LocalValidation.predict(
                            atServed, overheadSeconds: overhead, rate: rate, durationSeconds: durationSeconds, seed: seed)
                    }
                    report.levels.append(level)
                }
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await running.value
            return report
        }

        /// Runs `deploy-advisor load` (this executable) against `url` and reads its JSON result.
        static func load(
            _ url: String, rate: Double, durationSeconds: Double, payload: String, seed: UInt64, distribution: String = "poisson"
        ) async throws -> LoadGenerator.Result {
            let process = Process()
            process.executableURL = Self.executable
            process.arguments = [
                "load", url, "--rate", "\(rate)", "--duration", "\(durationSeconds)", "--connections", "64", "--timeout", "600",
                "--seed", "\(seed)", "--distribution", distribution, "--payload", payload, "--format", "json",
            ]
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let (stdout, stderr) = await withCheckedContinuation { c in
                DispatchQueue.global().async {
                    // Read the output before waiting, so a full pipe never blocks the child (its
                    // stderr is a line or two, well under a pipe's buffer).
                    let o = out.fileHandleForReading.readDataToEndOfFile()
                    let errData = err.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    c.resume(returning: (o, errData))
                }
            }
            guard process.terminationStatus == 0, let r = try? JSONDecoder().decode(LoadGenerator.Result.self, from: stdout) else {
                throw EnvironmentFailure(
                    "the load generator (\(Self.executable.path) load) exited \(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
                )
            }
            return r
        }

        /// This program's executable (the load generator is its `load` command).
        static var executable: URL {
            let proc = URL(fileURLWithPath: "/proc/self/exe")
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: proc.path) {
                return URL(fileURLWithPath: target)
            }
            return URL(fileURLWithPath: CommandLine.arguments[0])
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
