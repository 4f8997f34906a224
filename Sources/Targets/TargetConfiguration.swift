/// The four deployment targets.
public enum TargetKind: String, Sendable, Codable, CaseIterable {
    case aci
    case aks
    case iotEdge = "iot-edge"
    case fpga

    public var displayName: String {
        switch self {
        case .aci: "Azure Container Instances"
        case .aks: "Azure Kubernetes Service"
        case .iotEdge: "Azure IoT Edge"
        case .fpga: "FPGA (Project Brainwave)"
        }
    }
}

/// ACI deployment configuration (Azure ML SDK v1 `AciWebservice.deploy_configuration` names).
public struct ACIConfiguration: Sendable, Codable, Equatable {
    public var cpu_cores: Double = 0.1
    public var memory_gb: Double = 0.5
    /// Subscription quota of container groups (the document: 20).
    public var containerGroupQuota: Int = 20
    public init() {}
}

/// AKS deployment configuration (Azure ML SDK v1 `AksWebservice.deploy_configuration` names).
public struct AKSConfiguration: Sendable, Codable, Equatable {
    public var autoscale_enabled: Bool = true
    public var autoscale_min_replicas: Int = 1
    public var autoscale_max_replicas: Int = 10
    public var autoscale_refresh_seconds: Double = 1
    /// Percent.
    public var autoscale_target_utilization: Double = 70
    /// Fixed replicas when autoscaling is off (Azure: autoscale is enabled when this is unset).
    public var num_replicas: Int?
    public var cpu_cores: Double = 0.1
    public var memory_gb: Double = 0.5
    public var scoring_timeout_ms: Double = 60000
    public var replica_max_concurrent_requests: Int = 1
    /// Milliseconds a request may wait in azureml-fe before HTTP 503.
    public var max_request_wait_time: Double = 500
    public var nodeSize: String = "Standard_D4s_v3"
    /// Seconds for a new replica to serve (azureml-fe adds replicas in about 1 s on warm nodes).
    public var replicaStartSeconds: Double = 1
    /// Seconds utilization must stay low before a replica is removed (about 1 min).
    public var scaleDownDelaySeconds: Double = 60
    /// Per-request overhead of request logging (App Insights), ms.
    public var loggingOverheadMs: Double = 0.5
    /// Per-request overhead of model data collection, ms (0 when off).
    public var dataCollectionOverheadMs: Double = 0
    public init() {}
}

/// IoT Edge deployment configuration.
public struct EdgeConfiguration: Sendable, Codable, Equatable {
    /// Device profile id: rpi4, jetson-nano, nuc.
    public var device: String = "nuc"
    public var devices: Int = 1
    /// Cores the inference module may use (default: all of the device's).
    public var cores: Double?
    /// Intermittent connectivity: mean connected and disconnected periods, seconds.
    public var meanUpSeconds: Double = 1800
    public var meanDownSeconds: Double = 300
    /// edgeHub store-and-forward time to live (`timeToLiveSecs`).
    public var timeToLiveSecs: Double = 7200
    /// Bytes of the result/telemetry message sent upstream per inference.
    public var messageBytes: Int = 512
    /// IoT Hub S1 units.
    public var iotHubUnits: Int = 1
    public init() {}
}

/// FPGA deployment configuration.
public struct FPGAConfiguration: Sendable, Codable, Equatable {
    public var preset: String = "brainwave-a10"
    public var fpgas: Int = 1
    /// Matrix-unit format (default: the preset's).
    public var numberFormat: String?
    /// PCIe and driver overhead per request, ms.
    public var transferOverheadMs: Double = 0.1
    public init() {}
}

/// Every target's configuration.
public struct TargetConfigurations: Sendable, Codable, Equatable {
    public var aci = ACIConfiguration()
    public var aks = AKSConfiguration()
    public var edge = EdgeConfiguration()
    public var fpga = FPGAConfiguration()
    public init() {}

