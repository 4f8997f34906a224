import Advisor
import Foundation
import Targets

/// Shards that do not make one fleet: what is missing, duplicated or inconsistent, by name.
package struct FleetMergeError: Error, CustomStringConvertible {
    package let description: String
    init(_ d: String) { description = d }
}

/// The fleet report's data (`fleet.json`): one row per workload with its recommendation and
/// plan, totals per target, the workloads closest to a different answer, and the calibrations
/// the answers rest on. Built only from the shards' results, so the same fleet gives the same
/// file however it was sharded.
package struct FleetData: Sendable, Codable {
    package struct Row: Sendable, Codable {
        package var name: String
        package var model: String
        package var peakRps: Double
        package var sloP99Ms: Double
        /// The recommended target, or nil when nothing qualifies.
        package var recommendation: TargetKind?
        /// The recommended target's plan (nil when nothing qualifies).
        package var plan: TargetPlan?
        /// The next target in the ranking that is not ruled out, and its score's distance (points
        /// of 100) below the recommended one (negative when a document criterion ranks the
        /// recommendation first although it scores lower).
        package var runnerUp: TargetKind?
        package var marginPoints: Double?
        package var summary: String
    }

    package struct Total: Sendable, Codable {
        package var target: TargetKind
        package var workloads: Int
        /// Servers of the plans: AKS nodes, managed instances (at most), ACI container groups,
        /// IoT Edge devices, FPGAs.
        package var units: Int
        package var unitName: String
        /// Serving replicas of the plans at their peak size: AKS replicas (autoscale maximum),
        /// managed instances, ACI container groups (nil for devices and FPGAs, which are the servers).
        package var replicas: Int?
        package var costPerMonthUSD: Double
        /// Whether any plan's cost is an estimate (no published price).
        package var costIsEstimate: Bool
    }

    package var schemaVersion = 1
    package var fleet: String
    package var fleetHash: String
    package var toolVersion: String
    package var quick: Bool
    package var workloads: [Row]
    package var totals: [Total]
    /// Workloads ordered by ``Row/marginPoints``, smallest first (at most 20; only those with a runner-up).
    package var closestToFlip: [String]
    /// Distinct model measurements (per model, batch and host).
    package var calibrations: [CalibrationSummary]
    /// Workloads without a recommendation.
    package var unanswered: [String]
    /// Models whose answers rest on measurements that differ by more than 5% (shards on other
    /// hosts, or a busy one): those answers are not comparable with each other.
    package var calibrationWarnings: [String] = []
}

/// How each shard ran (`shards.json`): not part of the answer, so kept out of `fleet.json`.
package struct ShardRun: Sendable, Codable {
    package var shard: Int
    package var shards: Int
    package var folder: String
    package var host: String
    package var workloads: Int
    package var computed: Int
    package var reused: Int
    package var estimatedSeconds: Double
    package var wallSeconds: Double
    package var finishedAt: String
}

