/// A priority queue of timed events: an implicit 4-ary min-heap on (time, sequence).
///
/// Four children per node keep the heap shallow and a node's children in one or two cache
/// lines; the sequence number makes equal times pop in insertion order (stable), which
/// keeps simulations deterministic. Storage grows to the largest number of pending events
/// and is then reused: no allocation per event in steady state.
package struct EventQueue<Event>: ~Copyable {
    @usableFromInline
    struct Entry {
        @usableFromInline var time: Double
        @usableFromInline var sequence: UInt64
        @usableFromInline var event: Event

        @inlinable init(time: Double, sequence: UInt64, event: Event) {
            self.time = time
            self.sequence = sequence
            self.event = event
        }

        @inlinable func before(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && sequence < other.sequence)
        }
    }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var nextSequence: UInt64 = 0

    package init(capacity: Int = 1024) { heap.reserveCapacity(capacity) }

    /// Pending events.
    @inlinable package var count: Int { heap.count }
    @inlinable package var isEmpty: Bool { heap.isEmpty }

    /// The time of the next event, if any.
    @inlinable package var nextTime: Double? { heap.first?.time }

    /// Schedules `event` at `time` (seconds).
    @inlinable
    package mutating func schedule(_ event: Event, at time: Double) {
        let entry = Entry(time: time, sequence: nextSequence, event: event)
        nextSequence &+= 1
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) >> 2
            if !entry.before(heap[parent]) { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = entry
    }

    /// Removes and returns the earliest event.
    @inlinable
    package mutating func pop() -> (time: Double, event: Event)? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            let n = heap.count
            var i = 0
            while true {
                let c = 4 * i + 1
                if c >= n { break }
                var best = c
                let end = min(c + 4, n)
                var j = c + 1
                while j < end {
                    if heap[j].before(heap[best]) { best = j }
                    j += 1
                }
                if !heap[best].before(last) { break }
                heap[i] = heap[best]
                i = best
            }
            heap[i] = last
        }
        return (first.time, first.event)
    }

    /// Drops every pending event.
    package mutating func removeAll() { heap.removeAll(keepingCapacity: true) }
}
