import TicketRushModel

/// The runner's model of the one lock under a controlled schedule, learned from the
/// buyers' lock.acquired / lock.released events and from deaths: who holds it, and so
/// who is enabled. A buyer parked before `acquire` (or a program after `lock.wait`) is
/// enabled only while nobody holds it.
public struct LockModel: Sendable, Equatable {
    public private(set) var holder: Int?
    /// The holder died holding it and nothing will release it (semaphore, lock file).
    public private(set) var holderDead = false
    /// True when the kernel (or the robust mutex) frees a dead holder's lock (the lock-mode table says).
    public let releasedOnDeath: Bool

    public init(mode: LockMode) {
        releasedOnDeath = mode.traits.releasedOnDeath
    }

    public mutating func acquired(by buyer: Int) {
        holder = buyer
        holderDead = false
    }

    public mutating func released(by buyer: Int) {
        if holder == buyer { holder = nil }
    }

    public mutating func died(_ buyer: Int) {
        guard holder == buyer else { return }
        if releasedOnDeath { holder = nil } else { holderDead = true }
    }

    /// The enabled buyers among those parked (`ops[b]` nil: running, finished or dead).
    public func enabled(_ ops: [GateOp?]) -> [Int] {
        ops.indices.filter { b in
            guard let op = ops[b] else { return false }
            return !op.takesLock || holder == nil
        }
    }

    /// With nobody enabled: the wait-for chain in words ("2, 3 wait for 1 (dead)").
    public func waitFor(_ ops: [GateOp?], names: [String]) -> String {
        let waiting = ops.indices.filter { ops[$0]?.takesLock == true }.map { names[$0] }
        let wait = waiting.count == 1 ? " waits" : " wait"
        guard let holder else { return waiting.joined(separator: ", ") + wait + " for a lock nobody holds" }
        return waiting.joined(separator: ", ") + wait + " for \(names[holder])" + (holderDead ? ", which died holding it" : "")
    }
}
