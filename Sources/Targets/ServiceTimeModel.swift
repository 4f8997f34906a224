import Foundation
import Inference
import Simulation

/// One execution step of the model as measured on this host.
package struct StepMeasurement: Sendable, Codable, Equatable {
    package var name: String
    /// FLOPs of the step for the whole batch (2 per multiply-add).
    package var flops: Double
    /// Bytes the step moves for the whole batch: activations in and out plus weights.
    package var bytes: Double
    /// Median wall time here with one thread and with every core, seconds.
    package var seconds1: Double
    package var secondsAll: Double
}

/// The model measured on this host, layer by layer, at one batch size: what every CPU
/// target's service time is scaled from. Cached on disk (see ``ServiceTimeModel/calibrate``).
package struct ModelCalibration: Sendable, Codable, Equatable {
    package var schemaVersion = 1
    package var model: String
    package var batch: Int
    package var host: HostCalibration
    package var steps: [StepMeasurement]
    /// Whole-inference wall times here, seconds, one thread and every core.
    package var samples1: [Double]
    package var samplesAll: [Double]
    package var toolVersion: String

    /// Median of the one-thread samples, seconds.
    package var median1: Double { samples1.sorted()[samples1.count / 2] }
    package var medianAll: Double { samplesAll.sorted()[samplesAll.count / 2] }

}

/// How a measured step was scaled to a target.
package struct ScaledStep: Sendable, Codable, Equatable {
    package var name: String
    package var bound: String
    /// Measured here with this tool's engine, one thread.
    package var hostMs: Double
    /// What the engine the target runs takes here: a production runtime takes the lesser of
    /// the measurement and this host's roofline (``ServiceTimeModel/Engine``).
    package var runtimeMs: Double
    package var targetMs: Double
}

/// The service time of one request on a target, with how it was derived.
package struct ServiceTime: Sendable, Codable, Equatable {
    /// Mean service time on the target, seconds.
    package var meanSeconds: Double
    /// Samples (seconds) whose empirical distribution the simulator draws from.
    package var samples: [Double]
    /// What was done to the host measurement, for reports.
    package var scaling: String
    package var steps: [ScaledStep]
    /// Under a CFS quota: the CPU work of each sample, and the container's share of a core
    /// (the simulator plays them through the container's budget); nil otherwise.
    package var cpuSeconds: [Double]?
    package var cpuShare: Double?

    package init(
        meanSeconds: Double, samples: [Double], scaling: String, steps: [ScaledStep], cpuSeconds: [Double]? = nil,
        cpuShare: Double? = nil
    ) {
        self.meanSeconds = meanSeconds
        self.samples = samples
        self.scaling = scaling
        self.steps = steps
        self.cpuSeconds = cpuSeconds
        self.cpuShare = cpuShare
    }
}

