import Dispatch
import Foundation
import Inference

/// The model behind the endpoint: a pool of prepared executors (one per concurrent request).
///
/// Where an inference runs depends on how long it takes, measured once at start-up: a model
/// that answers in under `inlineLimitSeconds` (an MLP: tens of microseconds) runs on the
/// request's own thread, because handing it to another thread and back costs two wake-ups and
/// context switches — more than the inference itself. Slower models run on their executor's
/// serial queue so they never hold Swift's few cooperative threads for milliseconds.
package final class ScoringModel: @unchecked Sendable {
    package let graph: ModelGraph
    package let inputShape: [Int]
    package let outputShape: [Int]
    private let executors: [CPUExecutor]
    private let queues: [DispatchQueue]
    private let lock = NSLock()
    private var free: [Int]
    /// Seconds of one batch-1 inference, measured at start-up (best of a few warm runs).
    package let warmInferenceSeconds: Double
    /// True when inferences run on the request's thread (see the type's description).
    package let runsInline: Bool

    /// - Parameters:
    ///   - slots: executors prepared (= the maximum concurrent requests).
    ///   - threads: OpenBLAS threads.
    ///   - inlineLimitSeconds: inferences faster than this run on the request's thread.
    package init(graph: ModelGraph, slots: Int, threads: Int, inlineLimitSeconds: Double = 0.001) throws(InferenceError) {
        self.graph = graph
        var list: [CPUExecutor] = []
        for _ in 0..<max(1, slots) { list.append(try CPUExecutor(graph: graph, batch: 1, threads: threads)) }
        executors = list
        queues = (0..<list.count).map { DispatchQueue(label: "deploy-advisor.scoring.\($0)") }
        free = Array(0..<list.count)
        inputShape = graph.inputShape
        outputShape = list[0].outputShape
        let probe = [Float](repeating: 0, count: list[0].inputCount)
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<3 {
            let start = clock.now
            _ = try list[0].run(probe)
            let d = (clock.now - start).components
            best = min(best, Double(d.seconds) + Double(d.attoseconds) * 1e-18)
        }
        warmInferenceSeconds = best
        runsInline = best < inlineLimitSeconds
    }

    /// When set, each inference runs on a thread restricted to `inference`, which goes back to
    /// `others` afterwards (the queue's threads are shared with the rest of the process):
    /// `validate` gives the model a core of its own, away from the HTTP threads and the load generator.
    package var pinning: (inference: [Int], others: [Int])? {
        get { lock.withLock { pinned } }
        set { lock.withLock { pinned = newValue } }
    }
    private var pinned: (inference: [Int], others: [Int])?

    /// What the model's slot took per request, recorded while ``recordsTimes`` is true.
    package struct SlotTimes: Sendable {
        /// The executor's work, seconds.
        package var inference: [Double] = []
        /// From `score` being called (the request was just admitted) to the slot being free
        /// again: the inference plus the hand-over to the inference thread, seconds. This is the
        /// service time of the server's slot.
        package var slot: [Double] = []
    }

    /// When true, every request's ``SlotTimes`` are kept until ``takeTimes()`` (`validate`
    /// reads what the model's slot really took while the server was under load).
    package var recordsTimes: Bool {
        get { lock.withLock { recording } }
        set { lock.withLock { recording = newValue } }
    }
    private var recording = false
    private var times = SlotTimes()

    /// The times recorded since the last call, in completion order.
    package func takeTimes() -> SlotTimes {
        lock.withLock {
            defer { times = SlotTimes() }
            return times
        }
    }

    /// Runs the samples on `executor`, then frees `slot`, recording the times when asked to.
    private func run(_ samples: [[Float]], on executor: CPUExecutor, slot: Int, since entry: UInt64) throws -> [[Float]] {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let end = DispatchTime.now().uptimeNanoseconds
            lock.withLock {
                free.append(slot)
                if recording {
                    times.inference.append(Double(end - start) * 1e-9)
                    times.slot.append(Double(end - entry) * 1e-9)
                }
            }
        }
        return try samples.map { try executor.run($0) }
    }

    /// Runs `samples` (each `inputShape`-sized, flattened) one after another on a free executor.
    ///
    /// `finished` runs as soon as the executor is done, on the thread that ran it, before the
    /// caller's task resumes: the server frees its admission slot there, so the next waiting
    /// request is admitted without first waiting for a cooperative thread to resume this one
    /// (on a busy 2-core machine that wait, repeated per request, is idle time of the slot).
    package func score(_ samples: [[Float]], finished: @escaping @Sendable () -> Void = {}) async throws -> [[Float]] {
        let entry = DispatchTime.now().uptimeNanoseconds
        let slot: Int = lock.withLock { free.popLast() ?? -1 }
        guard slot >= 0 else {
            finished()
            throw InferenceError("no free executor (more concurrent requests than slots)")
        }
        let executor = executors[slot]
        if runsInline {
            defer { finished() }
            return try run(samples, on: executor, slot: slot, since: entry)
        }
        let pin = pinning
        return try await withCheckedThrowingContinuation { c in
            queues[slot].async {
                if let pin { CPUAffinity.pinCurrentThread(to: pin.inference) }
                defer { if let pin { CPUAffinity.pinCurrentThread(to: pin.others) } }
                let result = Result { try self.run(samples, on: executor, slot: slot, since: entry) }
                finished()
                c.resume(with: result)
            }
        }
    }
}

