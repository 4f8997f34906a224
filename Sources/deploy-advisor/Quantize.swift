import ArgumentParser
import FPGAEmulation
import Foundation
import Inference

extension DeployAdvisor {
    struct Quantize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block-floating-point quantization of a tensor along its last axis (microxcaling semantics).")

        @Argument(help: "Input array (.npy, float32).")
        var input: String

        @Option(name: .customLong("number-format"), help: "One of: \(NumberFormat.names.joined(separator: ", ")).")
        var numberFormat: String

        @Option(help: "Rounding: nearest (ties away from zero), even, zero.")
        var rounding: String = "nearest"

        @Option(help: "Block size (default: the format's).")
        var block: Int?

        @Option(help: "Where to write the quantized array (.npy).")
        var output: String

        func run() throws {
            var format = try NumberFormat.named(numberFormat)
            guard let mode = Rounding(rawValue: rounding) else {
                throw ValidationError(
                    "--rounding must be one of \(Rounding.allCases.map(\.rawValue).joined(separator: ", ")), got '\(rounding)'")
            }
            if let block {
                guard format.isBlockFormat else { throw ValidationError("--block applies to block formats; \(format.name) is scalar") }
                guard (1...65536).contains(block) else { throw ValidationError("--block must be 1 to 65536, got \(block)") }
                format = format.withBlockSize(block)
            }
            var tensor = try NPYFile.read(path: input)
            let last = tensor.shape.last ?? 1
            let q = BlockQuantizer(format: format, rounding: mode)
            tensor.data.withUnsafeMutableBufferPointer { p in
                var row = 0
                while row * last < p.count {
                    q.quantize(p.baseAddress! + row * last, count: last)
                    row += 1
                }
            }
            do {
                try NPYFile.write(tensor, path: output)
            } catch {
                throw EnvironmentFailure(error.message)
            }
            print("wrote \(output): \(Show.shape(tensor.shape)) in \(format.name) (block \(format.blockSize), \(mode.rawValue))")
        }
    }
}
