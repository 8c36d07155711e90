#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushProcess

/// Warm buyers (docs/schedules.md, "Warm buyers"): one cell's built-in buyers kept alive
/// across its controlled schedules, so a schedule costs no fork, exec-free start-up or exit.
/// A crew is kept only after a schedule every buyer finished (`done`, every lock released,
/// nothing killed or cut short); any other end kills and reaps it, and the next schedule forks
/// a fresh crew on a fresh store. Before each schedule the document is written afresh, so a
/// warm buyer starts from the state a fresh fork would. Between schedules the buyers wait on
/// their gates: they die with the runner (PR_SET_PDEATHSIG) and exit at EOF.
package final class WarmBuyers {
    private let scenario: Scenario
    private let work: WorkFolder
    /// The crew's folder, the same for every schedule (the buyers hold its paths).
    private(set) var folder = ""
    private var store: TrialStore?
    /// Between schedules: the live crew (empty when none).
    private(set) var pids: [pid_t] = []
    private(set) var group: pid_t = 0
    private(set) var events: Int32 = -1
    private(set) var gates: [Int32] = []
    private var pinned = false
    /// Crews forked so far (a test reads it: one per cell when nothing went wrong).
    private(set) var crews = 0

    /// `TICKETRUSH_WARM_BUYERS=0`: a fresh fork for every schedule (for A/B runs and the
    /// test that warm and fresh buyers give the same reports); `count`: warm, and each cell
    /// prints its schedules and crews to standard error.
    private static let setting: String? = getenv("TICKETRUSH_WARM_BUYERS").map { String(cString: $0) }
    static var enabled: Bool { setting != "0" }
    /// Schedules the crews ran.
    private var schedules = 0

    /// Built-in buyers without faults or a workload: nothing in them differs between a
    /// fresh fork and a warm buyer once the document is new (no fault plan, no per-buyer rows).
    /// `slot`: the `--jobs` worker's part of a split cell (workers run at once: one folder each).
    static func make(_ s: Scenario, work: WorkFolder, slot: Int = 0) -> WarmBuyers? {
        guard enabled, s.program == nil, s.faults.isEmpty, s.workload == nil, s.schedule.isControlled else { return nil }
        return WarmBuyers(scenario: s, work: work, slot: slot)
    }

    private let slot: Int

    private init(scenario: Scenario, work: WorkFolder, slot: Int) {
        self.scenario = scenario
        self.work = work
        self.slot = slot
    }

    /// A crew waits for the next schedule (`store` checked it is alive).
    var hasCrew: Bool { !pids.isEmpty }

    /// A live crew, every buyer of it still there: one that died between schedules (killed
    /// from outside) gets the crew reaped, and the next schedule forks a fresh one.
    var alive: Bool {
        guard !pids.isEmpty else { return false }
        for pid in pids where (try? Sys.wait(pid, options: WNOHANG)) != nil {
            Sys.killGroup(group, SIGKILL)
            end(keepStore: true)
            return false
        }
        return true
    }

    /// The store of the next schedule: the document written afresh under a live crew; else a
    /// new folder and store (lock files, semaphore) for a fresh crew.
    func store(trial: Int) throws -> TrialStore {
        schedules += 1
        if let store, alive {
            _ = try createDocument(of: scenario, in: folder)
            return store
        }
        store?.cleanUp()
        store = nil
        folder = try work.trialFolder(scenario: scenario.name + "~warm", trial: slot)
        let made = try TrialStore(scenario, trial: trial, folder: folder, endpoint: nil, builtIn: true, database: false)
        store = made
        return made
    }

    /// The runner stays on one CPU while the crew lives: the buyers were pinned there when forked.
    func pin() {
        if !pinned { pinned = tr_pin_begin() == 0 }
    }

    /// The crew a launcher takes for one schedule (the warm crew is empty until it is kept again).
    func take() -> (pids: [pid_t], group: pid_t, events: Int32, gates: [Int32]) {
        defer { (pids, group, events, gates) = ([], 0, -1, []) }
        return (pids, group, events, gates)
    }

    /// A fresh crew was forked.
    func forked() { crews += 1 }

    /// The crew after a schedule every buyer finished.
    func keep(pids: [pid_t], group: pid_t, events: Int32, gates: [Int32]) {
        (self.pids, self.group, self.events, self.gates) = (pids, group, events, gates)
    }

    /// The cell is over: the crew told to exit (EOF on its gates) and reaped, the store gone.
    func end() {
        end(keepStore: false)
    }

    private func end(keepStore: Bool) {
        for fd in gates { Sys.close(fd) }
        Sys.close(events)
        // Waiting on its gate, a warm buyer reads EOF and exits at once.
        for pid in pids { _ = try? Sys.wait(pid) }
        (pids, group, events, gates) = ([], 0, -1, [])
        if keepStore { return }
        if Self.setting == "count", schedules > 0 {
            var line = "warm-buyers: \(scenario.name): \(schedules) schedules, \(crews) crews\n"
            _ = line.withUTF8 { write(2, $0.baseAddress, $0.count) }
        }
        schedules = 0
        store?.cleanUp()
        store = nil
        if work.isTemporary, !folder.isEmpty { removeTree(folder) }
        if pinned { tr_pin_end() }
        pinned = false
    }

    /// A kept work folder (`--work`): the schedule's own folder gets the files a fresh trial
    /// would have left there.
    func copyFiles(into destination: String) {
        guard let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard entry.pointee.d_type == UInt8(DT_REG) else { continue }
            copyFile("\(folder)/\(name)", "\(destination)/\(name)")
        }
    }

    private func copyFile(_ from: String, _ to: String) {
        let input = open(from, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return }
        defer { close(input) }
        let output = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { return }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            _ = buffer.withUnsafeBytes { write(output, $0.baseAddress, n) }
        }
    }
}
