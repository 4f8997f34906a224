import Foundation
import Testing

@testable import Fuzzing
@testable import Inference
@testable import Serving

/// The fuzz targets' seed corpora and every input a fuzzing run found (Fuzz/regressions/<target>/),
/// replayed through the same functions libFuzzer calls (`make fuzz`): each must be taken or
/// refused without a trap or a broken invariant. A crash found by the fuzzer is added to
/// Fuzz/regressions/<target>/ with its fix, so this suite fails on it until it is fixed.
@Suite("Fuzz corpora replayed")
struct FuzzingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A target's seeds (Fuzz/seeds.txt, the list `make fuzz` seeds from) and its regressions.
    static func inputs(_ t: FuzzTarget) -> [URL] {
        let list = (try? String(contentsOf: root.appendingPathComponent("Fuzz/seeds.txt"), encoding: .utf8)) ?? ""
        var patterns = ["Fuzz/regressions/\(t.rawValue)/*"]
        for line in list.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", maxSplits: 1).map(String.init)
            if fields.count == 2, fields[0] == t.rawValue { patterns.append(fields[1]) }
        }
        return patterns.flatMap { pattern -> [URL] in
            var g = glob_t()
            defer { globfree(&g) }
            guard glob(root.appendingPathComponent(pattern).path, 0, nil, &g) == 0 else { return [] }
            return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { URL(fileURLWithPath: String(cString: $0)) } }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everySeedAndRegressionRuns(_ t: FuzzTarget) throws {
        let files = Self.inputs(t)
        #expect(files.count >= 3, "\(t.rawValue): \(files.count) inputs")
        for f in files { t.run(try Data(contentsOf: f)) }
    }

    /// The seeds are valid files: most are taken, so the fuzzer starts inside the parsers.
    @Test func seedsAreAccepted() throws {
        let onnx = Self.inputs(.onnx).filter { f in !["unsupported", "dynamic", "/regressions/"].contains { f.path.contains($0) } }
        for f in onnx.prefix(5) {
            #expect(throws: Never.self) { _ = try ONNXImporter.decode(try Data(contentsOf: f), name: "seed") }
        }
        for f in Self.inputs(.npy).prefix(5) {
            #expect(throws: Never.self) { _ = try NPYFile.decode(try Data(contentsOf: f)) }
        }
        let body = try Data(contentsOf: Self.root.appendingPathComponent("Fuzz/corpus/body/batch.json"))
        #expect(try ScoringJSON.parse(body, inputShape: [2, 3]).samples.count == 2)
    }

    /// Ragged data (numbers and arrays at one depth) is refused by both paths, whatever the
    /// count (a fuzzer found `[15, [0.5, 25, 6]]` read as [2, 3] holding 4 values).
    @Test func raggedDataIsRefused() {
        for (body, shape) in [
            (#"{"data": [15, [0.5, 25, 6]]}"#, [2, 3]), (#"{"data": [1, [2]]}"#, [2, 1]), (#"{"data": [[1], [2, [3]]]}"#, [2, 1]),
        ] {
            #expect(ScoringJSON.fastParse(Data(body.utf8)) == nil, "\(body)")
            #expect(throws: ScoringJSON.BadRequest.self, "\(body)") {
                try ScoringJSON.parse(Data(body.utf8), inputShape: shape, fastPath: false)
            }
        }
        #expect((try? ScoringJSON.parse(Data(#"{"data": [[1], [2]]}"#.utf8), inputShape: [2, 1], fastPath: false))?.samples == [[1, 2]])
    }

    /// The fast path reads exactly JSON's numbers (strtod alone takes `+1`, `.5`, `01`, `1.`).
    @Test func theFastPathTakesOnlyJSONNumbers() throws {
        for good in ["0", "-0", "1", "-12.5", "1e3", "1E-3", "0.5e+2", "123456789"] {
            #expect(ScoringJSON.fastParse(Data("{\"data\": [\(good)]}".utf8)) != nil, "\(good)")
        }
        for bad in ["+1", ".5", "01", "1.", "1e", "1e+", "-", "--1", "1.2.3", "0x10", "1e5e5"] {
            #expect(ScoringJSON.fastParse(Data("{\"data\": [\(bad)]}".utf8)) == nil, "\(bad)")
        }
        // And the full parser refuses them as malformed JSON.
        let refused = Data(#"{"data": [[+1, 2, 3], [4, 5, 6]]}"#.utf8)
        #expect(throws: ScoringJSON.BadRequest.self) { try ScoringJSON.parse(refused, inputShape: [2, 3]) }
    }
}