/// `deploy-advisor merge`: checks that shard folders cover a fleet exactly once, and builds
/// the fleet report's data from their results.
package enum FleetMerge {
    /// Reads the manifests (`shard-<i>-of-<n>.json`) and results under `folders`.
    package static func load(_ folders: [String]) throws(FleetMergeError) -> (data: FleetData, shards: [ShardRun]) {
        var seen: Set<String> = []
        var manifests: [(folder: String, file: String, manifest: ShardManifest)] = []
        let decoder = JSONDecoder()
        for folder in folders {
            let standard = URL(fileURLWithPath: folder).standardizedFileURL.resolvingSymlinksInPath().path
            guard seen.insert(standard).inserted else { continue }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                throw FleetMergeError("\(folder): cannot read the folder (missing or unreadable)")
            }
            let files = names.filter { $0.range(of: #"^shard-\d+-of-\d+\.json$"#, options: .regularExpression) != nil }.sorted()
            guard !files.isEmpty else {
                throw FleetMergeError("\(folder): no shard manifest (shard-<i>-of-<n>.json); is it a `deploy-advisor sweep --out` folder?")
            }
            for f in files {
                let path = folder + "/" + f
                guard let data = FileManager.default.contents(atPath: path) else { throw FleetMergeError("\(path): cannot read") }
                do {
                    manifests.append((folder, path, try decoder.decode(ShardManifest.self, from: data)))
                } catch {
                    throw FleetMergeError(
                        "\(path): not a shard manifest this version of deploy-advisor reads (\(Self.describe(error))); rerun the shard with this version"
                    )
                }
            }
        }
        guard let first = manifests.first else { throw FleetMergeError("no shard folders given") }
        for m in manifests.dropFirst() {
            let a = first.manifest
            let b = m.manifest
            if a.toolVersion != b.toolVersion {
                throw FleetMergeError(
                    "\(m.file) was written by deploy-advisor \(b.toolVersion), \(first.file) by \(a.toolVersion): run every shard with the same version"
                )
            }
            if a.fleetHash != b.fleetHash || a.quick != b.quick {
                throw FleetMergeError(
                    "\(m.file) and \(first.file) come from different fleet inputs (fleet hash \(b.fleetHash)\(b.quick ? " quick" : "") vs \(a.fleetHash)\(a.quick ? " quick" : "")): the fleet file, a workload, a model or --quick changed between shards; rerun them from the same inputs"
                )
            }
            if a.shards != b.shards {
                throw FleetMergeError("\(m.file) is one of \(b.shards) shards, \(first.file) one of \(a.shards): merge shards of one split")
            }
        }
        let count = first.manifest.shards
        let assignment = first.manifest.assignment
        if let m = manifests.first(where: { $0.manifest.assignment != assignment }) {
            throw FleetMergeError(
                "\(m.file) splits the fleet differently from \(first.file) (\(m.manifest.balancedWithMeasurement == first.manifest.balancedWithMeasurement ? "another split of the same inputs" : "--cached-calibrations was given to one and not the other")): run every shard with the same options"
            )
        }
        var byShard: [Int: (folder: String, file: String, manifest: ShardManifest)] = [:]
        for m in manifests {
            if let other = byShard[m.manifest.shard] {
                throw FleetMergeError("shard \(m.manifest.shard)/\(count) appears twice: \(other.file) and \(m.file); give each shard once")
            }
            byShard[m.manifest.shard] = m
        }
        for s in 0..<count where byShard[s] == nil {
            let names = assignment.filter { $0.shard == s }.map(\.name)
            throw FleetMergeError(
                "shard \(s)/\(count) is missing (its \(names.count) workload\(names.count == 1 ? "" : "s"): \(names.prefix(10).joined(separator: ", "))\(names.count > 10 ? ", …" : "")); run `deploy-advisor sweep FLEET --shard \(s)/\(count)` and pass its folder"
            )
        }
        var results: [String: FleetResult] = [:]
        var runs: [ShardRun] = []
        for s in 0..<count {
            let (folder, file, manifest) = byShard[s]!
            let expected = assignment.filter { $0.shard == s }
            let entries = Dictionary(manifest.workloads.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let failed = manifest.workloads.filter { $0.status == .failed }
            if !failed.isEmpty {
                throw FleetMergeError(
                    "\(file): \(failed.count) workload\(failed.count == 1 ? "" : "s") failed: "
                        + failed.prefix(5).map { "\($0.name) (\($0.error ?? "no message"))" }.joined(separator: "; ")
                        + "; fix and rerun `deploy-advisor sweep FLEET --shard \(s)/\(count)` (finished workloads are kept)")
            }
            for e in expected {
                guard let entry = entries[e.name] else {
                    throw FleetMergeError("\(file): workload '\(e.name)' of shard \(s)/\(count) was not run; rerun the shard")
                }
                let path = folder + "/workloads/" + e.directory + "/results.json"
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw FleetMergeError("\(path): missing (workload '\(e.name)', shard \(s)/\(count)); rerun the shard")
                }
                let r: FleetResult
                do {
                    r = try decoder.decode(FleetResult.self, from: data)
                } catch {
                    throw FleetMergeError(
                        "\(path): not a workload result this version of deploy-advisor reads (\(Self.describe(error))); rerun the shard with this version"
                    )
                }
                guard r.inputHash == e.inputHash, entry.inputHash == e.inputHash, r.name == e.name else {
                    throw FleetMergeError(
                        "\(path): answers other inputs than the fleet's workload '\(e.name)' (input hash \(r.inputHash), expected \(e.inputHash)); rerun the shard"
                    )
                }
                results[e.name] = r
            }
            let extra = manifest.workloads.filter { w in !expected.contains { $0.name == w.name } }
            if let x = extra.first { throw FleetMergeError("\(file): workload '\(x.name)' does not belong to shard \(s)/\(count)") }
            runs.append(
                ShardRun(
                    shard: s, shards: count, folder: folder, host: manifest.host, workloads: manifest.workloads.count,
                    computed: manifest.workloads.filter { $0.status == .computed }.count,
                    reused: manifest.workloads.filter { $0.status == .reused }.count, estimatedSeconds: manifest.estimatedSeconds,
                    wallSeconds: manifest.wallSeconds, finishedAt: manifest.finishedAt))
        }
        let rows = assignment.map { row(results[$0.name]!) }
        return (build(rows, results: assignment.map { results[$0.name]! }, from: first.manifest), runs)
    }

    /// A decoding failure in a few words: the key or value at fault and where.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : "'" + keys.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: return "key '\(key.stringValue)' missing at \(path(c.codingPath))"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?: return "wrong or missing value at \(path(c.codingPath))"
        case .dataCorrupted(let c)?: return "not valid JSON at \(path(c.codingPath))"
        default: return "\(error)"
        }
    }

    static func row(_ r: FleetResult) -> FleetData.Row {
        let rec = r.recommendation
        let viable = rec.ranking.filter { $0.verdict != .ruledOut }
        let chosen = rec.recommendation.flatMap { t in rec.ranking.first { $0.target == t } }
        let runnerUp = chosen == nil ? nil : viable.first { $0.target != chosen!.target }
        return FleetData.Row(
            name: r.name, model: r.workload.model, peakRps: r.workload.load.effectivePeakRps, sloP99Ms: r.workload.sloP99Ms,
            recommendation: rec.recommendation, plan: chosen?.plan, runnerUp: runnerUp?.target,
            marginPoints: runnerUp.map { chosen!.score - $0.score }, summary: rec.summary)
    }

    /// A whole-number setting of a plan (0 when absent).
    static func int(_ p: TargetPlan, _ key: String) -> Int {
        switch p.configuration[key] {
        case .integer(let i)?: i
        case .number(let x)?: Int(x.rounded())
        default: 0
        }
    }

    /// Serving replicas of a plan at its peak size (nil for devices and FPGAs).
    static func replicas(_ p: TargetPlan) -> Int? {
        switch p.target {
        case .aks: int(p, "autoscale_max_replicas")
        case .managed, .aci: units(p).0
        case .iotEdge, .fpga: nil
        }
    }

    /// Each target's servers in a plan, and what they are called.
    static func units(_ p: TargetPlan) -> (Int, String) {
        func int(_ key: String) -> Int { Self.int(p, key) }
        switch p.target {
        case .aks: return (int("nodes"), "nodes")
        case .managed:
            return (int("autoscale_max_instances") > 0 ? int("autoscale_max_instances") : int("instance_count"), "instances (at most)")
        case .aci: return (int("container_groups"), "container groups")
        case .iotEdge: return (int("devices"), "devices")
        case .fpga: return (int("fpgas"), "FPGAs")
        }
    }

    static func build(_ rows: [FleetData.Row], results: [FleetResult], from m: ShardManifest) -> FleetData {
        var totals: [FleetData.Total] = []
        for t in TargetKind.allCases {
            let plans = rows.filter { $0.recommendation == t }.compactMap(\.plan)
            guard !plans.isEmpty else { continue }
            totals.append(
                FleetData.Total(
                    target: t, workloads: plans.count, units: plans.map { units($0).0 }.reduce(0, +), unitName: units(plans[0]).1,
                    replicas: replicas(plans[0]) == nil ? nil : plans.compactMap(replicas).reduce(0, +),
                    costPerMonthUSD: plans.map(\.costPerMonthUSD).reduce(0, +), costIsEstimate: plans.contains(where: \.costIsEstimate)))
        }
        let flips = rows.filter { $0.marginPoints != nil }.sorted { ($0.marginPoints!, $0.name) < ($1.marginPoints!, $1.name) }
        var calibrations: [CalibrationSummary] = []
        for r in results where !calibrations.contains(r.calibration) { calibrations.append(r.calibration) }
        calibrations.sort { ($0.modelKey, $0.batch, $0.cpuModel, $0.medianMs) < ($1.modelKey, $1.batch, $1.cpuModel, $1.medianMs) }
        var warnings: [String] = []
        for (key, group) in Dictionary(grouping: calibrations, by: { "\($0.modelKey) batch \($0.batch)" }).sorted(by: { $0.key < $1.key }) {
            let times = group.map(\.medianMs)
            guard let lo = times.min(), let hi = times.max(), lo > 0, hi / lo > 1.05 else { continue }
            let names = results.filter { r in group.contains(r.calibration) }.count
            warnings.append(
                String(
                    format:
                        "%@ was measured %d times with different results (median %.3f to %.3f ms, ×%.2f) on %@; its %d workloads' answers rest on different measurements: measure each model once (sweep --calibrate-only into a shared cache) and rerun the shards",
                    key, group.count, lo, hi, hi / lo,
                    Set(group.map { "\($0.cpuModel), \($0.cores) cores" }).sorted().joined(separator: " and "),
                    names))
        }
        return FleetData(
            fleet: m.fleet, fleetHash: m.fleetHash, toolVersion: m.toolVersion, quick: m.quick, workloads: rows, totals: totals,
            closestToFlip: flips.prefix(20).map(\.name), calibrations: calibrations,
            unanswered: rows.filter { $0.recommendation == nil }.map(\.name), calibrationWarnings: warnings)
    }
}

