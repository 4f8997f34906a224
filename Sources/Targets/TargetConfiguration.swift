/// ACI deployment configuration (Azure ML SDK v1 `AciWebservice.deploy_configuration` names).
package struct ACIConfiguration: Sendable, Codable, Equatable {
    package var cpuCores: Double = 0.1
    package var memoryGB: Double = 0.5
    /// Subscription quota of container groups (the document: 20).
    package var containerGroupQuota: Int = 20
    package init() {}

    enum CodingKeys: String, CodingKey {
        case cpuCores = "cpu_cores"
        case memoryGB = "memory_gb"
        case containerGroupQuota
    }
}

/// AKS deployment configuration (Azure ML SDK v1 `AksWebservice.deploy_configuration` names).
package struct AKSConfiguration: Sendable, Codable, Equatable {
    package var autoscaleEnabled: Bool = true
    package var autoscaleMinReplicas: Int = 1
    package var autoscaleMaxReplicas: Int = 10
    package var autoscaleRefreshSeconds: Double = 1
    /// Percent.
    package var autoscaleTargetUtilization: Double = 70
    /// Fixed replicas when autoscaling is off (Azure: autoscale is enabled when this is unset).
    package var numReplicas: Int?
    package var cpuCores: Double = 0.1
    package var memoryGB: Double = 0.5
    package var scoringTimeoutMs: Double = 60000
    package var replicaMaxConcurrentRequests: Int = 1
    /// Milliseconds a request may wait in azureml-fe before HTTP 503.
    package var maxRequestWaitTime: Double = 500
    package var nodeSize: String = "Standard_D4s_v3"
    /// Seconds for a new replica to serve (azureml-fe adds replicas in about 1 s on warm nodes).
    package var replicaStartSeconds: Double = 1
    /// Seconds utilization must stay low before a replica is removed (about 1 min).
    package var scaleDownDelaySeconds: Double = 60
    /// Per-request overhead of request logging (App Insights), ms.
    package var loggingOverheadMs: Double = 0.5
    /// Per-request overhead of model data collection, ms (0 when off).
    package var dataCollectionOverheadMs: Double = 0
    package init() {}

    /// Azure ML's parameter names in JSON.
    enum CodingKeys: String, CodingKey {
        case autoscaleEnabled = "autoscale_enabled"
        case autoscaleMinReplicas = "autoscale_min_replicas"
        case autoscaleMaxReplicas = "autoscale_max_replicas"
        case autoscaleRefreshSeconds = "autoscale_refresh_seconds"
        case autoscaleTargetUtilization = "autoscale_target_utilization"
        case numReplicas = "num_replicas"
        case cpuCores = "cpu_cores"
        case memoryGB = "memory_gb"
        case scoringTimeoutMs = "scoring_timeout_ms"
        case replicaMaxConcurrentRequests = "replica_max_concurrent_requests"
        case maxRequestWaitTime = "max_request_wait_time"
        case nodeSize, replicaStartSeconds, scaleDownDelaySeconds, loggingOverheadMs, dataCollectionOverheadMs
    }
}

