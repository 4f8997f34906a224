/// An error from building, validating, loading or running a model.
///
/// The message names the layer, the shapes or the file involved and what is allowed,
/// so a user can act on it.
public struct InferenceError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, for people.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
