import TicketRushModel

/// `buyers.command` (docs/programs.md): a forked, exec'd process per buyer, each with its
/// own pipes; under a controlled pacer each waits on its own gate. The machinery is
/// ProgramLauncher's (Program/); this is the registration's name for the per-buyer mode.
final class CommandLauncher: ProgramLauncher {
    override init(_ session: TrialSession, program: ProgramConfig, store: TrialStore) {
        precondition(program.mode == .perBuyer)
        super.init(session, program: program, store: store)
    }
}