/// Azure ML managed online endpoint deployment (CLI/SDK v2 names: `instance_type`,
/// `instance_count`, `request_settings`, and the Azure Monitor autoscale profile and rules).
///
/// Request settings (Azure ML's `OnlineRequestSettings`, azure-ai-ml reference):
/// `max_concurrent_requests_per_instance` defaults to 1, `request_timeout_ms` to 5000;
/// `max_queue_wait_ms` is deprecated for managed online endpoints ("increase
/// request_timeout_ms to account for any networking/queue delays"), so the timeout covers the
/// wait. Under overload ("Troubleshoot online endpoints", status codes): at most
/// `2 × max_concurrent_requests_per_instance × instance_count` requests are admitted at any
/// moment, the rest get 429 (too many pending requests); a request running past
/// `request_timeout_ms` gets 408.
package struct ManagedConfiguration: Sendable, Codable, Equatable {
    package var instanceType: String = "Standard_F4s_v2"
    /// Instances at the start (the deployment's `instance_count`) — the plan sets it to the peak's.
    package var instanceCount: Int = 1
    package var maxConcurrentRequestsPerInstance: Int = 1
    package var requestTimeoutMs: Double = 5000
    /// Azure Monitor autoscale profile (`az monitor autoscale create --min-count --max-count`);
    /// equal counts mean no autoscale.
    package var autoscaleMinInstances: Int = 1
    package var autoscaleMaxInstances: Int = 1
    /// Scale out when the deployment's average `CpuUtilizationPercentage` over the window
    /// exceeds this, in by one below `scaleInThreshold` (the rules of Azure ML's autoscale
    /// how-to: 70 and 25, 5-minute windows, 5-minute cooldown).
    package var scaleOutThreshold: Double = 70
    package var scaleInThreshold: Double = 25
    package var cooldownMinutes: Double = 5
    /// Seconds from a scale-out decision to the new instance serving: VM allocation, image pull,
    /// container start and model load. Not published; an assumption (overridable).
    package var instanceStartSeconds: Double = 300
    package init() {}

    enum CodingKeys: String, CodingKey {
        case instanceType = "instance_type"
        case instanceCount = "instance_count"
        case maxConcurrentRequestsPerInstance = "max_concurrent_requests_per_instance"
        case requestTimeoutMs = "request_timeout_ms"
        case autoscaleMinInstances = "autoscale_min_instances"
        case autoscaleMaxInstances = "autoscale_max_instances"
        case scaleOutThreshold = "scale_out_threshold"
        case scaleInThreshold = "scale_in_threshold"
        case cooldownMinutes = "cooldown_minutes"
        case instanceStartSeconds = "instance_start_seconds"
    }
}

/// IoT Edge deployment configuration.
package struct EdgeConfiguration: Sendable, Codable, Equatable {
    /// Device profile id: rpi4, jetson-nano, nuc.
    package var device: String = "nuc"
    /// Devices at the site, each scoring its share of the requests (set from the workload's `devices`).
    package var devices: Int = 1
    /// The devices are already at the site (set from the workload's `devicesInstalled`): the
    /// class is `device`, the hardware is not charged and nothing must be bought.
    package var installed = false
    /// Days from ordering devices to having them at the site when they must be bought: five
    /// business days, a distributor's usual delivery for stock items (an assumption, overridable).
    package var procurementDays: Double = 7
    /// Cores the inference module may use (default: all of the device's).
    package var cores: Double?
    /// Intermittent connectivity: mean connected and disconnected periods, seconds.
    package var meanUpSeconds: Double = 1800
    package var meanDownSeconds: Double = 300
    /// edgeHub store-and-forward time to live (`timeToLiveSecs`).
    package var timeToLiveSecs: Double = 7200
    /// Bytes of the result/telemetry message sent upstream per inference.
    package var messageBytes: Int = 512
    /// IoT Hub S1 units.
    package var iotHubUnits: Int = 1
    package init() {}
}

/// FPGA deployment configuration.
package struct FPGAConfiguration: Sendable, Codable, Equatable {
    package var preset: String = "brainwave-a10"
    package var fpgas: Int = 1
    /// Matrix-unit format (default: the preset's).
    package var numberFormat: String?
    /// PCIe and driver overhead per request, ms.
    package var transferOverheadMs: Double = 0.1
    package init() {}
}

