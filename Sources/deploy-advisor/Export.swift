import ArgumentParser
import Foundation
import Inference

extension DeployAdvisor {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a model (zoo model with seeded weights) as an ONNX file.")

        @Argument(help: "A built-in model name (or an .onnx file to re-export).")
        var model: String

        @OptionGroup var shapes: InputShapeOptions

        @Option(help: "Seed for the built-in model's weights.")
        var seed: UInt64 = 1

        @Option(help: "Where to write the .onnx file.")
        var output: String

        func run() throws {
            let graph = try ModelSource.load(model, inputShapes: try shapes.shapes()).weighted(seed: seed)
            let data = try ONNXExporter.export(graph)
            do {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw EnvironmentFailure("\(output): cannot write the ONNX file: \(error.localizedDescription)")
            }
            print("wrote \(output): \(graph.name), opset \(ONNXExporter.opset), \(Show.bytes(data.count))")
        }
    }
}
