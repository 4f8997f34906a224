import Foundation
import Testing

@testable import Inference
@testable import Simulation
@testable import Targets

/// The whole AKS target path — calibration → roofline scaling → the target's deployment →
/// the serving simulation → the result — against exact M/M/c theory (Erlang C), with every
/// overhead the target adds set to zero: no network, no logging, no admission limit, fixed
/// replicas, and exponential service times.
@Suite("AKS target path against Erlang C")
struct ErlangCTargetPathTests {
    /// A calibration whose samples are the quantiles of an exponential distribution (mean
    /// `meanSeconds` here), so the target's empirical service distribution is exponential.
    static func exponentialCalibration(meanSeconds: Double, count: Int = 20_000) -> ModelCalibration {
        let samples = (0..<count).map { -meanSeconds * log(1 - (Double($0) + 0.5) / Double(count)) }
        let median = samples.sorted()[count / 2]
        let host = HostCalibration(cpuModel: "test", cores: 2, openblas: "test", sgemmGflops1: 100, sgemmGflopsAll: 200, memoryGBps: 10)
        return ModelCalibration(
            model: "exp", batch: 1, host: host,
            steps: [StepMeasurement(name: "all", flops: 1e9, bytes: 1e3, seconds1: median, secondsAll: median / 2)],
            samples1: samples, samplesAll: samples.map { $0 / 2 }, toolVersion: "test")
    }

    // Four million customers per case. The mean wait's run-to-run spread grows with ρ: seeds
    // 11–13 gave −1.9%, +1.0%, −1.7% at ρ = 0.9 with 8 servers (too close to the 2% bound to
    // test there) and within ±0.7% at ρ = 0.8 with 4; P(wait) stayed within ±0.2% everywhere.
    @Test(arguments: [(4, 0.8), (2, 0.6), (8, 0.85)])
    func meanWaitAndProbabilityOfWaitingMatchErlangC(servers: Int, utilization: Double) throws {
        let calibration = Self.exponentialCalibration(meanSeconds: 0.014)
        var settings = TargetConfigurations()
        settings.aks.autoscaleEnabled = false
        settings.aks.numReplicas = servers
        settings.aks.cpuCores = 1
        settings.aks.replicaMaxConcurrentRequests = 1
        settings.aks.maxRequestWaitTime = 1e12
        settings.aks.scoringTimeoutMs = 1e12
        settings.aks.loggingOverheadMs = 0
        settings.aks.dataCollectionOverheadMs = 0
        // The service time the target path produces (one D4s_v3 vCPU), and its exact mean.
        let scaled = ServiceTimeModel.scale(calibration, to: .d4sv3, cores: 1)
        let service = try #require(EmpiricalDistribution(samples: scaled.samples))
        let rate = utilization * Double(servers) / service.mean
        let customers = 4_000_000.0
        let traffic = TrafficSpec(
            arrivals: .poisson(rate: rate), durationSeconds: customers / rate, payloadBytes: 1, responseBytes: 0, rttSeconds: 0,
            uplinkBitsPerSecond: 1e15, seed: 11)
        let result = try TargetSimulator(
            graph: try ModelZoo.graph("mlp"), batch: 1, calibration: calibration, traffic: traffic, configurations: settings
        ).run(.aks)
        let theory = try ErlangC(servers: servers, arrivalRate: rate, serviceRate: 1 / service.mean)
        let breakdown = try #require(result.latencyBreakdownMs)
        #expect(result.successRate == 1 && result.replicas.min == servers && result.replicas.max == servers)
        #expect(abs(breakdown.service / 1000 / service.mean - 1) < 0.01, "mean service \(breakdown.service) ms")
        #expect(
            abs(breakdown.queue / 1000 / theory.meanWait - 1) < 0.02,
            "mean wait \(breakdown.queue) ms vs Erlang C \(theory.meanWait * 1000) ms")
        #expect(
            abs(breakdown.queuedFraction / theory.probabilityOfWaiting - 1) < 0.02,
            "P(wait) \(breakdown.queuedFraction) vs Erlang C \(theory.probabilityOfWaiting)")
    }
}
