/// A service station: servers (replicas) each taking up to `concurrencyPerServer` requests
/// at once, in front of them one FIFO queue with a capacity and a maximum wait.
///
/// It is a passive state machine: the model that owns the event queue tells it when a
/// request arrives, a service completes or a server becomes ready, and reads back what
/// started (``started``) and what was rejected (``rejected``) so it can schedule
/// completions and count errors. Buffers are reused: no allocation per request in steady
/// state. Requests are identified by the caller's `id`.
///
/// A request that would wait longer than `maxWaitSeconds` is rejected at
/// `enqueue + maxWaitSeconds` (azureml-fe answers 503 after `max_request_wait_time`); a
/// request that finds `queueCapacity` waiting is rejected at once.
package struct Station: Sendable {
    /// What the station was asked to be.
    package struct Configuration: Sendable, Equatable {
        package var servers: Int
        package var concurrencyPerServer: Int
        /// Requests that may wait (beyond those in service); `Int.max` for unbounded.
        package var queueCapacity: Int
        /// Seconds a request may wait before it is rejected; infinity for no limit.
        package var maxWaitSeconds: Double

        package init(servers: Int, concurrencyPerServer: Int = 1, queueCapacity: Int = .max, maxWaitSeconds: Double = .infinity) {
            self.servers = servers
            self.concurrencyPerServer = concurrencyPerServer
            self.queueCapacity = queueCapacity
            self.maxWaitSeconds = maxWaitSeconds
        }
    }

    /// A request that started service: on `server`, after waiting `waitSeconds`.
    package struct Started: Sendable {
        package var id: Int
        package var server: Int
        package var enqueuedAt: Double
        package var waitSeconds: Double
    }

    /// Why a request was turned away.
    package enum Rejection: Sendable {
        /// The queue was full on arrival.
        case queueFull
        /// It waited `maxWaitSeconds` without being served.
        case waitExceeded
    }

    /// A rejected request and when the rejection happened.
    package struct Rejected: Sendable {
        package var id: Int
        package var enqueuedAt: Double
        package var at: Double
        package var reason: Rejection
    }

    struct Server: Sendable {
        var inFlight = 0
        var ready: Bool
        var retiring = false
        var removed = false
    }

    package private(set) var configuration: Configuration
    var servers: [Server] = []
    /// One entry per free slot on a ready server.
    var freeSlots: [Int] = []
    var queue = RingBuffer<(id: Int, at: Double)>(capacity: 256)

    /// Requests that started during the last call (cleared at the start of each call).
    package private(set) var started: [Started] = []
    /// Requests rejected during the last call (cleared at the start of each call).
    package private(set) var rejected: [Rejected] = []

    package init(_ configuration: Configuration) {
        self.configuration = configuration
        started.reserveCapacity(64)
        rejected.reserveCapacity(64)
        for _ in 0..<configuration.servers { _ = addServerNow() }
    }

    // MARK: - State

    /// Requests waiting.
    package var queueLength: Int { queue.count }
    /// Requests in service.
    package var inService: Int { servers.reduce(0) { $0 + $1.inFlight } }
    /// Servers ready to serve (not starting, not retiring).
    package var readyServers: Int { servers.reduce(0) { $0 + ($1.ready && !$1.retiring && !$1.removed ? 1 : 0) } }
    /// Servers that exist (starting, ready or retiring but still busy).
    package var activeServers: Int { servers.reduce(0) { $0 + ($1.removed ? 0 : 1) } }
    /// Servers still starting.
    package var startingServers: Int { servers.reduce(0) { $0 + (!$1.ready && !$1.removed ? 1 : 0) } }
    /// Ready servers with at least one request in flight.
    package var busyServers: Int { servers.reduce(0) { $0 + ($1.ready && !$1.removed && $1.inFlight > 0 ? 1 : 0) } }

    // MARK: - Events

    /// A request arrives at `now`: it starts at once, waits, or is rejected.
    package mutating func arrive(id: Int, at now: Double) {
        started.removeAll(keepingCapacity: true)
        rejected.removeAll(keepingCapacity: true)
        expire(now: now)
        if queue.isEmpty, let slot = freeSlots.popLast() {
            servers[slot].inFlight += 1
            started.append(Started(id: id, server: slot, enqueuedAt: now, waitSeconds: 0))
            return
        }
        if queue.count >= configuration.queueCapacity {
            rejected.append(Rejected(id: id, enqueuedAt: now, at: now, reason: .queueFull))
            return
        }
        queue.append((id, now))
    }

    /// The request on `server` finished at `now`; the freed slot takes the next waiting request.
    package mutating func complete(server: Int, at now: Double) {
        started.removeAll(keepingCapacity: true)
        rejected.removeAll(keepingCapacity: true)
        servers[server].inFlight -= 1
        if servers[server].retiring {
            if servers[server].inFlight == 0 { servers[server].removed = true }
            dispatch(now: now)
            return
        }
        freeSlots.append(server)
        dispatch(now: now)
    }

    /// Adds a server that becomes ready only when ``serverReady(_:at:)`` is called; returns its index.
    package mutating func addStartingServer() -> Int {
        servers.append(Server(ready: false))
        return servers.count - 1
    }

    /// The starting server `index` is ready at `now` and takes waiting requests.
    package mutating func serverReady(_ index: Int, at now: Double) {
        started.removeAll(keepingCapacity: true)
        rejected.removeAll(keepingCapacity: true)
        guard !servers[index].removed, !servers[index].ready else { return }
        servers[index].ready = true
        for _ in 0..<configuration.concurrencyPerServer { freeSlots.append(index) }
        dispatch(now: now)
    }

    /// Removes one server, preferring a starting one, then an idle one, then the least busy
    /// (which retires after its requests finish). Returns false when only one server is left.
    @discardableResult
    package mutating func removeServer() -> Bool {
        started.removeAll(keepingCapacity: true)
        rejected.removeAll(keepingCapacity: true)
        guard activeServers - servers.reduce(0, { $0 + ($1.retiring && !$1.removed ? 1 : 0) }) > 1 else { return false }
        if let i = servers.lastIndex(where: { !$0.ready && !$0.removed }) {
            servers[i].removed = true
            return true
        }
        var candidate = -1
        for (i, s) in servers.enumerated() where s.ready && !s.retiring && !s.removed {
            if candidate < 0 || s.inFlight < servers[candidate].inFlight { candidate = i }
        }
        guard candidate >= 0 else { return false }
        freeSlots.removeAll { $0 == candidate }
        if servers[candidate].inFlight == 0 {
            servers[candidate].removed = true
        } else {
            servers[candidate].retiring = true
        }
        return true
    }

    /// Rejects waiting requests whose wait exceeded the limit by `now` (reported in
    /// ``rejected``, at the time the limit ran out). Call before sampling the queue length.
    package mutating func purge(now: Double) {
        started.removeAll(keepingCapacity: true)
        rejected.removeAll(keepingCapacity: true)
        expire(now: now)
    }

    mutating func expire(now: Double) {
        guard configuration.maxWaitSeconds.isFinite else { return }
        while let head = queue.first, now - head.at > configuration.maxWaitSeconds {
            _ = queue.popFirst()
            rejected.append(Rejected(id: head.id, enqueuedAt: head.at, at: head.at + configuration.maxWaitSeconds, reason: .waitExceeded))
        }
    }

    private mutating func addServerNow() -> Int {
        servers.append(Server(ready: true))
        for _ in 0..<configuration.concurrencyPerServer { freeSlots.append(servers.count - 1) }
        return servers.count - 1
    }

    private mutating func dispatch(now: Double) {
        expire(now: now)
        while !queue.isEmpty, let slot = freeSlots.popLast() {
            let head = queue.popFirst()!
            servers[slot].inFlight += 1
            started.append(Started(id: head.id, server: slot, enqueuedAt: head.at, waitSeconds: now - head.at))
        }
    }
}
