import Advisor
import ArgumentParser
import Foundation
import Inference
import Targets

/// The workload: an optional file plus flags that override its keys.
struct WorkloadOptions: ParsableArguments {
    @Argument(help: "A workload file (YAML or JSON); flags override its keys.")
    var workload: String?

    @Option(help: "Model: a built-in name or a path to an .onnx file.") var model: String?
    @Option(help: "Samples per request.") var batch: Int?
    @Option(help: "Mean offered requests per second.") var rps: Double?
    @Option(name: .customLong("peak-rps"), help: "Peak requests per second.") var peakRps: Double?
    @Option(help: "Arrival pattern: poisson, constant, diurnal, step, trace.") var pattern: String?
    @Option(name: .customLong("duration-s"), help: "Simulated seconds.") var durationS: Double?
    @Option(name: .customLong("p99-ms"), help: "Latency SLO at p99, ms.") var p99Ms: Double?
    @Option(help: "production or dev-test.") var environment: String?
    @Option(help: "always, intermittent or offline.") var connectivity: String?
    @Option(help: "none, on-premises or on-device.") var privacy: String?
    @Option(name: .customLong("data-mbps"), help: "Data produced at the source, MB/s.") var dataMbps: Double?
    @Option(name: .customLong("deploy-deadline-min"), help: "Minutes until the model must serve.") var deployDeadlineMin: Double?
    @Option(name: .customLong("existing-cluster"), help: "An AKS cluster already exists (true/false).") var existingCluster: Bool?
    @Option(name: .customLong("budget-usd-month"), help: "Monthly budget, USD.") var budgetUsdMonth: Double?
    @Option(name: .customLong("rtt-ms"), help: "Client-cloud round trip, ms.") var rttMs: Double?
    @Option(name: .customLong("uplink-mbps"), help: "Client uplink, Mbit/s.") var uplinkMbps: Double?
    @Option(help: "Seed of every random stream.") var seed: UInt64?

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
        if let pattern {
            guard let p = LoadPattern(rawValue: pattern) else {
                throw ValidationError(
                    "--pattern must be one of \(LoadPattern.allCases.map(\.rawValue).joined(separator: ", ")), got '\(pattern)'")
            }
            o.pattern = p
        }
        o.durationSeconds = durationS
        o.p99Ms = p99Ms
        if let environment {
            guard let e = DeploymentEnvironment(rawValue: environment) else {
                throw ValidationError("--environment must be production or dev-test, got '\(environment)'")
            }
            o.environment = e
        }
        if let connectivity {
            guard let c = Connectivity(rawValue: connectivity) else {
                throw ValidationError("--connectivity must be always, intermittent or offline, got '\(connectivity)'")
            }
            o.connectivity = c
        }
        if let privacy {
            guard let p = PrivacyRequirement(rawValue: privacy) else {
                throw ValidationError("--privacy must be none, on-premises or on-device, got '\(privacy)'")
            }
            o.privacy = p
        }
        o.dataMBps = dataMbps
        o.deployDeadlineMinutes = deployDeadlineMin
        o.existingCluster = existingCluster
        o.budgetUSDPerMonth = budgetUsdMonth
        o.rttMs = rttMs
        o.uplinkMbps = uplinkMbps
        o.seed = seed
        if o.pattern == .trace && base.load.traceFile == nil {
            throw ValidationError("--pattern trace needs a workload file with load.traceFile")
        }
        return try base.applying(o, source: workload ?? "command line")
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

    @Option(help: "Calibration cache directory (default: $DEPLOY_ADVISOR_CACHE or ~/.cache/deploy-advisor).")
    var cacheDir: String?

    @Flag(help: "Measure again even when a cached calibration exists.")
    var noCache = false

    func configurations() throws -> TargetConfigurations {
        var c = TargetConfigurations()
        for s in settings { try c.apply(s) }
        return c
    }

    func loadPricing() throws -> Pricing {
        guard let pricing else { return .defaults }
        return try Pricing.load(path: pricing)
    }
}