/// Scales the host measurement to a target's hardware.
///
/// Per step, a roofline decides what bounds it here: if `flops / hostGflops ≥ bytes /
/// hostBandwidth` the step is compute-bound and its one-core time scales by the ratio of
/// attainable GFLOP/s (host core / target core), otherwise by the ratio of memory
/// bandwidth. Only the one-thread measurement is used, so the answer does not depend on how
/// many cores this host has or how busy its other cores were.
///
/// Several cores: a replica runs one request at a time with an intra-op thread pool, as ONNX
/// Runtime does. A compute-bound step uses `min(c, ⌊MACs / 65,536⌋ + 1)` threads — MLAS's rule
/// (`MLAS_SGEMM_THREAD_COMPLEXITY` = 64 × 1024 multiplies per thread, onnxruntime
/// core/mlas/lib/mlasi.h and sgemm.cpp `MlasSgemmTryMultithread`) — and divides its one-core
/// time by that count; a memory-bound step gets the bandwidth of the cores it runs on
/// (``HardwareProfile/bandwidth(cores:)``). Small layers therefore stay serial and large ones
/// scale, from the layer's size alone.
///
/// Fewer than one core (a CPU limit such as ACI's `cpu_cores: 0.1`) is Linux CFS bandwidth
/// control: in every 100 ms period the container may run `share × 100 ms` of CPU *in total*,
/// across all its requests. The service time then carries the CPU work per request and the
/// share; the simulator plays the container's budget (``ServingSimulation/cpuShare``), and
/// the planner sees the fluid occupancy `cpu / share` (so at most `share` CPU-seconds per
/// second are served). Run-to-run variation here is kept: each host sample, relative to the
/// host median, scales the target's time.
package enum ServiceTimeModel {
    /// The engine that serves the model on the target.
    ///
    /// Azure ML's scoring servers and edge modules run a framework runtime (ONNX Runtime,
    /// PyTorch, TensorFlow), not this tool's engine, so a target's time must not inherit this
    /// engine's gap to them. ONNX Runtime's CPU kernels (MLAS) run each layer at about this
    /// host's roofline — its sgemm rate for compute-bound layers, its memory bandwidth for the
    /// others: measured here (2026-11-24, one thread, `Benchmarks/peers/onnxruntime_bench.py`,
    /// three runs) at 0.95–0.96 of the summed per-layer roofline for ResNet-50 batch 1 and
    /// 1.09–1.17 for MobileNetV2, while this engine took 1.33–1.79× ONNX Runtime's time (README,
    /// "How it decides"). So
    /// `.productionRuntime` takes a compute-bound step at the roofline here, and a memory-bound
    /// one at the lesser of its measurement and the roofline (a step this engine runs faster
    /// than the bandwidth allows, from cache, keeps its measurement). A compute-bound step this
    /// engine runs faster than the sgemm rate owes it to fewer multiplications (its Winograd
    /// 3×3 layers: 110–160 effective GFLOP/s against ~100 here), which the production runtime
    /// measured above does not show, so that gain must not reach the targets either.
    /// `.thisEngine` keeps the measurement (the `local` target of `validate`, which serves with
    /// this engine).
    package enum Engine: Sendable, Equatable {
        case productionRuntime
        case thisEngine
    }

    /// The CFS period, seconds (the Linux default `cpu.cfs_period_us` = 100000).
    package static let cfsPeriodSeconds = ServingSimulation.cfsPeriodSeconds

    /// Multiplies per thread before MLAS (ONNX Runtime's CPU kernels) uses another thread.
    package static let multipliesPerThread = 65_536.0

    /// Wall time of `cpuSeconds` of work alone in a container with a CFS quota of `share` cores
    /// (share < 1), starting at a period boundary.
    package static func throttled(_ cpuSeconds: Double, share: Double) -> Double {
        guard share < 1 else { return cpuSeconds }
        let quota = share * cfsPeriodSeconds
        let periods = (cpuSeconds / quota).rounded(.down)
        return periods * cfsPeriodSeconds + (cpuSeconds - periods * quota)
    }

    /// Intra-op threads a step of `flops` (2 per multiply-add) uses on `cores` cores.
    package static func threads(flops: Double, cores: Double) -> Double {
        min(max(1, cores), (flops / 2 / multipliesPerThread).rounded(.down) + 1)
    }

    /// The service time of `calibration`'s model on `profile` with `cores` cores (fractional allowed).
    ///
    /// - Parameter extraSeconds: fixed per-request work added (e.g. logging).
    package static func scale(
        _ calibration: ModelCalibration, to profile: HardwareProfile, cores: Double, extraSeconds: Double = 0,
        engine: Engine = .productionRuntime
    ) -> ServiceTime {
        let host = calibration.host
        let hostBandwidth = host.memoryGBps * 1e9
        let hostFlops = host.sgemmGflops1 * 1e9
        let targetFlops = profile.perCoreGflops * 1e9
        let targetBandwidth = profile.bandwidth(cores: 1) * 1e9
        let usable = min(max(cores, 0), profile.cores)
        let parallel = max(1, usable)
        var scaled: [ScaledStep] = []
        var oneCore = 0.0
        var multiCore = 0.0
        var hostTotal = 0.0
        var runtimeTotal = 0.0
        for s in calibration.steps {
            let computeBound = s.flops / hostFlops >= s.bytes / hostBandwidth
            let factor = computeBound ? hostFlops / targetFlops : hostBandwidth / targetBandwidth
            let roofline = max(s.flops / hostFlops, s.bytes / hostBandwidth)
            let runtime = engine == .productionRuntime ? (computeBound ? roofline : min(s.seconds1, roofline)) : s.seconds1
            runtimeTotal += runtime
            let t = runtime * factor
            let divisor =
                computeBound ? threads(flops: s.flops, cores: parallel) : profile.bandwidth(cores: parallel) / profile.bandwidth(cores: 1)
            oneCore += t
            multiCore += t / divisor
            hostTotal += s.seconds1
            scaled.append(
                ScaledStep(
                    name: s.name, bound: computeBound ? "compute" : "memory", hostMs: s.seconds1 * 1e3, runtimeMs: runtime * 1e3,
                    targetMs: t / divisor * 1e3))
        }
        // The steps' sum can differ slightly from a whole run (timer overhead): scale to the whole-run median.
        let wholeFactor = hostTotal > 0 ? calibration.median1 / hostTotal : 1
        oneCore *= wholeFactor
        multiCore *= wholeFactor
        let cpuSeconds = multiCore + extraSeconds
        let median = calibration.median1
        let cpuSamples = calibration.samples1.map { cpuSeconds * $0 / median }
        var text = String(format: "host %.2f ms (1 thread, %@)", median * 1e3, host.cpuModel)
        if engine == .productionRuntime {
            text += String(format: "; a production runtime at this host's per-layer roofline: %.2f ms", runtimeTotal * wholeFactor * 1e3)
        }
        text += String(
            format: "; per-layer roofline to %@ (%.1f GFLOP/s, %.1f GB/s per core): %.2f ms on one core", profile.id,
            profile.perCoreGflops, profile.bandwidth(cores: 1), oneCore * 1e3)
        if usable > 1 {
            text += String(
                format: "; %.2g cores, layers split as MLAS splits GEMMs (64K multiplies per thread): %.2f ms", usable, multiCore * 1e3)
        }
        if extraSeconds > 0 { text += String(format: "; +%.2f ms per-request overhead", extraSeconds * 1e3) }
        guard usable < 1, usable > 0 else {
            let mean = cpuSamples.reduce(0, +) / Double(cpuSamples.count)
            return ServiceTime(meanSeconds: mean, samples: cpuSamples, scaling: text, steps: scaled)
        }
        let occupancy = cpuSamples.map { $0 / usable }
        let mean = occupancy.reduce(0, +) / Double(occupancy.count)
        text += String(
            format:
                "; CFS quota %.2g core (%.0f ms of CPU per 100 ms for the whole container): at most %.3g requests/s, a lone request %.1f ms",
            usable, usable * 100, 1 / mean, throttled(cpuSeconds, share: usable) * 1e3)
        return ServiceTime(meanSeconds: mean, samples: occupancy, scaling: text, steps: scaled, cpuSeconds: cpuSamples, cpuShare: usable)
    }

    /// Measures `graph` here (or loads the cached measurement).
    ///
    /// - Parameters:
    ///   - graph: the model with weights.
    ///   - modelKey: identifies the model in the cache (zoo spec, or file path and content hash).
    ///   - iterations: timed runs per thread count (after 2 warm-up runs).
    ///   - cacheDirectory: where measurements are kept; nil disables the cache.
    package static func calibrate(
        _ graph: ModelGraph, modelKey: String, batch: Int, iterations: Int = 10, cacheDirectory: String?,
        toolVersion: String, host: HostCalibration? = nil
    ) throws -> ModelCalibration {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let file = cacheDirectory.map {
            cacheFile(modelKey: modelKey, batch: batch, iterations: iterations, cacheDirectory: $0, toolVersion: toolVersion)
        }
        if let file, let data = FileManager.default.contents(atPath: file),
            let cached = try? JSONDecoder().decode(ModelCalibration.self, from: data), cached.model == modelKey, cached.batch == batch
        {
            return cached
        }
        let hostCalibration = host ?? HostCalibration.measure()
        let profile = try graph.profile()
        var samples: [Int: [Double]] = [:]
        var stepTimes: [Int: [[Double]]] = [:]
        var names: [String] = []
        var nodes: [[Int]] = []
        var quality = MeasurementQuality(cpuShare: 0, spread: .infinity)
        for threads in [1, cores] where samples[threads] == nil {
            let executor = try CPUExecutor(graph: graph, batch: batch, threads: threads)
            names = executor.stepNames
            nodes = executor.stepNodes
            let times = UnsafeMutablePointer<Double>.allocate(capacity: executor.stepNames.count)
            defer { times.deallocate() }
            // The one-thread run is what every target is scaled from: repeat it (up to three
            // rounds) until the host was quiet, and keep the quietest round.
            for _ in 0..<(threads == 1 ? MeasurementQuality.rounds : 1) {
                var whole: [Double] = []
                var perStep: [[Double]] = Array(repeating: [], count: executor.stepNames.count)
                let cpu0 = MeasurementQuality.processCPUSeconds()
                let wall0 = DispatchTime.now().uptimeNanoseconds
                executor.timedRuns(warmup: 2, seed: 3, stepTimes: times) { seconds in
                    whole.append(seconds)
                    for k in 0..<executor.stepNames.count { perStep[k].append(times[k]) }
                    return whole.count < max(3, iterations)
                }
                guard threads == 1 else {
                    samples[threads] = whole
                    stepTimes[threads] = perStep
                    break
                }
                let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0) * 1e-9
                let round = MeasurementQuality(
                    cpuShare: (MeasurementQuality.processCPUSeconds() - cpu0) / max(wall, 1e-9), spread: MeasurementQuality.spread(whole))
                if samples[1] == nil || round.isBetter(than: quality) {
                    samples[1] = whole
                    stepTimes[1] = perStep
                    quality = round
                }
                if quality.isQuiet { break }
            }
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let shapes = try graph.inferShapes()
        var steps: [StepMeasurement] = []
        for (k, name) in names.enumerated() {
            steps.append(
                StepMeasurement(
                    name: name, flops: stepFlops(profile: profile, nodes: nodes[k], batch: batch),
                    bytes: stepBytes(graph, shapes: shapes, profile: profile, nodes: nodes[k], batch: batch),
                    seconds1: median(stepTimes[1]![k]),
                    secondsAll: median(stepTimes[cores]![k])))
        }
        BLAS.setThreads(cores)
        let calibration = ModelCalibration(
            model: modelKey, batch: batch, host: hostCalibration, steps: steps, samples1: samples[1]!,
            samplesAll: samples[cores]!, toolVersion: toolVersion)
        guard quality.isQuiet else {
            // A busy host's numbers answer this run only; they never become the cached truth.
            FileHandle.standardError.write(Data((quality.warning(model: modelKey) + "\n").utf8))
            return calibration
        }
        if let file, let dir = cacheDirectory {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(calibration) {
                try? data.write(to: URL(fileURLWithPath: file), options: .atomic)
            }
        }
        return calibration
    }

    /// FLOPs of a fused step for the whole batch (2 per multiply-add of its nodes).
    static func stepFlops(profile: ModelProfile, nodes: [Int], batch: Int) -> Double {
        nodes.reduce(0.0) { $0 + Double(profile.layers[$1].macs * 2 * batch) }
    }

    /// Bytes a fused step moves: the values it reads from outside the step, the value it
    /// produces, and its nodes' weights. The nodes fused into one step (a convolution with its
    /// batch-norm, activation and residual add) hand their intermediate values over in
    /// registers, so counting each node's inputs and output would inflate a step's traffic
    /// several times and misclassify compute-bound convolutions as memory-bound.
    static func stepBytes(_ graph: ModelGraph, shapes: [[Int]], profile: ModelProfile, nodes: [Int], batch: Int) -> Double {
        guard let last = nodes.max() else { return 0 }
        let produced = Set(nodes.map { $0 + 1 })
        var external = Set<Int>()
        var weights = 0
        for n in nodes {
            weights += profile.layers[n].weightBytes
            for v in graph.nodes[n].inputs where !produced.contains(v) { external.insert(v) }
        }
        let elements = external.reduce(0) { $0 + shapes[$1].reduce(1, *) } + shapes[last + 1].reduce(1, *)
        return Double(elements * 4 * batch + weights)
    }

    /// The default cache directory: `$DEPLOY_ADVISOR_CACHE`, else `$XDG_CACHE_HOME/deploy-advisor`,
    /// else `~/.cache/deploy-advisor`.
    package static var defaultCacheDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let d = env["DEPLOY_ADVISOR_CACHE"], !d.isEmpty { return d }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return x + "/deploy-advisor" }
        return NSHomeDirectory() + "/.cache/deploy-advisor"
    }

    /// The cache file of a calibration: keyed by model, batch, iterations, this host (CPU model,
    /// cores, OpenBLAS build), the tool version and the engine's revision (a changed kernel
    /// measures again instead of reusing a measurement of the old one).
    static func cacheFile(modelKey: String, batch: Int, iterations: Int, cacheDirectory: String, toolVersion: String) -> String {
        let identity = "\(HostCalibration.cpuModelName())|\(ProcessInfo.processInfo.activeProcessorCount)|\(BLAS.configuration)"
        let key = "v2|\(modelKey)|\(batch)|\(iterations)|\(identity)|\(toolVersion)|engine \(CPUExecutor.engineRevision)"
        return cacheDirectory + "/calibration-" + fnv(key) + ".json"
    }

    package static func fnv(_ s: String) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return String(h, radix: 16)
    }
}

