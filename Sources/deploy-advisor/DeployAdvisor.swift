import ArgumentParser
import Foundation
import Serving

/// `deploy-advisor`: where should this model run?
@main
struct DeployAdvisor: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "deploy-advisor",
        abstract: "Tells where to deploy a model (ACI, AKS, IoT Edge, FPGA) and proves it with measurements and simulation.",
        discussion: """
            Exit codes: 0 success, 1 a check failed, 2 bad input or usage, 3 the environment failed (an output could not be written, a port is in use).
            MODEL is a built-in name (see `deploy-advisor models`), with options such as gru:h=2816,t=750.
            """,
        version: version,
        subcommands: [
            Models.self, Profile.self, Infer.self, Export.self, Quantize.self, FPGA.self, Queue.self, Simulate.self, Recommend.self,
            Plan.self, Report.self, Manifests.self, Sweep.self, Merge.self, Bench.self, Check.self, Serve.self, Load.self, Validate.self,
            Hardware.self,
        ]
    )

    /// Runs the command line with the tool's exit-code contract: usage and input errors exit 2.
    static func main() async {
        // Parsing and validation errors show the usage line; errors while running do not (the
        // command line was fine, the input or the machine was not).
        var parsed = false
        do {
            var command = try parseAsRoot()
            parsed = true
            if command is Serve || command is Load {
                // Before the first await, on the main thread (see EventLoopExecutor).
                EventLoopExecutor.install()
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch let failure as EnvironmentFailure {
            FileHandle.standardError.write(Data(("Error: " + failure.message + "\n").utf8))
            Foundation.exit(EnvironmentFailure.exitCode)
        } catch let error as CocoaError where EnvironmentFailure.isWriteFailure(error) {
            FileHandle.standardError.write(Data(("Error: " + error.localizedDescription + "\n").utf8))
            Foundation.exit(EnvironmentFailure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)  // --help, --version
            }
            let text = parsed ? "Error: " + message(for: error) : fullMessage(for: error)
            FileHandle.standardError.write(Data((text + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// The machine, not the input, failed: an output could not be written, a port is taken. Exit 3
/// (2 is reserved for bad input, so scripts can tell "fix your workload" from "retry elsewhere").
struct EnvironmentFailure: Error, CustomStringConvertible {
    static let exitCode: Int32 = 3
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }

    /// Foundation's file-writing errors (`NSFileWriteErrorMinimum`…`NSFileWriteErrorMaximum`, 512–767).
    static func isWriteFailure(_ error: CocoaError) -> Bool { (512...767).contains(error.code.rawValue) }
}
