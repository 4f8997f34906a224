/// An error from building, validating, loading or running a model.
///
/// The message names the layer, the shapes or the file involved and what is allowed,
/// so a user can act on it.
package struct InferenceError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, for people.
    package let message: String

    package init(_ message: String) { self.message = message }

    package var description: String { message }
}
