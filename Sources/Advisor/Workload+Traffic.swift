import Inference
import Simulation
import Targets

// MARK: - From a workload to what the simulators play

extension Workload {
    /// Bytes sent per request: `payloadBytes` when set, else the batch's input tensor (float32).
    package func resolvedPayloadBytes(inputShape: [Int]) -> Int {
        payloadBytes ?? inputShape.reduce(1, *) * 4 * batch
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
        return TrafficSpec(
            arrivals: try arrivalPattern(), durationSeconds: load.durationSeconds,
            payloadBytes: resolvedPayloadBytes(inputShape: inputShape), rttSeconds: rttMs / 1000,
            uplinkBitsPerSecond: uplinkMbps * 1e6, connectivity: connectivityPattern,
            production: environment == .production, seed: seed)
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
            modelName: modelName, fpgaOffered: fpgaOffered)
    }
}
