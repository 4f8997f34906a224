import Advisor
import Foundation
import Simulation
import Targets

/// Writes a report directory: `index.html`, `summary.md`, `results.json`, CSV files.
///
/// Everything is generated into a private temporary directory beside the target first; only
/// when every file is complete are they renamed into place (each rename atomic), so a failed
/// run never leaves a half-written report. Other files in the directory (e.g. the
/// `workload.yaml` the report came from) are left alone.
package enum ReportWriter {
    package struct Outcome: Sendable {
        package var files: [String]
        /// Why plots are missing (gnuplot absent or failing), if they are.
        package var plotWarning: String?
    }

    package static func write(_ data: ReportData, to directory: String, gnuplot: GnuplotRenderer? = GnuplotRenderer.find()) throws
        -> Outcome
    {
        let charts = Charts.all(data)
        var plots: [(Charts.Chart, String?)] = []
        var warning: String?
        if let gnuplot {
            for c in charts {
                do {
                    plots.append((c, try gnuplot.render(settings: c.settings, series: c.series)))
                } catch {
                    warning = "some plots were not rendered: \(error)"
                    plots.append((c, nil))
                }
            }
        } else {
            warning = "gnuplot is not installed (apt-get install gnuplot-nox): the report has no plots"
            plots = charts.map { ($0, nil) }
        }
        var files: [String: Data] = [:]
        files["index.html"] = Data(HTMLWriter.render(data, plots: plots, plotNote: warning).utf8)
        files["summary.md"] = Data(MarkdownWriter.render(data).utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        files["results.json"] = try encoder.encode(data)
        for (name, text) in CSVWriter.files(data) { files[name] = Data(text.utf8) }

        let fm = FileManager.default
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(
            ".\(target.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            for (name, content) in files { try content.write(to: staging.appendingPathComponent(name)) }
            try fm.createDirectory(at: target, withIntermediateDirectories: true)
            for name in files.keys.sorted() {
                // rename(2) replaces the destination atomically (same file system: the staging
                // directory is the target's sibling).
                let from = staging.appendingPathComponent(name).path
                let to = target.appendingPathComponent(name).path
                guard rename(from, to) == 0 else {
                    throw CocoaError(
                        .fileWriteUnknown,
                        userInfo: [
                            NSFilePathErrorKey: to,
                            NSLocalizedDescriptionKey: "cannot move the report file into place: \(String(cString: strerror(errno)))",
                        ])
                }
            }
            try? fm.removeItem(at: staging)
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
        return Outcome(files: files.keys.sorted(), plotWarning: warning)
    }
}
