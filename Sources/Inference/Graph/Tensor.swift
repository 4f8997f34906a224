/// A dense float32 tensor in row-major (C) order.
///
/// Shapes of model values are *per sample* (no batch axis): `[C, H, W]` for
/// images, `[F]` for feature vectors, `[T, F]` for sequences. Parameter tensors
/// carry their full shape (e.g. `[outC, inC/groups, kH, kW]` for a convolution).
package struct Tensor: Sendable, Equatable {
    /// The extent of each axis.
    package var shape: [Int]
    /// The elements, `shape.reduce(1, *)` of them, in row-major order.
    package var data: [Float]

    /// Creates a tensor; `data.count` must equal the product of `shape`.
    package init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "tensor data does not match its shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros.
    package init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// The number of elements.
    package var count: Int { data.count }
}

/// Formats a shape as `[a, b, c]` for messages.
@usableFromInline
func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