/// Every target's configuration.
package struct TargetConfigurations: Sendable, Codable, Equatable {
    package var aci = ACIConfiguration()
    package var aks = AKSConfiguration()
    package var managed = ManagedConfiguration()
    package var edge = EdgeConfiguration()
    package var fpga = FPGAConfiguration()
    package init() {}

    /// Applies one `target.key=value` setting (`aks.cpu_cores=2`, `iot-edge.device=rpi4`, …) and
    /// checks the result.
    ///
    /// - Throws: ``TargetError`` naming the setting and what is allowed.
    package mutating func apply(_ setting: String) throws(TargetError) {
        try set(setting)
        try validate()
    }

    /// Applies every setting, then checks the result once, so the order of the settings does
    /// not matter (`autoscale_min_replicas=30` before `autoscale_max_replicas=30` is valid).
    package mutating func apply(_ settings: [String]) throws(TargetError) {
        for s in settings { try set(s) }
        try validate()
    }

    private mutating func set(_ setting: String) throws(TargetError) {
        let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
        let path = parts.first?.split(separator: ".", maxSplits: 1).map(String.init) ?? []
        guard parts.count == 2, path.count == 2 else {
            throw TargetError("setting '\(setting)' must look like target.key=value (e.g. aks.cpuCores=2)")
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
        case ("aci", "cpu_cores"): aci.cpuCores = try number()
        case ("aci", "memory_gb"): aci.memoryGB = try number()
        case ("aks", "autoscale_enabled"): aks.autoscaleEnabled = try boolean()
        case ("aks", "autoscale_min_replicas"): aks.autoscaleMinReplicas = try integer()
        case ("aks", "autoscale_max_replicas"): aks.autoscaleMaxReplicas = try integer()
        case ("aks", "autoscale_refresh_seconds"): aks.autoscaleRefreshSeconds = try number()
        case ("aks", "autoscale_target_utilization"): aks.autoscaleTargetUtilization = try number()
        case ("aks", "num_replicas"):
            aks.numReplicas = try integer()
            aks.autoscaleEnabled = false
        case ("aks", "cpu_cores"): aks.cpuCores = try number()
        case ("aks", "memory_gb"): aks.memoryGB = try number()
        case ("aks", "scoring_timeout_ms"): aks.scoringTimeoutMs = try number()
        case ("aks", "replica_max_concurrent_requests"): aks.replicaMaxConcurrentRequests = try integer()
        case ("aks", "max_request_wait_time"): aks.maxRequestWaitTime = try number()
        case ("aks", "node_size"), ("aks", "nodeSize"): aks.nodeSize = value
        case ("aks", "logging_overhead_ms"): aks.loggingOverheadMs = try number()
        case ("aks", "data_collection_overhead_ms"): aks.dataCollectionOverheadMs = try number()
        case ("managed", "instance_type"): managed.instanceType = value
        case ("managed", "instance_count"):
            managed.instanceCount = try integer()
            managed.autoscaleMinInstances = managed.instanceCount
            managed.autoscaleMaxInstances = managed.instanceCount
        case ("managed", "max_concurrent_requests_per_instance"): managed.maxConcurrentRequestsPerInstance = try integer()
        case ("managed", "request_timeout_ms"): managed.requestTimeoutMs = try number()
        case ("managed", "autoscale_min_instances"): managed.autoscaleMinInstances = try integer()
        case ("managed", "autoscale_max_instances"): managed.autoscaleMaxInstances = try integer()
        case ("managed", "scale_out_threshold"): managed.scaleOutThreshold = try number()
        case ("managed", "scale_in_threshold"): managed.scaleInThreshold = try number()
        case ("managed", "cooldown_minutes"): managed.cooldownMinutes = try number()
        case ("managed", "instance_start_seconds"): managed.instanceStartSeconds = try number()
        case ("iot-edge", "device"): edge.device = value
        case ("iot-edge", "devices"):
            throw TargetError(
                "setting '\(setting)': the number of devices is the workload's key 'devices' (flag --devices), since it describes the site")
        case ("iot-edge", "procurement_days"): edge.procurementDays = try number()
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
                "unknown setting '\(path[0]).\(path[1])'; settings: aci.{cpu_cores,memory_gb}, aks.{autoscale_enabled,autoscale_min_replicas,autoscale_max_replicas,autoscale_refresh_seconds,autoscale_target_utilization,num_replicas,cpu_cores,memory_gb,scoring_timeout_ms,replica_max_concurrent_requests,max_request_wait_time,node_size,logging_overhead_ms,data_collection_overhead_ms}, managed.{instance_type,instance_count,max_concurrent_requests_per_instance,request_timeout_ms,autoscale_min_instances,autoscale_max_instances,scale_out_threshold,scale_in_threshold,cooldown_minutes,instance_start_seconds}, iot-edge.{device,procurement_days,cores,mean_up_seconds,mean_down_seconds,timeToLiveSecs,message_bytes}, fpga.{preset,fpgas,number_format}"
            )
        }
    }

    /// Checks every value's range.
    package func validate() throws(TargetError) {
        func check(_ ok: Bool, _ what: String) throws(TargetError) { if !ok { throw TargetError(what) } }
        try check(
            aci.cpuCores > 0 && aci.cpuCores <= 4, "aci.cpuCores must be > 0 and ≤ 4 (ACI's per-group limit), got \(aci.cpuCores)")
        try check(aci.memoryGB > 0 && aci.memoryGB <= 16, "aci.memoryGB must be > 0 and ≤ 16, got \(aci.memoryGB)")
        try check(aks.autoscaleMinReplicas >= 1, "aks.autoscaleMinReplicas must be at least 1")
        try check(
            aks.autoscaleMaxReplicas >= aks.autoscaleMinReplicas,
            "aks.autoscale_max_replicas (\(aks.autoscaleMaxReplicas)) must be ≥ aks.autoscale_min_replicas (\(aks.autoscaleMinReplicas))")
        try check(
            aks.autoscaleTargetUtilization > 0 && aks.autoscaleTargetUtilization <= 100,
            "aks.autoscaleTargetUtilization must be in (0, 100]")
        try check(aks.autoscaleRefreshSeconds > 0, "aks.autoscaleRefreshSeconds must be > 0")
        try check(aks.cpuCores > 0, "aks.cpuCores must be > 0")
        try check(aks.memoryGB > 0, "aks.memoryGB must be > 0")
        try check(aks.replicaMaxConcurrentRequests >= 1, "aks.replicaMaxConcurrentRequests must be at least 1")
        try check((aks.numReplicas ?? 1) >= 1, "aks.numReplicas must be at least 1")
        try check(
            HardwareProfile.aksNodes.contains { $0.id == aks.nodeSize },
            "aks.node_size '\(aks.nodeSize)' is not one of \(HardwareProfile.aksNodes.map(\.id).joined(separator: ", "))")
        try check(
            HardwareProfile.managedInstances.contains { $0.id == managed.instanceType },
            "managed.instance_type '\(managed.instanceType)' is not one of \(HardwareProfile.managedInstances.map(\.id).joined(separator: ", "))"
        )
        try check(managed.instanceCount >= 1, "managed.instance_count must be at least 1")
        try check(managed.maxConcurrentRequestsPerInstance >= 1, "managed.max_concurrent_requests_per_instance must be at least 1")
        try check(managed.requestTimeoutMs > 0, "managed.request_timeout_ms must be > 0")
        try check(managed.autoscaleMinInstances >= 1, "managed.autoscale_min_instances must be at least 1")
        try check(
            managed.autoscaleMinInstances <= managed.instanceCount && managed.instanceCount <= managed.autoscaleMaxInstances,
            "managed: autoscale_min_instances (\(managed.autoscaleMinInstances)) ≤ instance_count (\(managed.instanceCount)) ≤ autoscale_max_instances (\(managed.autoscaleMaxInstances)) must hold"
        )
        try check(
            managed.scaleInThreshold < managed.scaleOutThreshold && managed.scaleOutThreshold <= 100,
            "managed: scale_in_threshold (\(managed.scaleInThreshold)) must be below scale_out_threshold (\(managed.scaleOutThreshold)) ≤ 100"
        )
        try check(managed.cooldownMinutes > 0, "managed.cooldown_minutes must be > 0")
        try check(
            HardwareProfile.edgeDevices.contains { $0.id == edge.device },
            "iot-edge.device '\(edge.device)' is not one of \(HardwareProfile.edgeDevices.map(\.id).joined(separator: ", "))")
        try check(edge.devices >= 1, "iot-edge.devices must be at least 1")
        try check(edge.meanUpSeconds > 0 && edge.meanDownSeconds > 0, "iot-edge mean up/down seconds must be > 0")
        try check(fpga.fpgas >= 1, "fpga.fpgas must be at least 1")
        let n = Self.maxServers
        for (key, v) in [
            ("aks.num_replicas", aks.numReplicas ?? 1), ("aks.autoscale_max_replicas", aks.autoscaleMaxReplicas),
            ("managed.instance_count", managed.instanceCount), ("managed.autoscale_max_instances", managed.autoscaleMaxInstances),
            ("iot-edge.devices", edge.devices), ("fpga.fpgas", fpga.fpgas),
        ] {
            try check(v <= n, "\(key) is \(v); the simulation models at most \(n) servers per target")
        }
    }

    /// The most replicas, instances, devices or FPGAs one target's plan may have (each is a
    /// simulated server; AKS allows 5,000 nodes per cluster and Azure ML far fewer instances).
    package static let maxServers = 10_000
}
