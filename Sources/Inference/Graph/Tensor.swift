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

/// The largest value a model may compute: 2^40 elements per sample (4 TB of float32), far
/// above any real model and far below `Int.max`, so sizes, FLOPs and byte counts computed from
/// shapes within it cannot overflow. Memory is checked separately against ``MemoryBudget``.
package enum ShapeLimit {
    package static let maxElements = 1 << 40

    /// The element count of `shape`, or nil when an extent is negative or the count exceeds
    /// ``maxElements`` (overflow-checked).
    package static func elements(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (m, o) = n.multipliedReportingOverflow(by: d)
            guard !o, m <= maxElements else { return nil }
            n = m
        }
        return n
    }
}

/// Formats a shape as `[a, b, c]` for messages.
@usableFromInline
func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
