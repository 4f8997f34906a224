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

        @Option(
            help: ArgumentHelp(
                "Input array (.npy, float32): FILE for the model's input ([N, ...input] or [...input]), or NAME=FILE for any graph input (repeatable); default: a seeded random input, other inputs zeros.",
                valueName: "[NAME=]FILE"))
        var input: [String] = []

        @Option(help: "Seed for built-in weights and for the random input.")
        var seed: UInt64 = 1

        @Option(help: "Batch size of the random input (ignored with --input).")
        var batch: Int = 1

        @Option(
            help: ArgumentHelp(
                "Where to write an output (.npy): FILE for the first graph output, NAME=FILE for any other (repeatable).",
                valueName: "[NAME=]FILE"))
        var output: [String] = []

        @Option(help: "OpenBLAS threads (default: all cores).")
        var threads: Int?

        @Option(
            name: .customLong("number-format"), help: "Run in FPGA emulation with this matrix-unit format (ms-fp8, msfp12, mxfp8-e4m3, …).")
        var numberFormat: String?

        @Option(help: "FPGA preset whose native dimension sets the ms-fp block size.")
        var preset: String = "brainwave-s10"

        func validate() throws {
            guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1 to 4096, got \(batch)") }
            guard !output.isEmpty else { throw ValidationError("give --output FILE (the first graph output) or --output NAME=FILE") }
        }

        /// `FILE` or `NAME=FILE` (a name never contains '/', so paths with '=' in a folder stay paths).
        static func split(_ text: String) -> (name: String?, path: String) {
            guard let eq = text.firstIndex(of: "="), !text[..<eq].contains("/"), eq != text.startIndex else { return (nil, text) }
            return (String(text[..<eq]), String(text[text.index(after: eq)...]))
        }

        func run() throws {
            var named: [String: Tensor] = [:]
            var unnamed: String?
            for text in input {
                let (name, path) = Self.split(text)
                if let name {
                    guard named[name] == nil else { throw ValidationError("--input gives '\(name)' twice") }
                    named[name] = try NPYFile.read(path: path)
                } else {
                    guard unnamed == nil else { throw ValidationError("--input FILE is given twice; name the inputs (NAME=FILE)") }
                    unnamed = path
                }
            }
            var seen = Set<String>()
            for text in output {
                let (name, path) = Self.split(text)
                guard seen.insert(name ?? "").inserted else {
                    throw ValidationError("--output names '\(name ?? "the first output")' twice")
                }
                try run(input: unnamed, named: named, output: name, to: path)
            }
        }

        func run(input: String?, named: [String: Tensor], output selected: String?, to output: String) throws {
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
                source = try ModelSource.load(model, inputShapes: given, inputValues: named, output: selected)
            } catch let first {
                guard let t = array, try shapes.shapes().isEmpty, ModelSource.isONNXPath(model),
                    let retry = try? ModelSource.load(
                        model, inputShapes: InputShapes(unnamed: [1] + t.shape), inputValues: named, output: selected)
                else { throw first }
                source = retry
            }
            let graph = try source.weighted(seed: seed)
            if array == nil, let t = named[graph.inputName] { array = t }
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
                data = []
            }
            var quantizer: BlockFormatOperands?
            if let numberFormat {
                quantizer = BlockFormatOperands(format: try NumberFormat.named(numberFormat).native(to: try NPUConfiguration.named(preset)))
            }
            // The plan is sized (and refused over the memory budget) before a generated input is.
            let executor = try CPUExecutor(graph: graph, batch: n, threads: threads, quantizer: quantizer)
            if array == nil {
                var rng = SplitMix64(seed: seed &+ 0x5EED)
                data = (0..<(n * perSample)).map { _ in rng.nextSymmetricUnit() }
            }
            var moved = ModelGraph.moveBatchAxis(
                try executor.run(data), shape: [n] + executor.outputShape, from: 0,
                to: min(graph.outputBatchAxis, executor.outputShape.count))
            if graph.scalarOutput { moved.shape = [n] }
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
