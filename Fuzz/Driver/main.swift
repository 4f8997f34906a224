import Foundation
import Fuzzing

// libFuzzer's entry for programs with their own main (SwiftPM names an executable's entry
// point itself): LLVMFuzzerRunDriver parses libFuzzer's flags from argv and calls back with
// each input. https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The target chosen by DEPLOY_ADVISOR_FUZZ_TARGET (onnx, workload, npy, baseline, body).
guard let name = ProcessInfo.processInfo.environment["DEPLOY_ADVISOR_FUZZ_TARGET"], let chosen = FuzzTarget(rawValue: name) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("set DEPLOY_ADVISOR_FUZZ_TARGET to one of: \(names)\n".utf8))
    exit(2)
}
// A C callback captures nothing: the choice goes through a global.
nonisolated(unsafe) var selected = chosen

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(
    runFuzzerDriver(&argc, &argv) { bytes, count in
        selected.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
        return 0
    })
