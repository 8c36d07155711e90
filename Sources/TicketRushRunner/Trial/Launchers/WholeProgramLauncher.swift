import TicketRushModel

/// `program.command` (docs/programs.md): one process, the user's program, which starts its
/// own buyers; its lines name the buyer. Faults and gates are per buyer process, so neither
/// applies (the loader refuses both). The machinery is ProgramLauncher's (Program/).
final class WholeProgramLauncher: ProgramLauncher {
    override init(_ session: TrialSession, program: ProgramConfig, store: TrialStore) {
        precondition(program.mode == .whole)
        super.init(session, program: program, store: store)
    }
}
