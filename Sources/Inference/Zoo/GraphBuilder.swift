/// Builds a ``ModelGraph`` layer by layer, naming layers uniquely.
package struct GraphBuilder: Sendable {
    package let name: String
    package let inputShape: [Int]
    package private(set) var nodes: [Node] = []

    /// The value id of the graph input.
    package let input = 0

    package init(name: String, inputShape: [Int]) {
        self.name = name
        self.inputShape = inputShape
    }

    /// Appends a layer and returns the id of the value it produces.
    @discardableResult
    package mutating func add(_ op: LayerOp, _ inputs: [Int], name: String) -> Int {
        nodes.append(Node(name: name, op: op, inputs: inputs))
        return nodes.count
    }

    /// Convolution, then batch-norm, then an optional activation (the usual block).
    package mutating func convBN(
        _ x: Int, _ attributes: Conv2DAttributes, activation: Activation? = .relu, name: String
    ) -> Int {
        var y = add(.conv2d(attributes), [x], name: name)
        y = add(.batchNorm(epsilon: 1e-5), [y], name: name + ".bn")
        if let activation { y = add(.activation(activation), [y], name: name + "." + activation.rawValue) }
        return y
    }

    /// The finished graph; its output is the last layer's value.
    package func build() -> ModelGraph {
        ModelGraph(name: name, inputShape: inputShape, nodes: nodes)
    }
}
