import Foundation
import Testing

@Suite("deploy-advisor end to end")
struct CLITests {
    @Test func modelsListsTheZoo() throws {
        let r = try CLI.run(["models"])
        #expect(r.status == 0)
        for name in ["resnet50", "resnet152", "vgg16", "densenet121", "mobilenetv2", "mlp", "lstm", "gru"] {
            #expect(r.stdout.contains(name))
        }
        let json = try CLI.json(["models", "--format", "json"])
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.count == 8)
    }

    @Test func profileJSONCarriesTheDocumentedKeys() throws {
        let json = try CLI.json(["profile", "resnet50", "--format", "json"])
        #expect(json["model"] as? String == "resnet50")
        #expect(json["parameters"] as? Int == 25_557_032)
        let flops = try #require(json["flops"] as? Int)
        #expect(abs(Double(flops) / 8.2e9 - 1) < 0.05)
        #expect((json["weightBytes"] as? Int ?? 0) > 100_000_000)
        #expect((json["activationBytes"] as? Int ?? 0) > 0)
        #expect(json["latencyMs"] == nil, "no measurement without --measure")
    }

    @Test func profileMeasureReportsLatencyAndPeak() throws {
        let json = try CLI.json(["profile", "mlp", "--measure", "--iterations", "5", "--format", "json", "--threads", "1"])
        let latency = try #require(json["latencyMs"] as? [String: Any])
        let p50 = try #require(latency["p50"] as? Double)
        let p99 = try #require(latency["p99"] as? Double)
        #expect(p50 > 0 && p99 >= p50)
        let gflops = try #require(json["gflops"] as? Double)
        let peak = try #require(json["peakGflops"] as? Double)
        #expect(gflops > 0 && peak > gflops)
    }

    @Test func badInputExitsTwoWithAMessage() throws {
        let unknown = try CLI.run(["profile", "resnet18"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("resnet50") && unknown.stderr.contains("unknown model"))
        let batch = try CLI.run(["profile", "mlp", "--batch", "0"])
        #expect(batch.status == 2 && batch.stderr.contains("--batch"))
        let usage = try CLI.run(["no-such-command"])
        #expect(usage.status == 2)
        let help = try CLI.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("profile"))
    }

    @Test func inferWritesNpyAndRejectsWrongInput() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("y.npy").path
        let r = try CLI.run(["infer", "mlp:in=8,hidden=16,layers=1,out=4", "--batch", "3", "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        let header = String(decoding: data.prefix(128), as: UTF8.self)
        #expect(header.contains("'shape': (3, 4)"))
        // Softmax rows sum to one.
        let floats = data.suffix(12 * 4).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        for row in 0..<3 { #expect(abs(floats[(row * 4)..<(row * 4 + 4)].reduce(0, +) - 1) < 1e-5) }

        // The same seed gives the same bytes.
        let again = dir.appendingPathComponent("y2.npy").path
        _ = try CLI.run(["infer", "mlp:in=8,hidden=16,layers=1,out=4", "--batch", "3", "--output", again])
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == data)

        // Wrong shape: exit 2, message names the expected shape; no output written.
        let wrong = dir.appendingPathComponent("wrong-out.npy").path
        let bad = try CLI.run(["infer", "mlp:in=8,hidden=16,layers=1,out=4", "--input", out, "--output", wrong])
        #expect(bad.status == 2 && bad.stderr.contains("[N, 8]"))
        #expect(!FileManager.default.fileExists(atPath: wrong))
        let missing = try CLI.run(["infer", "mlp", "--input", dir.appendingPathComponent("nope.npy").path, "--output", wrong])
        #expect(missing.status == 2 && missing.stderr.contains("nope.npy"))
    }
}
