/// How a buyer process ended, as waitpid saw it.
public enum BuyerExit: Sendable, Codable, Equatable {
    case exited(code: Int32)
    case signaled(signal: Int32)
    /// Never reaped: should not happen; kept so a runner bug shows up as a verdict.
    case unknown

    public var isCleanExit: Bool { self == .exited(code: 0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exited \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        case .unknown: return "not reaped"
        }
    }
}