/// Parses `{"data": ...}` bodies and renders `{"result": ...}`.
package enum ScoringJSON {
    package struct BadRequest: Error, CustomStringConvertible {
        package let description: String
    }

    /// Flattens nested numeric arrays, returning the nested shape.
    static func flatten(_ value: Any, into out: inout [Float], shape: inout [Int], depth: Int) throws(BadRequest) {
        if let array = value as? [Any] {
            // A number already seen at this depth or above: `[1, [2]]` is ragged.
            if depth >= shape.count, !out.isEmpty {
                throw BadRequest(description: "ragged array: axis \(depth) holds both numbers and arrays")
            }
            if depth == shape.count {
                shape.append(array.count)
            } else if shape[depth] != array.count {
                throw BadRequest(description: "ragged array: axis \(depth) has lengths \(shape[depth]) and \(array.count)")
            }
            guard depth < 8 else { throw BadRequest(description: "arrays nested deeper than 8 levels") }
            for v in array { try flatten(v, into: &out, shape: &shape, depth: depth + 1) }
        } else if let n = value as? NSNumber {
            guard depth == shape.count else { throw BadRequest(description: "a number where an array was expected at axis \(depth)") }
            let d = n.doubleValue
            guard d.isFinite else { throw BadRequest(description: "non-finite number in data") }
            out.append(Float(d))
        } else {
            throw BadRequest(description: "data must hold only numbers (found \(type(of: value)))")
        }
    }

    /// Fast path for the common body `{"data": <nested arrays of numbers>}` (only that key):
    /// one pass over the bytes with `strtod`. Returns nil for anything else, which then goes
    /// through `JSONSerialization` (and its error messages).
    package static func fastParse(_ body: Data) -> (flat: [Float], shape: [Int])? {
        body.withUnsafeBytes { raw in fastParse(raw.bindMemory(to: UInt8.self)) }
    }

    /// The same over the body's bytes in place (no copy).
    static func fastParse(_ bytes: UnsafeBufferPointer<UInt8>) -> (flat: [Float], shape: [Int])? {
        let n = bytes.count
        var i = 0
        func skip() { while i < n, bytes[i] == 32 || bytes[i] == 10 || bytes[i] == 13 || bytes[i] == 9 { i += 1 } }
        func expect(_ c: UInt8) -> Bool {
            skip()
            guard i < n, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard expect(UInt8(ascii: "{")), expect(UInt8(ascii: "\"")) else { return nil }
        for k in Array("data\"".utf8) {
            guard i < n, bytes[i] == k else { return nil }
            i += 1
        }
        guard expect(UInt8(ascii: ":")) else { return nil }
        var flat: [Float] = []
        flat.reserveCapacity(n / 4)
        var shape: [Int] = []
        var scratch = [CChar](repeating: 0, count: 64)
        // Every number at one depth, every array above it: a ragged body (`[15, [0.5, 25, 6]]`)
        // is refused here (a fuzzer found it read as [2, 3] with 4 values).
        var leafDepth: Int?
        func value(_ depth: Int) -> Bool {
            skip()
            guard i < n else { return false }
            if bytes[i] == UInt8(ascii: "[") {
                i += 1
                guard depth < 8, leafDepth.map({ depth < $0 }) ?? true else { return false }
                if depth == shape.count { shape.append(-1) }
                var count = 0
                skip()
                if i < n, bytes[i] == UInt8(ascii: "]") {
                    i += 1
                } else {
                    while true {
                        guard value(depth + 1) else { return false }
                        count += 1
                        skip()
                        guard i < n else { return false }
                        if bytes[i] == UInt8(ascii: ",") {
                            i += 1
                            continue
                        }
                        if bytes[i] == UInt8(ascii: "]") {
                            i += 1
                            break
                        }
                        return false
                    }
                }
                if shape[depth] == -1 { shape[depth] = count } else if shape[depth] != count { return false }
                return true
            }
            guard depth == shape.count, leafDepth.map({ $0 == depth }) ?? true else { return false }
            leafDepth = depth
            var len = 0
            while i < n, len < 63 {
                let c = bytes[i]
                guard (c >= 48 && c <= 57) || c == 45 || c == 43 || c == 46 || c == 101 || c == 69 else { break }
                scratch[len] = CChar(bitPattern: c)
                len += 1
                i += 1
            }
            guard len > 0, len < 63, isJSONNumber(scratch, count: len) else { return false }
            scratch[len] = 0
            var consumed = 0
            let v = scratch.withUnsafeMutableBufferPointer { p -> Double in
                var end: UnsafeMutablePointer<CChar>?
                let d = strtod(p.baseAddress!, &end)
                consumed = end.map { $0 - p.baseAddress! } ?? 0
                return d
            }
            guard consumed == len, v.isFinite else { return false }
            flat.append(Float(v))
            return true
        }
        guard value(0), expect(UInt8(ascii: "}")) else { return nil }
        skip()
        return i == n ? (flat, shape) : nil
    }

    /// RFC 8259's number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` (strtod alone also
    /// takes `+1`, `.5`, `1.` and `01`, which JSONSerialization refuses).
    static func isJSONNumber(_ c: [CChar], count n: Int) -> Bool {
        var i = 0
        func digits() -> Int {
            let start = i
            while i < n, c[i] >= 48, c[i] <= 57 { i += 1 }
            return i - start
        }
        if i < n, c[i] == 45 { i += 1 }
        guard i < n else { return false }
        if c[i] == 48 { i += 1 } else if digits() == 0 { return false }
        if i < n, c[i] == 46 {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < n, c[i] == 101 || c[i] == 69 {
            i += 1
            if i < n, c[i] == 43 || c[i] == 45 { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == n
    }

    /// The samples in a body, each flattened; `batched` when the body held a batch.
    ///
    /// - Parameter fastPath: false reads every body with `JSONSerialization` (the fuzz target
    ///   checks that both paths agree).
    package static func parse(_ body: Data, inputShape: [Int], fastPath: Bool = true) throws(BadRequest) -> (
        samples: [[Float]], batched: Bool
    ) {
        var flat: [Float] = []
        var shape: [Int] = []
        if fastPath, let fast = fastParse(body) {
            flat = fast.flat
            shape = fast.shape
        } else {
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: body)
            } catch {
                throw BadRequest(description: "malformed JSON: \(error.localizedDescription)")
            }
            guard let dict = object as? [String: Any], let data = dict["data"] else {
                throw BadRequest(
                    description:
                        "the body must be a JSON object {\"data\": [...]} with the input nested as \(describe(inputShape)) or [N, \(inputShape.map(String.init).joined(separator: ", "))]"
                )
            }
            try flatten(data, into: &flat, shape: &shape, depth: 0)
        }
        return try shaped(flat, shape: shape, inputShape: inputShape)
    }

    /// Values nested as `shape` as one sample of `inputShape` or a batch of them.
    package static func shaped(_ flat: [Float], shape: [Int], inputShape: [Int]) throws(BadRequest) -> (samples: [[Float]], batched: Bool) {
        guard shape.reduce(1, *) == flat.count else {
            throw BadRequest(description: "data is ragged: its arrays do not nest to one shape")
        }
        let per = inputShape.reduce(1, *)
        if shape == inputShape { return ([flat], false) }
        if shape.count == inputShape.count + 1 && Array(shape.dropFirst()) == inputShape && shape[0] >= 1 {
            return ((0..<shape[0]).map { Array(flat[($0 * per)..<(($0 + 1) * per)]) }, true)
        }
        throw BadRequest(
            description:
                "data has shape \(describe(shape)); expected \(describe(inputShape)) for one input or [N, \(inputShape.map(String.init).joined(separator: ", "))] for a batch"
        )
    }

    static func nest(_ flat: ArraySlice<Float>, shape: ArraySlice<Int>) -> Any {
        guard let first = shape.first else { return Double(flat.first ?? 0) }
        let inner = shape.dropFirst().reduce(1, *)
        return (0..<first).map { i in
            nest(flat[(flat.startIndex + i * inner)..<(flat.startIndex + (i + 1) * inner)], shape: shape.dropFirst())
        }
    }

    /// `{"result": ...}` written directly (numbers in Swift's shortest round-trip form).
    package static func render(_ outputs: [[Float]], outputShape: [Int], batched: Bool) throws -> Data {
        var out = "{\"result\": "
        out.reserveCapacity(16 + outputs.count * outputShape.reduce(1, *) * 12)
        func write(_ flat: ArraySlice<Float>, _ shape: ArraySlice<Int>) {
            guard let first = shape.first else {
                let v = flat.first ?? 0
                out += v.isFinite ? "\(v)" : "null"
                return
            }
            let inner = shape.dropFirst().reduce(1, *)
            out += "["
            for k in 0..<first {
                if k > 0 { out += ", " }
                write(flat[(flat.startIndex + k * inner)..<(flat.startIndex + (k + 1) * inner)], shape.dropFirst())
            }
            out += "]"
        }
        if batched {
            out += "["
            for (k, o) in outputs.enumerated() {
                if k > 0 { out += ", " }
                write(o[...], outputShape[...])
            }
            out += "]"
        } else {
            write(outputs[0][...], outputShape[...])
        }
        out += "}"
        return Data(out.utf8)
    }
}

func describe(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
