/// A criterion of the reference document ("where to deploy models", Azure Machine Learning,
/// 2018; see shared/seeds), or a quantitative check derived from the profiles and simulators.
///
/// Each carries the sentence it comes from, so every verdict can be traced to the document.
package enum Criterion: String, Sendable, Codable, CaseIterable {
    // MARK: - From the document
    case quickDeployValidation = "quick-deploy-validation"
    case devTest = "dev-test"
    case largeScaleProduction = "large-scale-production"
    case autoscalingFastResponse = "autoscaling-fast-response"
    case noCloudConnection = "no-cloud-connection"
    case dataTooLargeToSend = "data-too-large-to-send"
    case realTimeLocalProcessing = "real-time-local-processing"
    case dataPrivacy = "data-privacy"
    case ultraLowLatency = "ultra-low-latency"
    case supportedDNN = "supported-dnn"
    // MARK: - From Azure Machine Learning's v2 documentation (today's deployment paths)
    case turnkeyProduction = "turnkey-production"
    case clusterExists = "cluster-exists"
    // MARK: - Quantitative checks
    case latencySLO = "latency-slo"
    case singleGroupCapacity = "single-group-capacity"
    case aciQuota = "aci-quota"
    case memoryFit = "memory-fit"
    case deployDeadline = "deploy-deadline"
    case budget = "budget"
    case availability = "availability"
    case requestSource = "request-source"
    case accuracyFloor = "accuracy-floor"

    /// The target the document associates with the criterion, if any.
    package var documentTarget: TargetKind? {
        switch self {
        case .quickDeployValidation, .devTest: .aci
        case .largeScaleProduction, .autoscalingFastResponse: .aks
        case .noCloudConnection, .dataTooLargeToSend, .realTimeLocalProcessing, .dataPrivacy: .iotEdge
        case .ultraLowLatency, .supportedDNN: .fpga
        case .turnkeyProduction: .managed
        case .clusterExists: .aks
        default: nil
        }
    }

    /// The document's sentence (English rendering of the Portuguese/Spanish source), or the
    /// check's definition for quantitative criteria.
    package var sentence: String {
        switch self {
        case .quickDeployValidation:
            "ACI: you need to quickly deploy and validate your model; ACI deployment finishes in less than 5 minutes."
        case .devTest:
            "ACI: you are looking to deploy your model in a development or test environment; ACI lets you deploy 20 container groups per subscription."
        case .largeScaleProduction: "AKS: for large-scale production scenarios, use Azure Kubernetes Service."
        case .autoscalingFastResponse:
            "AKS provides autoscaling, logging, model data collection and fast response time for your web services."
        case .noCloudConnection: "IoT Edge: handle priority tasks locally even without a cloud connection."
        case .dataTooLargeToSend: "IoT Edge: work with generated data that is too large to pull quickly to the cloud."
        case .realTimeLocalProcessing:
            "IoT Edge: enable real-time processing through intelligence in local or nearby devices; scoring on the device is faster than sending data to the cloud and waiting."
        case .dataPrivacy: "IoT Edge: accommodate data-privacy requirements."
        case .ultraLowLatency:
            "FPGA: hardware-accelerated models on Project Brainwave achieve extremely low latency for real-time inference requests."
        case .supportedDNN:
            "FPGA: the most common DNNs (ResNet-50, ResNet-152, DenseNet-121, VGG-16, SSD-VGG) are available as featurizers for transfer learning or customizable with your own trained weights."
        case .turnkeyProduction:
            "Azure ML (v2): managed online endpoints deploy models in a turnkey manner and are the recommended way to use online endpoints; they take care of serving, scaling, securing and monitoring, freeing you from setting up and managing the underlying infrastructure (learn.microsoft.com/azure/machine-learning/concept-endpoints-online)."
        case .clusterExists:
            "Azure ML (v2): Kubernetes online endpoints deploy to an AKS or Arc-enabled cluster you already run and manage, for users who prefer Kubernetes and can self-manage infrastructure (learn.microsoft.com/azure/machine-learning/concept-endpoints-online)."
        case .latencySLO: "The predicted p99 latency at the workload's peak rate must be within the SLO."
        case .singleGroupCapacity: "One ACI container group (at most 4 vCPU) must carry the load."
        case .aciQuota: "ACI allows \(ACIConfiguration().containerGroupQuota) container groups per subscription (the document)."
        case .memoryFit: "The model, its activations and the scoring runtime must fit the container's or device's memory."
        case .deployDeadline: "The deployment must be serving by the deploy deadline (AKS: about 20 more minutes when no cluster exists)."
        case .budget: "The monthly cost at the workload's load must be within the budget."
        case .availability: "Requests must succeed (≥ 99.9%) under the workload's connectivity."
        case .accuracyFloor:
            "The FPGA runs the model in a narrow block floating-point format; the format must keep the workload's accuracy against float32 (accuracy: minTop1Agreement / minSqnrDb; default top-1 agreement ≥ 99%), measured on the model's weights."
        case .requestSource:
            "IoT Edge runs the model on the site's own devices: it serves requests produced at the site (requestsFrom: site), not traffic from the internet or from Azure services."
        }
    }
}

/// How a reason bears on a target.
package enum Effect: String, Sendable, Codable {
    /// Speaks for the target.
    case favors = "for"
    /// A preference against it.
    case against
    /// A hard constraint: rules the target out.
    case blocks
    /// Context only.
    case info
}

/// One reason behind a verdict: the criterion, the number that decided it, and a sentence.
package struct Reason: Sendable, Codable, Equatable {
    package var criterion: Criterion
    /// The figures that decided it, as people read them.
    package var evidence: String
    package var text: String
    package var effect: Effect
    /// How many document criteria this counts as in the fit score (``DecisionPolicy/strongCriterionWeight``
    /// for the document's defining reasons, else 1).
    package var weight: Int

    /// Whether this reason rules the target out.
    package var blocking: Bool { effect == .blocks }

    package init(_ criterion: Criterion, _ effect: Effect, evidence: String, text: String, weight: Int = 1) {
        self.criterion = criterion
        self.evidence = evidence
        self.text = text
        self.effect = effect
        self.weight = weight
    }

    enum CodingKeys: String, CodingKey { case criterion, evidence, text, effect, blocking, weight }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        criterion = try c.decode(Criterion.self, forKey: .criterion)
        evidence = try c.decode(String.self, forKey: .evidence)
        text = try c.decode(String.self, forKey: .text)
        effect = try c.decode(Effect.self, forKey: .effect)
        weight = try c.decodeIfPresent(Int.self, forKey: .weight) ?? 1
    }

    /// Encodes `blocking` too (kept from schema 1 for scripts).
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(text, forKey: .text)
        try c.encode(effect, forKey: .effect)
        try c.encode(blocking, forKey: .blocking)
        try c.encode(weight, forKey: .weight)
    }
}
