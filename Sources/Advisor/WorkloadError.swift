/// An error in a workload file or in the flags that override it.
///
/// The message names the file, the key, the value and what is allowed.
package struct WorkloadError: Error, Sendable, CustomStringConvertible, Equatable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
