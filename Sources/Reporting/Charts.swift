import Advisor
import FPGAEmulation
import Foundation
import Simulation
import Targets

/// The report's charts: gnuplot settings and series from the report data.
enum Charts {
    /// Each target's colour in every chart (matplotlib's tab10, in declaration order).
    static func colour(_ target: TargetKind) -> String {
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
        return palette[TargetKind.allCases.firstIndex(of: target)! % palette.count]
    }

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

    static func points(_ target: TargetKind) -> String { "with linespoints lw 2 pt 7 lc rgb '\(colour(target))'" }

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
        let rates = d.curve.map(\.rps)
        charts.append(
            Chart(
                id: "p99-vs-load", title: "p99 latency against offered load",
                caption:
                    "p99 of each target's cheapest configuration meeting the SLO at each load (queueing analytics); the dashed line is the SLO.",
                settings: [
                    "set logscale x", "set logscale y", "set xlabel 'offered load (requests/s, log scale)'",
                    "set ylabel 'p99 latency (ms, log scale)'", "set grid", "set key outside right top",
                    "set xrange [\(rates.min() ?? 1):\(rates.max() ?? 10)]",
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
        if let aks = d.targets.first(where: { $0.target == .aks }), let t = aks.timeline {
            charts.append(
                Chart(
                    id: "aks-timeline", title: "AKS replicas and queue over time",
                    caption:
                        "Replicas (autoscaler) and requests waiting in azureml-fe, sampled every \(String(format: "%.0f", t.intervalSeconds)) s.",
                    settings: [
                        "set xlabel 'time (s)'", "set ylabel 'replicas'", "set y2label 'requests waiting'", "set ytics nomirror",
                        "set y2tics", "set grid", "set key outside right top", "set yrange [0:*]", "set y2range [0:*]",
                    ],
                    series: [
                        .init(
                            title: "replicas", rows: t.rows.enumerated().map { [Double($0.offset) * t.intervalSeconds, $0.element[0]] },
                            style: "with steps lw 2 lc rgb '\(colour(.aks))'"),
                        .init(
                            title: "queue", rows: t.rows.enumerated().map { [Double($0.offset) * t.intervalSeconds, $0.element[1]] },
                            using: "1:2 axes x1y2", style: "with lines lw 1 lc rgb '#555555'"),
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
