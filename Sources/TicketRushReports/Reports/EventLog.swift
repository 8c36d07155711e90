import TicketRushModel
import TicketRushChecks
/// A trial's events as JSON Lines: one object a line (docs/events.md).
package enum EventLog {
    /// `scenario` (the scenario's or cell's full name) starts every line when given.
    package static func jsonLines(_ h: TrialHistory, scenario: String? = nil) -> String {
        var out = ""
        let lead = scenario.map { "{\"scenario\":\(jsonString($0))," } ?? "{"
        for e in h.events {
            var line = lead + "\"t_ns\":\(e.tNs),\"t_rel_ns\":\(Int64(bitPattern: e.tNs &- h.startNs)),\"trial\":\(h.trial + 1)"
            line += ",\"buyer\":\(e.buyer + 1),\"name\":\(jsonString(h.name(e.buyer))),\"task\":\(e.task + 1)"
            line += ",\"event\":\(jsonString(e.kind.name)),\"value\":\(e.value)"
            if let reason = e.reason { line += ",\"reason\":\(jsonString(reason.name))" }
            if let text = e.reasonText, text != e.reason?.name { line += ",\"reason_text\":\(jsonString(text))" }
            if e.kind == .faultKill || e.kind == .faultStall, let landing = Fault.Landing(rawValue: e.aux) {
                line += ",\"landing\":\(jsonString(landing.name))"
            }
            if e.kind == .storeRetry, let why = RetryReason(rawValue: e.aux) { line += ",\"retry_reason\":\(jsonString(why.name))" }
            if e.kind == .storeError { line += ",\"engine_code\":\(jsonString(EngineCode.text(e.value)))" }
            out += line + "}\n"
        }
        return out
    }
}
