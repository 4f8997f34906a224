import ArgumentParser
import Foundation
import Inference

extension DeployAdvisor {
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the built-in model zoo with parameters and FLOPs.")

        @OptionGroup var output: FormatOption

        struct Row: Encodable {
            var name: String
            var summary: String
            var inputShape: [Int]
            var parameters: Int
            var flops: Int
            var macs: Int
            var weightBytes: Int
            var options: [String: Int]
        }

        func run() throws {
            let rows = try ModelZoo.entries.map { entry -> Row in
                let p = try ModelZoo.graph(entry.name).profile()
                return Row(
                    name: entry.name, summary: entry.summary, inputShape: p.inputShape, parameters: p.parameters,
                    flops: p.flops, macs: p.macs, weightBytes: p.weightBytes,
                    options: Dictionary(uniqueKeysWithValues: entry.options.map { ($0.key, $0.defaultValue) }))
            }
            if output.format == .json {
                try printJSON(["models": rows])
                return
            }
            print(
                Show.grid(
                    ["model", "input", "params", "GFLOPs/sample", "weights", "description"],
                    rows.map {
                        [
                            $0.name, Show.shape($0.inputShape), String(format: "%.2f M", Double($0.parameters) / 1e6),
                            String(format: "%.3f", Double($0.flops) / 1e9), Show.bytes($0.weightBytes), $0.summary,
                        ]
                    }, left: [0, 5]))
            print(
                "\nOptions: "
                    + ModelZoo.entries.filter { !$0.options.isEmpty }.map { e in
                        e.name + ":" + e.options.map { "\($0.key)=\($0.defaultValue)" }.joined(separator: ",")
                    }.joined(separator: "  "))
        }
    }
}
