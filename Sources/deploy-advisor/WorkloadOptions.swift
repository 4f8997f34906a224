import Advisor
import ArgumentParser
import Foundation
import Inference
import Targets

extension LoadPattern: ExpressibleByArgument {}
extension DeploymentEnvironment: ExpressibleByArgument {}
extension Connectivity: ExpressibleByArgument {}
extension PrivacyRequirement: ExpressibleByArgument {}
extension RequestSource: ExpressibleByArgument {}

/// `--target`: one target or all of them (every ``TargetKind`` plus `all`; a test checks the
/// two lists agree).
enum TargetChoice: String, ExpressibleByArgument, CaseIterable {
    case aci
    case aks
    case managed
    case iotEdge = "iot-edge"
    case fpga
    case all

    var kinds: [TargetKind] { self == .all ? TargetKind.allCases : [TargetKind(rawValue: rawValue)!] }
}

/// The workload: an optional file plus flags that override its keys.
struct WorkloadOptions: ParsableArguments {
    @Argument(help: "A workload file (YAML or JSON); flags override its keys.")
    var workload: String?

    @Option(help: "Model: a built-in name or a path to an .onnx file.") var model: String?
    @Option(help: "Samples per request.") var batch: Int?
    @Option(help: "Mean offered requests per second.") var rps: Double?
    @Option(name: .customLong("peak-rps"), help: "Peak requests per second.") var peakRps: Double?
    @Option(help: "Arrival pattern.") var pattern: LoadPattern?
    @Option(name: .customLong("duration-s"), help: "Simulated seconds.") var durationS: Double?
    @Option(name: .customLong("p99-ms"), help: "Latency SLO at p99, ms.") var p99Ms: Double?
    @Option(help: "Production or dev/test.") var environment: DeploymentEnvironment?
    @Option(
        name: .customLong("requests-from"),
        help: "Where requests come from: internet (default), azure (services in the region) or site (devices on the premises).")
    var requestsFrom: RequestSource?
    @Option(help: "How reliably the site reaches the cloud.") var connectivity: Connectivity?
    @Option(help: "Where the data may go.") var privacy: PrivacyRequirement?
    @Option(name: .customLong("data-mbps"), help: "Data produced at the source, MB/s.") var dataMbps: Double?
    @Option(name: .customLong("deploy-deadline-min"), help: "Minutes until the model must serve.") var deployDeadlineMin: Double?
    @Flag(inversion: .prefixedNo, help: "An AKS cluster already exists in the workspace (default: the file's, else no).")
    var existingCluster: Bool?
    @Option(name: .customLong("budget-usd-month"), help: "Monthly budget, USD.") var budgetUsdMonth: Double?
    @Option(help: "Edge devices at the site, each scoring its share of the requests (IoT Edge).") var devices: Int?
    @Flag(
        inversion: .prefixedNo,
        help: "The site's devices are already installed (class: --config iot-edge.device=…); default: they must be bought.")
    var devicesInstalled: Bool?
    @Option(name: .customLong("rtt-ms"), help: "Client-cloud round trip, ms.") var rttMs: Double?
    @Option(name: .customLong("uplink-mbps"), help: "Client uplink, Mbit/s.") var uplinkMbps: Double?
    @Option(help: "Seed of every random stream.") var seed: UInt64?
    @Option(
        name: .customLong("samples"),
        help:
            "A directory of .npy inputs (one sample each, or a stack [N, ...]) for the FPGA formats' accuracy check; default: 32 seeded random inputs."
    )
    var samplesDirectory: String?
    @OptionGroup var shapes: InputShapeOptions

