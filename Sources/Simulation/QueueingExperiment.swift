import Foundation

/// A G/G/c queue simulated customer by customer: the engine's validation case and the
/// `queue` command's what-if.
///
/// Customers arrive by `arrivals`, wait in one FIFO queue and are served by `servers`
/// identical servers with service times from `service`. The first `warmupFraction` of
/// customers are discarded; the rest are split into `batches` consecutive batches whose
/// means give the confidence intervals (the batch-means method).
public struct QueueingExperiment: Sendable {
    public var servers: Int
    public var arrivals: ArrivalPattern
    public var service: Distribution
    public var customers: Int
    public var warmupFraction: Double
    public var batches: Int
    public var seed: UInt64

    public init(
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
    public struct Result: Sendable, Codable, Equatable {
        public var customers: Int
        public var measuredCustomers: Int
        public var meanWaitS: Double
        public var meanWaitCI: ConfidenceInterval
        public var probWait: Double
        public var probWaitCI: ConfidenceInterval
        public var meanResponseS: Double
        public var p50ResponseS: Double
        public var p99ResponseS: Double
        /// Time-average number in system over the measured period.
        public var meanInSystem: Double
        /// Measured arrival rate over the measured period, per second.
        public var arrivalRate: Double
        /// Busy servers, time-averaged, divided by c.
        public var utilization: Double
        public var events: Int
        public var wallSeconds: Double
        public var eventsPerSecond: Double
    }

    enum Event {
        case arrival
        case departure(server: Int32, arrivedAt: Double)
    }

    /// Runs the experiment.
    ///
    /// - Throws: ``SimulationError`` for fewer than 1 server or too few customers for the batches.
    public func run() throws(SimulationError) -> Result {
        guard servers >= 1 else { throw SimulationError("servers must be at least 1, got \(servers)") }
        guard batches >= 2, customers >= 10 * batches else {
            throw SimulationError("customers must be at least \(10 * max(batches, 2)) for \(batches) batches, got \(customers)")
        }
        guard (0..<1).contains(warmupFraction) else { throw SimulationError("warm-up fraction must be in [0, 1), got \(warmupFraction)") }
        let streams = RandomStreams(seed: seed)
        var arrivalsGen = ArrivalGenerator(arrivals, rng: streams.stream("arrivals"))
        var serviceRNG = streams.stream("service")
        var station = Station(Station.Configuration(servers: servers))
        var queue = EventQueue<Event>(capacity: servers + 16)

        let warmup = Int(Double(customers) * warmupFraction)
        let measured = customers - warmup
        let batchSize = measured / batches
        var waitSums = [Double](repeating: 0, count: batches)
        var waitedCounts = [Int](repeating: 0, count: batches)
        var batchCounts = [Int](repeating: 0, count: batches)
        var responses = LatencyRecorder()
        var inSystem = TimeWeightedAverage()
        var busy = TimeWeightedAverage()
        var measureStart = -1.0
        var number = 0
        var busyNow = 0
        var arrived = 0
        var departed = 0
        var events = 0
        var now = 0.0

        func noteWait(id: Int, wait: Double) {
            guard id >= warmup else { return }
            let b = (id - warmup) / batchSize
            guard b < batches else { return }
            waitSums[b] += wait
            batchCounts[b] += 1
            if wait > 0 { waitedCounts[b] += 1 }
        }

        if let t = arrivalsGen.next() { queue.schedule(.arrival, at: t) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        while let (time, event) = queue.pop() {
            now = time
            events += 1
            switch event {
            case .arrival:
                let id = arrived
                arrived += 1
                if id == warmup {
                    measureStart = now
                    inSystem = TimeWeightedAverage(initial: Double(number), at: now)
                    busy = TimeWeightedAverage(initial: Double(busyNow), at: now)
                }
                number += 1
                if measureStart >= 0 { inSystem.update(Double(number), at: now) }
                station.arrive(id: id, at: now)
                for k in 0..<station.started.count {
                    let s = station.started[k]
                    noteWait(id: s.id, wait: s.waitSeconds)
                    busyNow += 1
                    queue.schedule(.departure(server: Int32(s.server), arrivedAt: now), at: now + service.sample(&serviceRNG))
                }
                if measureStart >= 0 { busy.update(Double(busyNow), at: now) }
                if arrived < customers, let t = arrivalsGen.next() { queue.schedule(.arrival, at: t) }
            case .departure(let server, let arrivedAt):
                departed += 1
                number -= 1
                busyNow -= 1
                if measureStart >= 0 {
                    inSystem.update(Double(number), at: now)
                    if arrivedAt >= measureStart { responses.record(now - arrivedAt) }
                }
                station.complete(server: Int(server), at: now)
                for k in 0..<station.started.count {
                    let s = station.started[k]
                    noteWait(id: s.id, wait: s.waitSeconds)
                    busyNow += 1
                    // The queued customer's arrival time is when it enqueued.
                    queue.schedule(.departure(server: Int32(s.server), arrivedAt: s.enqueuedAt), at: now + service.sample(&serviceRNG))
                }
                if measureStart >= 0 { busy.update(Double(busyNow), at: now) }
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        let batchWaits = (0..<batches).map { batchCounts[$0] > 0 ? waitSums[$0] / Double(batchCounts[$0]) : 0 }
        let batchProb = (0..<batches).map { batchCounts[$0] > 0 ? Double(waitedCounts[$0]) / Double(batchCounts[$0]) : 0 }
        let totalMeasured = batchCounts.reduce(0, +)
        let duration = now - max(0, measureStart)
        return Result(
            customers: customers, measuredCustomers: totalMeasured,
            meanWaitS: waitSums.reduce(0, +) / Double(max(1, totalMeasured)), meanWaitCI: ConfidenceInterval(batches: batchWaits),
            probWait: Double(waitedCounts.reduce(0, +)) / Double(max(1, totalMeasured)), probWaitCI: ConfidenceInterval(batches: batchProb),
            meanResponseS: responses.mean, p50ResponseS: responses.percentile(50), p99ResponseS: responses.percentile(99),
            meanInSystem: inSystem.average(until: now), arrivalRate: Double(customers - warmup) / max(duration, 1e-300),
            utilization: busy.average(until: now) / Double(servers),
            events: events, wallSeconds: wall, eventsPerSecond: Double(events) / max(wall, 1e-9))
    }
}
