import Inference
import Simulation
import Targets

// MARK: - From a workload to what the simulators play

extension Workload {
    /// Bytes of one encoded photo as clients send it: the mean ILSVRC-2012 training JPEG,
    /// 147,897,477,120 bytes (ILSVRC2012_img_train.tar, image-net.org) / 1,281,167 images ≈ 115 KB.
    package static let encodedImageBytes = 115_000

    /// Whether an input of this shape (one sample, channels first) is an image: 1 or 3
    /// channels and both sides at least 32 pixels.
    package static func isImage(_ inputShape: [Int]) -> Bool {
        inputShape.count == 3 && [1, 3].contains(inputShape[0]) && inputShape[1] >= 32 && inputShape[2] >= 32
    }

    /// Bytes sent per request: `payloadBytes` when set; else what the request's origin sends —
    /// an image model called from the internet or a site receives encoded photos
    /// (``encodedImageBytes`` per sample; the scoring script decodes and resizes them), an Azure
    /// service sends the preprocessed float32 tensor, and any other model receives its float32
    /// input tensor.
    package func resolvedPayloadBytes(inputShape: [Int]) -> Int {
        if let payloadBytes { return payloadBytes }
        if requestSource != .azure && Self.isImage(inputShape) { return Self.encodedImageBytes * batch }
        return inputShape.reduce(1, *) * 4 * batch
    }

    /// The arrival process of `load`.
    ///
    /// - `poisson`, `constant`: at `rps`;
    /// - `diurnal`: one daily cycle squeezed into the run (period = the duration, at most a day),
    ///   averaging `rps` and peaking at `peakRps`;
    /// - `step`: `rps` for the first half, `peakRps` for the second;
    /// - `trace`: the timestamps of `traceFile`.
    package func arrivalPattern() throws(WorkloadError) -> ArrivalPattern {
        switch load.pattern {
        case .poisson: return .poisson(rate: load.rps)
        case .constant: return .constant(rate: load.rps)
        case .diurnal:
            return .diurnal(meanRate: load.rps, peakRate: load.effectivePeakRps, periodSeconds: min(86400, load.durationSeconds))
        case .step:
            return .schedule([RatePhase(start: 0, rate: load.rps), RatePhase(start: load.durationSeconds / 2, rate: load.effectivePeakRps)])
        case .trace:
            do {
                return .trace(try ArrivalTrace.load(path: load.traceFile ?? ""))
            } catch {
                throw WorkloadError("load.traceFile: \(error.message)")
            }
        }
    }

    /// The traffic the target simulators play.
    package func traffic(inputShape: [Int], edge: EdgeConfiguration = EdgeConfiguration()) throws(WorkloadError) -> TrafficSpec {
        let connectivityPattern: ConnectivityPattern =
            switch connectivity {
            case .always: .alwaysUp
            case .intermittent: .intermittent(meanUpSeconds: edge.meanUpSeconds, meanDownSeconds: edge.meanDownSeconds)
            case .offline: .alwaysDown
            }
        var spec = TrafficSpec(
            arrivals: try arrivalPattern(), durationSeconds: load.durationSeconds,
            payloadBytes: resolvedPayloadBytes(inputShape: inputShape), rttSeconds: rttMs / 1000,
            uplinkBitsPerSecond: uplinkMbps * 1e6, connectivity: connectivityPattern,
            production: environment == .production, seed: seed)
        // A site's requests share its one uplink; internet clients each have their own.
        spec.uplinkShared = requestSource == .site
        return spec
    }
}

// MARK: - The site's devices

extension Workload {
    /// `settings` with the site's devices (`devices`, `devicesInstalled`): the workload is the
    /// one source of how many devices there are and whether they are already installed.
    package func site(_ settings: TargetConfigurations) -> TargetConfigurations {
        var s = settings
        s.edge.devices = devices
        s.edge.installed = devicesInstalled
        return s
    }
}

// MARK: - What the rules read

extension Workload {
    /// The workload's requirements for the recommender's rules.
    ///
    /// - Parameters:
    ///   - networkMs: client ↔ cloud time of one request without queueing, ms.
    ///   - fpgaOffered: whether the model is one of the DNNs Azure offered on FPGAs.
    package func requirements(networkMs: Double, modelName: String, fpgaOffered: Bool) -> Requirements {
        Requirements(
            environment: environment, requestsFrom: requestSource, connectivity: connectivity, privacy: privacy, dataMBps: dataMBps,
            uplinkMbps: uplinkMbps,
            networkMs: networkMs, sloMs: sloP99Ms, rps: load.rps, peakRps: load.effectivePeakRps,
            deployDeadlineMinutes: deployDeadlineMinutes, existingCluster: existingCluster, budgetUSDPerMonth: budgetUSDPerMonth,
            devices: devices, devicesInstalled: devicesInstalled, modelName: modelName, fpgaOffered: fpgaOffered)
    }
}
