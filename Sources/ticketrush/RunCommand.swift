import ArgumentParser
import CTicketRush
import Foundation
import TicketRushCore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files and write a JUnit report.",
        discussion: "Each trial forks one process per buyer in a fresh work folder; the folder is removed afterwards unless --work is given.")

    @Argument(help: "Scenario files, or folders searched for *.yaml and *.yml.")
    var paths: [String] = ["scenarios"]

    @Option(help: "Where to write the JUnit XML report.")
    var junit: String = "reports/junit.xml"

    @Option(help: "Run this many trials of every scenario, overriding the files.")
    var trials: Int?

    @Option(help: "Seed every scenario with this, overriding the files.")
    var seed: UInt64?

    @Option(help: "Keep each trial's event log as JSON Lines under this folder.")
    var events: String?

    @Option(help: "Run trials in this folder and keep them (default: a temporary folder, removed).")
    var work: String?

    @Flag(help: "Print one human line per event.")
    var transcript = false

    @Flag(help: "Print only problems and the closing line.")
    var quiet = false

    func validate() throws {
        if let trials, trials < 1 { throw ValidationError("--trials must be at least 1") }
    }

    func run() throws {
        tr_install_interrupt_handlers()
        let scenarios: [Scenario]
        do {
            scenarios = try ScenarioFiles.load(paths)
        } catch {
            printError(DiagnosticOutput.text(error.items, fd: 2))
            throw ExitCode(2)
        }
        let workFolder: WorkFolder
        do {
            workFolder = try work.map(WorkFolder.kept(at:)) ?? WorkFolder.temporary()
        } catch {
            printError("ticketrush: error: \(error)")
            throw ExitCode(3)
        }
        defer { workFolder.finish() }

        let runner = ScenarioRunner(options: RunOptions(trials: trials, seed: seed, work: workFolder))
        var reports: [ScenarioReport] = []
        do {
            for scenario in scenarios {
                let report = try runner.run(scenario) { history, _ in
                    if transcript { print(Transcript.lines(history, scenario: scenario.name).joined(separator: "\n")) }
                    if let events { try writeEvents(history, scenario: scenario.name, under: events) }
                }
                reports.append(report)
                if !quiet || !report.passed { print(TerminalSummary.line(report)) }
                for line in TerminalSummary.details(report) { print(line) }
            }
        } catch let error as RunnerError {
            if !reports.isEmpty { try? writeReport(reports) }
            printError("ticketrush: error: \(error)")
            if case .interrupted = error { throw ExitCode(130) }
            throw ExitCode(3)
        }
        do {
            try writeReport(reports)
        } catch {
            printError("ticketrush: error: cannot write \(junit): \(error.localizedDescription)")
            throw ExitCode(3)
        }
        print(TerminalSummary.total(reports))
        if !quiet { print("JUnit report: \(junit)") }
        if !reports.allSatisfy(\.passed) { throw ExitCode(1) }
    }

    private func writeReport(_ reports: [ScenarioReport]) throws {
        try write(JUnitReport.xml(reports), to: junit)
    }

    private func writeEvents(_ history: TrialHistory, scenario: String, under folder: String) throws {
        let path = "\(folder)/\(slug(scenario))/trial-\(history.trial + 1).jsonl"
        do {
            try write(EventLog.jsonLines(history), to: path)
        } catch {
            throw RunnerError.badWorkFolder("cannot write \(path): \(error.localizedDescription)")
        }
    }

    private func write(_ text: String, to path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