/// How trustworthy a one-thread measurement round was: the share of the wall time the process
/// actually ran (another process on our core lowers it) and the samples' relative spread.
package struct MeasurementQuality: Sendable, Equatable {
    /// CPU seconds of this process per wall second over the round (≈ 1 for one thread on a quiet host).
    package var cpuShare: Double
    /// Interquartile range over the median of the round's whole-run times.
    package var spread: Double

    /// Rounds tried before a measurement is accepted as it is.
    package static let rounds = 3
    /// A quiet round ran at least 90% of the wall time…
    package static let minCPUShare = 0.9
    /// …and its middle half of samples lies within 10% of the median (the tolerance `bench` allows its window medians).
    package static let maxSpread = 0.10

    package var isQuiet: Bool { cpuShare >= Self.minCPUShare && spread <= Self.maxSpread }

    func isBetter(than other: MeasurementQuality) -> Bool {
        if isQuiet != other.isQuiet { return isQuiet }
        return (cpuShare, -spread) > (other.cpuShare, -other.spread)
    }

    package static func spread(_ v: [Double]) -> Double {
        let s = v.sorted()
        guard s.count >= 3 else { return .infinity }
        let q1 = s[s.count / 4]
        let q3 = s[(3 * s.count) / 4]
        return (q3 - q1) / s[s.count / 2]
    }

    /// User + system CPU time of this process, seconds.
    package static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    func warning(model: String) -> String {
        String(
            format:
                "warning: the host was busy while measuring %@ (the process ran %.0f%% of the wall time, samples spread %.0f%%; quiet is ≥ %.0f%% and ≤ %.0f%%) after %d rounds; this answer uses the measurement, which is not cached — rerun on an idle host for a stable answer",
            model, 100 * cpuShare, 100 * spread, 100 * Self.minCPUShare, 100 * Self.maxSpread, Self.rounds)
    }
}

