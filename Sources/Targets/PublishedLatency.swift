import Inference

/// A published batch-1 latency of a zoo model on hardware one of the profiles describes: what
/// the profiles (per-core GFLOP/s, bandwidth, the vCPU convention, MLAS's thread split) are
/// checked against (`deploy-advisor hardware --model M`, `PublishedLatencyTests`).
///
/// Only measurements with the model's exact architecture (ResNet-50 v1.5 as torchvision and
/// MLPerf define it, MobileNetV2 1.0 at 224×224), fp32, batch 1, every core of the machine,
/// and a median (or p50) reported with the run's configuration are kept.
package struct PublishedLatency: Sendable, Codable, Equatable {
    /// Zoo model name.
    package var model: String
    /// ``HardwareProfile/id``.
    package var profile: String
    /// Cores (vCPUs) the runtime used.
    package var cores: Double
    /// Median latency, ms.
    package var p50Ms: Double
    package var runtime: String
    package var source: String
    /// When the measurement was published.
    package var date: String

    /// The goal for predicted / published.
    package static let acceptedRatio: ClosedRange<Double> = 0.75...1.33

    package static let all: [PublishedLatency] = [
        PublishedLatency(
            model: "resnet50", profile: "rpi4", cores: 4, p50Ms: 295.8,
            runtime: "Arm NN 21.05 (TFLite front end), Neon, fp32, 4 threads",
            source:
                "MLPerf Inference v1.1 Edge, closed division, Krai, system rpi4coral-fan.on-armnn-v21.05-neon, ResNet-50 v1.5 SingleStream: 50th percentile 295.84 ms (github.com/mlcommons/inference_results_v1.1, closed/Krai/results/rpi4coral-fan.on-armnn-v21.05-neon/resnet50/singlestream/performance/run_1/mlperf_log_summary.txt)",
            date: "2021-09"),
        PublishedLatency(
            model: "mobilenetv2", profile: "rpi4", cores: 4, p50Ms: 55.6,
            runtime: "Arm NN 21.11 (TFLite front end), Neon, fp32, 4 threads",
            source:
                "MLPerf Inference v2.0 Edge, open division, Krai, system rpi4-armnn-v21.11-neon, MobileNet-v2 1.0 224 non-quantized SingleStream: 50th percentile 55.64 ms (github.com/mlcommons/inference_results_v2.0, open/Krai/results/rpi4-armnn-v21.11-neon/mobilenet-v2-1.0-224-non-quantized/singlestream/performance/run_1/mlperf_log_summary.txt)",
            date: "2022-04"),
        PublishedLatency(
            model: "resnet50", profile: "Standard_D4as_v5", cores: 4, p50Ms: 75.2,
            runtime: "PyTorch 2.4.1 eager (CPU, default threads), timm resnet50.a1_in1k, fp32",
            source:
                "Hugging Face optimum-benchmark CPU dataset, cpu_inference_timm_image-classification_timm/resnet50.a1_in1k/benchmark.json (commit f4027ed): AMD EPYC 7763, 4 vCPU, 16 GB, Linux 6.5 -azure kernel (an Azure Dasv5-class VM), forward p50 75.19 ms over 14 runs",
            date: "2024-05"),
    ]
}

extension ModelCalibration {
    /// A calibration of `graph` as a production runtime would run it on `host`: the engine's
    /// own steps (what it fuses), each at the host's roofline, `max(FLOPs / sgemm rate, bytes /
    /// bandwidth)`, no run-to-run variation. Nothing is timed, so it describes no machine's
    /// momentary state: tests of the profiles use it, as `--quick` uses ``estimated(_:batch:)``.
    /// A nominal host for ``roofline(_:modelKey:batch:host:)``: the target's time does not depend
    /// on it (a step at the host's roofline scales to the target's roofline), only which steps
    /// count as compute-bound does, through the host's FLOP-per-byte balance (5 here).
    package static let nominalRooflineHost = HostCalibration(
        cpuModel: "nominal (roofline)", cores: 1, openblas: "none", sgemmGflops1: 100, sgemmGflopsAll: 100, memoryGBps: 20)

    package static func roofline(
        _ graph: ModelGraph, modelKey: String, batch: Int, host: HostCalibration = nominalRooflineHost
    ) throws -> ModelCalibration {
        let executor = try CPUExecutor(graph: graph, batch: batch, threads: 1)
        let profile = try graph.profile()
        let shapes = try graph.inferShapes()
        var steps: [StepMeasurement] = []
        var total = 0.0
        for (k, name) in executor.stepNames.enumerated() {
            let nodes = executor.stepNodes[k]
            let flops = ServiceTimeModel.stepFlops(profile: profile, nodes: nodes, batch: batch)
            let bytes = ServiceTimeModel.stepBytes(graph, shapes: shapes, profile: profile, nodes: nodes, batch: batch)
            let t = max(flops / (host.sgemmGflops1 * 1e9), bytes / (host.memoryGBps * 1e9))
            total += t
            steps.append(StepMeasurement(name: name, flops: flops, bytes: bytes, seconds1: t, secondsAll: t))
        }
        return ModelCalibration(
            model: modelKey, batch: batch, host: host, steps: steps, samples1: Array(repeating: total, count: 5),
            samplesAll: Array(repeating: total, count: 5), toolVersion: "roofline")
    }
}
