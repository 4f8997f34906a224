import ArgumentParser
import FPGAEmulation
import Foundation
import Inference

extension DeployAdvisor {
    struct FPGA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fpga",
            abstract: "FPGA (Brainwave-style NPU) emulation: per-layer cycles, latency, utilization, accuracy against FP32.")

        @Argument(help: "A built-in model name or a path to an .onnx file.")
        var model: String

        @OptionGroup var shapes: InputShapeOptions

        @Option(help: "NPU preset: \(NPUConfiguration.presets.map(\.name).joined(separator: ", ")).")
        var preset: String = "brainwave-s10"

        @Option(name: .customLong("number-format"), help: "Matrix-unit number format (default: the preset's).")
        var numberFormat: String?

        @Option(help: "Samples per request.")
        var batch: Int = 1

        @Option(help: "Random inputs for the accuracy check (0 skips it).")
        var samples: Int = 4

        @Option(help: "Seed for built-in weights and the accuracy inputs.")
        var seed: UInt64 = 1

        @Flag(help: "List every layer in text output.")
        var layers = false

        @OptionGroup var output: FormatOption

        func validate() throws {
            guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1 to 4096, got \(batch)") }
            guard (0...10_000).contains(samples) else { throw ValidationError("--samples must be 0 to 10000, got \(samples)") }
        }

        struct Report: Encodable {
            var model: String
            var preset: NPUConfiguration
            var peakTflops: Double
            var estimate: NPUEstimate
            var latencyMs: Double
            var effectiveTflops: Double
            var utilization: Double
            var layers: [LayerCycles]
            var accuracy: EmulationAccuracy?
        }

        func run() throws {
            let npu = try NPUConfiguration.named(preset)
            let format = try NumberFormat.named(numberFormat ?? npu.defaultFormat).native(to: npu)
            let source = try ModelSource.load(model, inputShapes: try shapes.shapes())
            let graph = source.architecture
            let estimate = try NPUCycleModel.estimate(graph, preset: npu, format: format, batch: batch)
            var accuracy: EmulationAccuracy?
            if samples > 0 {
                // The file's own weights for ONNX models; seeded random ones for built-in architectures.
                accuracy = try EmulationAccuracy.measure(source.weighted(seed: seed), format: format, samples: samples, seed: seed)
            }
            let report = Report(
                model: graph.name, preset: npu, peakTflops: npu.peakTFLOPS, estimate: estimate, latencyMs: estimate.latencyMs,
                effectiveTflops: estimate.effectiveTflops, utilization: estimate.utilization, layers: estimate.layers,
                accuracy: accuracy)
            if output.format == .json {
                try printJSON(report)
                return
            }
            print("\(graph.name) on \(npu.name) (\(npu.device)), \(format.name), batch \(batch)")
            print(
                String(
                    format: "NPU: %d tile engines × native dimension %d × %d lanes = %d MACs/cycle at %.0f MHz = %.1f peak TFLOPS",
                    npu.tileEngines, npu.nativeDimension, npu.lanes, npu.macsPerCycle, npu.clockMHz, npu.peakTFLOPS))
            if layers {
                print()
                print(
                    Show.grid(
                        ["layer", "kind", "unit", "cycles", "µs", "MVU util", "tiling"],
                        estimate.layers.map {
                            [
                                $0.name, $0.kind, $0.unit.rawValue, Show.count($0.cycles), String(format: "%.2f", $0.timeMs * 1000),
                                $0.unit == .mvu ? String(format: "%.1f%%", 100 * $0.utilization) : "",
                                $0.unit == .mvu ? String(format: "%.0f%%", 100 * $0.tilingEfficiency) : "",
                            ]
                        }, left: [0, 1, 2]))
                print()
            }
            var rows: [(String, String)] = [
                ("NPU latency", String(format: "%.3f ms (%@ cycles)", estimate.latencyMs, Show.count(estimate.cycles))),
                ("effective", String(format: "%.2f TFLOPS (%.1f%% of peak)", estimate.effectiveTflops, 100 * estimate.utilization)),
                ("weights", "\(Show.bytes(estimate.weightBytes)) in \(format.name); on-chip \(Show.bytes(npu.onChipWeightBytes))"),
            ]
            if !estimate.fitsOnChip {
                rows.append(
                    (
                        "does not fit",
                        String(
                            format:
                                "%d FPGAs needed to pin every weight; on one FPGA, streaming the rest from DRAM adds %.3f ms (included)",
                            estimate.fpgasNeeded, estimate.weightStreamingMs)
                    ))
            }
            if !estimate.hostLayers.isEmpty {
                rows.append(
                    ("on the host", estimate.hostLayers.joined(separator: ", ") + " (\(Show.si(Double(estimate.hostFlops), unit: "FLOP")))")
                )
            }
            if let a = accuracy {
                rows.append(
                    (
                        "accuracy",
                        String(
                            format: "vs FP32 over %d inputs: max |error| %.3g, SQNR %.1f dB, top-1 agreement %.0f%%", a.samples,
                            a.maxAbsError, a.sqnrDB, 100 * a.top1Agreement)
                    ))
            }
            print(Show.table(rows))
        }
    }
}
