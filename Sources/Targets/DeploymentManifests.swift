import Foundation
import Yams

/// The references a manifest cannot take from the plan: where the model and the scoring image
/// live, and the names of the Azure resources. Each is a flag of `manifests` with a default.
package struct ManifestReferences: Sendable, Equatable {
    /// Online endpoint name (Azure ML: 3–32 characters, a letter first, then letters, digits and `-`).
    package var endpointName: String
    package var deploymentName = "blue"
    /// The registered model (`azureml:NAME:VERSION`) or a local path Azure ML uploads.
    package var model: String
    /// The scoring image: this project's `serve` (or any container with the same routes).
    package var image: String
    /// The file name of the model inside the container's model directory.
    package var modelFile: String
    /// The Kubernetes compute attached to the workspace (Kubernetes online endpoint).
    package var kubernetesCompute = "aks-compute"
    /// The port the scoring container listens on.
    package var port = 5001

    package init(endpointName: String, model: String, image: String, modelFile: String) {
        self.endpointName = endpointName
        self.model = model
        self.image = image
        self.modelFile = modelFile
    }

    /// A valid endpoint name made from `text` (a workload's name): lowercased, other characters
    /// turned into `-`, a letter first, at most 32 characters.
    package static func endpointName(from text: String) -> String {
        var name = String(text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
        while name.contains("--") { name = name.replacingOccurrences(of: "--", with: "-") }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if !(name.first?.isLetter ?? false) { name = "ep-" + name }
        name = String(name.prefix(32)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return name.count >= 3 ? name : "deploy-advisor"
    }

    /// Checks the references a user passed.
    ///
    /// - Throws: ``TargetError`` naming the flag, the value and what is allowed.
    package func validate() throws(TargetError) {
        let allowed = endpointName.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        guard (3...32).contains(endpointName.count), endpointName.first?.isLetter == true, allowed else {
            throw TargetError(
                "--endpoint-name '\(endpointName)': Azure ML endpoint names are 3–32 characters, a letter first, then letters, digits and '-'"
            )
        }
        for (flag, value) in [("--model-ref", model), ("--image", image), ("--deployment-name", deploymentName)] where value.isEmpty {
            throw TargetError("\(flag) must not be empty")
        }
        guard (1...65535).contains(port) else { throw TargetError("--port \(port): must be 1–65535") }
    }
}

/// The files that deploy each feasible plan exactly: Azure ML v2 YAML (managed and Kubernetes
/// online endpoints) with the Azure Monitor autoscale commands, Azure ML v1 deployment
/// configurations (ACI, AKS, FPGA), a plain Kubernetes Deployment/Service/HPA, and an IoT Edge
/// deployment manifest. Every value comes from the plan's settings; the references are
/// ``ManifestReferences``.
///
/// Formats: managedOnlineEndpoint/managedOnlineDeployment and kubernetesOnlineEndpoint/
/// kubernetesOnlineDeployment YAML schemas (azuremlschemas.azureedge.net, checked by
/// azure-ai-ml's `load_online_endpoint`/`load_online_deployment` in the tests); the v1 CLI's
/// deployment configuration schema (`computeType`, `autoScaler`, `containerResourceRequirements`,
/// …); Kubernetes apps/v1, v1 and autoscaling/v2 (checked by kubernetes-validate); the IoT Edge
/// deployment manifest (`modulesContent`, `$edgeAgent`, `$edgeHub`, schema 1.1).
package enum DeploymentManifests {
    /// Relative path → contents, for every plan in `plans` that is feasible.
    package static func files(_ plans: [TargetPlan], references r: ManifestReferences) throws -> [String: String] {
        var files: [String: String] = [:]
        for plan in plans where plan.feasible {
            let s = plan.settings
            switch plan.target {
            case .managed:
                files["managed/endpoint.yml"] = try yaml(ManagedEndpoint(name: r.endpointName))
                files["managed/deployment.yml"] = try yaml(managedDeployment(s.managed, r))
                files["managed/autoscale.sh"] = autoscaleScript(s.managed, r)
            case .aks:
                files["aks/endpoint.yml"] = try yaml(KubernetesEndpoint(name: r.endpointName, compute: "azureml:\(r.kubernetesCompute)"))
                files["aks/deployment.yml"] = try yaml(kubernetesDeployment(s.aks, r))
                files["aks/deploymentconfig.json"] = try json(aksWebService(s.aks))
                files["aks/kubernetes.yml"] = try kubernetes(s.aks, r)
            case .aci:
                files["aci/deploymentconfig.json"] = try json(
                    ACIWebService(containerResourceRequirements: .init(cpu: s.aci.cpuCores, memoryInGB: s.aci.memoryGB)))
            case .iotEdge:
                files["iot-edge/deployment.json"] = try edgeManifest(s.edge, r)
            case .fpga:
                var config = AKSWebService(
                    autoScaler: .init(
                        autoscaleEnabled: false, minReplicas: nil, maxReplicas: nil, refreshPeriodInSeconds: nil, targetUtilization: nil),
                    containerResourceRequirements: nil, numReplicas: s.fpga.fpgas, maxConcurrentRequestsPerContainer: nil,
                    maxQueueWaitMs: nil,
                    scoringTimeoutMs: nil)
                config.computeType = "AKS"
                files["fpga/deploymentconfig.json"] = try json(config)
                let format = plan.configuration["number_format"].map { "\($0)" } ?? "the preset's"
                files["fpga/create-cluster.sh"] = """
                    #!/bin/sh
                    # The FPGA plan: \(plan.summary), number format \(format).
                    # Azure ML v1 (out of support since SDK v1 support ended on 2026-06-30): an AKS
                    # compute of \(s.fpga.fpgas) Standard_PB6s node(s), one FPGA each, then the
                    # hardware-accelerated model deployed with fpga/deploymentconfig.json.
                    set -eu
                    az ml computetarget create aks --name "${AKS_NAME:-fpga-aks}" --vm-size Standard_PB6s --agent-count \(s.fpga.fpgas)

                    """
            }
        }
        return files
    }

    // MARK: - Azure ML v2

    struct ManagedEndpoint: Encodable {
        var schema = "https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json"
        var name: String
        var authMode = "key"
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case name
            case authMode = "auth_mode"
        }
    }

    struct KubernetesEndpoint: Encodable {
        var schema = "https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json"
        var name: String
        var compute: String
        var authMode = "key"
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case name
            case compute
            case authMode = "auth_mode"
        }
    }

    struct Route: Encodable {
        var port: Int
        var path: String
    }
    struct InferenceConfig: Encodable {
        var livenessRoute: Route
        var readinessRoute: Route
        var scoringRoute: Route
        enum CodingKeys: String, CodingKey {
            case livenessRoute = "liveness_route"
            case readinessRoute = "readiness_route"
            case scoringRoute = "scoring_route"
        }
    }
    struct Environment: Encodable {
        var image: String
        var inferenceConfig: InferenceConfig
        enum CodingKeys: String, CodingKey {
            case image
            case inferenceConfig = "inference_config"
        }
    }
    /// The scoring container's environment (a struct, so the YAML's key order is fixed).
    struct Variables: Encodable {
        var deployAdvisorModelFile: String
        var workerCount: String
        enum CodingKeys: String, CodingKey {
            case deployAdvisorModelFile = "DEPLOY_ADVISOR_MODEL_FILE"
            case workerCount = "WORKER_COUNT"
        }
    }
    struct Probe: Encodable {
        var initialDelay: Int
        var period: Int
        var timeout: Int
        var successThreshold: Int
        var failureThreshold: Int
        enum CodingKeys: String, CodingKey {
            case initialDelay = "initial_delay"
            case period
            case timeout
            case successThreshold = "success_threshold"
            case failureThreshold = "failure_threshold"
        }
    }
    struct RequestSettings: Encodable {
        var requestTimeoutMs: Int
        var maxConcurrentRequestsPerInstance: Int
        var maxQueueWaitMs: Int?
        enum CodingKeys: String, CodingKey {
            case requestTimeoutMs = "request_timeout_ms"
            case maxConcurrentRequestsPerInstance = "max_concurrent_requests_per_instance"
            case maxQueueWaitMs = "max_queue_wait_ms"
        }
    }

    /// The scoring container: this project's `serve` on `port` (health on `/`, scoring on `/score`).
    static func environment(_ r: ManifestReferences) -> Environment {
        let route = { (path: String) in Route(port: r.port, path: path) }
        return Environment(
            image: r.image,
            inferenceConfig: InferenceConfig(livenessRoute: route("/"), readinessRoute: route("/"), scoringRoute: route("/score")))
    }
    static let liveness = Probe(initialDelay: 30, period: 10, timeout: 2, successThreshold: 1, failureThreshold: 30)
    static let readiness = Probe(initialDelay: 10, period: 10, timeout: 2, successThreshold: 1, failureThreshold: 3)

    static func managedDeployment(_ c: ManagedConfiguration, _ r: ManifestReferences) -> OnlineDeployment {
        OnlineDeployment(
            schema: "https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json", name: r.deploymentName,
            endpointName: r.endpointName, model: r.model, environment: environment(r),
            environmentVariables: Variables(deployAdvisorModelFile: r.modelFile, workerCount: "\(c.maxConcurrentRequestsPerInstance)"),
            instanceType: c.instanceType, instanceCount: c.instanceCount,
            requestSettings: RequestSettings(
                requestTimeoutMs: Int(c.requestTimeoutMs.rounded()),
                maxConcurrentRequestsPerInstance: c.maxConcurrentRequestsPerInstance,
                maxQueueWaitMs: nil))
    }

    /// Azure Monitor autoscale for the managed deployment: the planned minimum and maximum, the
    /// plan's thresholds and cooldown (how-to-autoscale-endpoints).
    static func autoscaleScript(_ c: ManagedConfiguration, _ r: ManifestReferences) -> String {
        let window = Int(c.cooldownMinutes.rounded())
        return """
            #!/bin/sh
            # Azure Monitor autoscale for the managed online deployment \(r.endpointName)/\(r.deploymentName):
            # \(c.autoscaleMinInstances)–\(c.autoscaleMaxInstances) × \(c.instanceType), starting at \(c.instanceCount); one more instance when
            # CpuUtilizationPercentage averages above \(Int(c.scaleOutThreshold))% over \(window) minutes, one fewer below \(Int(c.scaleInThreshold))%,
            # \(window)-minute cooldown. Needs the Azure CLI with the ml extension, logged in, with
            # the workspace and resource group as defaults (az configure --defaults).
            set -eu
            ENDPOINT_NAME=\(r.endpointName)
            DEPLOYMENT_NAME=\(r.deploymentName)
            DEPLOYMENT_ID=$(az ml online-deployment show -e "$ENDPOINT_NAME" -n "$DEPLOYMENT_NAME" -o tsv --query id)
            AUTOSCALE_NAME="autoscale-$ENDPOINT_NAME-$DEPLOYMENT_NAME"
            az monitor autoscale create --name "$AUTOSCALE_NAME" --resource "$DEPLOYMENT_ID" \\
              --min-count \(c.autoscaleMinInstances) --max-count \(c.autoscaleMaxInstances) --count \(c.instanceCount)
            az monitor autoscale rule create --autoscale-name "$AUTOSCALE_NAME" \\
              --condition "CpuUtilizationPercentage > \(Int(c.scaleOutThreshold)) avg \(window)m" --scale out 1 --cooldown \(window)
            az monitor autoscale rule create --autoscale-name "$AUTOSCALE_NAME" \\
              --condition "CpuUtilizationPercentage < \(Int(c.scaleInThreshold)) avg \(window)m" --scale in 1 --cooldown \(window)

            """
    }

    struct Quantity: Encodable {
        var cpu: String
        var memory: String
    }
    struct Resources: Encodable {
        var requests: Quantity
        var limits: Quantity
    }
    struct ScaleSettings: Encodable {
        var type = "target_utilization"
        var minInstances: Int
        var maxInstances: Int
        var targetUtilizationPercentage: Int
        var pollingInterval: Int
        enum CodingKeys: String, CodingKey {
            case type
            case minInstances = "min_instances"
            case maxInstances = "max_instances"
            case targetUtilizationPercentage = "target_utilization_percentage"
            case pollingInterval = "polling_interval"
        }
    }
    struct DefaultScale: Encodable {
        var type = "default"
    }
    /// An online deployment, managed or Kubernetes (v2 schemas): the managed one names its
    /// `instance_type`; the Kubernetes one says `type: kubernetes` (what tells azure-ai-ml's loader
    /// the two apart) and carries resources and scale settings. Absent fields are not written.
    struct OnlineDeployment: Encodable {
        var schema: String
        var name: String
        var type: String?
        var endpointName: String
        var model: String
        var environment: Environment
        var environmentVariables: Variables
        var instanceType: String?
        var instanceCount: Int
        var resources: Resources?
        var requestSettings: RequestSettings
        var scaleSettings: ScaleSettings?
        var livenessProbe = DeploymentManifests.liveness
        var readinessProbe = DeploymentManifests.readiness
        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case name
            case type
            case endpointName = "endpoint_name"
            case model
            case environment
            case environmentVariables = "environment_variables"
            case instanceType = "instance_type"
            case instanceCount = "instance_count"
            case resources
            case requestSettings = "request_settings"
            case scaleSettings = "scale_settings"
            case livenessProbe = "liveness_probe"
            case readinessProbe = "readiness_probe"
        }
    }

    /// Kubernetes CPU and memory quantities of an AKS replica.
    static func quantity(_ c: AKSConfiguration) -> Quantity {
        Quantity(cpu: "\(Int((c.cpuCores * 1000).rounded()))m", memory: "\(Int((c.memoryGB * 1024).rounded()))Mi")
    }

    static func kubernetesDeployment(_ c: AKSConfiguration, _ r: ManifestReferences) -> OnlineDeployment {
        let q = quantity(c)
        let low = c.autoscaleEnabled ? c.autoscaleMinReplicas : (c.numReplicas ?? 1)
        let high = c.autoscaleEnabled ? c.autoscaleMaxReplicas : low
        return OnlineDeployment(
            schema: "https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json", name: r.deploymentName,
            type: "kubernetes", endpointName: r.endpointName, model: r.model, environment: environment(r),
            environmentVariables: Variables(deployAdvisorModelFile: r.modelFile, workerCount: "\(c.replicaMaxConcurrentRequests)"),
            instanceCount: low, resources: Resources(requests: q, limits: q),
            requestSettings: RequestSettings(
                requestTimeoutMs: Int(c.scoringTimeoutMs.rounded()), maxConcurrentRequestsPerInstance: c.replicaMaxConcurrentRequests,
                maxQueueWaitMs: Int(c.maxRequestWaitTime.rounded())),
            scaleSettings: c.autoscaleEnabled
                ? ScaleSettings(
                    minInstances: low, maxInstances: high, targetUtilizationPercentage: Int(c.autoscaleTargetUtilization.rounded()),
                    pollingInterval: max(1, Int(c.autoscaleRefreshSeconds.rounded())))
                : nil)
    }

    // MARK: - Azure ML v1 deployment configurations

    struct AutoScaler: Encodable {
        var autoscaleEnabled: Bool
        var minReplicas: Int?
        var maxReplicas: Int?
        var refreshPeriodInSeconds: Int?
        var targetUtilization: Int?
    }
    struct ContainerResources: Encodable {
        var cpu: Double
        var memoryInGB: Double
    }
    struct AKSWebService: Encodable {
        var computeType = "AKS"
        var autoScaler: AutoScaler
        var containerResourceRequirements: ContainerResources?
        var numReplicas: Int?
        var maxConcurrentRequestsPerContainer: Int?
        var maxQueueWaitMs: Int?
        var scoringTimeoutMs: Int?
        var authEnabled = true
    }
    struct ACIWebService: Encodable {
        var computeType = "ACI"
        var containerResourceRequirements: ContainerResources
        var authEnabled = true
    }

    static func aksWebService(_ c: AKSConfiguration) -> AKSWebService {
        AKSWebService(
            autoScaler: c.autoscaleEnabled
                ? AutoScaler(
                    autoscaleEnabled: true, minReplicas: c.autoscaleMinReplicas, maxReplicas: c.autoscaleMaxReplicas,
                    refreshPeriodInSeconds: max(1, Int(c.autoscaleRefreshSeconds.rounded())),
                    targetUtilization: Int(c.autoscaleTargetUtilization.rounded()))
                : AutoScaler(
                    autoscaleEnabled: false, minReplicas: nil, maxReplicas: nil, refreshPeriodInSeconds: nil, targetUtilization: nil),
            containerResourceRequirements: ContainerResources(cpu: c.cpuCores, memoryInGB: c.memoryGB),
            numReplicas: c.autoscaleEnabled ? nil : (c.numReplicas ?? 1), maxConcurrentRequestsPerContainer: c.replicaMaxConcurrentRequests,
            maxQueueWaitMs: Int(c.maxRequestWaitTime.rounded()), scoringTimeoutMs: Int(c.scoringTimeoutMs.rounded()))
    }

    // MARK: - Kubernetes without Azure ML

    /// A Deployment, a Service and a HorizontalPodAutoscaler serving the model with this
    /// project's `serve` image (any container with the same routes works).
    static func kubernetes(_ c: AKSConfiguration, _ r: ManifestReferences) throws -> String {
        let name = r.endpointName
        let q = quantity(c)
        let low = c.autoscaleEnabled ? c.autoscaleMinReplicas : (c.numReplicas ?? 1)
        let high = c.autoscaleEnabled ? c.autoscaleMaxReplicas : low
        let labels: [String: Any] = ["app": name]
        let probe: [String: Any] = ["httpGet": ["path": "/", "port": r.port], "initialDelaySeconds": 10, "periodSeconds": 10]
        let deployment: [String: Any] = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": name, "labels": labels],
            "spec": [
                "replicas": low, "selector": ["matchLabels": labels],
                "template": [
                    "metadata": ["labels": labels],
                    "spec": [
                        "containers": [
                            [
                                "name": "score", "image": r.image,
                                "args": [
                                    "serve", "/models/\(r.modelFile)", "--host", "0.0.0.0", "--port", "\(r.port)",
                                    "--max-concurrent-requests", "\(c.replicaMaxConcurrentRequests)", "--max-request-wait-ms",
                                    "\(Int(c.maxRequestWaitTime.rounded()))",
                                ],
                                "ports": [["containerPort": r.port]],
                                "resources": [
                                    "requests": ["cpu": q.cpu, "memory": q.memory], "limits": ["cpu": q.cpu, "memory": q.memory],
                                ],
                                "readinessProbe": probe, "livenessProbe": probe,
                            ] as [String: Any]
                        ]
                    ] as [String: Any],
                ] as [String: Any],
            ] as [String: Any],
        ]
        let service: [String: Any] = [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": name],
            "spec": ["selector": labels, "ports": [["port": 80, "targetPort": r.port]]] as [String: Any],
        ]
        let hpa: [String: Any] = [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": name],
            "spec": [
                "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": name], "minReplicas": low, "maxReplicas": high,
                "metrics": [
                    [
                        "type": "Resource",
                        "resource": [
                            "name": "cpu",
                            "target": ["type": "Utilization", "averageUtilization": Int(c.autoscaleTargetUtilization.rounded())],
                        ] as [String: Any],
                    ] as [String: Any]
                ],
            ] as [String: Any],
        ]
        let documents = [deployment, service] + (c.autoscaleEnabled ? [hpa] : [])
        return try documents.map { try Yams.dump(object: $0, sortKeys: true) }.joined(separator: "---\n")
    }

    // MARK: - IoT Edge

    /// The deployment manifest for the planned device class: the scoring module limited to the
    /// device's cores and usable memory, and edgeHub's store-and-forward with the plan's time to live.
    static func edgeManifest(_ c: EdgeConfiguration, _ r: ManifestReferences) throws -> String {
        let device = try HardwareProfile.named(c.device)
        let cores = min(c.cores ?? device.cores, device.cores)
        let memoryBytes = Int(device.ramGB * IoTEdgeTarget.usableMemory * 1_073_741_824)
        let create: [String: Any] = [
            "Cmd": [
                "serve", "/models/\(r.modelFile)", "--host", "0.0.0.0", "--port", "\(r.port)", "--threads",
                "\(max(1, Int(cores.rounded(.down))))",
            ],
            "HostConfig": [
                "NanoCpus": Int(cores * 1e9), "Memory": memoryBytes,
                "PortBindings": ["\(r.port)/tcp": [["HostPort": "\(r.port)"]]],
            ] as [String: Any],
        ]
        let createOptions = String(
            decoding: try JSONSerialization.data(withJSONObject: create, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
        let hubCreate =
            #"{"HostConfig":{"PortBindings":{"443/tcp":[{"HostPort":"443"}],"5671/tcp":[{"HostPort":"5671"}],"8883/tcp":[{"HostPort":"8883"}]}}}"#
        let manifest: [String: Any] = [
            "modulesContent": [
                "$edgeAgent": [
                    "properties.desired": [
                        "schemaVersion": "1.1",
                        "runtime": ["type": "docker", "settings": ["minDockerVersion": "v1.25"]] as [String: Any],
                        "systemModules": [
                            "edgeAgent": [
                                "type": "docker", "settings": ["image": "mcr.microsoft.com/azureiotedge-agent:1.5", "createOptions": "{}"],
                            ]
                                as [String: Any],
                            "edgeHub": [
                                "type": "docker", "status": "running", "restartPolicy": "always",
                                "settings": ["image": "mcr.microsoft.com/azureiotedge-hub:1.5", "createOptions": hubCreate],
                            ] as [String: Any],
                        ] as [String: Any],
                        "modules": [
                            "scoring": [
                                "version": "1.0", "type": "docker", "status": "running", "restartPolicy": "always",
                                "settings": ["image": r.image, "createOptions": createOptions],
                            ] as [String: Any]
                        ],
                    ] as [String: Any]
                ],
                "$edgeHub": [
                    "properties.desired": [
                        "schemaVersion": "1.1",
                        "routes": ["scoringToCloud": "FROM /messages/modules/scoring/outputs/* INTO $upstream"],
                        "storeAndForwardConfiguration": ["timeToLiveSecs": Int(c.timeToLiveSecs.rounded())],
                    ] as [String: Any]
                ],
            ] as [String: Any]
        ]
        return String(
            decoding: try JSONSerialization.data(
                withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            + "\n"
    }

    // MARK: - Encoding

    static func yaml(_ value: some Encodable) throws -> String {
        try YAMLEncoder().encode(value)
    }

    static func json(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self) + "\n"
    }
}
