import TicketRushModel
/// `# ticketrush-ignore: RULE[, RULE]` silences those warnings on its own line, or on the
/// next line when the comment stands alone: for a scenario that breaks a rule on purpose
/// (a twin that keeps a delay its write mode ignores).
package enum LintIgnore {
    package static let marker = "ticketrush-ignore:"

    /// `warnings` without those the file's comments silence; errors are never silenced.
    package static func filter(_ diagnostics: [Diagnostic], source: String) -> [Diagnostic] {
        let lines = source.sourceLines
        return diagnostics.filter { d in
            guard let rule = d.rule else { return true }
            let line = d.location.line
            let same = line >= 1 && line <= lines.count ? rules(in: lines[line - 1]) : []
            let above = line >= 2 && line - 1 <= lines.count && standsAlone(lines[line - 2]) ? rules(in: lines[line - 2]) : []
            return !(same.contains(rule) || above.contains(rule))
        }
    }

    /// The rule ids a line's comment names.
    package static func rules(in line: Substring) -> Set<String> {
        guard let hash = line.firstIndex(of: "#"), let range = line[hash...].firstRange(of: marker) else { return [] }
        let list = line[range.upperBound...].prefix { $0 != "(" && $0 != "#" }
        return Set(list.split { $0 == "," || $0 == " " || $0 == "\t" }.map(String.init))
    }

    private static func standsAlone(_ line: Substring) -> Bool {
        line.drop { $0 == " " || $0 == "\t" }.first == "#"
    }
}
