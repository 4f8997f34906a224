/// An error in a simulation's input (a trace file, a parameter out of range).
public struct SimulationError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
