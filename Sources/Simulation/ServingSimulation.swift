import Foundation

/// A serving system under load, event by event: arrivals, the client's network, a station
/// of replicas with admission control, an optional autoscaler, outages, and (for edge
/// devices) store-and-forward of results. Each target's simulator is one configuration of it.
package struct ServingSimulation: Sendable {
    package struct Autoscaler: Sendable {
        package var minReplicas: Int
        package var maxReplicas: Int
        package var refreshSeconds: Double
        /// Fraction, 0…1.
        package var targetUtilization: Double
        package var replicaStartSeconds: Double
        package var scaleDownDelaySeconds: Double

        package init(
            minReplicas: Int, maxReplicas: Int, refreshSeconds: Double, targetUtilization: Double, replicaStartSeconds: Double,
            scaleDownDelaySeconds: Double
        ) {
            self.minReplicas = minReplicas
            self.maxReplicas = maxReplicas
            self.refreshSeconds = refreshSeconds
            self.targetUtilization = targetUtilization
            self.replicaStartSeconds = replicaStartSeconds
            self.scaleDownDelaySeconds = scaleDownDelaySeconds
        }
    }

    package struct StoreAndForward: Sendable {
        package var messageBytes: Int
        package var timeToLiveSeconds: Double

        package init(messageBytes: Int, timeToLiveSeconds: Double) {
            self.messageBytes = messageBytes
            self.timeToLiveSeconds = timeToLiveSeconds
        }
    }

    package var traffic: TrafficSpec
    package var service: Distribution
    package var replicas: Int
    package var concurrency: Int = 1
    package var queueCapacity: Int = .max
    /// Waiting longer than this is rejected (HTTP 503) or, with `waitLimitIsTimeout`, a timeout.
    package var maxWaitSeconds: Double = .infinity
    package var waitLimitIsTimeout = false
    /// Requests whose wait + service exceed this fail as timeouts.
    package var timeoutSeconds: Double = .infinity
    /// The request crosses the client's WAN (cloud targets).
    package var overNetwork = true
    package var autoscaler: Autoscaler?
    package var storeAndForward: StoreAndForward?
    /// Latencies are recorded only for requests sent at or after this time (steady-state windows).
    package var measureFrom = 0.0
    /// No more requests arrive after this many (a customer-count run; the horizon may then be infinite).
    package var arrivalLimit = Int.max
    /// Measurement starts at the first arrival at or after `measureFrom` whose index (from 0) is at
    /// least this: the warm-up of a customer-count run.
    package var warmupArrivals = 0
    /// When set, the waits of measured requests (in the order they start service) go into this
    /// many consecutive batches of `batchSize` for batch-means confidence intervals.
    package var waitBatches: (count: Int, size: Int)?
    /// The largest latency the histogram tracks exactly, seconds (larger ones are clamped).
    package var latencyCeilingSeconds = defaultLatencyCeilingSeconds
    /// Two hours: the IoT Edge hub's default store-and-forward time-to-live.
    package static let defaultLatencyCeilingSeconds = 7200.0
    /// A CPU limit below one core (Linux CFS bandwidth control): each replica may run
    /// `cpuShare × cfsPeriodSeconds` of CPU per period in total, across all its requests, and
    /// `service` then draws CPU seconds, not wall time. A replica's requests share its CPU in
    /// the order they started (work-conserving: the budget, not the order, bounds throughput).
    package var cpuShare: Double?

    /// The most requests held waiting at once (about 50 bytes each: the queue entry and the
    /// request's figures, so at most ~100 MB). A configuration whose backlog passes it cannot
    /// keep up with its load; arrivals beyond it are counted in `Outcome.beyondBacklogBound`
    /// (not served) instead of growing the process without limit (10 GB for an IoT Edge
    /// device at 10⁶ requests/s over a long run).
    package static let maxWaitingRequests = 2_000_000

    /// The CFS period, seconds (the Linux default `cpu.cfs_period_us` = 100000).
    package static let cfsPeriodSeconds = 0.1

    package init(traffic: TrafficSpec, service: Distribution, replicas: Int) {
        self.traffic = traffic
        self.service = service
        self.replicas = replicas
    }

    package struct Outcome {
        package var latency: LatencyRecorder
        package var networkSum = 0.0
        package var queueSum = 0.0
        package var serviceSum = 0.0
        /// Completed requests that waited for a replica.
        package var waited = 0
        package var offered = 0
        package var completed = 0
        package var rejected = 0
        package var timeouts = 0
        package var offline = 0
        package var replicasMin = Int.max
        package var replicasMax = 0
        package var replicasMean = 0.0
        package var busyFraction = 0.0
        package var timeline: Timeline
        package var bytesLeftDevice = 0.0
        package var messagesDelivered = 0
        package var messagesDelayed = 0
        package var messagesDropped = 0
        package var events = 0
        /// When measurement started (the warm-up's end) and when the run ended, seconds.
        package var measureStartSeconds = 0.0
        package var endSeconds = 0.0
        /// Arrivals counted from the measurement's start.
        package var measuredArrivals = 0
        /// Time-average number of requests at the station (waiting or in service) over the measured period.
        package var meanAtStation = 0.0
        /// Busy servers' time average over the measured period divided by the station's capacity.
        package var measuredUtilization = 0.0
        /// Waits of measured requests, when `waitBatches` was set.
        package var waits: BatchMeans?
        /// Arrivals not held because ``ServingSimulation/maxWaitingRequests`` were already
        /// waiting (the configuration is overloaded); not served.
        package var beyondBacklogBound = 0
        /// Requests completed when the arrivals stopped (at the horizon); the run then drains,
        /// so requests still waiting there finish later, with latencies that grow with the run.
        package var completedAtHorizon = 0
        /// Requests still waiting or in flight at the horizon (sent, neither served nor failed).
        package var unresolvedAtHorizon = 0
        /// Whether the system could not keep up when the arrivals stopped: every serving slot
        /// busy over the run's last quarter (sampled) with requests waiting in an unbounded
        /// queue, or the shared uplink backed up by more than 1% of the run.
        package var saturatedAtHorizon = false
        /// At each timeline sample: p50 and p99 of the requests completed since the previous one.
        package var percentilesOverTime: [IntervalPercentiles] = []
    }

    enum Event {
        case arrival
        case atStation(sentAt: Double, upSeconds: Double)
        /// `request` indexes the in-flight figures (send time, upload time, wait), kept off the heap.
        case done(server: Int32, request: Int32, startedAt: Double)
        case replicaReady(Int32)
        case autoscale
        case sample
        case linkUp
    }

    /// Plays the traffic through the system until no event is left.
    package func run() -> Outcome {
        // The event heap is non-copyable, so it stays here and the engine's methods take it inout.
        var queue = EventQueue<Event>(capacity: 4096)
        var engine = Engine(self)
        engine.start(&queue)
        while let (time, event) = queue.pop() {
            engine.handle(event, at: time, &queue)
        }
        return engine.finish()
    }

    /// The run's state, one method per event (each schedules what follows into the heap it is given).
    private struct Engine {
        let sim: ServingSimulation
        let horizon: Double
        let interval: Double
        let link: ConnectivityTimeline
        let downSeconds: Double
        let net: NetworkDelay
        var arrivals: ArrivalGenerator
        var serviceRNG: Xoshiro256StarStar
        var networkRNG: Xoshiro256StarStar
        var out: Outcome
        var station: Station
        // Requests in flight carry their network figures and wait here, keyed by id.
        var pendingSent: [Double] = []
        var pendingUp: [Double] = []
        var pendingWait: [Double] = []
        var freeIDs: [Int] = []
        var inService = 0
        var active: Int
        var ready: Int
        var replicasAverage: TimeWeightedAverage
        var busyArea = 0.0
        var busyLast = 0.0
        var tickBusyArea = 0.0
        var lowSince: Double?
        var completedInInterval = 0
        var arrivedInInterval = 0
        /// Latencies of the requests completed since the last sample (its p50/p99 go in the timeline).
        var intervalLatencies: [Double] = []
        var backlog = RingBuffer<Double>(capacity: 1024)
        /// When the shared uplink has sent every upload queued so far.
        var uplinkFreeAt = 0.0
        var now = 0.0
        /// Whether the horizon's counts were taken.
        var pastHorizon = false
        /// Requests sent at or after this are measured; infinite until the warm-up ends.
        var measureStart = Double.infinity
        var busyAreaAtMeasureStart = 0.0
        var atStation = TimeWeightedAverage()
        /// Per replica under a CFS quota: when its CPU is next free, and the budget used in the current period.
        var cpuFreeAt: [Double] = []
        var budgetPeriod: [Double] = []
        var budgetUsed: [Double] = []

        init(_ sim: ServingSimulation) {
            self.sim = sim
            let streams = RandomStreams(seed: sim.traffic.seed)
            arrivals = ArrivalGenerator(sim.traffic.arrivals, rng: streams.stream("arrivals"))
            serviceRNG = streams.stream("service")
            networkRNG = streams.stream("network")
            horizon = sim.traffic.durationSeconds
            link = ConnectivityTimeline(sim.traffic.connectivity, horizon: horizon, rng: streams.stream("connectivity"))
            interval = sim.traffic.timelineIntervalSeconds ?? max(1, horizon / 200)
            var outcome = Outcome(
                latency: LatencyRecorder(highestSeconds: sim.latencyCeilingSeconds),
                timeline: Timeline(
                    intervalSeconds: interval,
                    names: ["replicas", "queue", "inService", "backlogMessages", "linkUp", "completedPerSecond", "offeredPerSecond"]))
            outcome.waits = sim.waitBatches.map { BatchMeans(batches: $0.count, batchSize: $0.size) }
            outcome.replicasMin = sim.replicas
            outcome.replicasMax = sim.replicas
            out = outcome
            station = Station(
                Station.Configuration(
                    servers: sim.replicas, concurrencyPerServer: sim.concurrency,
                    queueCapacity: min(sim.queueCapacity, ServingSimulation.maxWaitingRequests),
                    maxWaitSeconds: sim.maxWaitSeconds))
            downSeconds = sim.traffic.downloadSeconds
            net = sim.traffic.uplink
            active = sim.replicas
            ready = sim.replicas
            replicasAverage = TimeWeightedAverage(initial: Double(sim.replicas), at: 0)
        }

        /// Schedules the first arrival and the periodic events (only over a finite horizon).
        mutating func start(_ queue: inout EventQueue<Event>) {
            if let t = arrivals.next(), t < horizon { queue.schedule(.arrival, at: t) }
            guard horizon.isFinite else { return }
            queue.schedule(.sample, at: 0)
            if let a = sim.autoscaler { queue.schedule(.autoscale, at: a.refreshSeconds) }
            if sim.storeAndForward != nil {
                for o in link.outages where o.end < horizon { queue.schedule(.linkUp, at: o.end) }
            }
        }

        mutating func handle(_ event: Event, at time: Double, _ queue: inout EventQueue<Event>) {
            if time > horizon && !pastHorizon { noteHorizon() }
            now = time
            out.events += 1
            switch event {
            case .arrival: arrive(&queue)
            case .atStation(let sent, let up): reachStation(sentAt: sent, upSeconds: up, &queue)
            case .done(let server, let request, let started):
                complete(server: Int(server), request: Int(request), startedAt: started, &queue)
            case .replicaReady(let index):
                station.serverReady(Int(index), at: now)
                ready = station.readyServers
                handleStarted(&queue)
            case .autoscale: autoscale(&queue)
            case .sample: sample(&queue)
            case .linkUp: forwardBacklog()
            }
        }

        /// A client sends a request: over the WAN (unless offline) or straight to the station.
        mutating func arrive(_ queue: inout EventQueue<Event>) {
            let index = out.offered
            out.offered += 1
            arrivedInInterval += 1
            if measureStart == .infinity && index >= sim.warmupArrivals && now >= sim.measureFrom { startMeasuring() }
            if measureStart <= now { out.measuredArrivals += 1 }
            if out.offered < sim.arrivalLimit, let t = arrivals.next(), t < horizon { queue.schedule(.arrival, at: t) }
            if sim.overNetwork {
                if !link.isUp(at: now) {
                    out.offline += 1
                    return
                }
                var up = net.delay(bytes: sim.traffic.payloadBytes, &networkRNG)
                if sim.traffic.uplinkShared {
                    // Uploads leave one at a time: this one starts when the link is free.
                    let start = max(now, uplinkFreeAt)
                    uplinkFreeAt = start + sim.traffic.uploadTransmitSeconds
                    up += start - now
                }
                queue.schedule(.atStation(sentAt: now, upSeconds: up), at: now + up)
            } else {
                reachStation(sentAt: now, upSeconds: 0, &queue)
            }
        }

        /// The counts at the horizon: what was served while requests arrived, and what was left.
        mutating func noteHorizon() {
            pastHorizon = true
            out.completedAtHorizon = out.completed
            let resolved = out.completed + out.rejected + out.timeouts + out.offline + out.beyondBacklogBound
            out.unresolvedAtHorizon = max(0, out.offered - resolved)
            guard horizon.isFinite, horizon > 0 else { return }
            let lastQuarter = out.timeline.rows.enumerated().filter { Double($0.offset) * interval >= 0.75 * horizon }.map(\.element)
            let busy = lastQuarter.map { $0[2] / max(1, $0[0] * Double(sim.concurrency)) }
            // A bounded queue (a capacity, or a wait limit) turns the excess away instead: that is
            // requests not served, not a backlog that grows.
            let unbounded = sim.queueCapacity > ServingSimulation.maxWaitingRequests && !sim.maxWaitSeconds.isFinite
            let slotsFull = unbounded && !busy.isEmpty && busy.reduce(0, +) / Double(busy.count) >= 0.97 && station.queueLength > 0
            let linkBackedUp = sim.traffic.uplinkShared && uplinkFreeAt - horizon > 0.01 * horizon
            out.saturatedAtHorizon = slotsFull || linkBackedUp
        }

        mutating func startMeasuring() {
            noteBusy()
            measureStart = now
            busyAreaAtMeasureStart = busyArea
            atStation = TimeWeightedAverage(initial: Double(station.queueLength + inService), at: now)
        }

        mutating func reachStation(sentAt sent: Double, upSeconds up: Double, _ queue: inout EventQueue<Event>) {
            station.arrive(id: allocateID(sent: sent, up: up), at: now)
            handleStarted(&queue)
            noteAtStation()
        }

        mutating func complete(server: Int, request: Int, startedAt started: Double, _ queue: inout EventQueue<Event>) {
            noteBusy()
            inService -= 1
            let sent = pendingSent[request]
            let up = pendingUp[request]
            let wait = pendingWait[request]
            freeIDs.append(request)
            let serviceTime = now - started
            if wait + serviceTime > sim.timeoutSeconds {
                out.timeouts += 1
            } else if sim.overNetwork && !link.isUp(at: now) {
                out.offline += 1
            } else {
                let down = sim.overNetwork ? downSeconds : 0
                let total = now + down - sent
                if sent >= measureStart { out.latency.record(total) }
                if horizon.isFinite { intervalLatencies.append(total) }
                out.networkSum += up + down
                out.queueSum += wait
                if wait > 0 { out.waited += 1 }
                out.serviceSum += serviceTime
                out.completed += 1
                completedInInterval += 1
                deliver()
            }
            station.complete(server: server, at: now)
            handleStarted(&queue)
            noteAtStation()
            // A retiring replica may have gone.
            let activeNow = station.activeServers
            if activeNow != active {
                active = activeNow
                ready = station.readyServers
                replicasAverage.update(Double(active), at: now)
                out.replicasMin = min(out.replicasMin, active)
            }
        }

        /// Starts whatever the station started: schedule completions, count rejections and timeouts.
        mutating func handleStarted(_ queue: inout EventQueue<Event>) {
            for k in 0..<station.started.count {
                let s = station.started[k]
                pendingWait[s.id] = s.waitSeconds
                noteBusy()
                inService += 1
                if pendingSent[s.id] >= measureStart { out.waits?.record(s.waitSeconds) }
                let work = sim.service.sample(&serviceRNG)
                let end = sim.cpuShare.map { finishUnderQuota(server: s.server, work: work, share: $0) } ?? now + work
                queue.schedule(.done(server: Int32(s.server), request: Int32(s.id), startedAt: now), at: end)
            }
            for k in 0..<station.rejected.count {
                let r = station.rejected[k]
                freeIDs.append(r.id)
                if sim.waitLimitIsTimeout && r.reason == .waitExceeded {
                    out.timeouts += 1
                } else if r.reason == .queueFull && sim.queueCapacity > ServingSimulation.maxWaitingRequests {
                    out.beyondBacklogBound += 1
                } else {
                    out.rejected += 1
                }
            }
        }

        /// The autoscaler's tick: compare the last period's utilization with the target, add
        /// starting replicas at once, remove replicas only after the scale-down delay.
        mutating func autoscale(_ queue: inout EventQueue<Event>) {
            guard let a = sim.autoscaler else { return }
            noteBusy()
            let capacity = Double(max(1, ready) * sim.concurrency)
            let utilization = tickBusyArea / (a.refreshSeconds * capacity)
            tickBusyArea = 0
            let current = active
            var desired = Int((Double(current) * utilization / a.targetUtilization).rounded(.up))
            // Requests waiting count as demand too (all replicas busy).
            if station.queueLength > 0 && utilization >= a.targetUtilization { desired = max(desired, current + 1) }
            desired = min(a.maxReplicas, max(a.minReplicas, desired))
            if desired > current {
                lowSince = nil
                for _ in current..<desired {
                    let index = station.addStartingServer()
                    queue.schedule(.replicaReady(Int32(index)), at: now + a.replicaStartSeconds)
                }
            } else if desired < current {
                if let since = lowSince {
                    if now - since >= a.scaleDownDelaySeconds {
                        for _ in desired..<current { _ = station.removeServer() }
                        lowSince = nil
                    }
                } else {
                    lowSince = now
                }
            } else {
                lowSince = nil
            }
            active = station.activeServers
            ready = station.readyServers
            replicasAverage.update(Double(active), at: now)
            out.replicasMin = min(out.replicasMin, active)
            out.replicasMax = max(out.replicasMax, active)
            if now + a.refreshSeconds < horizon { queue.schedule(.autoscale, at: now + a.refreshSeconds) }
        }

        /// The timeline's sample; also drops requests that waited too long and expired messages.
        mutating func sample(_ queue: inout EventQueue<Event>) {
            station.purge(now: now)
            handleStarted(&queue)
            noteAtStation()
            purgeBacklog()
            out.timeline.append([
                Double(station.activeServers), Double(station.queueLength), Double(inService), Double(backlog.count),
                link.isUp(at: now) ? 1 : 0, Double(completedInInterval) / interval, Double(arrivedInInterval) / interval,
            ])
            // Nearest-rank percentiles of the interval's completions (sorted once per interval).
            intervalLatencies.sort()
            func rank(_ q: Double) -> Double? {
                intervalLatencies.isEmpty
                    ? nil
                    : intervalLatencies[min(intervalLatencies.count - 1, Int((q * Double(intervalLatencies.count)).rounded(.up)) - 1)] * 1e3
            }
            out.percentilesOverTime.append(IntervalPercentiles(timeSeconds: now, p50Ms: rank(0.5), p99Ms: rank(0.99)))
            completedInInterval = 0
            arrivedInInterval = 0
            intervalLatencies.removeAll(keepingCapacity: true)
            if now + interval <= horizon { queue.schedule(.sample, at: now + interval) }
        }

        /// When `work` CPU-seconds started now on `server` finish under its CFS budget: the CPU
        /// runs while the period's quota lasts, then waits for the next period.
        mutating func finishUnderQuota(server: Int, work: Double, share: Double) -> Double {
            let period = ServingSimulation.cfsPeriodSeconds
            let quota = share * period
            while cpuFreeAt.count <= server {
                cpuFreeAt.append(0)
                budgetPeriod.append(-1)
                budgetUsed.append(0)
            }
            var t = max(now, cpuFreeAt[server])
            var remaining = work
            while remaining > 0 {
                var index = (t / period).rounded(.down)
                if (index + 1) * period <= t { index += 1 }
                if index != budgetPeriod[server] {
                    budgetPeriod[server] = index
                    budgetUsed[server] = 0
                }
                let periodEnd = (index + 1) * period
                let runnable = min(quota - budgetUsed[server], periodEnd - t)
                if remaining <= runnable {
                    t += remaining
                    budgetUsed[server] += remaining
                    remaining = 0
                } else if runnable > 0, budgetUsed[server] == 0, abs(t - index * period) < 1e-12, remaining > 2 * quota {
                    // Whole periods at once: from a period's start, each period runs one quota.
                    let whole = (remaining / quota).rounded(.down) - 1
                    remaining -= whole * quota
                    t += whole * period
                } else {
                    remaining -= max(0, runnable)
                    budgetUsed[server] += max(0, runnable)
                    t = periodEnd
                }
            }
            cpuFreeAt[server] = t
            return t
        }

        mutating func noteBusy() {
            let dt = now - busyLast
            busyArea += Double(inService) * dt
            tickBusyArea += Double(inService) * dt
            busyLast = now
        }

        mutating func noteAtStation() {
            if measureStart <= now { atStation.update(Double(station.queueLength + inService), at: now) }
        }

        mutating func allocateID(sent: Double, up: Double) -> Int {
            if let id = freeIDs.popLast() {
                pendingSent[id] = sent
                pendingUp[id] = up
                return id
            }
            pendingSent.append(sent)
            pendingUp.append(up)
            pendingWait.append(0)
            return pendingSent.count - 1
        }

        /// A result leaves the edge device now, or waits in the store-and-forward backlog.
        mutating func deliver() {
            guard let sf = sim.storeAndForward else { return }
            if link.isUp(at: now) {
                out.bytesLeftDevice += Double(sf.messageBytes)
                out.messagesDelivered += 1
            } else {
                backlog.append(now)
            }
        }

        mutating func purgeBacklog() {
            guard let sf = sim.storeAndForward else { return }
            while let first = backlog.first, now - first > sf.timeToLiveSeconds {
                _ = backlog.popFirst()
                out.messagesDropped += 1
            }
        }

        /// The link is back: the backlog's unexpired messages leave, late.
        mutating func forwardBacklog() {
            guard let sf = sim.storeAndForward else { return }
            while let created = backlog.popFirst() {
                if now - created > sf.timeToLiveSeconds {
                    out.messagesDropped += 1
                } else {
                    out.messagesDelayed += 1
                    out.messagesDelivered += 1
                    out.bytesLeftDevice += Double(sf.messageBytes)
                }
            }
        }

        /// The outcome's averages over the run.
        mutating func finish() -> Outcome {
            noteBusy()
            if !pastHorizon { noteHorizon() }
            // Messages still stored at the end stay on the device (neither delivered nor dropped yet).
            let end = horizon.isFinite ? max(now, horizon) : now
            out.endSeconds = end
            out.replicasMean = replicasAverage.average(until: end)
            out.busyFraction = end > 0 ? busyArea / (end * Double(max(1, out.replicasMax * sim.concurrency))) : 0
            if measureStart.isFinite {
                out.measureStartSeconds = measureStart
                out.meanAtStation = atStation.average(until: now)
                let measured = now - measureStart
                let capacity = Double(max(1, sim.replicas * sim.concurrency))
                out.measuredUtilization = measured > 0 ? (busyArea - busyAreaAtMeasureStart) / (measured * capacity) : 0
            }
            if !sim.overNetwork && sim.storeAndForward == nil { out.bytesLeftDevice = 0 }
            if sim.overNetwork { out.bytesLeftDevice = Double(out.offered - out.offline) * Double(sim.traffic.payloadBytes) }
            return out
        }
    }
}
