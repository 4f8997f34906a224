/// The deployment targets, by id. The one place targets are registered: adding a target is
/// a case here and one file in `Kinds/` with its ``DeploymentTarget``.
package enum TargetKind: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    case aci
    case aks
    case managed
    case iotEdge = "iot-edge"
    case fpga

    /// The target's behaviour: configurations, costs, deploy times, simulation and rules.
    package var target: any DeploymentTarget {
        switch self {
        case .aci: ACITarget()
        case .aks: AKSTarget()
        case .managed: ManagedTarget()
        case .iotEdge: IoTEdgeTarget()
        case .fpga: FPGATarget()
        }
    }

    package var displayName: String { target.displayName }

    /// Declaration order (the order of tables and plots).
    package static func < (a: TargetKind, b: TargetKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
