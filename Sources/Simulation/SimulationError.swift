/// An error in a simulation's input (a trace file, a parameter out of range).
package struct SimulationError: Error, Sendable, CustomStringConvertible, Equatable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
