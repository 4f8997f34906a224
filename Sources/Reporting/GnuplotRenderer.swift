import Advisor
import Foundation
import Simulation
import Targets

/// Renders plots with gnuplot's SVG terminal.
///
/// Data goes through files in a private temporary directory (never interpolated into the
/// script); titles are sanitized; gnuplot's stderr is returned in the error when it fails.
/// The SVG is cleaned for inline use: no XML prolog or DOCTYPE, no namespace URLs, `href`
/// instead of `xlink:href`, so the HTML holds no external references.
package struct GnuplotRenderer: Sendable {
    package let executable: String

    /// Finds gnuplot on PATH; nil when it is not installed.
    package static func find() -> GnuplotRenderer? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/gnuplot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return GnuplotRenderer(executable: candidate) }
        }
        return nil
    }

    /// A data series: rows of numbers, written to a file and plotted with `using`.
    package struct Series: Sendable {
        package var title: String
        package var rows: [[Double]]
        package var using: String
        package var style: String
        package init(title: String, rows: [[Double]], using: String = "1:2", style: String) {
            self.title = title
            self.rows = rows
            self.using = using
            self.style = style
        }
    }

    package struct RenderError: Error, CustomStringConvertible {
        package let description: String
    }

    /// Plots `series` after the `settings` lines; returns inline-ready SVG.
    package func render(settings: [String], series: [Series], width: Int = 720, height: Int = 380) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("da-plot-\(UUID().uuidString)")
        try TemporaryFiles.register(dir.path)
        defer { TemporaryFiles.remove(dir.path) }
        try TemporaryFiles.guarded { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        var plots: [String] = []
        for (i, s) in series.enumerated() {
            let file = dir.appendingPathComponent("s\(i).dat")
            let text = s.rows.map { $0.map { $0.isFinite ? String(format: "%.9g", $0) : "NaN" }.joined(separator: " ") }.joined(
                separator: "\n")
            try TemporaryFiles.guarded { try (text + "\n").write(to: file, atomically: true, encoding: .utf8) }
            if s.rows.isEmpty { continue }
            plots.append("'\(file.path)' using \(s.using) title '\(Self.sanitize(s.title))' \(s.style)")
        }
        var script = ["set terminal svg size \(width),\(height) dynamic font 'Helvetica,11' background '#ffffff'", "set encoding utf8"]
        script += settings
        if plots.isEmpty {
            script.append("set label 1 'no data' at graph 0.5, graph 0.5 center")
            script.append("plot [0:1][0:1] NaN notitle")
        } else {
            script.append("plot " + plots.joined(separator: ", \\\n     "))
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = []
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        input.fileHandleForWriting.write(Data((script.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        let svg = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, !svg.isEmpty else {
            throw RenderError(
                description:
                    "gnuplot failed (exit \(p.terminationStatus)): \(String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return Self.inline(String(decoding: svg, as: UTF8.self))
    }

    static func sanitize(_ s: String) -> String {
        s.replacingOccurrences(of: "'", with: "’").replacingOccurrences(of: "\\", with: "/").replacingOccurrences(of: "\n", with: " ")
    }

    /// Strips what inline SVG does not need (prolog, DOCTYPE, namespace URLs).
    static func inline(_ svg: String) -> String {
        var s = svg
        if let start = s.range(of: "<svg") { s = String(s[start.lowerBound...]) }
        for pattern in [#"\s+xmlns(:\w+)?="[^"]*""#, #"<desc>[^<]*</desc>"#] {
            s = s.replacingOccurrences(of: pattern, with: "", options: .regularExpression)
        }
        s = s.replacingOccurrences(of: "xlink:href", with: "href")
        return s
    }
}
