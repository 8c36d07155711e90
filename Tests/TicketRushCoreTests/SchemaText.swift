import TicketRushModel
import TicketRushFormat

/// Allowed-key and allowed-word lists as messages print them, read from the format itself,
/// so message tables stay true when keys or lock modes are added.
enum SchemaText {
    /// "name, description, …" for the object at `keyPath` ("" is the document).
    static func keys(_ keyPath: String = "") -> String {
        var shape = ScenarioSchema.root
        for part in keyPath.split(separator: ".") {
            guard case .object(let fields, _) = shape, let field = fields.first(where: { $0.name == part }) else { return "?" }
            shape = field.shape
        }
        guard case .object(let fields, _) = shape else { return "?" }
        return fields.map(\.name).joined(separator: ", ")
    }

    static let lockModes = LockMode.allCases.map(\.rawValue).joined(separator: ", ")
    static let invariants = Invariant.allCases.map(\.rawValue).joined(separator: ", ")
}
