import Foundation
import Synchronization

/// Admission control like Azure ML's front end: at most `maxConcurrent` requests in flight;
/// others wait in a bounded FIFO queue for at most `maxWaitSeconds`, then get 503. The queue
/// bound keeps memory flat under overload (arrivals past it get 503 at once).
///
/// The state lives behind a mutex rather than in an actor: admitting into a free slot and
/// releasing one are a few instructions under the lock and never suspend (an actor would cost
/// an executor hop per request, which on a 2-core machine is a thread wake-up and a context
/// switch). Only a request that has to wait suspends, on a continuation that `release()` or
/// its deadline resumes — exactly once, whichever comes first.
package final class AdmissionController: Sendable {
    package enum Decision: Sendable, Equatable {
        case admitted
        /// Waited too long or the queue was full: answer 503.
        case rejected(String)
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
        /// Its deadline; cancelled when the waiter is admitted first, so admitted requests
        /// leave no sleeping task behind.
        var deadline: Task<Void, Never>?
    }

    private struct State {
        var inFlight = 0
        /// FIFO of waiting requests; `head` is the index of the oldest (compacted lazily).
        var waiters: [Waiter?] = []
        var head = 0
        var waiting = 0
        var nextID: UInt64 = 0

        mutating func popOldest() -> Waiter? {
            while head < waiters.count {
                let w = waiters[head]
                waiters[head] = nil
                head += 1
                if let w {
                    waiting -= 1
                    compact()
                    return w
                }
            }
            compact()
            return nil
        }

        /// Attaches the deadline task to a queued waiter; false when it has already left the queue.
        mutating func attach(_ deadline: Task<Void, Never>, to id: UInt64) -> Bool {
            // The waiter was just appended: search from the back.
            for i in stride(from: waiters.count - 1, through: head, by: -1) where waiters[i]?.id == id {
                waiters[i]!.deadline = deadline
                return true
            }
            return false
        }

        mutating func remove(_ id: UInt64) -> Waiter? {
            for i in head..<waiters.count where waiters[i]?.id == id {
                let w = waiters[i]
                waiters[i] = nil
                waiting -= 1
                compact()
                return w
            }
            return nil
        }

        mutating func compact() {
            if head == waiters.count {
                waiters.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64 && head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
        }
    }

    package let maxConcurrent: Int
    package let maxWaitSeconds: Double
    package let maxQueued: Int
    private let state = Mutex(State())

    package init(maxConcurrent: Int, maxWaitSeconds: Double, maxQueued: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.maxWaitSeconds = maxWaitSeconds
        self.maxQueued = max(0, maxQueued)
    }

    private enum Immediate {
        case admitted, full
        case wait(UInt64)
    }

    /// Takes a slot, waiting (FIFO) for at most `maxWaitSeconds` when all are busy.
    package func acquire() async -> Decision {
        let immediate: Immediate = state.withLock { s in
            if s.inFlight < maxConcurrent && s.waiting == 0 {
                s.inFlight += 1
                return .admitted
            }
            guard s.waiting < maxQueued else { return .full }
            s.nextID &+= 1
            return .wait(s.nextID)
        }
        let id: UInt64
        switch immediate {
        case .admitted: return .admitted
        case .full: return .rejected("the request queue is full (\(maxQueued) waiting)")
        case .wait(let i): id = i
        }
        let wait = maxWaitSeconds
        let admitted = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            let enqueued: Bool = state.withLock { s in
                // A slot may have freed between the check above and now.
                if s.inFlight < maxConcurrent && s.waiting == 0 {
                    s.inFlight += 1
                    return false
                }
                s.waiters.append(Waiter(id: id, continuation: c))
                s.waiting += 1
                return true
            }
            guard enqueued else { return c.resume(returning: true) }
            let deadline = Task { [self] in
                guard (try? await Task.sleep(nanoseconds: UInt64(max(0, wait) * 1e9))) != nil else { return }  // cancelled: admitted
                self.expire(id)
            }
            if !state.withLock({ s in s.attach(deadline, to: id) }) { deadline.cancel() }
        }
        return admitted ? .admitted : .rejected(String(format: "waited longer than max_request_wait_time (%.0f ms)", maxWaitSeconds * 1000))
    }

    /// Frees a slot; the longest-waiting request takes it.
    package func release() {
        let next: Waiter? = state.withLock { s in
            if let w = s.popOldest() { return w }  // the slot passes on; inFlight unchanged
            s.inFlight -= 1
            return nil
        }
        next?.deadline?.cancel()
        next?.continuation.resume(returning: true)
    }

    private func expire(_ id: UInt64) {
        state.withLock { s in s.remove(id) }?.continuation.resume(returning: false)
    }

    /// Requests in flight and waiting.
    package var load: (inFlight: Int, waiting: Int) { state.withLock { s in (s.inFlight, s.waiting) } }
}
