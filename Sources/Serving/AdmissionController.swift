import Foundation

/// Admission control like Azure ML's front end: at most `maxConcurrent` requests in flight;
/// others wait in a bounded FIFO queue for at most `maxWaitSeconds`, then get 503. The queue
/// bound keeps memory flat under overload (arrivals past it get 503 at once).
public actor AdmissionController {
    public enum Decision: Sendable {
        case admitted
        /// Waited too long or the queue was full: answer 503.
        case rejected(String)
    }

    public let maxConcurrent: Int
    public let maxWaitSeconds: Double
    public let maxQueued: Int
    private var inFlight = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    private var nextID: UInt64 = 0

    public init(maxConcurrent: Int, maxWaitSeconds: Double, maxQueued: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxWaitSeconds = maxWaitSeconds
        self.maxQueued = max(0, maxQueued)
    }

    /// Waits for a slot.
    public func acquire() async -> Decision {
        if inFlight < maxConcurrent && waiters.isEmpty {
            inFlight += 1
            return .admitted
        }
        guard waiters.count < maxQueued else { return .rejected("the request queue is full (\(maxQueued) waiting)") }
        nextID &+= 1
        let id = nextID
        let wait = maxWaitSeconds
        let admitted = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            waiters.append((id, c))
            Task { [weak self] in
                try? await Task.sleep(nanoseconds: UInt64(max(0, wait) * 1e9))
                await self?.expire(id)
            }
        }
        return admitted ? .admitted : .rejected(String(format: "waited longer than max_request_wait_time (%.0f ms)", maxWaitSeconds * 1000))
    }

    /// Frees a slot; the longest-waiting request takes it.
    public func release() {
        if !waiters.isEmpty {
            let next = waiters.removeFirst()
            next.continuation.resume(returning: true)  // the slot passes on; inFlight unchanged
        } else {
            inFlight -= 1
        }
    }

    private func expire(_ id: UInt64) {
        if let i = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: i).continuation.resume(returning: false)
        }
    }

    /// Requests in flight and waiting.
    public var load: (inFlight: Int, waiting: Int) { (inFlight, waiters.count) }
}
