import FPGAEmulation
import Foundation
import Inference
import Simulation
import Targets

/// The one measure → plan → recommend → simulate pipeline. Every command that answers a
/// workload (`recommend`, `plan`, `simulate`, `report`, `bench` of a workload) starts here, and
/// the report renders what ``evaluate(progress:)`` returns.
package struct Study: Sendable {
    package var workload: Workload
    package var model: ModelSource
    package var profile: ModelProfile
    /// The model measured here (or, in quick mode, estimated from its profile).
    package var calibration: ModelCalibration
    /// False when `calibration` is the profile-based estimate.
    package var measured: Bool
    package var configurations: TargetConfigurations
    package var pricing: Pricing
    /// Whether the model is one of the DNNs Azure offered on FPGAs (recognized by structure for
    /// files; decided once, since recognizing a file profiles the candidate zoo models).
    package let fpgaOffered: Bool

    /// The tool's version (in cache keys and reports).
    package static let toolVersion = "0.2.0"

    /// A study with a given calibration (tests use synthetic ones, so answers do not depend on the host).
    package init(
        workload: Workload, model: ModelSource, calibration: ModelCalibration, measured: Bool = true,
        configurations: TargetConfigurations = .init(), pricing: Pricing = .defaults
    ) throws {
        self.workload = workload
        self.model = model
        self.profile = try model.architecture.profile()
        self.fpgaOffered = model.recognizedArchitecture(among: FPGAOffer.models) != nil
        self.calibration = calibration
        self.measured = measured
        self.configurations = configurations
        self.pricing = pricing
    }

    /// Resolves the workload's model (a zoo name or an ONNX file) and measures it here.
    ///
    /// - Parameters:
    ///   - cacheDirectory: calibration cache; nil measures every time.
    ///   - quick: estimate from the model's profile (no run, no cache), so the answer is the same on every machine.
    ///   - progress: called with a short description before each long phase.
    package static func prepare(
        _ workload: Workload, configurations: TargetConfigurations = .init(), pricing: Pricing = .defaults, cacheDirectory: String?,
        quick: Bool = false, progress: (String) -> Void = { _ in }
    ) throws -> Study {
        let model = try ModelSource.load(workload.model, inputShapes: workload.modelInputShapes)
        if quick {
            // Always the profile's estimate, never a cached measurement: a quick answer must not
            // depend on what this machine happened to measure before.
            let estimate = ModelCalibration.estimated(try model.architecture.profile(), batch: workload.batch)
            return try Study(
                workload: workload, model: model, calibration: estimate, measured: false, configurations: configurations,
                pricing: pricing)
        }
        progress("calibrating \(model.name) (batch \(workload.batch)) on this machine")
        let calibration = try measure(model, batch: workload.batch, cacheDirectory: cacheDirectory)
        return try Study(workload: workload, model: model, calibration: calibration, configurations: configurations, pricing: pricing)
    }

    /// The model measured here with the weights every calibration uses (the file's, or seed 1
    /// for built-in models), cached under the model's cache key, the batch and the tool version.
    package static func measure(_ model: ModelSource, batch: Int, cacheDirectory: String?) throws -> ModelCalibration {
        if let cacheDirectory, let cached = cachedCalibration(model, batch: batch, cacheDirectory: cacheDirectory) { return cached }
        return try ServiceTimeModel.calibrate(
            try model.weighted(), modelKey: model.cacheKey, batch: batch, cacheDirectory: cacheDirectory, toolVersion: toolVersion)
    }

    /// A measurement cached earlier, without measuring.
    package static func cachedCalibration(_ model: ModelSource, batch: Int, cacheDirectory: String) -> ModelCalibration? {
        ModelCalibration.cached(modelKey: model.cacheKey, batch: batch, cacheDirectory: cacheDirectory, toolVersion: toolVersion)
    }

    /// The capacity planner for this study.
    package var planner: CapacityPlanner {
        CapacityPlanner(
            workload: workload, graph: model.architecture, calibration: calibration, pricing: pricing, base: configurations,
            fpgaOffered: fpgaOffered)
    }

    /// Plans every target at the workload's peak rate.
    ///
    /// - Parameter verify: simulate each chosen configuration (false: analytics only).
    package func plan(verify: Bool) throws -> [TargetPlan] { try planner.plan(verify: verify) }

    /// What the recommender's rules read.
    package var requirements: Requirements {
        workload.requirements(networkMs: planner.requestNetworkMs, modelName: model.name, fpgaOffered: fpgaOffered)
    }

    /// Applies the criteria to `plans`, and names the loads at which the answer would change.
    package func recommend(_ plans: [TargetPlan], weights: PreferenceWeights = .init(), quick: Bool = false) -> Recommendation {
        Recommender(requirements: requirements, plans: plans, weights: weights, policy: planner.policy, quick: quick)
            .recommend(loadBoundaries: (try? loadBoundaries(weights: weights)) ?? [])
    }

    /// The analytic answer with the load (mean and peak) scaled by `factor`.
    func analyticAnswer(scaledBy factor: Double, weights: PreferenceWeights) throws -> TargetKind? {
        var scaled = self
        scaled.workload.load.rps *= factor
        scaled.workload.load.peakRps = workload.load.peakRps.map { $0 * factor }
        return Recommender(
            requirements: scaled.requirements, plans: try scaled.plan(verify: false), weights: weights, policy: planner.policy
        ).recommend().recommendation
    }

    /// The nearest loads below and above the peak (within a factor 10, to 2%) at which the
    /// answer of the queueing analytics changes, each as an ``AnswerBoundary``; none for a
    /// replayed trace, whose load cannot be scaled.
    package func loadBoundaries(weights: PreferenceWeights = .init()) throws -> [AnswerBoundary] {
        guard workload.load.pattern != .trace else { return [] }
        let peak = workload.load.effectivePeakRps
        let here = try analyticAnswer(scaledBy: 1, weights: weights)
        var out: [AnswerBoundary] = []
        for up in [true, false] {
            // Walk out in steps of 10^0.1 (×1.26) until the answer changes, then bisect.
            var inside = 1.0
            var outside: Double?
            var other: TargetKind?
            for step in 1...10 {
                let k = pow(10, (up ? 0.1 : -0.1) * Double(step))
                let answer = try analyticAnswer(scaledBy: k, weights: weights)
                if answer != here {
                    outside = k
                    other = answer
                    break
                }
                inside = k
            }
            guard var far = outside else { continue }
            while abs(log(far / inside)) > log(1.02) {
                let mid = (far * inside).squareRoot()
                let answer = try analyticAnswer(scaledBy: mid, weights: weights)
                if answer == here {
                    inside = mid
                } else {
                    far = mid
                    other = answer
                }
            }
            let rps = peak * far
            let becomes = other.map { "the answer is \($0.rawValue)" } ?? "no target qualifies"
            out.append(
                AnswerBoundary(
                    requirement: .peakRps, target: other, value: rps,
                    text: String(format: "at a peak of %@ %.4g requests/s %@", up ? "≥" : "≤", rps, becomes)))
        }
        return out
    }

    /// The traffic of the workload as the simulators play it.
    package var traffic: TrafficSpec {
        get throws { try workload.traffic(inputShape: model.architecture.inputShape, edge: configurations.edge) }
    }

    /// Simulates `targets` with `settings` (default: the study's configurations) under the workload's traffic.
    package func simulate(
        _ targets: [TargetKind] = TargetKind.allCases, settings: (TargetKind) -> TargetConfigurations? = { _ in nil },
        progress: (String) -> Void = { _ in }
    ) throws -> [TargetResult] {
        let traffic = try self.traffic
        return try targets.map { kind in
            progress("simulating \(kind.rawValue)")
            return try simulator(settings(kind) ?? configurations, traffic: traffic).run(kind)
        }
    }

    func simulator(_ settings: TargetConfigurations, traffic: TrafficSpec) throws -> TargetSimulator {
        try TargetSimulator(
            graph: model.architecture, modelName: model.name, batch: workload.batch, calibration: calibration, traffic: traffic,
            configurations: workload.site(settings), pricing: pricing, existingCluster: workload.existingCluster, fpgaOffered: fpgaOffered)
    }
}

