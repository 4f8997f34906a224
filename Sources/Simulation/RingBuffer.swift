/// A FIFO queue in a growable ring buffer: O(1) push and pop, storage reused.
package struct RingBuffer<Element>: Sendable where Element: Sendable {
    @usableFromInline var storage: [Element?]
    @usableFromInline var head = 0
    @usableFromInline var size = 0

    package init(capacity: Int = 64) { storage = Array(repeating: nil, count: max(1, capacity)) }

    @inlinable package var count: Int { size }
    @inlinable package var isEmpty: Bool { size == 0 }
    @inlinable package var first: Element? { size == 0 ? nil : storage[head] }

    @inlinable
    package mutating func append(_ e: Element) {
        if size == storage.count { grow() }
        storage[(head + size) % storage.count] = e
        size += 1
    }

    @inlinable
    package mutating func popFirst() -> Element? {
        guard size > 0 else { return nil }
        let e = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        size -= 1
        return e
    }

    @usableFromInline
    mutating func grow() {
        var bigger = [Element?](repeating: nil, count: storage.count * 2)
        for i in 0..<size { bigger[i] = storage[(head + i) % storage.count] }
        storage = bigger
        head = 0
    }
}
