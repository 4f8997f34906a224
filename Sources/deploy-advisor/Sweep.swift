import Advisor
import ArgumentParser
import Foundation
import Reporting
import Targets

extension DeployAdvisor {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan a fleet of workloads (FLEET.yaml), or one shard of it: one results.json per workload and a shard manifest.",
            discussion: """
                A shard is a deterministic, cost-balanced part of the fleet: run `--shard i/n` for i = 0 … n−1 anywhere (a \
                Kubernetes Indexed Job sets JOB_COMPLETION_INDEX; set DEPLOY_ADVISOR_SHARD_COUNT to its completions), then \
                `deploy-advisor merge` the folders. Rerunning a shard keeps the workloads already answered with the same inputs. \
                Exit 1 when a workload failed (named in the manifest; the others are written).
                """)

        @Argument(help: "The fleet file (YAML or JSON): workloads (paths or inline), defaults, weights, config, grid.")
        var fleet: String

        @Option(help: "The output folder (created if needed): workloads/<name>/results.json and shard-<i>-of-<n>.json.")
        var out: String?

        @Flag(
            help:
                "Only measure each model of the shard (and its FPGA formats' accuracy) into the calibration cache; exit 1 if a measurement could not be cached (busy host). Run once before the shards so they all read the same measurements."
        )
        var calibrateOnly = false

        @Option(help: "This run's shard, i/n with i from 0 (default: JOB_COMPLETION_INDEX and DEPLOY_ADVISOR_SHARD_COUNT, else 0/1).")
        var shard: String?

        @Flag(help: "Answer from the models' profiles and queueing analytics only (no measurement, no simulation).")
        var quick = false

        @Option(help: "A pricing file (YAML) overriding the default prices.")
        var pricing: String?

        @Flag(help: "Print the shards' assignment and estimated seconds, and exit without planning.")
        var dryRun = false

        @Flag(
            help:
                "The models are measured already (a `sweep --calibrate-only` filled the cache): balance the shards by planning work alone. Give it to every shard or none."
        )
        var cachedCalibrations = false

        @OptionGroup var cache: CacheOptions
        @OptionGroup var output: FormatOption

        /// `--dry-run --format json`: each shard's members and estimated seconds.
        struct Split: Encodable {
            var shard: Int
            var shards: Int
            var estimatedSeconds: Double
            var workloads: [String]
        }

        func run() throws {
            if calibrateOnly && quick { throw ValidationError("--calibrate-only measures the models; --quick does not use measurements") }
            let spec = try shard.map { try ShardSpec(parsing: $0) } ?? ShardSpec.fromEnvironment()
            let prices = try pricing.map { path -> Data in
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ValidationError("--pricing '\(path)': cannot read the file")
                }
                return data
            }
            let loaded = try Fleet.load(path: fleet, quick: quick, prices: prices)
            let fleet = cachedCalibrations ? loaded.assumingMeasured() : loaded
            if calibrateOnly {
                let sweep = FleetSweep(fleet: fleet, shard: spec, out: out ?? "", cacheDirectory: cache.cacheDirectory)
                let measured = try sweep.calibrate { warn($0) }
                if output.format == .json {
                    struct Measured: Encodable {
                        var calibration: CalibrationSummary
                        var cached: Bool
                    }
                    try printJSON(measured.map { Measured(calibration: $0.summary, cached: $0.cached) })
                } else {
                    for m in measured {
                        print(
                            String(
                                format: "%@ batch %d: median %.3f ms (1 thread) on %@, %@", m.summary.modelKey, m.summary.batch,
                                m.summary.medianMs,
                                m.summary.cpuModel, m.cached ? "cached" : "NOT cached (the host was busy)"))
                    }
                }
                if measured.contains(where: { !$0.cached }) { throw ExitCode(1) }
                return
            }
            if dryRun {
                let shardOf = fleet.assignment(shards: spec.count)
                let load = fleet.estimatedLoad(shards: spec.count)
                if output.format == .json {
                    try printJSON(
                        (0..<spec.count).map { s in
                            Split(
                                shard: s, shards: spec.count, estimatedSeconds: load[s],
                                workloads: fleet.members.indices.filter { shardOf[$0] == s }.map { fleet.members[$0].name })
                        })
                    return
                }
                for s in 0..<spec.count {
                    let names = fleet.members.indices.filter { shardOf[$0] == s }.map { fleet.members[$0].name }
                    print(
                        String(
                            format: "shard %d/%d: %d workloads, estimated %.1f s: %@", s, spec.count, names.count, load[s],
                            names.joined(separator: ", ")))
                }
                return
            }
            guard let out, !out.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--out must name a folder") }
            var sweep = FleetSweep(fleet: fleet, shard: spec, out: out, cacheDirectory: cache.cacheDirectory)
            if let pricing { sweep.pricing = try Pricing.load(path: pricing) }
            let manifest: ShardManifest
            do {
                manifest = try sweep.run { warn($0) }
            } catch let error as CocoaError {
                throw EnvironmentFailure("\(out): cannot write the sweep's results (\(error.localizedDescription))")
            }
            let failed = manifest.workloads.filter { $0.status == .failed }
            let computed = manifest.workloads.filter { $0.status == .computed }.count
            if output.format == .json {
                try printJSON(manifest)
            } else {
                print(
                    String(
                        format:
                            "shard %d/%d of fleet %@: %d workloads (%d planned, %d kept from an earlier run, %d failed) in %.1f s (estimated %.1f s); wrote %@/%@",
                        spec.index, spec.count, fleet.name, manifest.workloads.count, computed,
                        manifest.workloads.count - computed - failed.count,
                        failed.count, manifest.wallSeconds, manifest.estimatedSeconds, out, spec.manifestName))
            }
            if !failed.isEmpty {
                for f in failed { warn("failed: \(f.name): \(f.error ?? "")") }
                throw ExitCode(1)
            }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine the shard folders of a fleet sweep into one fleet report (HTML, Markdown, fleet.json, CSV).",
            discussion:
                "Checks that the shards cover the fleet exactly once, from the same inputs and tool version; names what is missing or duplicated."
        )

        @Argument(help: "The sweep output folders (each holds one or more shard-<i>-of-<n>.json).")
        var folders: [String]

        @Option(help: "The fleet report folder (written atomically as a set).")
        var out: String

        @OptionGroup var output: FormatOption

        func run() throws {
            guard !folders.isEmpty else { throw ValidationError("give the shard folders to merge") }
            let (data, shards) = try FleetMerge.load(folders)
            let outcome: ReportWriter.Outcome
            do {
                outcome = try FleetReportWriter.write(data, shards: shards, to: out)
            } catch let error as CocoaError {
                throw EnvironmentFailure("\(out): cannot write the fleet report (\(error.localizedDescription)); nothing was changed there")
            }
            if let w = outcome.plotWarning { warn("warning: \(w)") }
            for w in data.calibrationWarnings { warn("warning: \(w)") }
            if output.format == .json {
                try printJSON(data)  // fleet.json
                return
            }
            print(FleetTables.headline(data))
            print("wrote \(out)/index.html (+ \(outcome.files.filter { $0 != "index.html" }.joined(separator: ", ")))")
        }
    }
}