    /// The workload from the file (if any) with the flags applied.
    func resolve() throws -> Workload {
        var base: Workload
        if let workload {
            base = try Workload.load(path: workload)
        } else {
            guard let model else {
                throw ValidationError("give a workload file or --model (e.g. --model resnet50 --rps 30 --p99-ms 50)")
            }
            base = Workload(model: model)
        }
        var o = WorkloadOverrides()
        o.model = model
        o.batch = batch
        o.rps = rps
        o.peakRps = peakRps
        o.pattern = pattern
        o.durationSeconds = durationS
        o.p99Ms = p99Ms
        o.environment = environment
        o.requestsFrom = requestsFrom
        o.connectivity = connectivity
        o.privacy = privacy
        o.dataMBps = dataMbps
        o.deployDeadlineMinutes = deployDeadlineMin
        o.existingCluster = existingCluster
        o.budgetUSDPerMonth = budgetUsdMonth
        o.devices = devices
        o.devicesInstalled = devicesInstalled
        o.rttMs = rttMs
        o.uplinkMbps = uplinkMbps
        o.seed = seed
        let given = try shapes.shapes()
        if !given.isEmpty { o.inputShapes = given }
        if o.pattern == .trace && base.load.traceFile == nil {
            throw ValidationError("--pattern trace needs a workload file with load.traceFile")
        }
        var resolved = try base.applying(o, source: workload ?? "command line")
        if let samplesDirectory { resolved.accuracySamples = samplesDirectory }
        return resolved
    }
}

/// Target settings shared by simulate, plan, recommend and report.
struct TargetOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: "A target setting, target.key=value (repeatable): aks.cpu_cores=2, aci.memory_gb=1.5, iot-edge.device=rpi4, fpga.fpgas=2 …")
    var settings: [String] = []

    @Option(help: "A pricing file (YAML) overriding the default prices.")
    var pricing: String?

    @OptionGroup var cache: CacheOptions

    /// The calibration cache to use (nil with `--no-cache`).
    var cacheDirectory: String? { cache.cacheDirectory }

    func configurations() throws -> TargetConfigurations {
        var c = TargetConfigurations()
        try c.apply(settings)
        return c
    }

    func loadPricing() throws -> Pricing {
        guard let pricing else { return .defaults }
        return try Pricing.load(path: pricing)
    }
}

/// `--input-shape [NAME=]DIMS`, on every command that takes a model.
struct InputShapeOptions: ParsableArguments {
    @Option(
        name: .customLong("input-shape"),
        help: ArgumentHelp(
            "The full shape of one request's tensor for an ONNX input with symbolic dimensions, batch axis included (1x3x640x640, or NAME=DIMS; repeatable).",
            valueName: "[NAME=]DIMS"))
    var inputShape: [String] = []

    @Option(
        name: .customLong("memory-limit"),
        help: ArgumentHelp(
            "The most memory a prepared model may plan (default: half the physical memory, or $\(MemoryBudget.environmentVariable)); bytes or K/M/G/T.",
            valueName: "BYTES"))
    var memoryLimit: String?

    /// Sets the memory limit for this process (exit 2 with the problem on a malformed value).
    func validate() throws {
        guard let memoryLimit else { return }
        do {
            MemoryBudget.set(try MemoryBudget.parse(memoryLimit))
        } catch {
            throw ValidationError("--memory-limit: \(error.message)")
        }
    }

    /// The parsed shapes (exit 2 with the problem on a malformed value).
    func shapes() throws -> InputShapes {
        var s = InputShapes()
        for text in inputShape { try s.add(text) }
        return s
    }
}

/// The calibration cache: `--cache-dir`, `--no-cache`.
struct CacheOptions: ParsableArguments {
    @Option(help: "Calibration cache directory (default: $DEPLOY_ADVISOR_CACHE or ~/.cache/deploy-advisor).")
    var cacheDir: String?

    @Flag(help: "Measure again even when a cached calibration exists.")
    var noCache = false

    /// The calibration cache to use (nil with `--no-cache`).
    var cacheDirectory: String? { noCache ? nil : (cacheDir ?? ServiceTimeModel.defaultCacheDirectory) }
}
