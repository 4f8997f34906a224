import Foundation
import Inference
import Simulation
import Targets

/// Predicted-versus-measured on this machine (`deploy-advisor validate`): the `local` target —
/// this host described by its calibration and ``HardwareProfile/local(_:)``, like every other
/// target — predicts latency percentiles and throughput at fractions of its capacity; the same
/// model is then served here and driven open-loop at the same rates.
package enum LocalValidation {
    /// Latency percentiles (ms) and throughput (requests/s) at one load.
    package struct Figures: Sendable, Codable, Equatable {
        package var p50: Double
        package var p95: Double
        package var p99: Double
        package var throughputRps: Double

        package init(p50: Double, p95: Double, p99: Double, throughputRps: Double) {
            self.p50 = p50
            self.p95 = p95
            self.p99 = p99
            self.throughputRps = throughputRps
        }

        /// `(measured − predicted) / measured`, percent, per figure.
        package static func errorPct(predicted: Figures, measured: Figures) -> Figures {
            func e(_ p: Double, _ m: Double) -> Double { m > 0 ? 100 * (m - p) / m : .nan }
            return Figures(
                p50: e(predicted.p50, measured.p50), p95: e(predicted.p95, measured.p95), p99: e(predicted.p99, measured.p99),
                throughputRps: e(predicted.throughputRps, measured.throughputRps))
        }
    }

    /// One load level.
    package struct Level: Sendable, Codable, Equatable {
        /// The fraction of the predicted capacity offered.
        package var level: Double
        package var offeredRps: Double
        package var predicted: Figures
        package var measured: Figures?
        package var errorPct: Figures?
        /// Requests the server refused or that failed, when measured.
        package var failed: Int?
        /// Mean time the model's slot took per request while this level ran (the executor's
        /// work, timed in the server), ms: against the prediction's service time it shows how
        /// much the rest of the machine's work slowed inference down.
        package var servedInferenceMeanMs: Double?
        /// Mean time the slot was held per request while this level ran (the inference plus the
        /// hand-over to the inference thread), ms.
        package var servedSlotMeanMs: Double?
        /// The same prediction with the slot's service times scaled to the mean it really had
        /// during this level (known only afterwards): what remains of the error once the service
        /// time is right is the serving model's.
        package var predictedAtServedSlot: Figures?

        package init(level: Double, offeredRps: Double, predicted: Figures) {
            self.level = level
            self.offeredRps = offeredRps
            self.predicted = predicted
        }
    }

    /// The whole validation.
    package struct Report: Sendable, Codable, Equatable {
        package var schemaVersion = 1
        package var model: String
        /// What the prediction assumed: the model's slot on one core, its mean service time from
        /// the calibration (as every target gets it), ms.
        package var serviceMeanMs: Double
        /// The slot's median as served at a light load over the calibration's median (reported,
        /// not applied).
        package var servedOverCalibrated: Double?
        /// What a request's path adds outside the slot (HTTP over loopback, JSON both ways, the
        /// client), measured at a light load: median latency minus the slot's median, ms.
        package var requestOverheadMs: Double
        package var capacityRps: Double
        package var scaling: String
        package var durationSeconds: Double
        package var levels: [Level]
        /// What the measurement could not control (threads sharing cores).
        package var notes: [String]

        package init(
            model: String, serviceMeanMs: Double, requestOverheadMs: Double, capacityRps: Double, scaling: String,
            durationSeconds: Double, levels: [Level], notes: [String]
        ) {
            self.model = model
            self.serviceMeanMs = serviceMeanMs
            self.requestOverheadMs = requestOverheadMs
            self.capacityRps = capacityRps
            self.scaling = scaling
            self.durationSeconds = durationSeconds
            self.levels = levels
            self.notes = notes
        }
    }

    /// The `local` target's service time in the model's slot: the one-thread measurement scaled
    /// to this machine (a factor of 1 by construction) with one core.
    package static func serviceTime(_ calibration: ModelCalibration) -> ServiceTime {
        ServiceTimeModel.scale(calibration, to: .local(calibration.host), cores: 1, engine: .thisEngine)
    }

    /// Predicted figures at `rate` requests/s for a run like the measured one: the serving
    /// simulation of one replica that takes one request at a time (the server's
    /// `max_concurrent_requests: 1`), Poisson arrivals from an empty system for exactly
    /// `durationSeconds`, no network (loopback); the median of each figure over `replications`
    /// seeds (a short run near saturation has not reached steady state, and its p99 rests on few
    /// requests, so the steady-state p99 would be the wrong comparison). `overheadSeconds` of
    /// per-request work runs outside the slot (the scoring server parses the JSON body before it
    /// takes a slot and renders the result after it gives it back, on its I/O threads), so it
    /// adds latency but does not queue behind inference.
    package static func predict(
        _ service: ServiceTime, overheadSeconds: Double = 0, rate: Double, durationSeconds: Double, seed: UInt64,
        replications: Int = 31
    ) -> Figures {
        let distribution: Distribution =
            EmpiricalDistribution(samples: service.samples).map { .empirical($0) } ?? .deterministic(service.meanSeconds)
        var runs: [Figures] = []
        for r in 0..<max(1, replications) {
            let traffic = TrafficSpec(
                arrivals: .poisson(rate: rate), durationSeconds: durationSeconds, payloadBytes: 0, rttSeconds: 0,
                uplinkBitsPerSecond: 1e12, seed: seed &+ UInt64(r) &* 7919)
            var sim = ServingSimulation(traffic: traffic, service: distribution, replicas: 1)
            sim.overNetwork = false
            let o = sim.run()
            let extra = overheadSeconds * 1000
            runs.append(
                Figures(
                    p50: o.latency.percentile(50) * 1000 + extra, p95: o.latency.percentile(95) * 1000 + extra,
                    p99: o.latency.percentile(99) * 1000 + extra,
                    throughputRps: Double(o.completed) / max(o.endSeconds - o.measureStartSeconds, 1e-9)))
        }
        func median(_ f: (Figures) -> Double) -> Double { runs.map(f).sorted()[runs.count / 2] }
        return Figures(p50: median(\.p50), p95: median(\.p95), p99: median(\.p99), throughputRps: median(\.throughputRps))
    }

    /// Parses `0.3,0.6,0.85`: each a fraction of the capacity in (0, 1).
    package static func levels(_ text: String) throws(WorkloadError) -> [Double] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [Double] = []
        for p in parts {
            guard let v = Double(p), v > 0, v < 1 else {
                throw WorkloadError("--levels: '\(p)' must be a fraction of the predicted capacity above 0 and below 1 (e.g. 0.3,0.6,0.85)")
            }
            out.append(v)
        }
        guard !out.isEmpty else { throw WorkloadError("--levels: give at least one fraction (e.g. 0.3,0.6,0.85)") }
        return out
    }
}
