import Foundation
import Testing

@testable import Inference

@Suite("Model source")
struct ModelSourceTests {
    /// FIPS 180-4 example vectors (and the empty message), plus lengths around the padding
    /// boundary and a million 'a's; the expected digests are Python's `hashlib.sha256`.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func sha256MatchesTheStandardVectors(message: String, digest: String) {
        #expect(SHA256Digest.hex(of: Data(message.utf8)) == digest)
    }

    @Test func sha256OfLongAndBlockStraddlingInputs() {
        #expect(
            SHA256Digest.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // 768 bytes (12 blocks): Python: hashlib.sha256(bytes(range(256)) * 3).
        let bytes = Data((0..<3).flatMap { _ in (0..<256).map { UInt8($0) } })
        #expect(SHA256Digest.hex(of: bytes) == "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363")
    }

    @Test func zooModelsAndFilesResolveWithTheirOwnKeys() throws {
        let zoo = try ModelSource.load("gru:h=64,t=5")
        #expect(zoo.cacheKey == "gru:h=64,t=5" && zoo.weightsAreRandom && !zoo.architecture.hasWeights)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let graph = try ModelZoo.graph("mlp:in=8,hidden=16,layers=1,out=3").withRandomWeights(seed: 1)
        let data = try ONNXExporter.export(graph)
        try data.write(to: dir.appendingPathComponent("a.onnx"))
        // Relative to the workload's folder; the key is the content's hash, not the name.
        let a = try ModelSource.load("a.onnx", baseDirectory: dir.path)
        #expect(a.cacheKey == "onnx-sha256-" + SHA256Digest.hex(of: data) && !a.weightsAreRandom)
        #expect(a.name == "a" && a.architecture.hasWeights)
        try data.write(to: dir.appendingPathComponent("b.onnx"))
        #expect(try ModelSource.load(dir.appendingPathComponent("b.onnx").path).cacheKey == a.cacheKey)
        let other = try ONNXExporter.export(try ModelZoo.graph("mlp:in=8,hidden=16,layers=1,out=3").withRandomWeights(seed: 2))
        try other.write(to: dir.appendingPathComponent("c.onnx"))
        #expect(try ModelSource.load("c.onnx", baseDirectory: dir.path).cacheKey != a.cacheKey)
        // The file's weights are what `weighted` returns (not seeded ones).
        #expect(try a.weighted(seed: 99) == a.architecture)
        #expect(throws: InferenceError.self) { try ModelSource.load("missing.onnx", baseDirectory: dir.path) }
        #expect(throws: InferenceError.self) { try ModelSource.load("resnet18") }
    }

    /// An exported ResNet-50 is recognized as one of the DNNs Azure offered on FPGAs; a
    /// MobileNetV2 and an MLP are not (their parameter counts and MACs differ from every one).
    @Test func exportedArchitecturesAreRecognized() throws {
        let offered = ["resnet50", "resnet152", "densenet121", "vgg16"]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recognize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, expected) in [("resnet50", "resnet50"), ("mobilenetv2", nil), ("mlp", nil)] as [(String, String?)] {
            let path = dir.appendingPathComponent("\(name)-export.onnx")
            try ONNXExporter.export(try ModelZoo.graph(name).withRandomWeights(seed: 1)).write(to: path)
            let file = try ModelSource.load(path.path)
            #expect(file.recognizedArchitecture(among: offered) == expected, "\(name)")
            #expect(try ModelSource.load(name).recognizedArchitecture(among: offered) == expected, "\(name) (zoo)")
        }
    }
}
