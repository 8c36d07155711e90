/// A scenario whose buyers are the user's own program (docs/programs.md): either one
/// process per buyer running `buyers.command`, or one `program.command` that starts its
/// own buyers. The runner prepares the storage as usual; the program does the buying and
/// reports through the protocol (TICKETRUSH_EVENTS_FD) or through `outcomes` patterns.
public struct ProgramConfig: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable {
        /// `buyers.command`: the runner forks one process per buyer and execs the command in each.
        case perBuyer = "buyers"
        /// `program.command`: one process that starts `buyers.count` buyers itself.
        case whole = "program"
    }

    /// How a controlled schedule drives it (docs/programs.md, "Three kinds of control").
    public enum Control: String, Sendable, Codable, CaseIterable {
        /// The program reports its steps (TICKETRUSH_EVENTS_FD) and waits on TICKETRUSH_GATE_FD.
        case `protocol`
        /// The program is unchanged: its system calls on the store are the steps (seccomp
        /// user notification); it needs a controlled schedule.
        case syscalls
    }

    public var mode: Mode
    public var control: Control = .protocol
    /// argv before placeholders are filled in.
    public var command: [String]
    /// Line patterns for programs that do not speak the protocol.
    public var outcomes: [OutcomePattern]
    /// The scenario file's folder, absolute: `{dir}`, TICKETRUSH_DIR.
    public var dir: String

    /// Output kept per buyer in the trial folder (`buyer-N.out`); the rest is counted and dropped.
    public static let outputLimitBytes = 1 << 20

    public init(mode: Mode, command: [String], outcomes: [OutcomePattern] = [], dir: String, control: Control = .protocol) {
        self.mode = mode
        self.control = control
        self.command = command
        self.outcomes = outcomes
        self.dir = dir
    }

    /// True when a controlled schedule can drive it (docs/programs.md, "Gate"): one process
    /// per buyer (`buyers.command`) that speaks the protocol, which is what a command without
    /// `outcomes` patterns is taken to do. A pattern program cannot say when it is between
    /// steps, and a whole program starts buyers the runner cannot hold one by one.
    /// Under `control: syscalls` every program is: its steps are its system calls on the store.
    public var isControllable: Bool { control == .syscalls || (mode == .perBuyer && outcomes.isEmpty) }

    /// The placeholders a command may use; program mode has no `{name}` or `{n}`.
    public static func placeholders(_ mode: Mode) -> [String] {
        mode == .perBuyer ? ["dir", "name", "n", "wants", "storage", "url", "table", "seed"]
            : ["dir", "wants", "storage", "url", "table", "seed"]
    }

    /// `word` with every `{key}` of `values` filled in; unknown braces stay as written.
    public static func fill(_ word: String, _ values: [(String, String)]) -> String {
        var out = word
        for (key, value) in values where out.contains("{\(key)}") { out = out.replacingAll("{\(key)}", with: value) }
        return out
    }
}

/// One `outcomes` entry: lines matching `pattern` become a `kind` event; named groups
/// `buyer` (a buyer's name, program mode) and `value` (an integer) fill it in.
public struct OutcomePattern: Sendable, Codable, Equatable {
    /// The key as written (`bought`, `search`, `purchase.write`, …).
    public var key: String
    public var kind: EventKind
    public var pattern: String

    public init(key: String, kind: EventKind, pattern: String) {
        self.key = key
        self.kind = kind
        self.pattern = pattern
    }

    /// The keys `outcomes` accepts, in the order lines are tried against them: the steps in
    /// the order a task takes them, then the outcomes. `search` is short for `search.read`.
    public static let keys: [String] = ["search"] + EventKind.allCases.filter {
        $0.isBuyerStep && $0 != .start && $0 != .done && !$0.isOutcome
    }.map(\.name) + ["bought", "sold-out", "error"]

    /// The event kind a key stands for.
    public static func kind(of key: String) -> EventKind? {
        key == "search" ? .searchRead : EventKind(name: key)
    }
}

/// One line a program printed, kept for the transcript and the failure text.
public struct OutputLine: Sendable, Codable, Equatable {
    public enum Stream: String, Sendable, Codable { case stdout, stderr }
    /// CLOCK_MONOTONIC nanoseconds when the runner read it.
    public var tNs: UInt64
    /// 0-based buyer whose pipe it came from (or whose name it carries); nil: not attributed.
    public var buyer: Int?
    public var stream: Stream
    public var text: String

    public init(tNs: UInt64, buyer: Int?, stream: Stream, text: String) {
        self.tNs = tNs
        self.buyer = buyer
        self.stream = stream
        self.text = text
    }
}
