import Dispatch
import Foundation
import Inference

/// The model behind the endpoint: a pool of prepared executors (one per concurrent request),
/// each on its own serial queue so inference never blocks Swift's cooperative threads.
public final class ScoringModel: @unchecked Sendable {
    public let graph: ModelGraph
    public let inputShape: [Int]
    public let outputShape: [Int]
    private let executors: [CPUExecutor]
    private let queues: [DispatchQueue]
    private let lock = NSLock()
    private var free: [Int]

    /// - Parameters:
    ///   - slots: executors prepared (= the maximum concurrent requests).
    ///   - threads: OpenBLAS threads.
    public init(graph: ModelGraph, slots: Int, threads: Int) throws(InferenceError) {
        self.graph = graph
        var list: [CPUExecutor] = []
        for _ in 0..<max(1, slots) { list.append(try CPUExecutor(graph: graph, batch: 1, threads: threads)) }
        executors = list
        queues = (0..<list.count).map { DispatchQueue(label: "deploy-advisor.scoring.\($0)") }
        free = Array(0..<list.count)
        inputShape = graph.inputShape
        outputShape = list[0].outputShape
    }

    /// Runs `samples` (each `inputShape`-sized, flattened) one after another on a free executor.
    public func score(_ samples: [[Float]]) async throws -> [[Float]] {
        let slot: Int = lock.withLock { free.popLast() ?? -1 }
        guard slot >= 0 else { throw InferenceError("no free executor (more concurrent requests than slots)") }
        defer { lock.withLock { free.append(slot) } }
        let executor = executors[slot]
        return try await withCheckedThrowingContinuation { c in
            queues[slot].async {
                do {
                    c.resume(returning: try samples.map { try executor.run($0) })
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }
}

/// Parses `{"data": ...}` bodies and renders `{"result": ...}`.
public enum ScoringJSON {
    public struct BadRequest: Error, CustomStringConvertible {
        public let description: String
    }

    /// Flattens nested numeric arrays, returning the nested shape.
    static func flatten(_ value: Any, into out: inout [Float], shape: inout [Int], depth: Int) throws(BadRequest) {
        if let array = value as? [Any] {
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

    /// The samples in a body, each flattened; `batched` when the body held a batch.
    public static func parse(_ body: Data, inputShape: [Int]) throws(BadRequest) -> (samples: [[Float]], batched: Bool) {
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
        var flat: [Float] = []
        var shape: [Int] = []
        try flatten(data, into: &flat, shape: &shape, depth: 0)
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

    public static func render(_ outputs: [[Float]], outputShape: [Int], batched: Bool) throws -> Data {
        let nested: Any = batched ? outputs.map { nest($0[...], shape: outputShape[...]) } : nest(outputs[0][...], shape: outputShape[...])
        return try JSONSerialization.data(withJSONObject: ["result": nested])
    }
}

func describe(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
