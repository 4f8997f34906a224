import Foundation
import Inference
import Simulation

/// Deploys a model to each target's simulator and runs the traffic through it.
package struct TargetSimulator: Sendable {
    package var context: TargetContext
    package var traffic: TrafficSpec
    package var configurations: TargetConfigurations

    package init(context: TargetContext, traffic: TrafficSpec, configurations: TargetConfigurations) {
        self.context = context
        self.traffic = traffic
        self.configurations = configurations
    }

    /// A simulator of `graph` measured as `calibration` (tests and the pipeline's own use).
    package init(
        graph: ModelGraph, modelName: String? = nil, batch: Int, calibration: ModelCalibration, traffic: TrafficSpec,
        configurations: TargetConfigurations = TargetConfigurations(), pricing: Pricing = .defaults, existingCluster: Bool = false,
        fpgaOffered: Bool = false
    ) throws {
        self.context = try TargetContext(
            graph: graph, modelName: modelName, fpgaOffered: fpgaOffered, batch: batch, calibration: calibration, pricing: pricing,
            production: traffic.production, existingCluster: existingCluster, siteLinkMbps: traffic.uplinkBitsPerSecond / 1e6,
            base: configurations)
        self.traffic = traffic
        self.configurations = configurations
    }

    /// Runs one target.
    package func run(_ kind: TargetKind) throws -> TargetResult {
        let target = kind.target
        let deploy = target.deployPhases(context)
        let deployMinutes = deploy.keys.sorted().reduce(0) { $0 + deploy[$1]! }
        let d = try target.deployment(configurations, context, traffic: traffic)
        guard let sim = d.simulation, d.refusal == nil else {
            let why = d.refusal.map { target.explain($0, Requirements(peakRps: traffic.offeredRps)) } ?? "cannot be deployed"
            return TargetResult(
                target: kind, config: d.parameters, deployable: false, infeasibility: d.refusal, refusal: why,
                deployMinutes: deployMinutes, deployBreakdown: deploy, latencyMs: nil, latencyBreakdownMs: nil,
                offeredRps: traffic.offeredRps, throughputRps: 0, successRate: 0, errors: ErrorCounts(rejected: 0, timeouts: 0, offline: 0),
                replicas: ReplicaSummary(min: 0, max: 0, mean: 0), costPerHourUSD: d.cost.perHourUSD, costPerMonthUSD: d.cost.perMonthUSD,
                costPerMillionUSD: nil, costIsEstimate: d.cost.isEstimate, bytesLeftDevice: 0, forwarding: nil, serviceMs: 0,
                serviceScaling: "", notes: [why] + d.notes, timeline: nil, cdf: [], events: 0)
        }
        let o = sim.run()
        let duration = traffic.durationSeconds
        var notes = d.notes
        if o.beyondBacklogBound > 0 {
            let share = Double(o.beyondBacklogBound) / Double(max(1, o.offered)) * 100
            notes.append(
                "the backlog reached \(ServingSimulation.maxWaitingRequests) waiting requests (the simulation's bound): this configuration cannot keep up with the load; \(o.beyondBacklogBound) requests (\(String(format: "%.1f", share))%) arrived beyond it and count as not served"
            )
        }
        let throughput = Double(o.completed * context.batch) / duration
        let r = o.latency
        let completed = o.completed > 0
        let n = Double(max(1, o.completed))
        return TargetResult(
            target: kind, config: d.parameters, deployable: true, infeasibility: nil, refusal: nil, deployMinutes: deployMinutes,
            deployBreakdown: deploy,
            latencyMs: completed
                ? LatencySummary(
                    p50: r.percentile(50) * 1e3, p90: r.percentile(90) * 1e3, p95: r.percentile(95) * 1e3, p99: r.percentile(99) * 1e3,
                    p999: r.percentile(99.9) * 1e3, mean: r.mean * 1e3) : nil,
            latencyBreakdownMs: completed
                ? LatencyBreakdown(
                    network: o.networkSum / n * 1e3, queue: o.queueSum / n * 1e3, service: o.serviceSum / n * 1e3,
                    queuedFraction: Double(o.waited) / n) : nil,
            offeredRps: Double(o.offered) / duration, throughputRps: throughput,
            successRate: o.offered > 0 ? Double(o.completed) / Double(o.offered) : 1,
            errors: ErrorCounts(rejected: o.rejected, timeouts: o.timeouts, offline: o.offline),
            replicas: ReplicaSummary(min: o.replicasMin, max: o.replicasMax, mean: o.replicasMean),
            costPerHourUSD: d.cost.perHourUSD, costPerMonthUSD: d.cost.perMonthUSD,
            costPerMillionUSD: throughput > 0 ? d.cost.perHourUSD / (throughput * 3600) * 1e6 : nil, costIsEstimate: d.cost.isEstimate,
            bytesLeftDevice: o.bytesLeftDevice,
            forwarding: sim.storeAndForward == nil
                ? nil
                : ForwardingSummary(
                    delivered: o.messagesDelivered, delayed: o.messagesDelayed, dropped: o.messagesDropped,
                    pending: o.completed - o.messagesDelivered - o.messagesDropped),
            serviceMs: completed ? o.serviceSum / n * 1e3 : 0, serviceScaling: d.scaling, notes: notes, timeline: o.timeline,
            cdf: r.cdf(points: 120).map { [$0.seconds * 1e3, $0.fraction] }, events: o.events,
            servedWithinRun: o.offered > 0 ? Double(o.completedAtHorizon) / Double(o.offered) : 1,
            unresolvedAtEnd: o.offered > 0 ? Double(o.unresolvedAtHorizon) / Double(o.offered) : 0,
            backlogGrows: o.saturatedAtHorizon && Double(o.unresolvedAtHorizon) >= 0.01 * Double(max(1, o.offered)),
            lostToCapacity: Double(o.rejected + o.timeouts + o.beyondBacklogBound) / Double(max(1, o.offered)),
            percentilesOverTime: o.percentilesOverTime)
    }

    /// Runs every target in `targets`, in order.
    package func run(_ targets: [TargetKind] = TargetKind.allCases) throws -> [TargetResult] {
        try targets.map { try run($0) }
    }

    /// The FPGA target's service time per request, seconds.
    package func fpgaServiceSeconds() throws -> Double { try FPGATarget().serviceTime(configurations, context).serviceSeconds }
}