extension ModelCalibration {
    /// A calibration estimated from the model's profile alone, for quick answers without
    /// running the model: each layer takes `max(FLOPs / 50 GFLOP/s, bytes / 10 GB/s)` on a
    /// nominal two-core host with parallel efficiency 0.8, no run-to-run variation.
    package static func estimated(_ profile: ModelProfile, batch: Int) -> ModelCalibration {
        let host = HostCalibration(
            cpuModel: "nominal (estimated from the profile)", cores: 2, openblas: "none", sgemmGflops1: 50, sgemmGflopsAll: 90,
            memoryGBps: 10)
        var steps: [StepMeasurement] = []
        var total = 0.0
        for l in profile.layers {
            let flops = Double(l.macs * 2 * batch)
            let bytes = Double(l.activationTrafficBytes * batch + l.weightBytes)
            let t = max(flops / 50e9, bytes / 10e9)
            total += t
            steps.append(StepMeasurement(name: l.name, flops: flops, bytes: bytes, seconds1: t, secondsAll: t / 1.8))
        }
        return ModelCalibration(
            model: profile.model, batch: batch, host: host, steps: steps, samples1: Array(repeating: total, count: 5),
            samplesAll: Array(repeating: total / 1.8, count: 5), toolVersion: "estimate")
    }

    /// The cached calibration for this model and batch on this host, if one exists.
    package static func cached(modelKey: String, batch: Int, iterations: Int = 10, cacheDirectory: String, toolVersion: String)
        -> ModelCalibration?
    {
        let file = ServiceTimeModel.cacheFile(
            modelKey: modelKey, batch: batch, iterations: iterations, cacheDirectory: cacheDirectory, toolVersion: toolVersion)
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return try? JSONDecoder().decode(ModelCalibration.self, from: data)
    }
}
