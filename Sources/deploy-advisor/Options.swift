import ArgumentParser
import Foundation

/// `--format text|json`, shared by every command that prints results.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

struct FormatOption: ParsableArguments {
    @Option(help: "Output format: text (for people) or json (stable, for scripts).")
    var format: OutputFormat = .text
}

/// Prints an encodable value as pretty, key-sorted JSON (stable across runs).
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// Writes a line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Formatting of quantities for text output.
enum Show {
    static func count(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }

    static func si(_ x: Double, unit: String) -> String {
        let (v, p): (Double, String) =
            x >= 1e12 ? (x / 1e12, "T") : x >= 1e9 ? (x / 1e9, "G") : x >= 1e6 ? (x / 1e6, "M") : x >= 1e3 ? (x / 1e3, "k") : (x, "")
        return String(format: "%.2f %@%@", v, p, unit)
    }

    static func bytes(_ n: Int) -> String { si(Double(n), unit: "B") }

    static func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }

    static func ms(_ x: Double) -> String { String(format: "%.3f ms", x) }

    /// Left-aligned two-column key/value lines.
    static func table(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    /// A table with a header row, columns padded to their widest cell (first column left, others right).
    static func grid(_ header: [String], _ rows: [[String]], left: Set<Int> = [0]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        func line(_ r: [String]) -> String {
            r.enumerated().map { c, cell in
                left.contains(c)
                    ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }
}