/// The fleet report's tables, shared by HTML, Markdown and CSV.
package enum FleetTables {
    static func money(_ x: Double, estimate: Bool) -> String { Grouped.fixed(x) + (estimate ? " (estimate)" : "") }

    static let totalsHeader = ["target", "workloads", "replicas (at most)", "servers", "$/month"]
    static func totals(_ d: FleetData) -> [[String]] {
        var rows = d.totals.map { t in
            [
                t.target.rawValue, String(t.workloads), t.replicas.map { Grouped.fixed(Double($0), 0) } ?? "—",
                "\(Grouped.fixed(Double(t.units), 0)) \(t.unitName)",
                money(t.costPerMonthUSD, estimate: t.costIsEstimate),
            ]
        }
        let sum = d.totals.map(\.costPerMonthUSD).reduce(0, +)
        rows.append([
            "all", String(d.totals.map(\.workloads).reduce(0, +)), "", "", money(sum, estimate: d.totals.contains(where: \.costIsEstimate)),
        ])
        if !d.unanswered.isEmpty { rows.append(["none qualifies", String(d.unanswered.count), "", "", ""]) }
        return rows
    }

    static let workloadsHeader = [
        "workload", "model", "peak/s", "SLO p99 ms", "recommendation", "plan", "p99 ms", "$/month", "runner-up", "margin",
    ]
    static func workloads(_ d: FleetData) -> [[String]] { d.workloads.map(workload) }

    static func workload(_ r: FleetData.Row) -> [String] {
        [
            r.name, r.model, Grouped.fixed(r.peakRps, r.peakRps < 10 ? 2 : 0), String(format: "%.4g", r.sloP99Ms),
            r.recommendation?.rawValue ?? "none", r.plan?.summary ?? "—", r.plan?.p99Ms.map { String(format: "%.2f", $0) } ?? "—",
            r.plan.map { money($0.costPerMonthUSD, estimate: $0.costIsEstimate) } ?? "—", r.runnerUp?.rawValue ?? "—",
            r.marginPoints.map { String(format: "%.1f", $0) } ?? "—",
        ]
    }

    static let flipCaption =
        "The workloads whose answer is closest to changing: the smallest score margin (points of 100) between the recommended target and the next one not ruled out. A negative margin: a document criterion ranks the recommendation first although the runner-up scores higher."
    static func flips(_ d: FleetData) -> [[String]] {
        let byName = Dictionary(d.workloads.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return d.closestToFlip.compactMap { byName[$0] }.map { r in
            [
                r.name, r.recommendation?.rawValue ?? "none", r.runnerUp?.rawValue ?? "—",
                r.marginPoints.map { String(format: "%.1f", $0) } ?? "—",
            ]
        }
    }

    static let calibrationHeader = [
        "model", "batch", "measured", "host", "OpenBLAS", "sgemm GFLOP/s (1 thread)", "copy GB/s", "median ms (1 thread)",
    ]
    static func calibrations(_ d: FleetData) -> [[String]] {
        d.calibrations.map { c in
            [
                c.modelKey, String(c.batch), c.measured ? "here" : "profile estimate", "\(c.cpuModel), \(c.cores) cores", c.openblas,
                String(format: "%.1f", c.sgemmGflops1), String(format: "%.1f", c.memoryGBps), String(format: "%.3f", c.medianMs),
            ]
        }
    }

    static let shardHeader = ["shard", "folder", "host", "workloads", "computed", "reused", "estimated s", "wall s"]
    static func shards(_ runs: [ShardRun]) -> [[String]] {
        runs.map { s in
            [
                "\(s.shard)/\(s.shards)", s.folder, s.host, String(s.workloads), String(s.computed), String(s.reused),
                String(format: "%.1f", s.estimatedSeconds), String(format: "%.1f", s.wallSeconds),
            ]
        }
    }

    package static func headline(_ d: FleetData) -> String {
        let sum = d.totals.map(\.costPerMonthUSD).reduce(0, +)
        let parts = d.totals.map { "\($0.workloads) on \($0.target.rawValue)" }
        return "\(d.workloads.count) workloads: " + (parts.isEmpty ? "none answered" : parts.joined(separator: ", "))
            + (d.unanswered.isEmpty ? "" : ", \(d.unanswered.count) with no qualifying target")
            + "; \(Grouped.usd(sum))/month for the recommended plans"
            + (d.quick ? " (quick: profiles and queueing analytics only)." : ".")
    }
}

/// Writes the fleet report: `index.html` (plots inline), `summary.md`, `fleet.json`,
/// `shards.json`, `workloads.csv`, `totals.csv` — atomically as a set, like a single report.
package enum FleetReportWriter {
    package static func write(
        _ d: FleetData, shards: [ShardRun], to directory: String, gnuplot: GnuplotRenderer? = GnuplotRenderer.find()
    ) throws -> ReportWriter.Outcome {
        let (plots, warning) = ReportWriter.render(charts(d), with: gnuplot)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var files: [String: Data] = [:]
        files["fleet.json"] = try encoder.encode(d)
        files["shards.json"] = try encoder.encode(shards)
        files["index.html"] = Data(html(d, shards: shards, plots: plots, note: warning).utf8)
        files["summary.md"] = Data(markdown(d, shards: shards).utf8)
        files["workloads.csv"] = Data(
            CSVWriter.csv(
                [
                    "workload", "model", "peak_rps", "slo_p99_ms", "recommendation", "plan", "p99_ms", "usd_per_month", "cost_is_estimate",
                    "runner_up", "margin_points",
                ],
                d.workloads.map { r in
                    [
                        r.name, r.model, String(format: "%.6g", r.peakRps), String(format: "%.6g", r.sloP99Ms),
                        r.recommendation?.rawValue ?? "",
                        r.plan?.summary ?? "", r.plan?.p99Ms.map { String(format: "%.6g", $0) } ?? "",
                        r.plan.map { String(format: "%.2f", $0.costPerMonthUSD) } ?? "", r.plan.map { String($0.costIsEstimate) } ?? "",
                        r.runnerUp?.rawValue ?? "", r.marginPoints.map { String(format: "%.3f", $0) } ?? "",
                    ]
                }
            ).utf8)
        files["totals.csv"] = Data(
            CSVWriter.csv(
                ["target", "workloads", "replicas", "servers", "server_kind", "usd_per_month", "cost_is_estimate"],
                d.totals.map {
                    [
                        $0.target.rawValue, String($0.workloads), $0.replicas.map(String.init) ?? "", String($0.units), $0.unitName,
                        String(format: "%.2f", $0.costPerMonthUSD),
                        String($0.costIsEstimate),
                    ]
                }
            )
            .utf8)
        try DirectoryWriter.write(files, to: directory)
        return ReportWriter.Outcome(files: files.keys.sorted(), plotWarning: warning)
    }

    static func charts(_ d: FleetData) -> [Charts.Chart] {
        let shown = d.totals
        let xtics = "set xtics (" + shown.enumerated().map { "'\($0.element.target.rawValue)' \($0.offset)" }.joined(separator: ", ") + ")"
        let common = [
            "set style fill solid 0.85 border -1", "set boxwidth 0.6", "set grid ytics", "unset key", xtics,
            "set xrange [-0.6:\(Double(max(shown.count, 1)) - 0.4)]", "set yrange [0:*]",
        ]
        var charts: [Charts.Chart] = []
        charts.append(
            Charts.Chart(
                id: "fleet-cost", title: "Monthly cost of the recommended plans, per target",
                caption: "The sum of each target's recommended plans, USD/month (list prices; estimates where no price is published).",
                settings: common + ["set ylabel 'USD / month'"],
                series: shown.enumerated().map { i, t in
                    .init(
                        title: t.target.rawValue, rows: [[Double(i), t.costPerMonthUSD]],
                        style: "with boxes lc rgb '\(Charts.colour(t.target))'")
                }))
        charts.append(
            Charts.Chart(
                id: "fleet-count", title: "Workloads per recommended target",
                caption: "How many of the fleet's workloads each target is recommended for"
                    + (d.unanswered.isEmpty ? "." : "; \(d.unanswered.count) have no qualifying target."),
                settings: common + ["set ylabel 'workloads'"],
                series: shown.enumerated().map { i, t in
                    .init(
                        title: t.target.rawValue, rows: [[Double(i), Double(t.workloads)]],
                        style: "with boxes lc rgb '\(Charts.colour(t.target))'")
                }))
        let answered = d.workloads.filter { $0.plan != nil }
        charts.append(
            Charts.Chart(
                id: "fleet-cost-vs-load", title: "Plan cost against peak load, per workload",
                caption: "Each workload's recommended plan: its peak requests/s and its monthly cost (log scales), by target.",
                settings: [
                    "set logscale xy", "set xlabel 'peak requests/s (log scale)'", "set ylabel 'USD / month (log scale)'", "set grid",
                    "set key outside right top",
                ],
                series: TargetKind.allCases.compactMap { t in
                    let rows = answered.filter { $0.recommendation == t && $0.plan!.costPerMonthUSD > 0 }.map {
                        [$0.peakRps, $0.plan!.costPerMonthUSD]
                    }
                    return rows.isEmpty
                        ? nil
                        : .init(
                            title: t.rawValue, rows: rows,
                            style: "with points pt \(Charts.pointType(t)) ps 1.2 lc rgb '\(Charts.colour(t))'")
                }))
        let margins = d.workloads.compactMap(\.marginPoints).sorted()
        charts.append(
            Charts.Chart(
                id: "fleet-margins", title: "Score margin to the runner-up, every workload",
                caption:
                    "Each workload's margin between its recommended target and the next not ruled out, smallest first: the left end is where a small change of load, SLO or weights would move the answer.",
                settings: [
                    "set xlabel 'workloads, smallest margin first'", "set ylabel 'margin (points of 100)'", "set grid", "unset key",
                    "set xrange [0:\(max(margins.count, 1) + 1)]",
                ],
                series: [
                    .init(
                        title: "margin", rows: margins.enumerated().map { [Double($0.offset + 1), $0.element] },
                        style: "with impulses lw 3 lc rgb '#0072B2'")
                ]))
        return charts
    }

    static func html(_ d: FleetData, shards: [ShardRun], plots: [(Charts.Chart, String?)], note: String?) -> String {
        let e = HTMLWriter.escape
        var h = HTMLWriter.head(title: "\(d.fleet) — DeployAdvisor fleet report")
        h += "<h1>Fleet <code>\(e(d.fleet))</code>: where each workload should run</h1>"
        h +=
            "<p><small>deploy-advisor \(e(d.toolVersion)) · fleet hash \(e(d.fleetHash)) · \(d.workloads.count) workloads in \(shards.count) shard\(shards.count == 1 ? "" : "s")</small></p>"
        h += "<p class=\"verdict\" id=\"headline\">\(e(FleetTables.headline(d)))</p>"
        h += "<h2>Totals per target</h2><p>The recommended plans added up per target.</p>"
        h += HTMLWriter.table(FleetTables.totalsHeader, FleetTables.totals(d), id: "totals")
        h += "<h2>Closest to a different answer</h2><p>\(e(FleetTables.flipCaption))</p>"
        h += HTMLWriter.table(["workload", "recommendation", "runner-up", "margin"], FleetTables.flips(d), id: "flips")
        h += HTMLWriter.charts(plots, note: note)
        h += "<h2>Every workload</h2><p>Each workload's recommended plan (p99 simulated at the peak; analytic with --quick).</p>"
        h += HTMLWriter.table(FleetTables.workloadsHeader, FleetTables.workloads(d), id: "workloads")
        h += "<h2>Measurements</h2><p>The model measurements the answers rest on, per model and host.</p>"
        for w in d.calibrationWarnings { h += "<p class=\"missing calibration-warning\">\(e(w)).</p>" }
        h += HTMLWriter.table(FleetTables.calibrationHeader, FleetTables.calibrations(d), id: "calibrations")
        h += "<h2>Shards</h2><p>How the sweep ran (not part of the answer).</p>"
        h += HTMLWriter.table(FleetTables.shardHeader, FleetTables.shards(shards), id: "shards")
        return h + "</body></html>\n"
    }

    static func markdown(_ d: FleetData, shards: [ShardRun]) -> String {
        var m = ["# Fleet `\(d.fleet)`: where each workload should run", "", FleetTables.headline(d), ""]
        m += MarkdownWriter.section(
            "Totals per target", "The recommended plans added up per target.", FleetTables.totalsHeader, FleetTables.totals(d))
        m += MarkdownWriter.section(
            "Closest to a different answer", FleetTables.flipCaption, ["workload", "recommendation", "runner-up", "margin"],
            FleetTables.flips(d))
        m += MarkdownWriter.section(
            "Every workload", "Each workload's recommended plan.", FleetTables.workloadsHeader, FleetTables.workloads(d))
        m += MarkdownWriter.section(
            "Measurements",
            (["The model measurements the answers rest on."] + d.calibrationWarnings.map { "**Warning:** \($0)." }).joined(separator: " "),
            FleetTables.calibrationHeader, FleetTables.calibrations(d))
        m += MarkdownWriter.section(
            "Shards", "How the sweep ran (not part of the answer).", FleetTables.shardHeader, FleetTables.shards(shards))
        return m.joined(separator: "\n")
    }
}
