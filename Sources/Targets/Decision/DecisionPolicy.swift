/// Every number that decides a plan or a recommendation, with why it has that value. One
/// value of this type is used by the planner and the recommender and is written into
/// `recommend`'s JSON, so a reader sees what decided.
package struct DecisionPolicy: Sendable, Codable, Equatable {
    // MARK: - Planning

    /// Highest utilization the analytic plan accepts. Erlang C's wait grows as `1/(1 − ρ)`: at
    /// ρ = 0.98 the 99th-percentile wait is already 50× the service time for one server, and
    /// the Allen–Cunneen correction is unreliable beyond it (Allen 1990, §6).
    package var maxAnalyticUtilization = 0.98
    /// Utilization replicas are sized for: Azure ML's `autoscale_target_utilization` default (70%)
    /// and its sizing rule `replicas = ceil(rps × requestSeconds / targetUtilization)`.
    package var sizingUtilization = 0.70
    /// A plan must serve at least this share of requests in its verifying simulation (the
    /// `availability` criterion: three nines).
    package var minSuccessRate = 0.999
    /// Most replicas searched above the Erlang C start (`ceil(λ·S)`). Past it, an SLO that
    /// more replicas do not meet is a service time above the SLO, which the search detects first.
    package var maxExtraReplicas = 2000
    /// Most edge devices the planner puts at one site. A search bound, not an Azure limit: past
    /// it the answer is a fleet rollout, which this tool does not plan.
    package var maxEdgeDevices = 256
    /// Most FPGA VMs the planner tries. A search bound, not an Azure quota (no public quota for
    /// the retired PBS family is documented); 64 × 600 images/s per FPGA (Duarte et al. 2019)
    /// covers any load the other targets can serve.
    package var maxFPGAs = 64
    /// Verification: how many times a plan that misses in simulation is grown and simulated again.
    package var verificationAttempts = 6
    /// Between configurations of equal cost, a smaller size becomes the plan when its
    /// ``CandidateFamily/demand(servers:)`` is at most this share above the plan's: near-ties go
    /// to the smaller size (less left unused when its replica count rounds up, finer autoscaling
    /// steps, less capacity lost with one replica) by rule rather than by the last percent of a
    /// measurement. For a model whose time halves with twice the vCPU, 0.5 and 1 vCPU demand the
    /// same but for the per-request overhead; 5% is well above what separates sizes from one
    /// host to another (`Scripts/check-host-invariance.py`: every target's service time moved by
    /// the same factor within 0.3%).
    package var demandTolerance = 0.05
    /// How much AKS replicas grow per failed verification (a quarter: the simulation's
    /// difference from Erlang C is a queueing-tail effect of tens of percent at most).
    package var replicaGrowthOnMiss = 0.25

    // MARK: - Recommending

    /// The document-fit score of a target with no criterion for or against it (0…1).
    package var fitBaseline = 0.5
    /// What one document criterion adds to (or takes from) the fit score.
    package var fitStep = 0.25
    /// Weight of a criterion the document states as a target's reason to exist (edge:
    /// no connection, data too large, privacy; ACI in production): it counts twice.
    package var strongCriterionWeight = 2
    /// Deploy time above which the deploy score is 0, minutes (an hour: a deployment a
    /// team waits for past lunch).
    package var deployScoreHorizonMinutes = 60.0
    /// A deadline below this favours ACI's quick deploy: the AKS cluster (20 min) plus a
    /// deployment (~10 min) would not be serving before it.
    package var quickDeployDeadlineMinutes = 30.0
    /// Peak-to-mean ratio above which autoscaling pays: the load varies by more than the HPA's
    /// 10% tolerance twice over.
    package var variableLoadRatio = 1.2
    /// Peak above which a service counts as large scale, requests/s (more than one ACI group
    /// at 4 vCPU serves for any but the smallest models).
    package var largeScaleRps = 100.0
    /// How much more than the cheapest eligible plan the recommended one may cost when it fits
    /// the document better or scores better otherwise (10%: within the price estimates'
    /// own uncertainty, so the choice between near-equal prices is made by fit, latency and
    /// deploy time, never a pricier plan for a preference alone).
    package var costTolerance = 0.10
    /// Scoring on the device favours the edge when the network alone takes at least this share of the SLO.
    package var localProcessingNetworkShare = 0.5

    package init() {}

    package static let standard = DecisionPolicy()
}
