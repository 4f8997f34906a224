import Advisor
import ArgumentParser
import Foundation
import Inference
import Reporting
import Targets

/// The references of `manifests` (and of the files `report` writes under `deploy/`).
struct ManifestOptions: ParsableArguments {
    @Option(name: .customLong("endpoint-name"), help: "Online endpoint name (default: from the workload's name).")
    var endpointName: String?
    @Option(name: .customLong("deployment-name"), help: "Online deployment name.") var deploymentName = "blue"
    @Option(name: .customLong("model-ref"), help: "The registered model, azureml:NAME:VERSION (default: azureml:<model>:1).")
    var modelRef: String?
    @Option(help: "The scoring image (this project's serve, pushed to your registry).") var image = "deploy-advisor:\(Study.toolVersion)"
    @Option(name: .customLong("compute"), help: "The Kubernetes compute attached to the workspace (Kubernetes online endpoint).")
    var compute = "aks-compute"
    @Option(name: .customLong("scoring-port"), help: "The port the scoring container listens on.") var scoringPort = 5001

    /// The references for `model` in `workload`.
    func references(_ workload: Workload, model: ModelSource) throws -> ManifestReferences {
        let file: String
        switch model.origin {
        case .onnx(let path, _): file = URL(fileURLWithPath: path).lastPathComponent
        case .zoo: file = model.name + ".onnx"
        }
        let modelName = ManifestReferences.endpointName(from: model.name)
        var r = ManifestReferences(
            endpointName: endpointName ?? ManifestReferences.endpointName(from: workload.name), model: modelRef ?? "azureml:\(modelName):1",
            image: image, modelFile: file)
        r.deploymentName = deploymentName
        r.kubernetesCompute = compute
        r.port = scoringPort
        do {
            try r.validate()
        } catch {
            throw ValidationError(error.message)
        }
        return r
    }
}

extension DeployAdvisor {
    struct Manifests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write the files that deploy each feasible plan (or one target's): Azure ML v2 YAML, v1 deployment configurations, Kubernetes, IoT Edge.",
            discussion: """
                managed/endpoint.yml, deployment.yml, autoscale.sh; aks/endpoint.yml, deployment.yml (Kubernetes online \
                endpoint), deploymentconfig.json (v1 AksWebservice), kubernetes.yml (Deployment, Service, HPA); \
                aci/deploymentconfig.json; iot-edge/deployment.json; fpga/deploymentconfig.json and create-cluster.sh.
                """)

        @OptionGroup var workloadOptions: WorkloadOptions
        @OptionGroup var targetOptions: TargetOptions
        @OptionGroup var references: ManifestOptions

        @Option(help: "One target, or all with a feasible plan.") var target: TargetChoice = .all
        @Option(help: "The directory to write (created if needed; other files in it are kept).") var out: String

        func run() async throws {
            guard !out.isEmpty else { throw ValidationError("--out must name a directory") }
            let workload = try workloadOptions.resolve()
            let study = try Study.prepare(
                workload, configurations: try targetOptions.configurations(), pricing: try targetOptions.loadPricing(),
                cacheDirectory: targetOptions.cacheDirectory)
            let refs = try references.references(workload, model: study.model)
            let all = try study.plan(verify: true)
            let recommendation = study.recommend(all)
            // Every target the recommendation keeps (not ruled out), or the one named.
            let chosen = target == .all ? recommendation.deployable(all) : all.filter { target.kinds.contains($0.target) }
            for plan in chosen where plan.feasible {
                if let blockers = recommendation.verdict(plan.target)?.blockers, !blockers.isEmpty {
                    warn("warning: \(plan.target.rawValue) is ruled out for this workload: \(blockers.map(\.text).joined(separator: "; "))")
                }
            }
            let files = try DeploymentManifests.files(chosen, references: refs)
            let skipped = all.filter { p in !chosen.contains { $0.target == p.target && $0.feasible } && target.kinds.contains(p.target) }
            guard !files.isEmpty else {
                throw ValidationError(
                    "no feasible plan to write: "
                        + skipped.map { "\($0.target.rawValue) (\(why($0, recommendation)))" }.joined(separator: "; "))
            }
            do {
                try DirectoryWriter.write(files.mapValues { Data($0.utf8) }, to: out)
            } catch {
                throw EnvironmentFailure("\(out): cannot write the manifests (\(error.localizedDescription)); nothing was changed there")
            }
            for plan in chosen where plan.feasible {
                let written = files.keys.filter { $0.hasPrefix(plan.target.rawValue + "/") }.sorted()
                print("\(plan.target.rawValue): \(plan.summary) → \(written.map { "\(out)/\($0)" }.joined(separator: ", "))")
            }
            for plan in skipped { print("\(plan.target.rawValue): no file (\(why(plan, recommendation)))") }
        }

        /// Why a target gets no file: its plan is infeasible, or the recommendation rules it out.
        func why(_ plan: TargetPlan, _ r: Recommendation) -> String {
            if !plan.feasible { return plan.reason ?? "no feasible plan" }
            return "ruled out: " + (r.verdict(plan.target)?.blockers.map(\.text).joined(separator: "; ") ?? "")
        }
    }
}
