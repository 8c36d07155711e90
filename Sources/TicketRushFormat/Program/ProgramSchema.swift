#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel

/// The keys for the user's own program as the buyer (docs/programs.md): `buyers.command`,
/// `program.command` and `outcomes`, their cross-key checks and the model.
package enum ProgramSchema {
    static let commandShape = Shape.list(.text(nonEmpty: false))

    /// `buyers.command`, inserted among the buyer fields.
    package static let buyersCommand = Field("command", commandShape,
        "run this program as each buyer (one process per buyer, exec'd after the start barrier in the trial folder); placeholders {dir} {name} {n} {wants} {storage} {url} {table} {seed}, also as TICKETRUSH_* variables (docs/programs.md)")

    /// `buyers.control` and `program.control`: how a controlled schedule drives the program.
    static func controlField(_ key: String) -> Field {
        Field("control", .choice(ProgramConfig.Control.allCases.map(\.rawValue)),
              "with \(key).command under a controlled schedule: protocol (default; the program reports its steps and waits on TICKETRUSH_GATE_FD) or syscalls (the program unchanged: its system calls on the store's files are the steps, held by seccomp user notification; Linux only, needs a schedule; docs/programs.md)")
    }
    package static let buyersControl = controlField("buyers")

    /// `program` and `outcomes`, top-level.
    package static let fields: [Field] = [
        Field("program", .object([
            Field("command", commandShape, required: true,
                  "the program, run once per trial in the trial folder; it starts buyers.count buyers itself; placeholders {dir} {wants} {storage} {url} {table} {seed}"),
            controlField("program"),
        ], shorthand: nil), "one program that starts its own buyers (instead of buyers.command); the runner is its subreaper and stops its whole tree at the timeout"),
        Field("outcomes", .keyed(keys: OutcomePattern.keys, value: .text(nonEmpty: true)),
              "regular expressions matched on each line a program prints (stdout and stderr); a match is that event; named groups buyer (a name) and value (an integer); for programs that do not speak the protocol"),
    ]

    /// Problems across keys: one of buyers.command and program.command, not empty, placeholders
    /// the mode has, `outcomes` only with a command and every pattern a valid regular expression.
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func at(_ key: String, _ fallback: String = "") -> SourceLocation {
            locations[key] ?? locations[fallback] ?? SourceLocation(path: path, line: 1, column: 1)
        }
        let perBuyer = value["buyers"]?["command"]
        let whole = value["program"]?["command"]
        if perBuyer != nil, whole != nil {
            out.append(Diagnostic(at: at("program"), "'program.command' and 'buyers.command' are both given: give one (a program that starts its buyers, or one process per buyer)"))
        }
        for (key, command, mode) in [("buyers.command", perBuyer, ProgramConfig.Mode.perBuyer), ("program.command", whole, .whole)] {
            guard case .list(let words)? = command else { continue }
            if words.isEmpty || words.first?.text?.isEmpty == true {
                out.append(Diagnostic(at: at(key), "'\(key)' must name a program: [PROGRAM, ARG, ...]"))
            }
            let allowed = ProgramConfig.placeholders(mode)
            for (i, word) in words.enumerated() {
                for name in placeholderNames(word.text ?? "") where !allowed.contains(name) {
                    let hint = mode == .whole && (name == "name" || name == "n") ? ": a whole program starts its own buyers and names them" : ""
                    out.append(Diagnostic(at: at("\(key)[\(i)]", key), "'\(key)' uses {\(name)}, which is not a placeholder here (allowed: \(allowed.map { "{\($0)}" }.joined(separator: " ")))\(hint)"))
                }
            }
            // A shell script whose placeholder cannot be quoted for where it stands: refused.
            let texts = words.map { $0.text ?? "" }
            if let code = CommandCode.codeWord(texts), code.kind == .shell {
                for name in CommandCode.untrackable(texts[code.index], known: allowed) {
                    out.append(Diagnostic(at: at("\(key)[\(code.index)]", key), "'\(key)' puts {\(name)} in a shell script after $( ), a backquote, ${ }, a here-document or a comment, where ticketrush cannot quote it for the shell (its value would run as code); write \"$\(CommandCode.variable(name))\" in the script instead"))
                }
            }
            if mode == .whole { out += checkWholeFaults(value, at: at) }
        }
        out += checkControl(value, at: at)
        if case .object(let patterns)? = value["outcomes"] {
            if perBuyer == nil && whole == nil {
                out.append(Diagnostic(at: at("outcomes"), "'outcomes' needs a program to read: give buyers.command or program.command"))
            }
            for key in patterns.keys.sorted() {
                guard let text = patterns[key]?.text else { continue }
                do {
                    _ = try Regex(text)
                } catch {
                    out.append(Diagnostic(at: at("outcomes.\(key)", "outcomes"), "'outcomes.\(key)' is not a valid regular expression: \(error)"))
                }
            }
        }
        return out
    }

    /// A whole program's faults: only under `control: syscalls`, where the runner parks each
    /// of its processes; there a step is a line its `outcomes` patterns name (the history's
    /// only events), read from the buyer the line names and landing at the next held call of
    /// the process that printed it (docs/programs.md, "Faults").
    static func checkWholeFaults(_ value: ConfigValue, at: (String, String) -> SourceLocation) -> [Diagnostic] {
        guard case .list(let faults)? = value["faults"], !faults.isEmpty else { return [] }
        guard value["program"]?["control"]?.text == ProgramConfig.Control.syscalls.rawValue else {
            return [Diagnostic(at: at("faults", ""), "'faults' cannot target the buyers a whole program starts itself under control: protocol (the runner cannot tell which of its processes is which buyer): use buyers.command, or program.control: syscalls with a controlled schedule, where each process is parked at its store calls")]
        }
        var keys: [String] = []
        if case .object(let patterns)? = value["outcomes"] { keys = Array(patterns.keys) }
        let steps = Set(keys.compactMap { OutcomePattern.kind(of: $0)?.name })
        var out: [Diagnostic] = []
        for (i, item) in faults.enumerated() {
            for action in ["kill", "stall"] {
                guard let step = item[action]?["at"]?.text, !steps.contains(step) else { continue }
                let key = "faults[\(i)].\(action).at"
                let have = keys.isEmpty ? "it has none" : "it has " + keys.sorted().joined(separator: ", ")
                out.append(Diagnostic(at: at(key, "faults"), "'\(key)' names \(step), but a whole program's steps are the lines its 'outcomes' patterns match (\(have)): the fault would never fire; add an 'outcomes' pattern for it, with a buyer group"))
            }
        }
        return out
    }

    /// `control` only beside a command; `syscalls` only under a controlled schedule: under
    /// timing nothing is held, so the key would promise what the run does not do.
    static func checkControl(_ value: ConfigValue, at: (String, String) -> SourceLocation) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for owner in ["buyers", "program"] {
            guard let control = value[owner]?["control"]?.text else { continue }
            if value[owner]?["command"] == nil {
                out.append(Diagnostic(at: at("\(owner).control", owner), "'\(owner).control' needs '\(owner).command': only a program of yours is controlled by protocol or syscalls"))
                continue
            }
            let strategy = value["schedule"]?["strategy"]?.text ?? ScheduleStrategy.timing.rawValue
            if control == ProgramConfig.Control.syscalls.rawValue, strategy == ScheduleStrategy.timing.rawValue {
                out.append(Diagnostic(at: at("\(owner).control", owner), "'\(owner).control: syscalls' needs a controlled schedule (schedule: {strategy: random | pct | exhaustive}): under timing no system call is held, so nothing would be controlled; drop 'control' to run the program by timing"))
            }
            if control == ProgramConfig.Control.syscalls.rawValue { out += checkSyscallStore(value, owner: owner, at: at) }
        }
        return out
    }

    /// `control: syscalls` sees a store only through its file calls: the JSON document, or a
    /// SQLite database with a rollback journal (its pages, its -journal file and its fcntl
    /// locks). WAL's shared-memory index is mapped memory, and a server is past the file calls.
    static func checkSyscallStore(_ value: ConfigValue, owner: String, at: (String, String) -> SourceLocation) -> [Diagnostic] {
        let kind = value["storage"]?["kind"]?.text ?? StorageKind.json.rawValue
        if kind == "sqlite" {
            let journal = value["storage"]?["journal"]?.text ?? StorageConfig.defaultJournal.rawValue
            guard journal != SQLiteJournal.delete.rawValue else { return [] }
            return [Diagnostic(at: at("storage.journal", "storage"), "'\(owner).control: syscalls' cannot see SQLite's journal \(journal): its shared-memory index (the -shm file) is read and written through mapped memory, which no system call gates; use storage.journal delete, or control: protocol")]
        }
        guard kind != StorageKind.json.rawValue else { return [] }
        // PostgreSQL, Redis and MariaDB per buyer: each statement sent to the server is a step (SyscallNetwork).
        let network = [StorageKind.postgres.rawValue, StorageKind.redis.rawValue, StorageKind.mariadb.rawValue].contains(kind)
        if network, owner == "buyers" { return [] }
        let postgres = network ? " (\(kind) is controlled statement by statement under buyers.command, not yet under program.command)" : ""
        return [Diagnostic(at: at("\(owner).control", owner), "'\(owner).control: syscalls' sees the store only through its file calls: storage.kind \(kind) is a server, past them\(postgres); use storage.kind json or sqlite (journal delete), or control: protocol (a program that reports its steps runs under control on every store)")]
    }

    /// `{name}` words in a command word.
    static func placeholderNames(_ word: String) -> [String] {
        var names: [String] = []
        var rest = Substring(word)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let inner = rest[rest.index(after: open)..<close]
            if !inner.isEmpty, inner.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { names.append(String(inner)) }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// The model of a checked tree; nil for the built-in buyer.
    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> ProgramConfig? {
        let mode: ProgramConfig.Mode
        let key: String
        if d.has("buyers.command") {
            (mode, key) = (.perBuyer, "buyers.command")
        } else if d.has("program.command") {
            (mode, key) = (.whole, "program.command")
        } else {
            return nil
        }
        var command: [String] = []
        for word in try d.items(key) { command.append(try word.decode(as: String.self)) }
        var outcomes: [OutcomePattern] = []
        if d.has("outcomes") {
            for (name, value) in try d.entries("outcomes") {
                guard let kind = OutcomePattern.kind(of: name) else { throw value.error("", "'outcomes.\(name)' names no event kind") }
                outcomes.append(OutcomePattern(key: name, kind: kind, pattern: try value.decode(as: String.self)))
            }
            let order = OutcomePattern.keys
            outcomes.sort { (order.firstIndex(of: $0.key) ?? 0) < (order.firstIndex(of: $1.key) ?? 0) }
        }
        let control = try d.optional("\(mode == .perBuyer ? "buyers" : "program").control", as: ProgramConfig.Control.self) ?? .protocol
        return ProgramConfig(mode: mode, command: command, outcomes: outcomes, dir: folder(of: d.origin.path), control: control)
    }

    /// The absolute folder of the scenario file at `path`.
    package static func folder(of path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).deletingLastPathComponent().standardizedFileURL.path
    }
}

extension ProgramConfig.Control: ConfigWord {}
