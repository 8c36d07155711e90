/// Placeholders in a command word that is code rather than an argument: the script of
/// `sh -c SCRIPT` (and bash, dash, zsh, ksh…), or the inline program of `python3 -c`,
/// `perl -e`, `node -e`. A value pasted there unquoted is code: a scenario in a folder named
/// `d$(touch X)` ran that command (issue 19 item 12). In a shell script ticketrush quotes
/// each value for the quoting it stands in; where it cannot tell (after `$(`, a backquote,
/// `${`, a here-document or a comment) the scenario is refused at load, pointing to the
/// TICKETRUSH_* variables, which carry the same values and are never parsed as code.
public enum CommandCode {
    public enum Kind: Sendable, Equatable {
        /// A POSIX shell's `-c` script: placeholders are quoted for it.
        case shell
        /// Another interpreter's inline program: placeholders are pasted as they are.
        case other(String)
    }

    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "busybox"]
    static let interpreters: [String: Set<String>] = [
        "-c": ["python", "python2", "python3", "pypy", "pypy3"],
        "-e": ["perl", "ruby", "node", "nodejs", "osascript"],
    ]

    /// The environment variable that carries a placeholder's value.
    public static func variable(_ placeholder: String) -> String {
        switch placeholder {
        case "n": return "TICKETRUSH_BUYER"
        default: return "TICKETRUSH_" + placeholder.uppercased()
        }
    }

    /// The index of the word that is code in `command`, and what runs it; nil when every
    /// word is a plain argument.
    public static func codeWord(_ command: [String]) -> (index: Int, kind: Kind)? {
        guard var first = command.first.map(baseName) else { return nil }
        var i = 1
        // `env sh -c …`, `busybox sh -c …`: the program is the next word.
        while (first == "env" || first == "busybox"), i < command.count, !command[i].hasPrefix("-") {
            first = baseName(command[i])
            i += 1
        }
        let program = first.split(separator: ".").first.map(String.init) ?? first
        let isShell = shells.contains(program)
        let flag: String? = isShell ? "c" : interpreters.first { $0.value.contains(program) }?.key.dropFirst().description
        guard let flag else { return nil }
        while i < command.count {
            let w = command[i]
            guard w.hasPrefix("-"), w != "-", w != "--" else { return nil }
            // An option cluster (`-ec`, `-xc`): the code is the next word.
            if !w.hasPrefix("--"), w.dropFirst().contains(Character(flag)) {
                return i + 1 < command.count ? (i + 1, isShell ? .shell : .other(program)) : nil
            }
            i += 1
        }
        return nil
    }

    private static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Placeholders in `script` (a shell's -c script) that sit where their quoting cannot be
    /// told; `known` are the placeholder names.
    public static func untrackable(_ script: String, known: [String]) -> [String] {
        var out: [String] = []
        _ = quote(script, known: known) { key, _ in out.append(key); return "" }
        return out
    }

    /// `script` with each `{key}` of `values` quoted for the shell where it stands.
    /// Where the quoting cannot be told the value goes in as `${TICKETRUSH_…}` (the loader
    /// refuses such scenarios; this keeps a programmatic one from running the value as code).
    public static func fillShell(_ script: String, _ values: [(String, String)]) -> String {
        let table = Dictionary(values, uniquingKeysWith: { a, _ in a })
        return quote(script, known: values.map(\.0), value: { table[$0] ?? "" }) { key, _ in "${\(variable(key))}" }
    }

    private enum State { case plain, single, double }

    /// Walks `script` as POSIX sh reads its quotes; each placeholder becomes its value
    /// quoted for the state it is in; `opaque` handles one met after a construct whose
    /// quoting this walk does not model.
    private static func quote(_ script: String, known: [String], value: (String) -> String = { _ in "" },
                              opaque: (String, State) -> String) -> String {
        let s = Array(script.unicodeScalars)
        var out = String.UnicodeScalarView()
        var state = State.plain
        var lost = false
        var i = 0
        func at(_ text: String) -> Bool {
            let t = Array(text.unicodeScalars)
            return i + t.count <= s.count && Array(s[i..<(i + t.count)]) == t
        }
        while i < s.count {
            if s[i] == "{", let key = known.first(where: { at("{\($0)}") }) {
                let v = value(key)
                let text: String
                if lost {
                    text = opaque(key, state)
                } else {
                    switch state {
                    case .plain: text = "'" + v.replacingAll("'", with: "'\\''") + "'"
                    case .single: text = v.replacingAll("'", with: "'\\''")
                    case .double:
                        var e = ""
                        for c in v.unicodeScalars {
                            if c == "\\" || c == "$" || c == "`" || c == "\"" { e += "\\" }
                            e.unicodeScalars.append(c)
                        }
                        text = e
                    }
                }
                out.append(contentsOf: text.unicodeScalars)
                i += key.unicodeScalars.count + 2
                continue
            }
            let c = s[i]
            if !lost {
                switch state {
                case .plain:
                    let wordStart = i == 0 || [" ", "\t", "\n", ";", "&", "|", "(", ")"].contains(s[i - 1])
                    if at("$(") || at("${") || c == "`" || at("<<") || (c == "#" && wordStart) { lost = true }
                    else if c == "\\", i + 1 < s.count { out.append(c); out.append(s[i + 1]); i += 2; continue }
                    else if c == "'" { state = .single }
                    else if c == "\"" { state = .double }
                case .single:
                    if c == "'" { state = .plain }
                case .double:
                    if at("$(") || at("${") || c == "`" { lost = true }
                    else if c == "\\", i + 1 < s.count { out.append(c); out.append(s[i + 1]); i += 2; continue }
                    else if c == "\"" { state = .plain }
                }
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }
}

extension ProgramConfig {
    /// `command` with its placeholders filled in: as they are in a plain argument, quoted
    /// for the shell in a `sh -c` script (CommandCode).
    public static func fill(command: [String], _ values: [(String, String)]) -> [String] {
        let code = CommandCode.codeWord(command)
        return command.enumerated().map { i, word in
            if let code, code.index == i, code.kind == .shell { return CommandCode.fillShell(word, values) }
            return fill(word, values)
        }
    }
}
