import Foundation

/// A G/G/c queue simulated customer by customer: the engine's validation case and the
/// `queue` command's what-if.
///
/// Customers arrive by `arrivals`, wait in one FIFO queue and are served by `servers`
/// identical servers with service times from `service`. The first `warmupFraction` of
/// customers are discarded; the rest are split into `batches` consecutive batches whose
/// means give the confidence intervals (the batch-means method).
package struct QueueingExperiment: Sendable {
    package var servers: Int
    package var arrivals: ArrivalPattern
    package var service: Distribution
    package var customers: Int
    package var warmupFraction: Double
    package var batches: Int
    package var seed: UInt64

    package init(
        servers: Int, arrivals: ArrivalPattern, service: Distribution, customers: Int,
        warmupFraction: Double = 0.1, batches: Int = 20, seed: UInt64 = 1
    ) {
        self.servers = servers
        self.arrivals = arrivals
        self.service = service
        self.customers = customers
        self.warmupFraction = warmupFraction
        self.batches = batches
        self.seed = seed
    }

    /// What the run measured (times in seconds).
    package struct Result: Sendable, Codable, Equatable {
        package var customers: Int
        package var measuredCustomers: Int
        package var meanWaitS: Double
        package var meanWaitCI: ConfidenceInterval
        package var probWait: Double
        package var probWaitCI: ConfidenceInterval
        package var meanResponseS: Double
        package var p50ResponseS: Double
        package var p99ResponseS: Double
        /// Time-average number in system over the measured period.
        package var meanInSystem: Double
        /// Measured arrival rate over the measured period, per second.
        package var arrivalRate: Double
        /// Busy servers, time-averaged, divided by c.
        package var utilization: Double
        package var events: Int
        package var wallSeconds: Double
        package var eventsPerSecond: Double
    }

    /// Runs the experiment on the serving simulation every target uses (no network, fixed
    /// servers, unbounded FIFO queue), so the queueing-theory checks validate the product's engine.
    ///
    /// - Throws: ``SimulationError`` for fewer than 1 server or too few customers for the batches.
    package func run() throws(SimulationError) -> Result {
        guard servers >= 1 else { throw SimulationError("servers must be at least 1, got \(servers)") }
        guard batches >= 2, customers >= 10 * batches else {
            throw SimulationError("customers must be at least \(10 * max(batches, 2)) for \(batches) batches, got \(customers)")
        }
        guard (0..<1).contains(warmupFraction) else { throw SimulationError("warm-up fraction must be in [0, 1), got \(warmupFraction)") }
        let warmup = Int(Double(customers) * warmupFraction)
        var system = ServingSimulation(
            traffic: TrafficSpec(
                arrivals: arrivals, durationSeconds: .infinity, payloadBytes: 0, responseBytes: 0, rttSeconds: 0,
                uplinkBitsPerSecond: .infinity, seed: seed),
            service: service, replicas: servers)
        system.overNetwork = false
        system.arrivalLimit = customers
        system.warmupArrivals = warmup
        system.waitBatches = (batches, (customers - warmup) / batches)
        // Responses are tracked exactly up to ten thousand mean service times (at least an hour).
        system.latencyCeilingSeconds = max(3600, 1e4 * service.mean)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let o = system.run()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        let waits = o.waits ?? BatchMeans(batches: batches, batchSize: 1)
        return Result(
            customers: customers, measuredCustomers: waits.count,
            meanWaitS: waits.mean, meanWaitCI: waits.meanInterval,
            probWait: waits.fractionPositive, probWaitCI: waits.fractionPositiveInterval,
            meanResponseS: o.latency.mean, p50ResponseS: o.latency.percentile(50), p99ResponseS: o.latency.percentile(99),
            meanInSystem: o.meanAtStation,
            arrivalRate: Double(o.measuredArrivals) / max(o.endSeconds - o.measureStartSeconds, 1e-300),
            utilization: o.measuredUtilization,
            events: o.events, wallSeconds: wall, eventsPerSecond: Double(o.events) / max(wall, 1e-9))
    }
}
