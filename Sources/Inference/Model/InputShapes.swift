/// Shapes given for a model's inputs (`--input-shape [NAME=]DIMS`, `inputShapes:` in a
/// workload file): the full shape of one request's tensor, batch axis included
/// (`1x3x640x640`). They fix the symbolic dimensions other than the batch (a detector's
/// height and width, a sequence length) so that shapes fold at import.
package struct InputShapes: Sendable, Equatable, Codable {
    /// Shapes by input name.
    package var byName: [String: [Int]]
    /// A shape given without a name: the model's only input.
    package var unnamed: [Int]?

    package init(byName: [String: [Int]] = [:], unnamed: [Int]? = nil) {
        self.byName = byName
        self.unnamed = unnamed
    }

    package var isEmpty: Bool { byName.isEmpty && unnamed == nil }

    /// Parses `DIMS` or `NAME=DIMS` (DIMS: positive integers joined by `x`, e.g. `1x3x640x640`).
    package static func parse(_ text: String) throws(InferenceError) -> (name: String?, dims: [Int]) {
        var name: String?
        var dimsText = Substring(text)
        if let eq = text.lastIndex(of: "=") {
            name = String(text[..<eq])
            dimsText = text[text.index(after: eq)...]
            guard !(name ?? "").isEmpty else { throw InferenceError("--input-shape '\(text)': the input name before '=' is empty") }
        }
        let parts = dimsText.split(separator: "x", omittingEmptySubsequences: false)
        var dims: [Int] = []
        for p in parts {
            guard let d = Int(p), d > 0, d <= 1 << 30 else {
                throw InferenceError(
                    "--input-shape '\(text)': '\(p)' is not a dimension; give positive sizes joined by 'x', e.g. 1x3x640x640 or images=1x3x640x640"
                )
            }
            dims.append(d)
        }
        guard !dims.isEmpty else { throw InferenceError("--input-shape '\(text)' gives no dimensions") }
        return (name, dims)
    }

    /// Adds a parsed `--input-shape`; a second shape for the same input is an error.
    package mutating func add(_ text: String) throws(InferenceError) {
        let (name, dims) = try Self.parse(text)
        if let name {
            guard byName[name] == nil else { throw InferenceError("--input-shape gives input '\(name)' twice") }
            byName[name] = dims
        } else {
            guard unnamed == nil else {
                throw InferenceError("--input-shape without a name is given twice; name the inputs (NAME=DIMS) when the model has several")
            }
            unnamed = dims
        }
    }

    /// A canonical text for cache keys and reports (`images=1x3x640x640`), sorted by name.
    package var canonical: String {
        var parts = byName.keys.sorted().map { "\($0)=" + byName[$0]!.map(String.init).joined(separator: "x") }
        if let unnamed { parts.insert(unnamed.map(String.init).joined(separator: "x"), at: 0) }
        return parts.joined(separator: ",")
    }
}
