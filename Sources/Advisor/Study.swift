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
    /// The FPGA plan's number format chosen against the accuracy floor, with the measurements
    /// (nil when not measured: quick answers and studies built with a given calibration).
    package var formatChoice: FormatChoice?
    /// Seeded inputs of the accuracy check when the workload gives no samples (at least 32 for
    /// an answer; tests of other things may use fewer).
    package var accuracySampleCount = Study.seededAccuracyInputs
    /// Where measurements are cached (nil: measured every time).
    package var cacheDirectory: String?

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
        progress("checking the FPGA number formats' accuracy on \(model.name)")
        return try prepare(
            workload, model: model, calibration: calibration, configurations: configurations, pricing: pricing,
            cacheDirectory: cacheDirectory)
    }

    /// The study of a model measured already (a fleet sweep measures each model once): the
    /// FPGA's number format is chosen by the accuracy check, cached beside the calibration.
    package static func prepare(
        _ workload: Workload, model: ModelSource, calibration: ModelCalibration, configurations: TargetConfigurations,
        pricing: Pricing, cacheDirectory: String?
    ) throws -> Study {
        var study = try Study(workload: workload, model: model, calibration: calibration, configurations: configurations, pricing: pricing)
        study.cacheDirectory = cacheDirectory
        try study.chooseFormat()
        return study
    }

    /// The number formats an FPGA plan may run, fewest bits first: Project Brainwave's ms-fp8
    /// and ms-fp9 (Chung et al., IEEE Micro 2018) and MSFP12/MSFP16 (Rouhani et al., NeurIPS
    /// 2020). The OCP MX formats and bfloat16 are reported for comparison only.
    package static let planFormats = ["ms-fp8", "ms-fp9", "msfp12", "msfp16"]

    /// The seeded inputs of an accuracy check when the workload gives none.
    package static let seededAccuracyInputs = 32

    /// The accuracy check's inputs: the workload's `.npy` samples, or 32 seeded random ones.
    package func accuracyInputs() throws -> AccuracyInputs {
        if let dir = workload.accuracySamples {
            return try AccuracyInputs.load(directory: dir, sampleShape: model.architecture.inputShape)
        }
        return try AccuracyInputs.seeded(
            count: accuracySampleCount, sampleCount: model.architecture.inputShape.reduce(1, *), seed: workload.seed)
    }

    /// Each format's accuracy against float32 on the accuracy inputs, and where those came
    /// from. Seeded inputs' results are cached per model, seed, count, preset, format and tool
    /// version (the user's samples are measured every time); the inputs and the weights are
    /// only built when some format is not cached.
    func accuracy(of formats: [NumberFormat], preset: String) throws -> (results: [EmulationAccuracy], inputs: String) {
        let fromUser = workload.accuracySamples != nil
        func file(_ f: NumberFormat) -> String? {
            guard let dir = cacheDirectory, !fromUser else { return nil }
            let key = "v1|\(model.cacheKey)|\(workload.seed)|\(accuracySampleCount)|\(preset)|\(f.name)|\(Self.toolVersion)"
            return dir + "/accuracy-" + ServiceTimeModel.fnv(key) + ".json"
        }
        var out: [String: EmulationAccuracy] = [:]
        for f in formats {
            if let path = file(f), let data = FileManager.default.contents(atPath: path),
                let a = try? JSONDecoder().decode(EmulationAccuracy.self, from: data), a.format == f.name
            {
                out[f.name] = a
            }
        }
        let missing = formats.filter { out[$0.name] == nil }
        guard !missing.isEmpty else {
            return (formats.compactMap { out[$0.name] }, AccuracyInputs.seededSource(count: accuracySampleCount, seed: workload.seed))
        }
        let inputs = try accuracyInputs()
        for a in try EmulationAccuracy.measure(try model.weighted(), formats: missing, inputs: inputs) {
            out[a.format] = a
            if let f = missing.first(where: { $0.name == a.format }), let path = file(f),
                let data = try? JSONEncoder().encode(a)
            {
                try? FileManager.default.createDirectory(atPath: cacheDirectory!, withIntermediateDirectories: true)
                try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
        return (formats.compactMap { out[$0.name] }, inputs.source)
    }

    /// Measures the plan formats against float32 on the accuracy inputs and sets the FPGA
    /// plan's format: the one `fpga.number_format` names (checked), else the fewest bits that
    /// keep the floor; when none does, the most accurate is kept as the best attempt and the
    /// FPGA plan is ruled out (``FormatChoice/refusal``).
    package mutating func chooseFormat() throws {
        let npu = try NPUConfiguration.named(configurations.fpga.preset)
        let floor = workload.accuracy ?? .standard
        let userSet = configurations.fpga.numberFormat
        let names = userSet.map { [$0] } ?? Self.planFormats
        let formats = try names.map { try NumberFormat.named($0).native(to: npu) }.sorted {
            $0.storageBitsPerElement < $1.storageBitsPerElement
        }
        let (measured, inputs) = try accuracy(of: formats, preset: npu.name)
        let chosen = measured.first { floor.isMet(by: $0) }
        let best = measured.max { ($0.top1Agreement, $0.sqnrDB) < ($1.top1Agreement, $1.sqnrDB) }
        formatChoice = FormatChoice(
            floor: floor, inputs: inputs, userInputs: workload.accuracySamples != nil, randomWeights: model.weightsAreRandom,
            candidates: measured, chosen: chosen?.format, setByUser: userSet != nil)
        configurations.fpga.numberFormat = chosen?.format ?? best?.format
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
        var p = CapacityPlanner(
            workload: workload, graph: model.architecture, calibration: calibration, pricing: pricing, base: configurations,
            fpgaOffered: fpgaOffered)
        p.fpgaRefusal = formatChoice?.refusal
        return p
    }

    /// Plans every target at the workload's peak rate.
    ///
    /// - Parameters:
    ///   - verify: simulate each chosen configuration (false: analytics only).
    ///   - forReport: also simulate what only a report shows (alternatives, best attempts at the peak).
    package func plan(verify: Bool, forReport: Bool = false) throws -> [TargetPlan] {
        var p = planner
        p.forReport = forReport
        return try p.plan(verify: verify)
    }

    /// What the recommender's rules read.
    package var requirements: Requirements {
        var r = workload.requirements(networkMs: planner.requestNetworkMs, modelName: model.name, fpgaOffered: fpgaOffered)
        r.fpgaFormatNote = formatChoice?.sentence
        return r
    }

    /// Applies the criteria to `plans`, and names the loads at which the answer would change.
    package func recommend(_ plans: [TargetPlan], weights: PreferenceWeights = .init(), quick: Bool = false) -> Recommendation {
        Recommender(requirements: requirements, plans: plans, weights: weights, policy: planner.policy, quick: quick)
            .recommend(loadBoundaries: (try? loadBoundaries(weights: weights)) ?? [])
    }

    /// The analytic answer with the workload changed by `change` (given a factor).
    func analyticAnswer(_ change: (inout Workload, Double) -> Void, factor: Double, weights: PreferenceWeights) throws -> TargetKind? {
        var scaled = self
        change(&scaled.workload, factor)
        return Recommender(
            requirements: scaled.requirements, plans: try scaled.plan(verify: false), weights: weights, policy: planner.policy
        ).recommend().recommendation
    }

    /// The load (mean and peak) scaled by a factor.
    static func scaleLoad(_ w: inout Workload, _ factor: Double) {
        w.load.rps *= factor
        w.load.peakRps = w.load.peakRps.map { $0 * factor }
    }

    /// The latency SLO (every percentile given, or the default p99) scaled by a factor.
    static func scaleSLO(_ w: inout Workload, _ factor: Double) {
        if w.latency.p99Ms == nil && w.latency.p95Ms == nil && w.latency.p50Ms == nil { w.latency.p99Ms = 100 }
        w.latency.p50Ms = w.latency.p50Ms.map { $0 * factor }
        w.latency.p95Ms = w.latency.p95Ms.map { $0 * factor }
        w.latency.p99Ms = w.latency.p99Ms.map { $0 * factor }
    }

    /// The nearest factors below and above 1 (within ×10, to 2%) at which the analytic answer
    /// changes when `change` scales the workload, with the answer there (nil: nothing qualifies).
    func answerChanges(_ change: (inout Workload, Double) -> Void, weights: PreferenceWeights) throws -> [(
        factor: Double, up: Bool, answer: TargetKind?
    )] {
        let here = try analyticAnswer(change, factor: 1, weights: weights)
        var out: [(Double, Bool, TargetKind?)] = []
        for up in [true, false] {
            // Walk out in steps of 10^0.1 (×1.26) until the answer changes, then bisect.
            var inside = 1.0
            var outside: Double?
            var other: TargetKind?
            for step in 1...10 {
                let k = pow(10, (up ? 0.1 : -0.1) * Double(step))
                let answer = try analyticAnswer(change, factor: k, weights: weights)
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
                let answer = try analyticAnswer(change, factor: mid, weights: weights)
                if answer == here {
                    inside = mid
                } else {
                    far = mid
                    other = answer
                }
            }
            out.append((far, up, other))
        }
        return out
    }

    /// The nearest loads below and above the peak (within a factor 10, to 2%) at which the
    /// answer of the queueing analytics changes, each as an ``AnswerBoundary``; none for a
    /// replayed trace, whose load cannot be scaled.
    package func loadBoundaries(weights: PreferenceWeights = .init()) throws -> [AnswerBoundary] {
        guard workload.load.pattern != .trace else { return [] }
        let peak = workload.load.effectivePeakRps
        return try answerChanges(Self.scaleLoad, weights: weights).map { c in
            let rps = peak * c.factor
            let becomes = c.answer.map { "the answer is \($0.rawValue)" } ?? "no target qualifies"
            return AnswerBoundary(
                requirement: .peakRps, target: c.answer, value: rps,
                text: String(format: "at a peak of %@ %.4g requests/s %@", c.up ? "≥" : "≤", rps, becomes))
        }
    }

    /// The answer on `plans` with one weight moved to `x` and the others keeping their
    /// proportions (summing to 1 − x).
    package func answer(
        _ plans: [TargetPlan], weights: PreferenceWeights, moving key: WritableKeyPath<PreferenceWeights, Double>, to x: Double
    ) -> TargetKind? {
        let w = weights.normalized
        var v = w
        let rest = 1 - w[keyPath: key]
        for k in [\PreferenceWeights.fit, \.cost, \.latency, \.deploy] where k != key {
            v[keyPath: k] = rest > 0 ? w[keyPath: k] / rest * (1 - x) : (1 - x) / 3
        }
        v[keyPath: key] = x
        return Recommender(requirements: requirements, plans: plans, weights: v, policy: planner.policy).recommend().recommendation
    }

    /// What would change the answer: the peak load and the SLO (analytics, within a factor
    /// 10 each way) and each preference weight (0 to 1, the others keeping their proportions,
    /// on the verified plans), nearest first by how far each must move.
    package func sensitivity(_ plans: [TargetPlan], recommendation: Recommendation) throws -> [Sensitivity] {
        var rows: [Sensitivity] = []
        func name(_ t: TargetKind?) -> String { t?.rawValue ?? "nothing qualifies" }
        for b in recommendation.boundaries where b.requirement == .peakRps {
            let peak = workload.load.effectivePeakRps
            rows.append(
                Sensitivity(
                    factor: "peak load", now: String(format: "%.4g requests/s", peak),
                    changesAt: String(format: "%@ %.4g requests/s", b.value > peak ? "≥" : "≤", b.value), becomes: name(b.target),
                    nowValue: peak, value: b.value, distance: abs(log(b.value / peak))))
        }
        let slo = workload.sloP99Ms
        for c in try answerChanges(Self.scaleSLO, weights: recommendation.weights) {
            rows.append(
                Sensitivity(
                    factor: "p99 SLO", now: String(format: "%.4g ms", slo),
                    changesAt: String(format: "%@ %.4g ms", c.up ? "≥" : "≤", slo * c.factor), becomes: name(c.answer),
                    nowValue: slo, value: slo * c.factor, distance: abs(log(c.factor))))
        }
        let w = recommendation.weights.normalized
        let here = recommendation.recommendation
        for (label, key) in [("fit", \PreferenceWeights.fit), ("cost", \.cost), ("latency", \.latency), ("deploy", \.deploy)] {
            let now = w[keyPath: key]
            func answer(_ x: Double) -> TargetKind? { self.answer(plans, weights: w, moving: key, to: x) }
            for up in [true, false] {
                // Steps of 0.05 away from the current weight, then bisect to 0.005.
                var inside = now
                var found: (x: Double, answer: TargetKind?)?
                var x = now
                while found == nil {
                    x = up ? min(1, x + 0.05) : max(0, x - 0.05)
                    let a = answer(x)
                    if a != here { found = (x, a) } else { inside = x }
                    if x == 0 || x == 1 { break }
                }
                guard var far = found else { continue }
                while abs(far.x - inside) > 0.005 {
                    let mid = (far.x + inside) / 2
                    let a = answer(mid)
                    if a == here { inside = mid } else { far = (mid, a) }
                }
                rows.append(
                    Sensitivity(
                        factor: "\(label) weight", now: String(format: "%.2f", now),
                        changesAt: far.x <= 0.005 ? "0" : far.x >= 0.995 ? "1" : String(format: "%@ %.2f", up ? "≥" : "≤", far.x),
                        becomes: name(far.answer), nowValue: now, value: far.x, distance: abs(far.x - now) / 0.5))
            }
        }
        return rows.sorted { $0.distance < $1.distance }
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
        /// The inputs the accuracy was measured on.
        package var inputs: String
        /// How the plan's format was chosen (nil when it was not measured).
        package var choice: FormatChoice?
    }

    /// Plans, recommendation, cost curve, each target simulated with its plan, and the FPGA emulation.
    package struct Evaluation: Sendable {
        package var study: Study
        package var plans: [TargetPlan]
        package var recommendation: Recommendation
        package var curve: [CurvePoint]
        package var results: [TargetResult]
        package var fpga: FPGAEvaluation
        /// What would change the answer, nearest first.
        package var sensitivity: [Sensitivity]
        /// The recommended plan's latency against offered load, up to saturation (nil when nothing is recommended).
        package var loadCurve: LoadCurve?
    }

    /// The number formats whose accuracy a report compares.
    package static let reportedFormats = ["bf16", "msfp16", "mxfp8-e4m3", "msfp12", "ms-fp9", "ms-fp8", "mxfp4-e2m1"]

    /// Runs everything a report needs.
    ///
    package func evaluate(progress: (String) -> Void = { _ in }) throws -> Evaluation {
        progress("planning capacity")
        let plans = try plan(verify: true, forReport: true)
        let recommendation = recommend(plans)
        progress("computing the cost curve")
        let curve = try planner.curve()
        // A target without a plan runs its best attempt (the closest configuration the planner
        // tried), not its defaults; a plan verified under the workload's pattern already ran it.
        let results = try plans.map { p -> TargetResult in
            if p.feasible, let run = p.patternRun { return run }
            let settings = p.feasible ? p.settings : p.bestAttempt?.settings
            return try simulate([p.target], settings: { _ in settings }, progress: progress)[0]
        }
        progress("emulating the FPGA")
        let fpga = try fpgaEvaluation()
        progress("finding what would change the answer")
        let sensitivity = try self.sensitivity(plans, recommendation: recommendation)
        progress("simulating the recommended plan across loads and seeds")
        let loadCurve = try recommendation.recommendation.flatMap { r in plans.first { $0.target == r } }.map(self.loadCurve)
        return Evaluation(
            study: self, plans: plans, recommendation: recommendation, curve: curve, results: results, fpga: fpga,
            sensitivity: sensitivity, loadCurve: loadCurve)
    }

    /// The plan's own configuration simulated at a steady load from a tenth of the peak up to
    /// saturation (×1.25 steps past the peak, at most 4× it), and at the peak with three more
    /// seeds, for the run-to-run spread of its p99.
    package func loadCurve(_ plan: TargetPlan) throws -> LoadCurve {
        let peak = workload.load.effectivePeakRps
        let planner = self.planner
        let context = try planner.context()
        func run(_ rate: Double, seed: UInt64) throws -> TargetResult {
            var traffic = try planner.peakTraffic(rate: rate)
            traffic.seed = seed
            return try TargetSimulator(context: context, traffic: traffic, configurations: plan.settings).run(plan.target)
        }
        var points: [LoadCurve.Point] = []
        var factors = [0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
        var next = 1.25
        while next <= 4.01 {
            factors.append(next)
            next *= 1.25
        }
        for f in factors {
            let r = try run(peak * f, seed: workload.seed)
            points.append(
                LoadCurve.Point(
                    rps: peak * f, p50Ms: r.reportedLatencyMs(percentile: 50), p99Ms: r.reportedLatencyMs(percentile: 99),
                    served: r.reportedSuccessRate, caveat: r.latencyCaveat))
            // Past saturation the latency is not a number: one such point shows where it is.
            if f > 1 && r.reportedLatencyMs(percentile: 99) == nil { break }
        }
        let seeds = (0..<4).map { workload.seed &+ UInt64($0) }
        let spread = try seeds.map { try run(peak, seed: $0).reportedLatencyMs(percentile: 99) }
        return LoadCurve(
            target: plan.target, summary: plan.summary, peakRps: peak, sloMs: workload.sloP99Ms, points: points, seeds: seeds,
            peakP99MsBySeed: spread)
    }

    /// The NPU estimate and each reported format's accuracy on the model's own weights (seed 1
    /// for built-in models), on the same inputs the plan's format was chosen on (formats already
    /// measured for the choice are not measured again).
    package func fpgaEvaluation() throws -> FPGAEvaluation {
        let npu = try NPUConfiguration.named(configurations.fpga.preset)
        let format = try NumberFormat.named(configurations.fpga.numberFormat ?? npu.defaultFormat).native(to: npu)
        let estimate = try NPUCycleModel.estimate(model.architecture, preset: npu, format: format, batch: workload.batch)
        let known = Dictionary((formatChoice?.candidates ?? []).map { ($0.format, $0) }, uniquingKeysWith: { a, _ in a })
        let missing = try Self.reportedFormats.filter { known[$0] == nil }.map { try NumberFormat.named($0).native(to: npu) }
        // The choice's inputs when every reported format was among its candidates.
        let (fresh, inputs) =
            missing.isEmpty && formatChoice != nil ? ([], formatChoice!.inputs) : try accuracy(of: missing, preset: npu.name)
        let all = known.merging(fresh.map { ($0.format, $0) }, uniquingKeysWith: { a, _ in a })
        return FPGAEvaluation(
            preset: npu, format: format.name, estimate: estimate, accuracy: Self.reportedFormats.compactMap { all[$0] },
            randomWeights: model.weightsAreRandom, inputs: inputs, choice: formatChoice)
    }
}

/// How the FPGA plan's number format was chosen: each candidate measured against float32 on
/// the same inputs, and the floor it had to keep.
package struct FormatChoice: Sendable, Codable, Equatable {
    package var floor: AccuracyFloor
    /// The inputs, as a report says them ("32 seeded random inputs (seed 1)", "40 samples from DIR").
    package var inputs: String
    package var userInputs: Bool
    /// The weights are a built-in model's seeded random ones (not a trained model's).
    package var randomWeights: Bool
    /// Each candidate, fewest bits first.
    package var candidates: [EmulationAccuracy]
    /// The format the plan runs (nil: none keeps the floor).
    package var chosen: String?
    /// Whether `fpga.number_format` named the one candidate.
    package var setByUser: Bool

    /// The FPGA plan's refusal when no candidate keeps the floor.
    package var refusal: Infeasibility? {
        guard chosen == nil else { return nil }
        return .accuracy(floor: floor.text, inputs: inputs, best: best.map(Self.describe) ?? "none measured")
    }

    var best: EmulationAccuracy? { candidates.max { ($0.top1Agreement, $0.sqnrDB) < ($1.top1Agreement, $1.sqnrDB) } }

    static func describe(_ a: EmulationAccuracy) -> String {
        String(format: "%@: top-1 agreement %.0f%%, SQNR %.1f dB", a.format, 100 * a.top1Agreement, a.sqnrDB)
    }

    /// Which format and why, in one sentence.
    package var sentence: String {
        guard let chosen, let a = candidates.first(where: { $0.format == chosen }) else {
            return "no format keeps \(floor.text) on \(inputs)" + (best.map { " (the most accurate, \(Self.describe($0)))" } ?? "")
        }
        let fewer = candidates.prefix { $0.format != chosen }
        let why = setByUser ? "set by fpga.number_format; it keeps \(floor.text)" : "the fewest bits that keep \(floor.text)"
        return "runs in \(chosen): \(why) (\(Self.describe(a)) on \(inputs)"
            + (fewer.isEmpty ? ")" : "; " + fewer.map(Self.describe).joined(separator: "; ") + ")")
            + (randomWeights
                ? "; the weights are seeded random ones, not a trained model's, so these figures only bound the format's arithmetic" : "")
    }
}

/// One requirement or preference moved until the answer changes.
package struct Sensitivity: Sendable, Codable, Equatable {
    /// What moves: "peak load", "p99 SLO", "cost weight", …
    package var factor: String
    package var now: String
    package var changesAt: String
    /// The answer there (a target id, or "nothing qualifies").
    package var becomes: String
    /// The current value and the one where the answer changes, in the factor's unit
    /// (requests/s, ms, or the normalized weight).
    package var nowValue: Double
    package var value: Double
    /// How far it must move: |ln(ratio)| for the load and the SLO, the weight's change ÷ 0.5 for a weight.
    package var distance: Double

    /// As a sentence: "the answer becomes aks at a peak load ≤ 410 requests/s".
    package var text: String {
        (becomes == "nothing qualifies" ? "nothing qualifies" : "the answer becomes \(becomes)") + " at a \(factor) \(changesAt)"
    }
}

/// The recommended plan's latency against a steady offered load, and its p99 at the peak over
/// several seeds.
package struct LoadCurve: Sendable, Codable, Equatable {
    package struct Point: Sendable, Codable, Equatable {
        package var rps: Double
        /// nil when the run cannot give it as a number (see ``TargetResult/latencyCaveat``).
        package var p50Ms: Double?
        package var p99Ms: Double?
        package var served: Double
        package var caveat: String?
    }
    package var target: TargetKind
    package var summary: String
    package var peakRps: Double
    package var sloMs: Double
    package var points: [Point]
    package var seeds: [UInt64]
    /// The p99 at the peak with each seed (nil where it is not a number).
    package var peakP99MsBySeed: [Double?]

    /// "p99 at the peak over seeds 1–4: 26.90–28.40 ms" (nil when a run gave no number).
    package var spreadText: String? {
        let values = peakP99MsBySeed.compactMap { $0 }
        guard values.count == peakP99MsBySeed.count, let lo = values.min(), let hi = values.max(), let first = seeds.first,
            let last = seeds.last
        else { return nil }
        return String(format: "p99 at the peak over seeds %llu–%llu: %.2f–%.2f ms", first, last, lo, hi)
    }
}
