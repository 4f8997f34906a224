/// One layer of a ``ModelGraph``.
package struct Node: Sendable, Equatable {
    /// A unique name (used in messages, profiles and ONNX export).
    package var name: String
    package var op: LayerOp
    /// Value ids this node reads: `0` is the graph input, node `i` produces value `i + 1`.
    package var inputs: [Int]
    /// The parameter tensors (see ``LayerOp`` for their order and layout). Empty
    /// when the graph describes an architecture only (for profiling).
    package var parameters: [Tensor]

    package init(name: String, op: LayerOp, inputs: [Int], parameters: [Tensor] = []) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.parameters = parameters
    }
}
