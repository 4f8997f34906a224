import ArgumentParser
import Foundation
import Inference

extension DeployAdvisor {
    struct Profile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parameters, FLOPs and memory of a model; with --measure, its latency on this machine.")

        @Argument(help: "A built-in model name or a path to an .onnx file.")
        var model: String

        @OptionGroup var shapes: InputShapeOptions

        @Option(help: "Samples per inference (1-4096).")
        var batch: Int = 1

        @Flag(help: "Run the model here and report latency and GFLOP/s against the host's sgemm peak.")
        var measure = false

        @Option(help: "OpenBLAS threads for --measure (default: all cores).")
        var threads: Int?

        @Option(help: "Timed runs for --measure, after 3 warm-up runs.")
        var iterations: Int = 20

        @Flag(help: "Also list every layer (text) / include layers (json).")
        var layers = false

        @OptionGroup var output: FormatOption

        func validate() throws {
            guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1 to 4096, got \(batch)") }
            guard (1...100_000).contains(iterations) else {
                throw ValidationError("--iterations must be 1 to 100000, got \(iterations)")
            }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1 to 256, got \(threads)") }
        }

        struct Measurement: Encodable {
            var latencyMs: LatencyPercentiles
            var gflops: Double
            var peakGflops: Double
            var peakFraction: Double
            var threads: Int
            var iterations: Int
            var openblas: String
            var openblasCore: String
        }

        struct Report: Encodable {
            var model: String
            var batch: Int
            var inputShape: [Int]
            var outputShape: [Int]
            var parameters: Int
            var macs: Int
            var flops: Int
            var weightBytes: Int
            var activationBytes: Int
            var layers: [LayerProfile]?
            var measurement: Measurement?
            // Flattened measurement fields, as documented for scripts.
            var latencyMs: LatencyPercentiles?
            var gflops: Double?
            var peakGflops: Double?
        }

        func run() throws {
            let graph = try ModelSource.load(model, inputShapes: try shapes.shapes()).architecture
            let profile = try graph.profile()
            var report = Report(
                model: profile.model, batch: batch, inputShape: profile.inputShape, outputShape: profile.outputShape,
                parameters: profile.parameters, macs: profile.macs, flops: profile.flops, weightBytes: profile.weightBytes,
                activationBytes: profile.activationBytes, layers: layers ? profile.layers : nil)
            if measure {
                let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
                let executor = try CPUExecutor(graph: try graph.withRandomWeights(seed: 1), batch: batch, threads: threadCount)
                let timing = ModelTiming.measure(executor, flopsPerSample: profile.flops, iterations: iterations)
                let peak = SgemmPeak.measure()
                let m = Measurement(
                    latencyMs: timing.latency, gflops: timing.gflops, peakGflops: peak, peakFraction: timing.gflops / peak,
                    threads: threadCount, iterations: iterations, openblas: BLAS.configuration, openblasCore: BLAS.coreName)
                report.measurement = m
                report.latencyMs = m.latencyMs
                report.gflops = m.gflops
                report.peakGflops = m.peakGflops
            }
            if output.format == .json {
                try printJSON(report)
                return
            }
            var rows: [(String, String)] = [
                ("model", profile.model),
                ("input", "\(Show.shape(profile.inputShape)) per sample, batch \(batch)"),
                ("output", Show.shape(profile.outputShape)),
                ("parameters", "\(Show.count(profile.parameters)) (\(String(format: "%.2f", Double(profile.parameters) / 1e6)) M)"),
                ("FLOPs", "\(Show.si(Double(profile.flops), unit: "FLOP")) per sample (\(Show.si(Double(profile.macs), unit: "MAC")))"),
                ("weights", Show.bytes(profile.weightBytes)),
                ("activations", "\(Show.bytes(profile.activationBytes)) peak live per sample"),
            ]
            if let m = report.measurement {
                rows += [
                    (
                        "latency",
                        "p50 \(Show.ms(m.latencyMs.p50))  p90 \(Show.ms(m.latencyMs.p90))  p99 \(Show.ms(m.latencyMs.p99))  (\(m.iterations) runs, batch \(batch))"
                    ),
                    ("throughput", String(format: "%.1f samples/s", Double(batch) / (m.latencyMs.p50 / 1000))),
                    ("achieved", String(format: "%.1f GFLOP/s", m.gflops)),
                    ("sgemm peak", String(format: "%.1f GFLOP/s (2048³, measured in this run)", m.peakGflops)),
                    ("ratio", String(format: "%.1f%% of peak", 100 * m.peakFraction)),
                    ("threads", "\(m.threads) (OpenBLAS core \(m.openblasCore))"),
                ]
            }
            print(Show.table(rows))
            if layers {
                print()
                print(
                    Show.grid(
                        ["layer", "kind", "output", "params", "MFLOPs"],
                        profile.layers.map {
                            [
                                $0.name, $0.kind, Show.shape($0.outputShape), Show.count($0.parameters),
                                String(format: "%.2f", Double(2 * $0.macs) / 1e6),
                            ]
                        }, left: [0, 1]))
            }
        }
    }
}
