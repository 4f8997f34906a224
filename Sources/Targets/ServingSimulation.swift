import Foundation
import Simulation

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

    package init(traffic: TrafficSpec, service: Distribution, replicas: Int) {
        self.traffic = traffic
        self.service = service
        self.replicas = replicas
    }

    package struct Outcome {
        package var latency = LatencyRecorder(highestSeconds: 7200)
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
    }

    enum Event {
        case arrival
        case atStation(sentAt: Double, upSeconds: Double)
        case done(server: Int32, sentAt: Double, upSeconds: Double, startedAt: Double, enqueuedAt: Double)
        case replicaReady(Int32)
        case autoscale
        case sample
        case linkUp
    }

    package func run() -> Outcome {
        let streams = RandomStreams(seed: traffic.seed)
        var arrivals = ArrivalGenerator(traffic.arrivals, rng: streams.stream("arrivals"))
        var serviceRNG = streams.stream("service")
        var networkRNG = streams.stream("network")
        let horizon = traffic.durationSeconds
        let link = ConnectivityTimeline(traffic.connectivity, horizon: horizon, rng: streams.stream("connectivity"))
        let interval = traffic.timelineIntervalSeconds ?? max(1, horizon / 200)
        var out = Outcome(
            timeline: Timeline(
                intervalSeconds: interval, names: ["replicas", "queue", "inService", "backlogMessages", "linkUp", "completedPerSecond"]))
        var station = Station(
            Station.Configuration(
                servers: replicas, concurrencyPerServer: concurrency, queueCapacity: queueCapacity, maxWaitSeconds: maxWaitSeconds))
        var queue = EventQueue<Event>(capacity: 4096)
        // Requests waiting at the station carry their network figures here, keyed by id.
        var pendingSent: [Double] = []
        var pendingUp: [Double] = []
        var nextID = 0
        var freeIDs: [Int] = []
        var inService = 0
        var active = replicas
        var ready = replicas
        var replicasAverage = TimeWeightedAverage(initial: Double(replicas), at: 0)
        var busyArea = 0.0
        var busyLast = 0.0
        var tickBusyArea = 0.0
        var lowSince: Double?
        var completedInInterval = 0
        var backlog = RingBuffer<Double>(capacity: 1024)
        let downSeconds = traffic.downloadSeconds
        let net = traffic.uplink
        out.replicasMin = replicas
        out.replicasMax = replicas

        func noteBusy(_ now: Double) {
            let dt = now - busyLast
            busyArea += Double(inService) * dt
            tickBusyArea += Double(inService) * dt
            busyLast = now
        }
        func allocateID(sent: Double, up: Double) -> Int {
            if let id = freeIDs.popLast() {
                pendingSent[id] = sent
                pendingUp[id] = up
                return id
            }
            pendingSent.append(sent)
            pendingUp.append(up)
            nextID += 1
            return nextID - 1
        }
        func deliver(_ now: Double) {
            guard let sf = storeAndForward else { return }
            if link.isUp(at: now) {
                out.bytesLeftDevice += Double(sf.messageBytes)
                out.messagesDelivered += 1
            } else {
                backlog.append(now)
            }
        }
        func purgeBacklog(_ now: Double) {
            guard let sf = storeAndForward else { return }
            while let first = backlog.first, now - first > sf.timeToLiveSeconds {
                _ = backlog.popFirst()
                out.messagesDropped += 1
            }
        }
        // Starts whatever the station started: schedule completions, count timeouts.
        func handleStarted(_ now: Double) {
            for k in 0..<station.started.count {
                let s = station.started[k]
                let sent = pendingSent[s.id]
                let up = pendingUp[s.id]
                freeIDs.append(s.id)
                noteBusy(now)
                inService += 1
                let serviceTime = service.sample(&serviceRNG)
                queue.schedule(
                    .done(server: Int32(s.server), sentAt: sent, upSeconds: up, startedAt: now, enqueuedAt: s.enqueuedAt),
                    at: now + serviceTime)
            }
            for k in 0..<station.rejected.count {
                let r = station.rejected[k]
                freeIDs.append(r.id)
                if waitLimitIsTimeout && r.reason == .waitExceeded {
                    out.timeouts += 1
                } else {
                    out.rejected += 1
                }
            }
        }

        if let t = arrivals.next(), t < horizon { queue.schedule(.arrival, at: t) }
        queue.schedule(.sample, at: 0)
        if let a = autoscaler { queue.schedule(.autoscale, at: a.refreshSeconds) }
        if storeAndForward != nil {
            for o in link.outages where o.end < horizon { queue.schedule(.linkUp, at: o.end) }
        }
        var now = 0.0
        while let (time, event) = queue.pop() {
            now = time
            out.events += 1
            switch event {
            case .arrival:
                out.offered += 1
                if let t = arrivals.next(), t < horizon { queue.schedule(.arrival, at: t) }
                if overNetwork {
                    if !link.isUp(at: now) {
                        out.offline += 1
                        break
                    }
                    let up = net.delay(bytes: traffic.payloadBytes, &networkRNG)
                    queue.schedule(.atStation(sentAt: now, upSeconds: up), at: now + up)
                } else {
                    let id = allocateID(sent: now, up: 0)
                    station.arrive(id: id, at: now)
                    handleStarted(now)
                }
            case .atStation(let sent, let up):
                let id = allocateID(sent: sent, up: up)
                station.arrive(id: id, at: now)
                handleStarted(now)
            case .done(let server, let sent, let up, let started, let enqueued):
                noteBusy(now)
                inService -= 1
                let wait = started - enqueued
                let serviceTime = now - started
                if wait + serviceTime > timeoutSeconds {
                    out.timeouts += 1
                } else if overNetwork && !link.isUp(at: now) {
                    out.offline += 1
                } else {
                    let down = overNetwork ? downSeconds : 0
                    let total = now + down - sent
                    if sent >= measureFrom { out.latency.record(total) }
                    out.networkSum += up + down
                    out.queueSum += wait
                    if wait > 0 { out.waited += 1 }
                    out.serviceSum += serviceTime
                    out.completed += 1
                    completedInInterval += 1
                    deliver(now)
                }
                station.complete(server: Int(server), at: now)
                handleStarted(now)
                // A retiring replica may have gone.
                let activeNow = station.activeServers
                if activeNow != active {
                    active = activeNow
                    ready = station.readyServers
                    replicasAverage.update(Double(active), at: now)
                    out.replicasMin = min(out.replicasMin, active)
                }
            case .replicaReady(let index):
                station.serverReady(Int(index), at: now)
                ready = station.readyServers
                handleStarted(now)
            case .autoscale:
                guard let a = autoscaler else { break }
                noteBusy(now)
                let capacity = Double(max(1, ready) * concurrency)
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
            case .sample:
                station.purge(now: now)
                handleStarted(now)
                purgeBacklog(now)
                out.timeline.append([
                    Double(station.activeServers), Double(station.queueLength), Double(inService), Double(backlog.count),
                    link.isUp(at: now) ? 1 : 0, Double(completedInInterval) / interval,
                ])
                completedInInterval = 0
                if now + interval <= horizon { queue.schedule(.sample, at: now + interval) }
            case .linkUp:
                guard let sf = storeAndForward else { break }
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
        }
        noteBusy(now)
        // Messages still stored at the end stay on the device (neither delivered nor dropped yet).
        let end = max(now, horizon)
        out.replicasMean = replicasAverage.average(until: end)
        out.busyFraction = end > 0 ? busyArea / (end * Double(max(1, out.replicasMax * concurrency))) : 0
        if !overNetwork && storeAndForward == nil { out.bytesLeftDevice = 0 }
        if overNetwork { out.bytesLeftDevice = Double(out.offered - out.offline) * Double(traffic.payloadBytes) }
        return out
    }
}
