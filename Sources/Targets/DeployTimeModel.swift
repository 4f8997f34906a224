import Foundation

/// Minutes from "deploy" to a serving endpoint, by phase.
///
/// Assumptions (documented so they can be argued with): Azure ML builds the scoring image
/// once per environment (about 2.5 min; the base image ≈ 1.2 GB plus the model); a cloud
/// host pulls it at about 100 MB/s, an edge device at the site's link speed; a container
/// starts in about 20 s and loads the model at about 200 MB/s plus 10 s of framework start-up.
/// An AKS cluster takes about 20 minutes to create (the document), once per workspace. The
/// FPGA path adds provisioning the FPGA VM (~8 min) and converting the model to the NPU's
/// format (~4 min). A managed online endpoint allocates its instances (~6 min assumed), which
/// puts a first deployment at about 10–12 minutes, within Azure ML's "might take up to
/// 15 minutes, depending on whether the underlying environment or image is being built for
/// the first time" (how-to-deploy-online-endpoints).
package enum DeployTimeModel {
    package static let imageBuildMinutes = 2.5
    package static let baseImageGB = 1.2
    package static let cloudPullGBps = 0.1
    package static let containerStartSeconds = 20.0
    package static let modelLoadGBps = 0.2
    package static let frameworkStartSeconds = 10.0
    package static let aksClusterMinutes = 20.0
    package static let fpgaProvisionMinutes = 8.0
    package static let fpgaConversionMinutes = 4.0
    package static let managedProvisionMinutes = 6.0

    /// The assumptions above as one sentence, for reports.
    package static var assumptions: String {
        String(
            format:
                "image build %.1f min; image pull at %.0f MB/s (cloud) or the site link (edge); container start %.0f s; model load at %.0f MB/s + %.0f s; AKS cluster %.0f min unless one exists; managed online endpoint instances %.0f min; FPGA VM provisioning %.0f min + model conversion %.0f min",
            imageBuildMinutes, cloudPullGBps * 1000, containerStartSeconds, modelLoadGBps * 1000, frameworkStartSeconds, aksClusterMinutes,
            managedProvisionMinutes, fpgaProvisionMinutes, fpgaConversionMinutes)
    }

    /// The phases every target has: image build and pull, container start and model load, minutes.
    package static func common(modelGB: Double, pullGBps: Double) -> [String: Double] {
        [
            "imageBuild": imageBuildMinutes,
            "imagePull": (baseImageGB + modelGB) / pullGBps / 60,
            "containerStart": containerStartSeconds / 60,
            "modelLoad": (modelGB / modelLoadGBps + frameworkStartSeconds) / 60,
        ]
    }
}
