#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushChild

/// argv and envp of every process a program trial starts, as C strings made before the
/// first fork (the child only execs them). Freed after the trial.
struct Launch {
    private(set) var argv: [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>] = []
    private(set) var envp: [UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>] = []
    /// Strings shared by every process's envp (the runner's own environment).
    private var shared: [UnsafeMutablePointer<CChar>?] = []
    private var own: [UnsafeMutablePointer<CChar>?] = []

    /// `gated`: a controlled schedule; every buyer finds its gate in TICKETRUSH_GATE_FD.
    /// `address`: where a database store is (`{url}`, `{table}`; TrialStore.programAddress).
    /// `appNamePrefix`: each buyer's PGAPPNAME is it and the buyer's number (SyscallNetwork).
    init(program: ProgramConfig, scenario: Scenario, seed: UInt64, trial: Int, storagePath: String, names: [String],
         gated: Bool = false, address: (url: String, table: String)? = nil, appNamePrefix: String? = nil) {
        let perBuyer = program.mode == .perBuyer
        let address = address ?? (storagePath, "")
        var base: [(String, String)] = [
            ("dir", program.dir), ("wants", String(scenario.buyers.wants)), ("storage", storagePath), ("seed", String(seed)),
            ("url", address.url), ("table", address.table),
        ]
        var env: [String: String] = [
            "TICKETRUSH_DIR": program.dir, "TICKETRUSH_WANTS": String(scenario.buyers.wants),
            "TICKETRUSH_STORAGE": storagePath, "TICKETRUSH_SEED": String(seed),
            "TICKETRUSH_EVENTS_FD": String(CommandChild.eventsFd), "TICKETRUSH_BUYERS": String(scenario.buyers.count),
            "TICKETRUSH_NAME_TEMPLATE": scenario.buyers.nameTemplate, "TICKETRUSH_TRIAL": String(trial + 1),
            "TICKETRUSH_MODE": program.mode.rawValue, "TICKETRUSH_KIND": scenario.storage.kind.rawValue,
            "TICKETRUSH_URL": address.url, "TICKETRUSH_TABLE": address.table,
        ]
        if gated { env["TICKETRUSH_GATE_FD"] = String(CommandChild.gateFd) }
        // The runner's environment, without TICKETRUSH_* of an outer run. PYTHONUNBUFFERED is
        // deliberately not set: unbuffered print() writes the text and its newline separately,
        // so buyers sharing one pipe (program mode) would cut each other's lines.
        var inherited: [String] = []
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            // The runner's PGAPPNAME names each buyer's backends (SyscallNetwork): the outer one goes.
            if !text.hasPrefix("TICKETRUSH_"), appNamePrefix == nil || !text.hasPrefix("PGAPPNAME=") { inherited.append(text) }
            p += 1
        }
        shared = inherited.map { strdup($0) }
        let procs = perBuyer ? names.count : 1
        for i in 0..<procs {
            var values = base
            var vars = env
            if perBuyer {
                values += [("name", names[i]), ("n", String(i + 1))]
                vars["TICKETRUSH_NAME"] = names[i]
                vars["TICKETRUSH_BUYER"] = String(i + 1)
                if let appNamePrefix { vars["PGAPPNAME"] = appNamePrefix + String(i + 1) }
            }
            let words = ProgramConfig.fill(command: program.command, values)
            let a = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: words.count + 1)
            for (k, w) in words.enumerated() { a[k] = strdup(w); own.append(a[k]) }
            a[words.count] = nil
            argv.append(a)
            let extra = vars.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
            own += extra
            let e = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: shared.count + extra.count + 1)
            for (k, s) in (shared + extra).enumerated() { e[k] = s }
            e[shared.count + extra.count] = nil
            envp.append(e)
        }
        base.removeAll()
    }

    func free() {
        for s in shared { Glibc.free(s) }
        for s in own { Glibc.free(s) }
        for a in argv { a.deallocate() }
        for e in envp { e.deallocate() }
    }
}
