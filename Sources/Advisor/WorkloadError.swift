/// An error in a workload file or in the flags that override it.
///
/// The message names the file, the key, the value and what is allowed.
public struct WorkloadError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
