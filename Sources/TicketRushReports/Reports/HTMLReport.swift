import Foundation
import TicketRushModel
import TicketRushChecks

/// reports/index.html: one self-contained page (inline CSS and SVG, no script, nothing
/// fetched): the cells as a table, each sweep's violation rates with their intervals
/// against the swept parameter (one line per lock mode), latency percentiles, and a
/// timeline of each cell's first failing trial.
public enum HTMLReport {
    package static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    public static func html(_ results: RunResults) -> String {
        let cells = results.cells
        let all = cells.flatMap(\.report.invariants)
        let met = all.filter { $0.status == .met }.count
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>ticketrush report</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
            h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1em}
            table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
            th{background:#f4f4f4}.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.unknown{color:#9a6700;font-weight:bold}
            code{background:#f4f4f4;padding:1px 3px;font-size:12px}svg{display:block;margin:0.5em 0}svg text{font:11px system-ui,sans-serif}
            .legend span{display:inline-block;margin-right:1em;font-size:12px}.legend i{display:inline-block;width:12px;height:10px;margin-right:4px}
            </style></head><body>

            """
        out += "<h1>ticketrush report</h1>\n<p class=\"\(results.passed ? "pass" : "fail")\">\(met) of \(all.count) expectations met</p>\n"
        if let why = results.incomplete {
            out += "<p class=\"fail\">INCOMPLETE: the run did not complete (\(escape(why))). Only the trials that finished are shown; the run is not judged.</p>\n"
        }
        out += "<p>\(results.trials.count) trials in \(cells.count) cells. Rates are violations / trials with 95% Wilson intervals.</p>\n"
        out += table(cells)
        var bases: [String] = []
        for c in cells where c.record.parameters != nil && !bases.contains(c.record.baseName ?? "") { bases.append(c.record.baseName ?? "") }
        for base in bases {
            let mine = cells.filter { $0.record.baseName == base && $0.record.parameters != nil }
            out += "<h2>Sweep: \(escape(base))</h2>\n"
            out += rateCharts(mine)
        }
        if cells.contains(where: { $0.latency != nil }) {
            out += "<h2>Purchase latency</h2>\n<p>Per cell: p50 (dot), p90 and p99 (ticks), max (end of line), milliseconds from a task's first event to <code>bought</code>.</p>\n"
            out += latencyChart(cells.filter { $0.latency != nil })
        }
        let failing = cells.filter { $0.firstFailing?.timeline != nil }
        if !failing.isEmpty {
            out += "<h2>First failing trial of each cell</h2>\n"
            out += "<div class=\"legend\">" + [("search", "#9ecae1"), ("waiting for the lock", "#fdae6b"), ("holding the lock", "#c7e9c0"),
                                                ("read → write (deciding)", "#bcbddc"), ("writing", "#6a51a3")]
                .map { "<span><i style=\"background:\($0.1)\"></i>\($0.0)</span>" }.joined()
                + "<span>▲ read · ▼ write · <b style=\"color:#d62728\">red</b>: racing (the same count read or written by several buyers, or a torn read)</span></div>\n"
            for c in failing { out += timeline(c) }
        }
        let controlled = cells.filter { $0.report.exploration != nil }
        if !controlled.isEmpty {
            out += "<h2>Controlled schedules: coverage and shrunk stories</h2>\n"
            for c in controlled {
                out += "<h3>\(escape(c.record.name))</h3>\n<pre>" + escape(c.report.explorationLines.joined(separator: "\n")) + "</pre>\n"
            }
        }
        out += "</body></html>\n"
        return out
    }

    private static func table(_ cells: [RunResults.Cell]) -> String {
        var out = "<table><tr><th>cell</th><th>result</th><th>trials</th><th>invariants (violations)</th><th>purchases/s</th><th>latency ms p50 / p90 / p99 / max</th><th>lock ms per acquisition: wait / hold</th></tr>\n"
        for c in cells {
            let r = c.report
            let mark = r.passed ? "<span class=\"pass\">PASS</span>" : (r.invariants.contains { $0.status == .unmet } ? "<span class=\"fail\">FAIL</span>" : "<span class=\"unknown\">UNKNOWN</span>")
            // Invariants seen violated, or not as expected, one a line; the clean rest in one line.
            let notable = r.invariants.filter { $0.violated > 0 || $0.unknown > 0 || $0.status != .met }
            let clean = r.invariants.filter { i in !notable.contains { $0.invariant == i.invariant } }
            var lines = notable.map { i in
                let cls = i.status == .met ? "" : " class=\"\(i.status == .unmet ? "fail" : "unknown")\""
                return "<span\(cls)>\(escape(i.invariant.rawValue))</span> (expect \(i.expectation.rawValue)): \(escape(i.rate.statement()))"
            }
            if let sample = clean.first {
                lines.append("\(clean.map { escape($0.invariant.rawValue) }.joined(separator: ", ")): \(escape(sample.rate.statement()))")
            }
            let invariants = lines.joined(separator: "<br>")
            let latency = c.latency.map { "\(millis($0.p50)) / \(millis($0.p90)) / \(millis($0.p99)) / \(millis($0.max))" } ?? "–"
            let lock = c.lockAcquisitions == 0 ? "–" : "\(millis(c.lockWaitNs / UInt64(c.lockAcquisitions))) / \(millis(c.lockHoldNs / UInt64(c.lockAcquisitions)))"
            out += "<tr><td>\(escape(c.record.name))</td><td>\(mark)</td><td>\(c.trials.count)\(c.stopReason.map { " (stopped: \($0.rawValue))" } ?? "")</td><td>\(invariants)</td>"
            out += "<td>\(fixed(c.throughput, places: 1))</td><td>\(latency)</td><td>\(lock)</td></tr>\n"
        }
        return out + "</table>\n"
    }

    /// One chart per invariant that was ever violated in the sweep (or one showing the bound
    /// when none was): rate against the first swept parameter that is not the lock mode.
    private static func rateCharts(_ cells: [RunResults.Cell]) -> String {
        guard let parameters = cells.first?.record.parameters else { return "" }
        let paths = parameters.map(\.path)
        let xPath = paths.first { $0 != "lock.mode" } ?? paths[0]
        func value(_ c: RunResults.Cell, _ path: String) -> String { c.record.parameters?.first { $0.path == path }?.value ?? "" }
        var xs: [String] = []
        for c in cells where !xs.contains(value(c, xPath)) { xs.append(value(c, xPath)) }
        let seriesPaths = paths.filter { $0 != xPath }
        func seriesName(_ c: RunResults.Cell) -> String {
            seriesPaths.isEmpty ? "all" : seriesPaths.map { "\($0)=\(value(c, $0))" }.joined(separator: ", ")
        }
        var series: [String] = []
        for c in cells where !series.contains(seriesName(c)) { series.append(seriesName(c)) }
        let invariants = cells.first?.report.invariants.map(\.invariant) ?? []
        var shown = invariants.filter { inv in cells.contains { c in c.report.invariants.contains { $0.invariant == inv && $0.violated > 0 } } }
        let noneViolated = shown.isEmpty
        if noneViolated, let first = invariants.first { shown = [first] }
        var out = ""
        for inv in shown {
            out += "<h3>\(noneViolated ? "No invariant was violated: upper bounds of the rate (\(escape(inv.rawValue)))" : "Violation rate of \(escape(inv.rawValue))") against \(escape(xPath))</h3>\n"
            let w = 680.0, h = 260.0, left = 50.0, right = 200.0, top = 15.0, bottom = 40.0
            let plotW = w - left - right, plotH = h - top - bottom
            func x(_ i: Int) -> Double { xs.count == 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(xs.count - 1) }
            func y(_ rate: Double) -> Double { top + plotH * (1 - rate) }
            var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
            for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
                svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotW))\" y1=\"\(f(y(tick)))\" y2=\"\(f(y(tick)))\" stroke=\"#e5e5e5\"/>"
                svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick * 100))%</text>\n"
            }
            for (i, label) in xs.enumerated() {
                svg += "<text x=\"\(f(x(i)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(escape(label))</text>\n"
            }
            svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(h - 6))\" text-anchor=\"middle\">\(escape(xPath))</text>\n"
            for (s, name) in series.enumerated() {
                let color = palette[s % palette.count]
                let offset = Double(s - series.count / 2) * 4  // keep overlapping error bars apart
                var points: [String] = []
                for (i, label) in xs.enumerated() {
                    guard let c = cells.first(where: { seriesName($0) == name && value($0, xPath) == label }),
                          let report = c.report.invariants.first(where: { $0.invariant == inv }) else { continue }
                    let (lower, upper) = report.rate.wilson()
                    let px = x(i) + offset
                    points.append("\(f(px)),\(f(y(report.rate.rate)))")
                    svg += "<line x1=\"\(f(px))\" x2=\"\(f(px))\" y1=\"\(f(y(lower)))\" y2=\"\(f(y(upper)))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
                    svg += "<line x1=\"\(f(px - 4))\" x2=\"\(f(px + 4))\" y1=\"\(f(y(upper)))\" y2=\"\(f(y(upper)))\" stroke=\"\(color)\"/>"
                    svg += "<line x1=\"\(f(px - 4))\" x2=\"\(f(px + 4))\" y1=\"\(f(y(lower)))\" y2=\"\(f(y(lower)))\" stroke=\"\(color)\"/>"
                    svg += "<circle cx=\"\(f(px))\" cy=\"\(f(y(report.rate.rate)))\" r=\"3.5\" fill=\"\(color)\"><title>\(escape(c.record.name)): \(escape(report.rate.statement()))</title></circle>\n"
                }
                if points.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n" }
                svg += "<rect x=\"\(f(w - right + 15))\" y=\"\(f(top + Double(s) * 18))\" width=\"12\" height=\"10\" fill=\"\(color)\"/>"
                svg += "<text x=\"\(f(w - right + 32))\" y=\"\(f(top + Double(s) * 18 + 9))\">\(escape(name))</text>\n"
            }
            out += svg + "</svg>\n"
        }
        return out
    }

    private static func latencyChart(_ cells: [RunResults.Cell]) -> String {
        let labelW = 330.0, plotW = 420.0, row = 20.0, top = 10.0
        let maxNs = Double(cells.compactMap { $0.latency?.max }.max() ?? 1)
        let h = top + Double(cells.count) * row + 30
        func x(_ ns: UInt64) -> Double { labelW + plotW * Double(ns) / max(maxNs, 1) }
        var svg = "<svg width=\"\(Int(labelW + plotW + 40))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
        for tick in 0...4 {
            let ns = UInt64(maxNs * Double(tick) / 4)
            svg += "<line x1=\"\(f(x(ns)))\" x2=\"\(f(x(ns)))\" y1=\"\(f(top))\" y2=\"\(f(h - 25))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(f(x(ns)))\" y=\"\(f(h - 10))\" text-anchor=\"middle\">\(millis(ns)) ms</text>\n"
        }
        for (i, c) in cells.enumerated() {
            guard let l = c.latency else { continue }
            let cy = top + Double(i) * row + row / 2
            svg += "<text x=\"\(f(labelW - 6))\" y=\"\(f(cy + 4))\" text-anchor=\"end\">\(escape(c.record.name))</text>"
            svg += "<line x1=\"\(f(x(0)))\" x2=\"\(f(x(l.max)))\" y1=\"\(f(cy))\" y2=\"\(f(cy))\" stroke=\"#bbb\"/>"
            for (ns, size) in [(l.p90, 5.0), (l.p99, 7.0), (l.max, 4.0)] {
                svg += "<line x1=\"\(f(x(ns)))\" x2=\"\(f(x(ns)))\" y1=\"\(f(cy - size))\" y2=\"\(f(cy + size))\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
            }
            svg += "<circle cx=\"\(f(x(l.p50)))\" cy=\"\(f(cy))\" r=\"4\" fill=\"#1f77b4\"><title>p50 \(millis(l.p50)) p90 \(millis(l.p90)) p99 \(millis(l.p99)) max \(millis(l.max)) ms (\(l.count) purchases)</title></circle>\n"
        }
        return svg + "</svg>\n"
    }

    /// A bar of one buyer's lane.
    package struct Bar: Equatable {
        package var start: Int64
        package var end: Int64
        package var kind: String
    }

    /// A read or write mark on a lane.
    package struct Mark: Equatable {
        package var at: Int64
        package var write: Bool
        package var value: Int64
        package var racing: Bool
        /// A checker blames this step's task (structured evidence).
        package var blamed: Bool = false
    }

    /// The bars and marks of each buyer, from a trial's events.
    package static func lanes(_ t: TrialRecord.Timeline, blamed: Set<TaskRef> = []) -> (bars: [[Bar]], marks: [[Mark]]) {
        var bars = [[Bar]](repeating: [], count: t.buyers.count)
        var marks = [[Mark]](repeating: [], count: t.buyers.count)
        var readers: [Int64: Set<Int64>] = [:], writers: [Int64: Set<Int64>] = [:]
        for e in t.events {
            if e.kind == .purchaseRead && e.value > 0 { readers[e.value, default: []].insert(Int64(e.buyer)) }
            if e.kind == .purchaseWrite { writers[e.value, default: []].insert(Int64(e.buyer)) }
        }
        var open: [Int: [String: Int64]] = [:]
        func close(_ b: Int, _ kind: String, _ at: Int64) {
            if let s = open[b]?.removeValue(forKey: kind) { bars[b].append(Bar(start: s, end: at, kind: kind)) }
        }
        for e in t.events {
            let at = Int64(clamping: e.tNs), b = e.buyer, value = e.value, kind = e.kind
            guard b >= 0 && b < t.buyers.count else { continue }
            let before = marks[b].count
            defer { if marks[b].count > before, blamed.contains(e.ref) { marks[b][marks[b].count - 1].blamed = true } }
            switch kind {
            case .start: open[b, default: [:]]["search"] = at
            case .searchRead: marks[b].append(Mark(at: at, write: false, value: value, racing: false))
            case .searchTorn, .purchaseTorn: marks[b].append(Mark(at: at, write: false, value: -1, racing: true))
            case .lockWait:
                close(b, "search", at)
                open[b, default: [:]]["wait"] = at
            case .lockAcquired:
                close(b, "wait", at)
                open[b, default: [:]]["hold"] = at
            case .purchaseRead:
                close(b, "search", at)
                marks[b].append(Mark(at: at, write: false, value: value, racing: (readers[value]?.count ?? 0) > 1))
                open[b, default: [:]]["decide"] = at
            case .purchaseWrite:
                close(b, "decide", at)
                marks[b].append(Mark(at: at, write: true, value: value, racing: (writers[value]?.count ?? 0) > 1))
                open[b, default: [:]]["write"] = at
            case .bought, .soldOut, .error:
                close(b, "write", at)
                close(b, "decide", at)
                close(b, "search", at)
                close(b, "wait", at)
                open[b, default: [:]]["search"] = at
            case .lockReleased: close(b, "hold", at)
            case .done: open[b]?.removeValue(forKey: "search")
            // Optimistic: the version moved; the purchase starts again at its read.
            case .purchaseRetry: close(b, "decide", at)
            // The buyer is dead from here: end whatever it was doing.
            case .faultKill: for k in ["search", "wait", "hold", "decide", "write"] { close(b, k, at) }
            case .lockRecovered, .faultStall, .faultResume, .gate, .gateBlocked: break
            }
        }
        return (bars, marks)
    }

    private static func timeline(_ c: RunResults.Cell) -> String {
        guard let record = c.firstFailing, let t = record.timeline else { return "" }
        let broken = record.results.filter { $0.verdict != .holds }
        let (bars, marks) = lanes(t, blamed: Set(broken.flatMap(\.blamed)))
        let shown = min(t.buyers.count, 60)
        let endNs = max(1, Int64(clamping: t.events.map(\.tNs).max() ?? 1))
        let labelW = 110.0, plotW = 760.0, lane = 20.0, top = 10.0
        let h = top + Double(shown) * lane + 30
        func x(_ ns: Int64) -> Double { labelW + plotW * Double(max(0, ns)) / Double(endNs) }
        let brokenText = broken.map { "\(escape($0.invariant.rawValue)) \($0.verdict.rawValue): \(escape($0.summary))" }.joined(separator: "; ")
        var out = "<h3>\(escape(c.record.name)) — trial \(record.trial + 1)</h3>\n<p>\(brokenText)<br>rerun: <code>\(escape(Rerun.command(c.report.scenario, seed: c.record.seed, trial: record.trial, schedule: record.schedule)))</code></p>\n"
        if shown < t.buyers.count { out += "<p>First \(shown) of \(t.buyers.count) buyers shown.</p>\n" }
        let colors = ["search": "#9ecae1", "wait": "#fdae6b", "hold": "#c7e9c0", "decide": "#bcbddc", "write": "#6a51a3"]
        var svg = "<svg width=\"\(Int(labelW + plotW + 20))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
        for tick in 0...5 {
            let ns = endNs * Int64(tick) / 5
            svg += "<line x1=\"\(f(x(ns)))\" x2=\"\(f(x(ns)))\" y1=\"\(f(top))\" y2=\"\(f(h - 25))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(x(ns)))\" y=\"\(f(h - 10))\" text-anchor=\"middle\">\(millis(UInt64(ns))) ms</text>\n"
        }
        for b in 0..<shown {
            let y0 = top + Double(b) * lane
            svg += "<text x=\"\(f(labelW - 6))\" y=\"\(f(y0 + 14))\" text-anchor=\"end\">\(escape(t.buyers[b]))</text>"
            // The lock is held across deciding and writing: draw it as a band behind them.
            for bar in bars[b].sorted(by: { ($0.kind == "hold" ? 0 : 1) < ($1.kind == "hold" ? 0 : 1) }) {
                let inset = bar.kind == "hold" ? 1.0 : 4.0
                svg += "<rect x=\"\(f(x(bar.start)))\" y=\"\(f(y0 + inset))\" width=\"\(f(max(1, x(bar.end) - x(bar.start))))\" height=\"\(f(lane - 2 * inset))\" fill=\"\(colors[bar.kind] ?? "#ccc")\"><title>\(bar.kind) \(millis(UInt64(max(0, bar.start)))) – \(millis(UInt64(max(0, bar.end)))) ms</title></rect>"
            }
            for m in marks[b] {
                let px = x(m.at), color = m.racing ? "#d62728" : "#333"
                let shape = m.write ? "\(f(px - 4)),\(f(y0 + 2)) \(f(px + 4)),\(f(y0 + 2)) \(f(px)),\(f(y0 + 9))"
                    : "\(f(px - 4)),\(f(y0 + lane - 2)) \(f(px + 4)),\(f(y0 + lane - 2)) \(f(px)),\(f(y0 + lane - 9))"
                let what = m.value < 0 ? "torn read" : (m.write ? "writes count \(m.value)" : "reads count \(m.value)")
                let outline = m.blamed ? " stroke=\"#d62728\" stroke-width=\"2\"" : ""
                svg += "<polygon points=\"\(shape)\" fill=\"\(color)\"\(outline)><title>\(what) at \(millis(UInt64(max(0, m.at)))) ms\(m.racing ? " (racing)" : "")\(m.blamed ? " (blamed)" : "")</title></polygon>"
            }
            svg += "\n"
        }
        return out + svg + "</svg>\n"
    }

    /// HTML text and attribute values escape as XML's do.
    package static func escape(_ text: String) -> String { XMLEscaper.escape(text) }

    private static func f(_ v: Double) -> String { fixed(v, places: 1) }
}
