import Foundation
import XCTest

/// What end-to-end tests read back from a run's summary.json, and what `control: syscalls`
/// needs of the kernel: one copy for every test class that runs programs under it.
public enum RunSummary {
    /// The summary's first cell.
    public static func firstCell(_ reports: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: reports.appendingPathComponent("summary.json"))
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap((summary["cells"] as? [[String: Any]])?.first)
    }

    /// How many trials of `cell` violated invariant `name` (nil: not judged).
    public static func violated(_ cell: [String: Any], _ name: String) -> Int? {
        (cell["invariants"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["violated"] as? Int
    }

    /// Skips the test where the kernel cannot hold a program's calls (no seccomp user notification).
    public static func skipUnlessUserNotification() throws {
        let actions = (try? String(contentsOfFile: "/proc/sys/kernel/seccomp/actions_avail", encoding: .utf8)) ?? ""
        try XCTSkipUnless(actions.contains("user_notif"), "this kernel has no seccomp user notification")
    }
}
