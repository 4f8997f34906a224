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
        let (plots, warning) = render(Charts.all(data), with: gnuplot)
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

    /// Renders each chart to inline SVG titled with the chart's title; a chart gnuplot could
    /// not draw (or every chart, without gnuplot) is kept with no SVG and a warning.
    static func render(_ charts: [Charts.Chart], with gnuplot: GnuplotRenderer?) -> (plots: [(Charts.Chart, String?)], warning: String?) {
        guard let gnuplot else {
            return (charts.map { ($0, nil) }, "gnuplot is not installed (apt-get install gnuplot-nox): the report has no plots")
        }
        var plots: [(Charts.Chart, String?)] = []
        var warning: String?
        for c in charts {
            do {
                // gnuplot titles every SVG "Gnuplot": name the chart instead.
                let svg = try gnuplot.render(settings: c.settings, series: c.series)
                plots.append(
                    (c, svg.replacingOccurrences(of: "<title>Gnuplot</title>", with: "<title>\(HTMLWriter.escape(c.title))</title>")))
            } catch {
                warning = "some plots were not rendered: \(error)"
                plots.append((c, nil))
            }
        }
        return (plots, warning)
    }
}
