import Advisor
import ArgumentParser
import Foundation
import Inference
import Targets

extension DeployAdvisor {
    struct Hardware: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The hardware profiles (Azure sizes, edge devices) with their sources; with --model, the predicted batch-1 latency on each, against published measurements.",
            discussion: """
                A profile states a core's attainable GFLOP/s (FMA peak × sgemm efficiency; a cloud vCPU is half a core) and \
                the machine's attainable memory bandwidth. With --model the model's batch-1 service time is predicted on each \
                profile with all its cores, as a production runtime would run it (each layer at the roofline, split over \
                threads as ONNX Runtime's MLAS splits a GEMM), from the model measured here (cached like every command's \
                calibration) or, with --roofline, from the layers' FLOPs and bytes alone. Where a published measurement \
                exists (MLPerf Inference, benchmark datasets) it is shown with predicted / published; the goal is 0.75–1.33.
                """)

        @Option(help: "A built-in model name or a path to an .onnx file.")
        var model: String?

        @OptionGroup var shapes: InputShapeOptions

        @Flag(help: "Predict from the layers' FLOPs and bytes at the roofline (no measurement here).")
        var roofline = false

        @OptionGroup var cache: CacheOptions

        @OptionGroup var output: FormatOption

        struct Row: Encodable {
            var id: String
            var name: String
            var cores: Double
            var perCoreGflops: Double
            var memoryGBps: Double
            var source: String
            var predictedMs: Double?
            var published: [Comparison]
        }

        struct Comparison: Encodable {
            var p50Ms: Double
            var runtime: String
            var source: String
            var date: String
            var ratio: Double
            var withinGoal: Bool
        }

        struct Report: Encodable {
            var model: String?
            var calibration: String?
            var goal: [Double]
            var profiles: [Row]
        }

        func run() throws {
            var calibration: ModelCalibration?
            var modelName: String?
            if let spec = model {
                let source = try ModelSource.load(spec, inputShapes: try shapes.shapes())
                modelName = source.name
                calibration =
                    roofline
                    ? try ModelCalibration.roofline(try source.weighted(), modelKey: source.cacheKey, batch: 1)
                    : try Study.measure(source, batch: 1, cacheDirectory: cache.cacheDirectory)
            }
            let zooName = model.map { ModelSource.isONNXPath($0) ? "" : $0.lowercased() }
            let rows = HardwareProfile.all.map { p -> Row in
                let predicted = calibration.map { ServiceTimeModel.scale($0, to: p, cores: p.cores).meanSeconds * 1000 }
                let published = PublishedLatency.all.filter { $0.model == zooName && $0.profile == p.id }.compactMap { f -> Comparison? in
                    guard let predicted, f.cores == p.cores else { return nil }
                    let ratio = predicted / f.p50Ms
                    return Comparison(
                        p50Ms: f.p50Ms, runtime: f.runtime, source: f.source, date: f.date, ratio: ratio,
                        withinGoal: PublishedLatency.acceptedRatio.contains(ratio))
                }
                return Row(
                    id: p.id, name: p.name, cores: p.cores, perCoreGflops: p.perCoreGflops, memoryGBps: p.memoryGBps, source: p.source,
                    predictedMs: predicted, published: published)
            }
            let describe = calibration.map { c in
                roofline
                    ? "roofline of the layers (no measurement)"
                    : String(format: "measured here: %.2f ms with one thread on %@", c.median1 * 1000, c.host.cpuModel)
            }
            if output.format == .json {
                try printJSON(
                    Report(
                        model: modelName, calibration: describe,
                        goal: [PublishedLatency.acceptedRatio.lowerBound, PublishedLatency.acceptedRatio.upperBound], profiles: rows))
                return
            }
            if let modelName, let describe { print("\(modelName), batch 1 (\(describe))\n") }
            print(
                Show.grid(
                    ["profile", "cores", "GFLOP/s per core", "GB/s", "predicted", "published p50", "predicted / published"],
                    rows.map { r in
                        [
                            r.id, String(format: "%g", r.cores), String(format: "%.1f", r.perCoreGflops),
                            String(format: "%.1f", r.memoryGBps),
                            r.predictedMs.map { String(format: "%.1f ms", $0) } ?? "-",
                            r.published.map { String(format: "%.1f ms", $0.p50Ms) }.joined(separator: ", "),
                            r.published.map { String(format: "%.2f%@", $0.ratio, $0.withinGoal ? "" : " (outside 0.75–1.33)") }.joined(
                                separator: ", "),
                        ]
                    }))
            let cited = rows.flatMap(\.published)
            if !cited.isEmpty {
                print("\nPublished measurements:")
                for c in cited { print("- \(c.runtime), \(c.date): \(c.source)") }
            }
            print("\nSources of the profiles:")
            for r in rows { print("- \(r.id): \(r.source)") }
        }
    }
}
