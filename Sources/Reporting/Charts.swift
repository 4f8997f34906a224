import Advisor
import FPGAEmulation
import Foundation
import Simulation
import Targets

/// The report's charts: gnuplot settings and series from the report data.
enum Charts {
    /// Each target's colour in every chart: Okabe & Ito's palette, distinguishable with the
    /// common colour-vision deficiencies (jfly.uni-koeln.de/color), in declaration order; lines
    /// also differ by point shape, so no chart relies on colour alone.
    static func colour(_ target: TargetKind) -> String {
        let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]
        return palette[TargetKind.allCases.firstIndex(of: target)! % palette.count]
    }

    /// Each target's gnuplot point type (circle, square, triangle, diamond, …).
    static func pointType(_ target: TargetKind) -> Int { [7, 5, 9, 13, 11, 15][TargetKind.allCases.firstIndex(of: target)! % 6] }

    struct Chart {
        var id: String
        var title: String
        var caption: String
        var settings: [String]
        var series: [GnuplotRenderer.Series]
    }

    static func line(_ target: TargetKind, width: Int = 2) -> String {
        "with lines lw \(width) lc rgb '\(colour(target))'"
    }

    static func points(_ target: TargetKind) -> String {
        "with linespoints lw 2 pt \(pointType(target)) lc rgb '\(colour(target))'"
    }

    /// Room above the highest point so a reference line at the top is not drawn on the frame.
    static let headroom = "set offsets graph 0, graph 0, graph 0.1, graph 0.02"

    static func all(_ d: ReportData) -> [Chart] {
        let slo = d.workload.effectiveP99Ms ?? 100
        var charts: [Chart] = []
        charts.append(
            Chart(
                id: "latency-cdf", title: "Latency distribution per target",
                caption:
                    "Cumulative fraction of requests completed within a latency (log scale), simulated under the workload's traffic"
                    + (d.targets.contains { $0.backlogGrows }
                        ? "; left out: \(d.targets.filter(\.backlogGrows).map(\.target.rawValue).joined(separator: ", ")), whose backlog grows without bound (their latencies grow with the run's length)."
                        : "."),
                settings: [
                    "set logscale x", "set xlabel 'latency (ms, log scale)'", "set ylabel 'fraction of requests'", "set yrange [0:1.02]",
                    "set grid", "set key outside right top",
                    "set arrow from \(slo), graph 0 to \(slo), graph 1 nohead dt 2 lc rgb '#666666'",
                    "set label 'SLO' at \(slo), graph 1.03 center",
                ],
                series: d.targets.filter { !$0.cdf.isEmpty && !$0.backlogGrows }.map {
                    .init(title: $0.target.rawValue, rows: $0.cdf.filter { $0[0] > 0 }, style: line($0.target))
                }))
        if let c = d.loadCurve {
            // A point whose p99 is not a number is past saturation: none of its figures is drawn.
            let shown = c.points.filter { $0.p99Ms != nil }
            let top = max(c.sloMs, shown.compactMap(\.p99Ms).max() ?? c.sloMs) * 1.15
            let xs = c.points.map(\.rps)
            let spread = c.peakP99MsBySeed.compactMap { $0 }
            charts.append(
                Chart(
                    id: "latency-vs-load", title: "\(c.target.rawValue): latency against offered load",
                    caption:
                        "The recommended plan (\(c.summary)) simulated at a steady load up to saturation: p50 and p99; the dashed line is the SLO, the dotted line the workload's peak; the bar at the peak spans the p99 over \(c.seeds.count) seeds. Points past saturation are left out (the latency is not a number there).",
                    settings: [
                        "set xlabel 'offered load (requests/s)'", "set ylabel 'latency (ms)'", "set grid", "set mxtics 2",
                        "set key outside right top", "set yrange [0:\(top)]", "set xrange [0:\((xs.max() ?? 10) * 1.02)]",
                        "set arrow from \(c.peakRps), graph 0 to \(c.peakRps), graph 1 nohead dt 3 lc rgb '#333333'",
                        "set label 'peak' at \(c.peakRps), graph 1.03 center",
                    ],
                    series: [
                        .init(
                            title: "p50", rows: shown.compactMap { p in p.p50Ms.map { [p.rps, $0] } },
                            style: "with linespoints lw 2 dt 4 pt 6 ps 0.8 lc rgb '#0072B2'"),
                        .init(
                            title: "p99", rows: shown.compactMap { p in p.p99Ms.map { [p.rps, $0] } },
                            style: "with linespoints lw 2 pt 7 ps 0.8 lc rgb '#D55E00'"),
                        .init(title: "SLO", rows: xs.map { [$0, c.sloMs] }, style: "with lines dt 2 lw 1 lc rgb '#333333'"),
                        .init(
                            title: "p99 over seeds",
                            rows: spread.isEmpty
                                ? [] : [[c.peakRps, spread.reduce(0, +) / Double(spread.count), spread.min()!, spread.max()!]],
                            using: "1:2:3:4", style: "with yerrorbars lw 2 pt 0 lc rgb '#000000'"),
                    ]))
        }
        let measuredTargets = d.targets.filter { $0.latencyBreakdownMs != nil && !$0.backlogGrows }
        let ticks =
            "set xtics (" + d.targets.enumerated().map { "'\($0.element.target.rawValue)' \($0.offset)" }.joined(separator: ", ") + ")"
        func stacked(_ layers: [(String, String, (TargetResult) -> Double)], of targets: [TargetResult]) -> [GnuplotRenderer.Series] {
            // Drawn tallest first, each bar's top the sum of its layer and those under it.
            layers.indices.reversed().map { k in
                .init(
                    title: layers[k].0,
                    rows: targets.map { r in
                        [Double(d.targets.firstIndex { $0.target == r.target }!), layers[0...k].reduce(0) { $0 + $1.2(r) }]
                    }, style: "with boxes fs solid 0.85 border lc rgb '#333333' lc rgb '\(layers[k].1)'")
            }
        }
        charts.append(
            Chart(
                id: "latency-breakdown", title: "Where the time goes, per target",
                caption:
                    "Mean latency of completed requests by part: network (round trip and payload), waiting for a replica, and the service itself, under the workload's traffic. Targets whose backlog grows without bound are left out.",
                settings: [
                    "set ylabel 'mean latency (ms)'", "set boxwidth 0.6", "set grid ytics", "set key outside right top", "set yrange [0:*]",
                    "set xrange [-0.6:\(Double(d.targets.count) - 0.4)]", ticks, headroom,
                ],
                series: stacked(
                    [
                        ("network", "#56B4E9", { $0.latencyBreakdownMs?.network ?? 0 }),
                        ("queue", "#E69F00", { $0.latencyBreakdownMs?.queue ?? 0 }),
                        ("service", "#0072B2", { $0.latencyBreakdownMs?.service ?? 0 }),
                    ], of: measuredTargets)))
        let deployed = d.targets.filter(\.deployable)
        func share(_ count: Int, _ r: TargetResult) -> Double {
            let offered = r.offeredRps * d.workload.load.durationSeconds
            return offered > 0 ? 100 * Double(count) / offered : 0
        }
        charts.append(
            Chart(
                id: "errors", title: "Requests not served, by cause",
                caption:
                    "Share of the offered requests turned away (HTTP 503: queue full or waited too long), timed out, or sent while the link was down, under the workload's traffic.",
                settings: [
                    "set ylabel 'share of requests (%)'", "set boxwidth 0.6", "set grid ytics", "set key outside right top",
                    "set yrange [0:*]", "set xrange [-0.6:\(Double(d.targets.count) - 0.4)]", ticks, headroom,
                ],
                series: stacked(
                    [
                        ("503 rejected", "#D55E00", { share($0.errors.rejected, $0) }),
                        ("timed out", "#CC79A7", { share($0.errors.timeouts, $0) }),
                        ("offline", "#999999", { share($0.errors.offline, $0) }),
                    ], of: deployed)))
        let rates = d.curve.map(\.rps)
        charts.append(
            Chart(
                id: "p99-vs-load", title: "p99 latency against offered load",
                caption:
                    "p99 of each target's cheapest configuration meeting the SLO at each load (queueing analytics); the dashed line is the SLO.",
                settings: [
                    "set logscale x", "set logscale y", "set xlabel 'offered load (requests/s, log scale)'",
                    "set ylabel 'p99 latency (ms, log scale)'", "set grid", "set key outside right top",
                    "set xrange [\(rates.min() ?? 1):\(rates.max() ?? 10)]", "set yrange [*:\(slo * 1.6)]",
                ],
                series: TargetKind.allCases.map { t -> GnuplotRenderer.Series in
                    .init(title: t.rawValue, rows: d.curve.compactMap { c in c.p99ByTarget[t].map { [c.rps, $0] } }, style: points(t))
                } + [.init(title: "SLO", rows: rates.map { [$0, slo] }, style: "with lines dt 2 lw 1 lc rgb '#666666'")]))
        charts.append(
            Chart(
                id: "cost-vs-load", title: "Cost per million inferences against load",
                caption: "Monthly cost of each target's cheapest SLO-meeting configuration divided by the inferences it serves in a month.",
                settings: [
                    "set logscale x", "set logscale y", "set xlabel 'offered load (requests/s, log scale)'",
                    "set ylabel 'USD per million inferences (log scale)'", "set grid", "set key outside right top",
                ],
                series: TargetKind.allCases.map { t -> GnuplotRenderer.Series in
                    .init(
                        title: t.rawValue,
                        rows: d.curve.compactMap { c in
                            c.costByTarget[t].map { [c.rps, $0 / (c.rps * 3600 * Pricing.hoursPerMonth) * 1e6] }
                        },
                        style: points(t))
                }))
        if let r = d.recommendation.recommendation, let scaled = d.targets.first(where: { $0.target == r }), let t = scaled.timeline,
            scaled.replicas.max > scaled.replicas.min
        {
            func column(_ k: Int) -> [[Double]] { t.rows.enumerated().map { [Double($0.offset) * t.intervalSeconds, $0.element[k]] } }
            charts.append(
                Chart(
                    id: "scaling-timeline", title: "\(r.rawValue): replicas and load over time",
                    caption:
                        "The recommended target's replicas (its autoscaler), the requests offered and served per second, sampled every \(String(format: "%.0f", t.intervalSeconds)) s under the workload's traffic.",
                    settings: [
                        "set xlabel 'time (s)'", "set ylabel 'replicas'", "set y2label 'requests per second'", "set ytics nomirror",
                        "set y2tics", "set grid", "set key outside right top", "set yrange [0:*]", "set y2range [0:*]",
                    ],
                    series: [
                        .init(title: "replicas", rows: column(0), style: "with steps lw 2 lc rgb '\(colour(r))'"),
                        .init(title: "offered/s", rows: column(6), using: "1:2 axes x1y2", style: "with lines lw 1 lc rgb '#555555'"),
                        .init(
                            title: "served/s", rows: column(5), using: "1:2 axes x1y2", style: "with lines lw 1 dt 2 lc rgb '#E69F00'"),
                    ]))
        }
        if let r = d.recommendation.recommendation, let run = d.targets.first(where: { $0.target == r }),
            run.percentilesOverTime.contains(where: { $0.p99Ms != nil }), !run.backlogGrows
        {
            let slo = d.workload.effectiveP99Ms ?? 100
            let times = run.percentilesOverTime.map(\.timeSeconds)
            charts.append(
                Chart(
                    id: "percentiles-over-time", title: "\(r.rawValue): latency over time",
                    caption:
                        "p50 and p99 of the requests the recommended plan completed in each interval of the workload's run; the dashed line is the SLO. Intervals with no completed request are left out.",
                    settings: [
                        "set xlabel 'time (s)'", "set ylabel 'latency (ms)'", "set grid", "set key outside right top", "set yrange [0:*]",
                        "set xrange [0:\(times.max() ?? 1)]", headroom,
                    ],
                    series: [
                        .init(
                            title: "p50", rows: run.percentilesOverTime.compactMap { p in p.p50Ms.map { [p.timeSeconds, $0] } },
                            style: "with lines lw 2 dt 4 lc rgb '#0072B2'"),
                        .init(
                            title: "p99", rows: run.percentilesOverTime.compactMap { p in p.p99Ms.map { [p.timeSeconds, $0] } },
                            style: "with lines lw 2 lc rgb '#D55E00'"),
                        .init(
                            title: "SLO", rows: [times.min() ?? 0, times.max() ?? 1].map { [$0, slo] },
                            style: "with lines dt 2 lw 1 lc rgb '#333333'"),
                    ]))
        }
        if let edge = d.targets.first(where: { $0.target == .iotEdge }), let t = edge.timeline {
            charts.append(
                Chart(
                    id: "edge-timeline", title: "Edge connectivity and store-and-forward backlog",
                    caption:
                        "Whether the device's link is up, and results waiting on the device to be forwarded (dropped after timeToLiveSecs).",
                    settings: [
                        "set xlabel 'time (s)'", "set ylabel 'link up (1) / down (0)'", "set y2label 'messages stored'",
                        "set ytics nomirror", "set y2tics", "set yrange [-0.05:1.2]", "set y2range [0:*]", "set grid",
                        "set key outside right top",
                    ],
                    series: [
                        .init(
                            title: "link up", rows: t.rows.enumerated().map { [Double($0.offset) * t.intervalSeconds, $0.element[4]] },
                            style: "with steps lw 2 lc rgb '\(colour(.iotEdge))'"),
                        .init(
                            title: "backlog", rows: t.rows.enumerated().map { [Double($0.offset) * t.intervalSeconds, $0.element[3]] },
                            using: "1:2 axes x1y2", style: "with lines lw 1 lc rgb '#555555'"),
                    ]))
        }
        let mvu = d.fpga.estimate.layers.filter { $0.unit.rawValue == "mvu" }
        charts.append(
            Chart(
                id: "fpga-layers", title: "FPGA per-layer cycles (\(d.fpga.preset.name))",
                caption:
                    "NPU cycles of each matrix layer from the cycle model (tile engines × native dimension × lanes), in execution order.",
                settings: [
                    "set xlabel 'matrix layer (execution order)'", "set ylabel 'cycles'", "set style fill solid 0.8", "set boxwidth 0.8",
                    "set grid ytics", "set key off", "set yrange [0:*]",
                ],
                series: [
                    .init(
                        title: "cycles", rows: mvu.enumerated().map { [Double($0.offset), Double($0.element.cycles)] },
                        style: "with boxes lc rgb '\(colour(.fpga))'")
                ]))
        let acc = d.fpga.accuracy
        charts.append(
            Chart(
                id: "fpga-accuracy", title: "FPGA accuracy by number format",
                caption:
                    "Signal-to-quantization-noise ratio of the model's outputs emulated in each format against float32 (higher is better).",
                settings: [
                    "set ylabel 'SQNR (dB)'", "set style fill solid 0.8", "set boxwidth 0.6", "set grid ytics", "set key off",
                    "set yrange [0:*]",
                    "set xtics (" + acc.enumerated().map { "'\($0.element.format)' \($0.offset)" }.joined(separator: ", ")
                        + ") rotate by -30",
                ],
                series: [
                    .init(
                        title: "SQNR",
                        rows: acc.enumerated().map { [Double($0.offset), $0.element.sqnrDB.isFinite ? max(0, $0.element.sqnrDB) : 0] },
                        style: "with boxes lc rgb '\(colour(.fpga))'")
                ]))
        return charts
    }
}