// MARK: - Everything a report shows

extension Study {
    /// The FPGA target examined in full: the NPU's cycle estimate and the accuracy of every
    /// number format against FP32 on the model's weights.
    package struct FPGAEvaluation: Sendable, Codable {
        package var preset: NPUConfiguration
        package var format: String
        package var estimate: NPUEstimate
        package var accuracy: [EmulationAccuracy]
        /// Whether the weights are the seeded random ones of a built-in model.
        package var randomWeights: Bool
    }

    /// Plans, recommendation, cost curve, each target simulated with its plan, and the FPGA emulation.
    package struct Evaluation: Sendable {
        package var study: Study
        package var plans: [TargetPlan]
        package var recommendation: Recommendation
        package var curve: [CurvePoint]
        package var results: [TargetResult]
        package var fpga: FPGAEvaluation
    }

    /// The number formats whose accuracy a report compares.
    package static let reportedFormats = ["bf16", "msfp16", "mxfp8-e4m3", "msfp12", "ms-fp9", "ms-fp8", "mxfp4-e2m1"]

    /// Runs everything a report needs.
    ///
    /// - Parameter accuracySamples: seeded inputs per number format for the accuracy check.
    package func evaluate(accuracySamples: Int = 2, progress: (String) -> Void = { _ in }) throws -> Evaluation {
        progress("planning capacity")
        let plans = try plan(verify: true)
        let recommendation = recommend(plans)
        progress("computing the cost curve")
        let curve = try planner.curve()
        // A target without a plan runs its best attempt (the closest configuration the planner
        // tried), not its defaults.
        let results = try simulate(
            plans.map(\.target),
            settings: { kind in plans.first { $0.target == kind }.flatMap { $0.feasible ? $0.settings : $0.bestAttempt?.settings } },
            progress: progress)
        progress("emulating the FPGA")
        let fpga = try fpgaEvaluation(samples: accuracySamples)
        return Evaluation(study: self, plans: plans, recommendation: recommendation, curve: curve, results: results, fpga: fpga)
    }

    /// The NPU estimate and each format's accuracy on the model's own weights (seed 1 for built-in models).
    package func fpgaEvaluation(samples: Int) throws -> FPGAEvaluation {
        let npu = try NPUConfiguration.named(configurations.fpga.preset)
        let format = try NumberFormat.named(configurations.fpga.numberFormat ?? npu.defaultFormat).native(to: npu)
        let estimate = try NPUCycleModel.estimate(model.architecture, preset: npu, format: format, batch: workload.batch)
        let weighted = try model.weighted()
        let accuracy = try Self.reportedFormats.map { name in
            try EmulationAccuracy.measure(
                weighted, format: try NumberFormat.named(name).native(to: npu), samples: samples, seed: workload.seed)
        }
        return FPGAEvaluation(
            preset: npu, format: format.name, estimate: estimate, accuracy: accuracy, randomWeights: model.weightsAreRandom)
    }
}
