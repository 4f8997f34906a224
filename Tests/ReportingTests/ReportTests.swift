import Foundation
import Testing

@testable import Advisor
@testable import Inference
@testable import Reporting
@testable import Targets

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Builds a small report (the MLP, a short run) into a temporary directory.
func makeReport(gnuplot: GnuplotRenderer? = GnuplotRenderer.find()) throws -> (dir: URL, data: ReportData, outcome: ReportWriter.Outcome) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
    var w = try Workload.parse(
        "model: mlp\nload: { rps: 40, peakRps: 80, pattern: step, durationSeconds: 120 }\nlatency: { p99Ms: 200 }\nconnectivity: always")
    w.name = "test & <report>"
    let study = try Study.prepare(w, cacheDirectory: dir.path + "-cache")
    let data = try ReportBuilder.build(try study.evaluate(), command: "test")
    let outcome = try ReportWriter.write(data, to: dir.path, gnuplot: gnuplot)
    return (dir, data, outcome)
}

final class XMLCheck: NSObject, XMLParserDelegate {
    var svgs = 0
    var figures: [String] = []
    var tables: [String: [[String]]] = [:]
    private var tableID: String?
    private var row: [String]?
    private var cell: String?

    func parser(
        _ p: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName: String?, attributes a: [String: String] = [:]
    ) {
        switch e {
        case "svg": svgs += 1
        case "figure": if let id = a["id"] { figures.append(id) }
        case "table": tableID = a["id"]
        case "tr": row = []
        case "td": cell = ""
        default: break
        }
    }
    func parser(_ p: XMLParser, foundCharacters s: String) { cell? += s }
    func parser(_ p: XMLParser, didEndElement e: String, namespaceURI: String?, qualifiedName: String?) {
        switch e {
        case "td":
            row?.append(cell ?? "")
            cell = nil
        case "tr":
            if let id = tableID, let r = row, !r.isEmpty { tables[id, default: []].append(r) }
            row = nil
        case "table": tableID = nil
        default: break
        }
    }
}

@Suite("Reports")
struct ReportTests {
    /// Thousands grouped, decimals fixed, signs and rounding kept.
    @Test func groupedNumbers() {
        #expect(Grouped.fixed(12045) == "12,045.00" && Grouped.fixed(999.999) == "1,000.00" && Grouped.fixed(0.5, 0) == "0")
        #expect(Grouped.fixed(-1_234_567.891, 1) == "-1,234,567.9" && Grouped.fixed(740.22) == "740.22")
        #expect(Grouped.fixed(.nan) == "—" && Grouped.usd(3613.5) == "USD 3,613.50")
    }

