import ArgumentParser
import FPGAEmulation
import Foundation
import Inference
import Simulation

extension DeployAdvisor {
    struct Infer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the model once on the CPU engine and write its output as .npy.")

        @Argument(help: "A built-in model name or a path to an .onnx file.")
        var model: String

        @OptionGroup var shapes: InputShapeOptions

        @Option(help: "Input array (.npy, float32, shape [N, ...input] or [...input]); default: seeded random input.")
        var input: String?

        @Option(help: "Seed for built-in weights and for the random input.")
        var seed: UInt64 = 1

        @Option(help: "Batch size of the random input (ignored with --input).")
        var batch: Int = 1

        @Option(help: "Where to write the output array (.npy).")
        var output: String

        @Option(help: "OpenBLAS threads (default: all cores).")
        var threads: Int?

        @Option(
            name: .customLong("number-format"), help: "Run in FPGA emulation with this matrix-unit format (ms-fp8, msfp12, mxfp8-e4m3, …).")
        var numberFormat: String?

        @Option(help: "FPGA preset whose native dimension sets the ms-fp block size.")
        var preset: String = "brainwave-s10"

        func validate() throws {
            guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1 to 4096, got \(batch)") }
        }

        func run() throws {
            var given = try shapes.shapes()
            var array: Tensor?
            if let input {
                let t = try NPYFile.read(path: input)
                array = t
                // An ONNX model's symbolic dimensions come from the array (one sample, or a batch).
                if given.isEmpty && ModelSource.isONNXPath(model) { given.unnamed = t.shape }
            }
            var source: ModelSource
            do {
                source = try ModelSource.load(model, inputShapes: given)
            } catch let first {
                guard let t = array, try shapes.shapes().isEmpty, ModelSource.isONNXPath(model),
                    let retry = try? ModelSource.load(model, inputShapes: InputShapes(unnamed: [1] + t.shape))
                else { throw first }
                source = retry
            }
            let graph = try source.weighted(seed: seed)
            let perSample = graph.inputShape.reduce(1, *)
            var data: [Float]
            var n = batch
            if var t = array {
                if t.shape.count == graph.inputShape.count + 1, graph.inputBatchAxis != 0 {
                    // Batch where the model puts it (time-major [T, N, I]): the engine takes it first.
                    let moved = ModelGraph.moveBatchAxis(t.data, shape: t.shape, from: graph.inputBatchAxis, to: 0)
                    t = Tensor(shape: moved.shape, data: moved.data)
                }
                if t.shape == graph.inputShape {
                    n = 1
                } else if t.shape.count == graph.inputShape.count + 1 && Array(t.shape.dropFirst()) == graph.inputShape && t.shape[0] >= 1 {
                    n = t.shape[0]
                } else {
                    throw InferenceError(
                        "\(input ?? ""): array shape \(Show.shape(t.shape)) does not fit model '\(graph.name)'; expected [N, \(graph.inputShape.map(String.init).joined(separator: ", "))] or \(Show.shape(graph.inputShape))"
                    )
                }
                data = t.data
            } else {
                var rng = SplitMix64(seed: seed &+ 0x5EED)
                data = (0..<(n * perSample)).map { _ in rng.nextSymmetricUnit() }
            }
            var quantizer: BlockFormatOperands?
            if let numberFormat {
                quantizer = BlockFormatOperands(format: try NumberFormat.named(numberFormat).native(to: try NPUConfiguration.named(preset)))
            }
            let executor = try CPUExecutor(graph: graph, batch: n, threads: threads, quantizer: quantizer)
            let moved = ModelGraph.moveBatchAxis(
                try executor.run(data), shape: [n] + executor.outputShape, from: 0,
                to: min(graph.outputBatchAxis, executor.outputShape.count))
            do {
                try NPYFile.write(Tensor(shape: moved.shape, data: moved.data), path: output)
            } catch {
                throw EnvironmentFailure(error.message)
            }
            print(
                "wrote \(output): shape \(Show.shape(moved.shape)), float32\(quantizer.map { ", emulated in \($0.name)" } ?? "")"
            )
        }
    }
}
