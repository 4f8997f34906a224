/// Where the workload runs: the document's production versus dev/test split.
package enum DeploymentEnvironment: String, Sendable, Codable, CaseIterable {
    case production
    case devTest = "dev-test"
}

/// How reliably the data source reaches the cloud.
package enum Connectivity: String, Sendable, Codable, CaseIterable {
    case always
    case intermittent
    case offline
}

/// Where the data may go.
package enum PrivacyRequirement: String, Sendable, Codable, CaseIterable {
    /// No restriction.
    case none
    /// Data must stay on the organisation's premises.
    case onPremises = "on-premises"
    /// Data must not leave the device that produces it.
    case onDevice = "on-device"
}

/// Where the requests come from: it decides which targets can serve them and the network
/// time each cloud target adds.
package enum RequestSource: String, Sendable, Codable, CaseIterable {
    /// Clients on the internet (the default): the given RTT and the client's uplink.
    case internet
    /// Other Azure services in the same region: about a millisecond, a VM's network.
    case azure
    /// Devices or cameras on the premises whose connectivity and uplink the workload describes;
    /// the only source IoT Edge serves, since it runs on the site's devices.
    case site
}

/// What a target's rules read from the workload: its requirements and the numbers already
/// derived from it (the network time, the SLO), in one value so rules never see text.
package struct Requirements: Sendable, Codable, Equatable {
    package var environment: DeploymentEnvironment
    package var requestsFrom: RequestSource
    package var connectivity: Connectivity
    package var privacy: PrivacyRequirement
    /// Data produced at the source, MB/s.
    package var dataMBps: Double
    /// The client's uplink, Mbit/s.
    package var uplinkMbps: Double
    /// Client ↔ cloud time per request without queueing (RTT + payload upload + response), its
    /// 99th percentile, ms: the figure the planner adds to every cloud target.
    package var networkMs: Double
    /// The SLO's p99, ms.
    package var sloMs: Double
    /// Mean and peak offered load, requests/s.
    package var rps: Double
    package var peakRps: Double
    /// Minutes until the model must serve (nil: no deadline).
    package var deployDeadlineMinutes: Double?
    package var existingCluster: Bool
    /// USD per month (nil: no budget).
    package var budgetUSDPerMonth: Double?
    /// Edge devices at the site, each scoring its share, and whether they are already there.
    package var devices: Int
    package var devicesInstalled: Bool
    /// The model's name, for messages.
    package var modelName: String
    /// Whether the model is one of the DNNs Azure offered on FPGAs.
    package var fpgaOffered: Bool
    /// The FPGA plan's number format and why (measured against the accuracy floor); nil when
    /// not measured (quick answers, synthetic studies).
    package var fpgaFormatNote: String?

    package init(
        environment: DeploymentEnvironment = .production, requestsFrom: RequestSource = .internet,
        connectivity: Connectivity = .always, privacy: PrivacyRequirement = .none,
        dataMBps: Double = 0, uplinkMbps: Double = 20, networkMs: Double = 40, sloMs: Double = 100, rps: Double = 10,
        peakRps: Double = 10, deployDeadlineMinutes: Double? = nil, existingCluster: Bool = false, budgetUSDPerMonth: Double? = nil,
        devices: Int = 1, devicesInstalled: Bool = false, modelName: String = "model", fpgaOffered: Bool = false
    ) {
        self.environment = environment
        self.requestsFrom = requestsFrom
        self.connectivity = connectivity
        self.privacy = privacy
        self.dataMBps = dataMBps
        self.uplinkMbps = uplinkMbps
        self.networkMs = networkMs
        self.sloMs = sloMs
        self.rps = rps
        self.peakRps = peakRps
        self.deployDeadlineMinutes = deployDeadlineMinutes
        self.existingCluster = existingCluster
        self.budgetUSDPerMonth = budgetUSDPerMonth
        self.devices = devices
        self.devicesInstalled = devicesInstalled
        self.modelName = modelName
        self.fpgaOffered = fpgaOffered
    }

    /// The source's data rate, Mbit/s.
    package var dataMbps: Double { dataMBps * 8 }
    /// The site produces more than its uplink can carry.
    package var dataExceedsUplink: Bool { dataMbps > uplinkMbps }
}

/// What the CPU targets (every target but the FPGA) offer for this workload, for the rules
/// that compare: only plans that meet the SLO and that the workload's own constraints
/// (request source, privacy, connectivity, data volume) allow.
package struct Alternatives: Sendable, Equatable {
    /// The lowest p99 among them, ms (nil: no CPU target meets the SLO).
    package var bestCPUP99Ms: Double?
    /// The cheapest of them and its monthly cost, USD.
    package var cheapestCPU: TargetKind?
    package var cheapestCPUUSD: Double?

    package init(bestCPUP99Ms: Double? = nil, cheapestCPU: TargetKind? = nil, cheapestCPUUSD: Double? = nil) {
        self.bestCPUP99Ms = bestCPUP99Ms
        self.cheapestCPU = cheapestCPU
        self.cheapestCPUUSD = cheapestCPUUSD
    }
}
