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

    /// - Parameter manifests: the files that deploy the plans (``DeploymentManifests``), written
    ///   under `deploy/` and linked from the HTML and the Markdown.
    package static func write(
        _ data: ReportData, to directory: String, gnuplot: GnuplotRenderer? = GnuplotRenderer.find(), manifests: [String: String] = [:]
    ) throws -> Outcome {
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
        let deploy = manifests.keys.sorted().map { "deploy/" + $0 }
        files["index.html"] = Data(HTMLWriter.render(data, plots: plots, plotNote: warning, deployFiles: deploy).utf8)
        files["summary.md"] = Data(MarkdownWriter.render(data, deployFiles: deploy).utf8)
        for (name, text) in manifests { files["deploy/" + name] = Data(text.utf8) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        files["results.json"] = try encoder.encode(data)
        for (name, text) in CSVWriter.files(data) { files[name] = Data(text.utf8) }

        try DirectoryWriter.write(files, to: directory)
        return Outcome(files: files.keys.sorted(), plotWarning: warning)
    }
}

/// Writes a set of files into a directory as one step: staged in a hidden directory inside it, then
/// each renamed into place (rename(2) replaces atomically on the same file system). Names may
/// hold subdirectories (`deploy/managed/deployment.yml`); other files in the directory are kept.
package enum DirectoryWriter {
    package static func write(_ files: [String: Data], to directory: String) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        // Staged inside the target, so every rename stays on one file system (the target may be
        // a mount point, e.g. a container volume at /out).
        try fm.createDirectory(at: target, withIntermediateDirectories: true)
        let staging = target.appendingPathComponent(
            ".partial-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            for (name, content) in files {
                let url = staging.appendingPathComponent(name)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: url)
            }
            for name in files.keys.sorted() {
                let from = staging.appendingPathComponent(name).path
                let to = target.appendingPathComponent(name)
                try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                guard rename(from, to.path) == 0 else {
                    throw CocoaError(
                        .fileWriteUnknown,
                        userInfo: [
                            NSFilePathErrorKey: to.path,
                            NSLocalizedDescriptionKey: "cannot move the file into place: \(String(cString: strerror(errno)))",
                        ])
                }
            }
            try? fm.removeItem(at: staging)
        } catch {
            try? fm.removeItem(at: staging)
            throw error
        }
    }
}