    /// Applies `target.key=value` settings (`aks.cpu_cores=2`, `iot-edge.device=rpi4`, …).
    ///
    /// - Throws: ``TargetError`` naming the setting and what is allowed.
    public mutating func apply(_ setting: String) throws(TargetError) {
        let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
        let path = parts.first?.split(separator: ".", maxSplits: 1).map(String.init) ?? []
        guard parts.count == 2, path.count == 2 else {
            throw TargetError("setting '\(setting)' must look like target.key=value (e.g. aks.cpu_cores=2)")
        }
        let value = parts[1]
        func number() throws(TargetError) -> Double {
            guard let v = Double(value), v.isFinite, v >= 0 else {
                throw TargetError("setting '\(setting)': '\(value)' is not a non-negative number")
            }
            return v
        }
        func integer() throws(TargetError) -> Int {
            guard let v = Int(value), v >= 0 else { throw TargetError("setting '\(setting)': '\(value)' is not a non-negative integer") }
            return v
        }
        func boolean() throws(TargetError) -> Bool {
            guard let v = Bool(value) else { throw TargetError("setting '\(setting)': '\(value)' is not true or false") }
            return v
        }
        switch (path[0], path[1]) {
        case ("aci", "cpu_cores"): aci.cpu_cores = try number()
        case ("aci", "memory_gb"): aci.memory_gb = try number()
        case ("aks", "autoscale_enabled"): aks.autoscale_enabled = try boolean()
        case ("aks", "autoscale_min_replicas"): aks.autoscale_min_replicas = try integer()
        case ("aks", "autoscale_max_replicas"): aks.autoscale_max_replicas = try integer()
        case ("aks", "autoscale_refresh_seconds"): aks.autoscale_refresh_seconds = try number()
        case ("aks", "autoscale_target_utilization"): aks.autoscale_target_utilization = try number()
        case ("aks", "num_replicas"):
            aks.num_replicas = try integer()
            aks.autoscale_enabled = false
        case ("aks", "cpu_cores"): aks.cpu_cores = try number()
        case ("aks", "memory_gb"): aks.memory_gb = try number()
        case ("aks", "scoring_timeout_ms"): aks.scoring_timeout_ms = try number()
        case ("aks", "replica_max_concurrent_requests"): aks.replica_max_concurrent_requests = try integer()
        case ("aks", "max_request_wait_time"): aks.max_request_wait_time = try number()
        case ("aks", "node_size"), ("aks", "nodeSize"): aks.nodeSize = value
        case ("aks", "logging_overhead_ms"): aks.loggingOverheadMs = try number()
        case ("aks", "data_collection_overhead_ms"): aks.dataCollectionOverheadMs = try number()
        case ("iot-edge", "device"): edge.device = value
        case ("iot-edge", "devices"): edge.devices = try integer()
        case ("iot-edge", "cores"): edge.cores = try number()
        case ("iot-edge", "mean_up_seconds"): edge.meanUpSeconds = try number()
        case ("iot-edge", "mean_down_seconds"): edge.meanDownSeconds = try number()
        case ("iot-edge", "timeToLiveSecs"), ("iot-edge", "ttl_seconds"): edge.timeToLiveSecs = try number()
        case ("iot-edge", "message_bytes"): edge.messageBytes = try integer()
        case ("fpga", "preset"): fpga.preset = value
        case ("fpga", "fpgas"): fpga.fpgas = try integer()
        case ("fpga", "number_format"): fpga.numberFormat = value
        default:
            throw TargetError(
                "unknown setting '\(path[0]).\(path[1])'; settings: aci.{cpu_cores,memory_gb}, aks.{autoscale_enabled,autoscale_min_replicas,autoscale_max_replicas,autoscale_refresh_seconds,autoscale_target_utilization,num_replicas,cpu_cores,memory_gb,scoring_timeout_ms,replica_max_concurrent_requests,max_request_wait_time,node_size,logging_overhead_ms,data_collection_overhead_ms}, iot-edge.{device,devices,cores,mean_up_seconds,mean_down_seconds,timeToLiveSecs,message_bytes}, fpga.{preset,fpgas,number_format}"
            )
        }
        try validate()
    }

    /// Checks every value's range.
    public func validate() throws(TargetError) {
        func check(_ ok: Bool, _ what: String) throws(TargetError) { if !ok { throw TargetError(what) } }
        try check(
            aci.cpu_cores > 0 && aci.cpu_cores <= 4, "aci.cpu_cores must be > 0 and ≤ 4 (ACI's per-group limit), got \(aci.cpu_cores)")
        try check(aci.memory_gb > 0 && aci.memory_gb <= 16, "aci.memory_gb must be > 0 and ≤ 16, got \(aci.memory_gb)")
        try check(aks.autoscale_min_replicas >= 1, "aks.autoscale_min_replicas must be at least 1")
        try check(aks.autoscale_max_replicas >= aks.autoscale_min_replicas, "aks.autoscale_max_replicas must be ≥ autoscale_min_replicas")
        try check(
            aks.autoscale_target_utilization > 0 && aks.autoscale_target_utilization <= 100,
            "aks.autoscale_target_utilization must be in (0, 100]")
        try check(aks.autoscale_refresh_seconds > 0, "aks.autoscale_refresh_seconds must be > 0")
        try check(aks.cpu_cores > 0, "aks.cpu_cores must be > 0")
        try check(aks.memory_gb > 0, "aks.memory_gb must be > 0")
        try check(aks.replica_max_concurrent_requests >= 1, "aks.replica_max_concurrent_requests must be at least 1")
        try check((aks.num_replicas ?? 1) >= 1, "aks.num_replicas must be at least 1")
        try check(
            HardwareProfile.aksNodes.contains { $0.id == aks.nodeSize },
            "aks.node_size '\(aks.nodeSize)' is not one of \(HardwareProfile.aksNodes.map(\.id).joined(separator: ", "))")
        try check(
            HardwareProfile.edgeDevices.contains { $0.id == edge.device },
            "iot-edge.device '\(edge.device)' is not one of \(HardwareProfile.edgeDevices.map(\.id).joined(separator: ", "))")
        try check(edge.devices >= 1, "iot-edge.devices must be at least 1")
        try check(edge.meanUpSeconds > 0 && edge.meanDownSeconds > 0, "iot-edge mean up/down seconds must be > 0")
        try check(fpga.fpgas >= 1, "fpga.fpgas must be at least 1")
    }
}
