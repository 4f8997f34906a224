/// Whether Microsoft supports a way of deploying, as of a dated source.
package enum SupportStatus: String, Sendable, Codable {
    case supported
    /// Still works, announced to lose support.
    case deprecated
    /// Support has ended.
    case outOfSupport = "out-of-support"
}

/// How a target's plan is deployed, with its support status as data: the date the status was
/// read, where from, and the supported way to deploy the same plan when this one is not.
package struct DeploymentPath: Sendable, Codable, Equatable {
    /// Short id (`aci-web-service-v1`, …).
    package var id: String
    package var name: String
    package var status: SupportStatus
    /// The date the status was read, `YYYY-MM-DD`.
    package var asOf: String
    package var source: String
    /// The dates and facts behind the status.
    package var detail: String
    /// The supported way to deploy the same plan (nil when this path is supported).
    package var equivalent: String?

    /// The sentence the recommendation, the Markdown and the HTML carry when the path is not
    /// supported (nil when it is).
    package var warning: String? {
        guard status != .supported, let equivalent else { return nil }
        let state = status == .outOfSupport ? "out of support" : "deprecated"
        return "\(name) is \(state) (as of \(asOf): \(detail)); the supported way: \(equivalent)."
    }
}

extension DeploymentPath {
    static let v1Source =
        "Azure Machine Learning SDK/CLI v1 support notices (learn.microsoft.com/azure/machine-learning/how-to-migrate-from-v1): CLI v1 support ended 2025-09-30, SDK v1 support ended 2026-06-30"
    static let v1Detail = "Azure ML SDK/CLI v1 path; CLI v1 support ended 2025-09-30, SDK v1 support ended 2026-06-30"
    static let statusDate = "2026-12-03"

    /// The document's ACI web service (SDK/CLI v1 `AciWebservice`).
    package static let aciWebService = DeploymentPath(
        id: "aci-web-service-v1", name: "The ACI web service (Azure ML SDK/CLI v1 AciWebservice)", status: .outOfSupport,
        asOf: statusDate, source: v1Source, detail: v1Detail,
        equivalent:
            "an Azure ML managed online endpoint on a small instance (the `managed` target; dev/test needs one instance)")
    /// The document's AKS web service (SDK/CLI v1 `AksWebservice`).
    package static let aksWebService = DeploymentPath(
        id: "aks-web-service-v1", name: "The AKS web service (Azure ML SDK/CLI v1 AksWebservice)", status: .outOfSupport,
        asOf: statusDate, source: v1Source, detail: v1Detail,
        equivalent:
            "an Azure ML Kubernetes online endpoint (v2) on the same cluster, attached as Kubernetes compute: the replicas' CPU and memory, the instance count and the request settings carry over"
    )
    /// Azure ML's v2 managed online endpoint.
    package static let managedOnlineEndpoint = DeploymentPath(
        id: "managed-online-endpoint-v2", name: "The Azure ML managed online endpoint (CLI/SDK v2)", status: .supported,
        asOf: statusDate,
        source: "learn.microsoft.com/azure/machine-learning/concept-endpoints-online: the recommended way to use online endpoints",
        detail: "Azure ML v2, generally available", equivalent: nil)
    /// Azure ML's v2 Kubernetes online endpoint (AKS or Arc-enabled clusters).
    package static let kubernetesOnlineEndpoint = DeploymentPath(
        id: "kubernetes-online-endpoint-v2", name: "The Azure ML Kubernetes online endpoint (CLI/SDK v2)", status: .supported,
        asOf: statusDate,
        source:
            "learn.microsoft.com/azure/machine-learning/concept-endpoints-online: Kubernetes online endpoints on AKS or Arc-enabled clusters",
        detail: "Azure ML v2, generally available", equivalent: nil)
    /// A container deployed as an Azure IoT Edge module with a deployment manifest.
    package static let iotEdgeModule = DeploymentPath(
        id: "iot-edge-module", name: "An Azure IoT Edge module (deployment manifest)", status: .supported, asOf: statusDate,
        source:
            "learn.microsoft.com/azure/iot-edge/module-composition: modules are deployed with a deployment manifest; Azure ML v1's IoT Edge packaging is out of support with SDK v1, so the scoring image is built and pushed without it",
        detail: "Azure IoT Edge, a supported Azure service (keep the runtime on a supported LTS release)", equivalent: nil)
    /// Azure ML's hardware-accelerated models on FPGAs (`azureml-accel-models`, SDK v1).
    package static let fpgaAccelModels = DeploymentPath(
        id: "fpga-accel-models-v1", name: "Azure ML's FPGA deployment (hardware-accelerated models, azureml-accel-models, SDK v1)",
        status: .outOfSupport, asOf: statusDate,
        source:
            "learn.microsoft.com/azure/machine-learning/v1/how-to-deploy-fpga-web-service (applies to Python SDK azureml v1); "
            + v1Source,
        detail: v1Detail + "; Azure ML v2 has no FPGA deployment path",
        equivalent:
            "an Azure ML managed online endpoint on CPU instances (the `managed` target) or, for lower latency, GPU instances")

    /// Every path, for the reports' support table.
    package static let all: [DeploymentPath] = [
        aciWebService, aksWebService, managedOnlineEndpoint, kubernetesOnlineEndpoint, iotEdgeModule, fpgaAccelModels,
    ]
}