    @Test func htmlIsWellFormedSelfContainedAndAgreesWithResultsJSON() throws {
        let (dir, data, outcome) = try makeReport()
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in ["index.html", "summary.md", "results.json", "latency.csv", "curve.csv", "cdf.csv"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(f)")
        }
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(!html.contains("http://") && !html.contains("https://"), "no external references")
        #expect(!html.contains("<script"))
        let parser = XMLParser(data: Data(html.utf8))
        let check = XMLCheck()
        parser.delegate = check
        #expect(parser.parse(), "well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        let expected = Charts.all(data).map { "plot-" + $0.id }
        for id in ["latency-cdf", "latency-vs-load", "latency-breakdown", "errors", "p99-vs-load", "cost-vs-load", "fpga-accuracy"] {
            #expect(expected.contains("plot-" + id), "\(id)")
        }
        // Every chart's SVG names the chart, not "Gnuplot".
        if outcome.plotWarning == nil { #expect(!html.contains("<title>Gnuplot</title>")) }
        #expect(check.figures == expected)
        if outcome.plotWarning == nil { #expect(check.svgs == expected.count, "one plot per chart") }
        // The comparison table's numbers equal results.json's.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("results.json"))) as! [String: Any]
        #expect(json["schemaVersion"] as? Int == 2)
        let targets = json["targets"] as! [[String: Any]]
        let rows = try #require(check.tables["comparison"])
        #expect(rows.count == targets.count)
        for (row, t) in zip(rows, targets) {
            #expect(row[0] == t["target"] as? String)
            if let l = t["latencyMs"] as? [String: Double] {
                #expect(row[2] == String(format: "%.2f", l["p50"]!) && row[4] == String(format: "%.2f", l["p99"]!))
            }
            #expect(row[9].hasPrefix(Grouped.fixed(t["costPerMonthUSD"] as! Double)))
            #expect(row[11] == String(format: "%.1f", t["deployMinutes"] as! Double))
        }
        // The recommendation comes first.
        let recIndex = try #require(html.range(of: "id=\"recommendation\""))
        let tableIndex = try #require(html.range(of: "id=\"comparison\""))
        #expect(recIndex.lowerBound < tableIndex.lowerBound)
        #expect(html.contains(HTMLWriter.escape(data.workload.name)), "text is escaped, not injected")
        let md = try String(contentsOf: dir.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(md.contains("## Comparison") && md.contains(data.recommendation.summary))
        // Deployment paths: one row per target with the verdict's status; the summary warns
        // exactly when the recommended path is not supported, and names its equivalent.
        let support = try #require(check.tables["support"])
        #expect(support.count == TargetKind.allCases.count)
        for (row, v) in zip(support, data.recommendation.ranking) {
            #expect(row[0] == v.target.rawValue && row[2] == v.deploymentPath?.status.rawValue)
        }
        #expect(md.contains("## Deployment paths"))
        if let r = data.recommendation.recommendation {
            let path = r.target.deploymentPath
            #expect(data.recommendation.summary.contains("Support:") == (path.status != .supported))
            if let equivalent = path.equivalent { #expect(data.recommendation.summary.contains(equivalent)) }
        }
    }

    @Test func withoutGnuplotTheReportIsStillWrittenWithNotes() throws {
        let (dir, data, outcome) = try makeReport(gnuplot: nil)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(outcome.plotWarning?.contains("gnuplot") == true)
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "Plot not rendered").count - 1 == Charts.all(data).count)
        #expect(!html.contains("<svg"))
    }

    @Test func aFailedRunLeavesTheDirectoryUntouched() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-fail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "keep".write(to: dir.appendingPathComponent("workload.yaml"), atomically: true, encoding: .utf8)
        // A gnuplot that always fails still yields a complete report (with notes), and an
        // unwritable destination fails before anything is moved.
        let (_, data, _) = try makeReport(gnuplot: nil)
        let blocker = dir.appendingPathComponent("sub")
        try "a file, not a directory".write(to: blocker, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try ReportWriter.write(data, to: blocker.appendingPathComponent("out").path, gnuplot: nil) }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["sub", "workload.yaml"], "no partial files: \(left)")
    }

    @Test func gnuplotErrorsAreSurfaced() throws {
        guard let g = GnuplotRenderer.find() else { return }
        #expect(throws: GnuplotRenderer.RenderError.self) {
            try g.render(settings: ["set nonsense_setting 3"], series: [.init(title: "x", rows: [[1, 2]], style: "with lines")])
        }
        let svg = try g.render(
            settings: ["set xlabel 'it''s'"], series: [.init(title: "a'b", rows: [[1, 2], [2, 3]], style: "with lines")])
        #expect(svg.hasPrefix("<svg") && !svg.contains("http://"))
    }
}

