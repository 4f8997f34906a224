/// Rounds the operands of the executor's matrix products to a narrower number format,
/// so the same executor emulates an accelerator's arithmetic (see `FPGAEmulation`).
///
/// Both methods quantize in place, in blocks along the *reduction* dimension of the
/// product: along each row of a row-major weight matrix `[outputs, K]`, and down each
/// column of a row-major activation matrix `[K, columns]`.
package protocol MatrixOperandQuantizer: AnyObject, Sendable {
    /// A name for reports, e.g. `msfp12`.
    var name: String { get }
    /// Quantizes `[rows, k]` in blocks along each row (weights; called once when the model is prepared).
    func quantizeRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, k: Int)
    /// Quantizes `[k, columns]` in blocks down each column (activations; called before every product).
    func quantizeColumns(_ matrix: UnsafeMutablePointer<Float>, k: Int, columns: Int)
    /// Rounds values computed outside the matrix unit (depthwise convolutions) to the vector
    /// units' precision.
    func roundVector(_ values: UnsafeMutablePointer<Float>, count: Int)
}
