/// Minutes from "deploy" to a serving endpoint, by phase.
///
/// Assumptions (documented so they can be argued with): Azure ML builds the scoring image
/// once per environment (about 2.5 min; the base image ≈ 1.2 GB plus the model); a cloud
/// host pulls it at about 100 MB/s, an edge device at the site's link speed; a container
/// starts in about 20 s and loads the model at about 200 MB/s plus 10 s of framework start-up.
/// An AKS cluster takes about 20 minutes to create (the document), once per workspace. The
/// FPGA path adds provisioning the FPGA VM (~8 min) and converting the model to the NPU's
/// format (~4 min).
public enum DeployTimeModel {
    public static let imageBuildMinutes = 2.5
    public static let baseImageGB = 1.2
    public static let cloudPullGBps = 0.1
    public static let containerStartSeconds = 20.0
    public static let modelLoadGBps = 0.2
    public static let frameworkStartSeconds = 10.0
    public static let aksClusterMinutes = 20.0
    public static let fpgaProvisionMinutes = 8.0
    public static let fpgaConversionMinutes = 4.0

    static func common(modelGB: Double, pullGBps: Double) -> [String: Double] {
        [
            "imageBuild": imageBuildMinutes,
            "imagePull": (baseImageGB + modelGB) / pullGBps / 60,
            "containerStart": containerStartSeconds / 60,
            "modelLoad": (modelGB / modelLoadGBps + frameworkStartSeconds) / 60,
        ]
    }

    /// Phases for a target, minutes.
    public static func phases(_ target: TargetKind, modelBytes: Int, existingCluster: Bool, edgeDownlinkMbps: Double) -> [String: Double] {
        let gb = Double(modelBytes) / 1e9
        switch target {
        case .aci:
            return common(modelGB: gb, pullGBps: cloudPullGBps)
        case .aks:
            var p = common(modelGB: gb, pullGBps: cloudPullGBps)
            p["clusterCreate"] = existingCluster ? 0 : aksClusterMinutes
            return p
        case .iotEdge:
            return common(modelGB: gb, pullGBps: max(edgeDownlinkMbps, 0.1) / 8 / 1000)
        case .fpga:
            var p = common(modelGB: gb, pullGBps: cloudPullGBps)
            p["fpgaProvision"] = fpgaProvisionMinutes
            p["modelConversion"] = fpgaConversionMinutes
            return p
        }
    }
}