@Suite("Reports with a measured series")
struct MeasuredSeriesTests {
    @Test func aLoadResultAppearsBesideTheSimulatedTargets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("measured-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("load.json")
        try
            #"{"url": "http://127.0.0.1:8080/score", "scheduledRps": 100, "durationSeconds": 10, "sent": 1000, "achievedRps": 99.5, "latencyMs": {"p50": 1.5, "p90": 2.5, "p99": 4.25, "p999": 9, "max": 12, "mean": 1.7}, "statusCounts": {"200": 1000}, "errors": {}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let series = try ReportData.MeasuredSeries.load(path: file.path)
        #expect(series.latencyMs["p99"] == 4.25 && series.statusCounts["200"] == 1000)
        var (out, data, _) = try makeReport(gnuplot: nil)
        defer { try? FileManager.default.removeItem(at: out) }
        data.measured = series
        _ = try ReportWriter.write(data, to: out.path, gnuplot: nil)
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("id=\"measured\"") && html.contains("4.25"))
        let bad = dir.appendingPathComponent("bad.json")
        try "{}".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try ReportData.MeasuredSeries.load(path: bad.path) }
    }
}

/// A rendered report states each number once: the headline, the verdicts, the capacity plan and
/// the comparison table agree, and no latency the run cannot give is printed as a number. The
/// example workloads run on the profile-based calibration (no measurement), so the check does
/// not depend on this host.
@Suite("One number per fact on a report page")
struct ReportConsistencyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func data(_ example: String) throws -> ReportData {
        let path = root.appendingPathComponent("reports/\(example)/workload.yaml").path
        let w = try Workload.parse(try String(contentsOfFile: path, encoding: .utf8), source: path)
        let model = try ModelSource.load(w.model, inputShapes: w.modelInputShapes)
        let calibration = ModelCalibration.estimated(try model.architecture.profile(), batch: w.batch)
        var study = try Study(workload: w, model: model, calibration: calibration, measured: false)
        study.accuracySampleCount = 4  // the accuracy figures are not what this suite checks
        return try ReportBuilder.build(try study.evaluate(), command: "test")
    }

    @Test(arguments: ["realtime-fpga", "production-aks", "factory-floor-edge"])
    func headlineVerdictsAndTablesAgree(_ example: String) throws {
        let d = try Self.data(example)
        let html = HTMLWriter.render(d, plots: Charts.all(d).map { ($0, nil) }, plotNote: nil, deployFiles: [])
        let check = XMLCheck()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = check
        #expect(parser.parse())
        let comparison = try #require(check.tables["comparison"])
        let plan = try #require(check.tables["plan"])
        #expect(comparison.count == d.targets.count && plan.count == d.plans.count)
        let slo = try #require(d.workload.effectiveP99Ms)
        // The headline's p99 and cost are the capacity plan's, printed the same way.
        if let chosen = d.recommendation.recommendation {
            let p = try #require(d.plans.first { $0.target == chosen })
            let row = try #require(plan.first { $0[0] == chosen.rawValue })
            let p99 = String(format: "%.2f", try #require(p.p99Ms))
            #expect(row[3] == p99 && d.recommendation.summary.contains("p99 \(p99) ms at the"), "\(row) | \(d.recommendation.summary)")
            // The same number, grouped in the table ("3,613.50") and plain in the sentence.
            #expect(row[4] == Grouped.fixed(p.costPerMonthUSD), "\(row)")
            #expect(d.recommendation.summary.contains("\(Grouped.usd(p.costPerMonthUSD))/month"))
        }
        for (r, row) in zip(d.targets, comparison) {
            let p = try #require(d.plans.first { $0.target == r.target })
            let verdict = try #require(d.recommendation.verdict(r.target))
            // A plan is feasible exactly when its verdict says it meets the SLO and the
            // comparison (the workload's own run) says "yes": the planner verified the pattern.
            let says = verdict.reasons.contains { $0.criterion == .latencySLO && $0.effect != .against && $0.effect != .blocks }
            #expect(says == p.feasible, "\(r.target): verdict \(verdict.reasons.map(\.text))")
            #expect(row[5].hasPrefix("yes") == p.feasible, "\(r.target): SLO met '\(row[5])', plan feasible \(p.feasible)")
            #expect(r.meetsSLO(sloMs: slo, minSuccessRate: d.recommendation.policy.minSuccessRate) == p.feasible)
            // A target without a plan shows (and ran) the closest configuration tried, not defaults.
            if !p.feasible, r.deployable, let attempt = p.bestAttempt {
                #expect(row[1] == "closest tried, no plan: \(attempt.summary)")
            }
            #expect(!row[1].contains("defaults"))
            // No censored value is printed as a latency.
            for cell in row[2...4] {
                if let v = Double(cell) { #expect(v < TargetResult.latencyCeilingMs * 0.999) }
            }
            if r.backlogGrows {
                #expect(row[2...4].allSatisfy { $0 == "—" } && row[5].contains("backlog grows without bound"), "\(row)")
            }
            if let l = r.latencyMs, r.reportedLatencyMs(percentile: 99) != nil { #expect(row[4] == String(format: "%.2f", l.p99)) }
        }
        // Alternatives: other configurations that also meet the SLO at the peak, none cheaper
        // than the plan (the plan is the smallest), one table row each after their plan.
        let alternatives = try #require(check.tables["alternatives"])
        #expect(alternatives.count == d.plans.filter(\.feasible).reduce(0) { $0 + 1 + $1.alternatives.count })
        for p in d.plans where p.feasible {
            #expect(p.alternatives.count <= 2)
            for a in p.alternatives {
                #expect(a.settings != p.settings && a.simulatedP99Ms <= slo, "\(p.target): \(a.summary)")
                #expect(a.costPerMonthUSD >= p.costPerMonthUSD - 0.005, "\(p.target): \(a.summary) cheaper than the plan")
            }
        }
        // The Markdown has the same rows as the HTML.
        let md = MarkdownWriter.render(d, deployFiles: [])
        for row in comparison { #expect(md.contains("| " + row.joined(separator: " | ") + " |"), "\(row)") }
    }
}

/// The report in a real browser: headless Chromium (Debian's `chromium`) loads the page,
/// logs no console message, keeps every chart's SVG with drawn content in the rendered DOM,
/// and renders a screenshot at a phone's 420 px width. Skipped, with the reason printed, when
/// Chromium is not installed.
@Suite("The report in a browser")
struct BrowserTests {
    static func chromium() -> String? {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    static func run(_ browser: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"] + arguments
        let out = Pipe()
        // stderr to a file, so neither stream can fill up and stall the browser while the other is read.
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errData = (try? Data(contentsOf: errFile)) ?? Data()
        return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test func rendersWithoutConsoleErrorsAndEveryChartIsDrawn() throws {
        guard let browser = Self.chromium() else {
            print("skipped: Chromium is not installed (apt-get install chromium) — the report was not checked in a browser")
            return
        }
        guard let gnuplot = GnuplotRenderer.find() else {
            print("skipped: gnuplot is not installed — the report has no charts to check")
            return
        }
        let (dir, data, _) = try makeReport(gnuplot: gnuplot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("index.html").resolvingSymlinksInPath()
        let dom = try Self.run(browser, ["--dump-dom", page.absoluteString])
        #expect(dom.status == 0, "\(dom.err)")
        #expect(!dom.err.contains(":CONSOLE"), "console messages: \(dom.err.split(separator: "\n").filter { $0.contains(":CONSOLE") })")
        let svgs = dom.out.components(separatedBy: "<svg").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        #expect(svgs.count == Charts.all(data).count, "one drawn SVG per chart")
        for (svg, chart) in zip(svgs, Charts.all(data)) {
            #expect(svg.contains("<path") && svg.contains("<title>\(HTMLWriter.escape(chart.title))</title>"), "\(chart.id)")
        }
        let shot = dir.appendingPathComponent("narrow.png")
        let r = try Self.run(browser, ["--screenshot=\(shot.path)", "--window-size=420,3000", page.absoluteString])
        #expect(r.status == 0)
        let png = try Data(contentsOf: shot)
        #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a rendered PNG")
    }
}
