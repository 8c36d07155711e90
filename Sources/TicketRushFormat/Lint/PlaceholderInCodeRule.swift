import TicketRushModel
extension LintRule {
    /// A placeholder inside code (`sh -c`, `python3 -c`, `perl -e` …): its value becomes part
    /// of a program. The TICKETRUSH_* variables carry the same values as data.
    package static let placeholderInCode = LintRule(
        "placeholder-in-code",
        "a {placeholder} inside the code of sh -c, python3 -c, perl -e …: its value becomes part of the program; use the TICKETRUSH_* variable"
    ) { doc, warn in
        guard let program = doc.scenario.program, let code = CommandCode.codeWord(program.command) else { return [] }
        let key = program.mode == .perBuyer ? "buyers.command" : "program.command"
        let word = program.command[code.index]
        return ProgramConfig.placeholders(program.mode).filter { word.contains("{\($0)}") }.map { name in
            let variable = CommandCode.variable(name)
            switch code.kind {
            case .shell:
                return warn(at: "\(key)[\(code.index)]",
                    "'\(key)' puts {\(name)} in a shell script: ticketrush quotes its value for the shell, but \"$\(variable)\" says the same with no quoting to get right; use it")
            case .other(let interpreter):
                return warn(at: "\(key)[\(code.index)]",
                    "'\(key)' pastes {\(name)} into \(interpreter) code as it is: a value with a quote or a line break (a folder named so) changes the program; read the environment variable \(variable) instead")
            }
        }
    }
}
