#if canImport(Glibc)
import Glibc  // log10, pow
#endif
import TicketRushModel
import TicketRushChecks

/// reports/index.html: one self-contained page (inline CSS and SVG, a few lines of inline
/// script for the filter box and deep links, nothing fetched): a first screen with the
/// verdict, the unmet expectations (alike ones grouped) and a matrix of the cells; then
/// the cells as a table, each sweep as heat-maps of the violation rate and its rates with
/// their intervals against a swept key (a dot plot when the key is categorical), latency
/// percentiles, and a timeline of each cell's first failing trial (docs/results.md).
package enum HTMLReport {
    package static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    package static func html(_ results: RunResults) -> String {
        let cells = results.cells
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
            + "<title>ticketrush report</title>\n<style>\n\(style)</style></head><body>\n"
        out += "<h1>ticketrush report</h1>\n"
        let index = Dictionary(cells.enumerated().map { ($1.record.name, $0) }, uniquingKeysWith: { a, _ in a })
        out += top(results, index: index)
        if let why = results.incomplete {
            out += "<p class=\"fail\">INCOMPLETE: the run did not complete (\(escape(why))). Only the trials that finished are shown; the run is not judged.</p>\n"
        }
        // Unmet cells first; a cell that passed because its violation was expected is collapsed.
        let withTimeline = cells.filter { $0.firstFailing?.timeline != nil }
        let failing = withTimeline.filter { !$0.report.passed } + withTimeline.filter(\.report.passed)
        // Only timelines drawn get a link: a link to nothing scrolls nowhere.
        let drawn = Set(failing.prefix(timelineLimit).map(\.record.name))
        out += "<h2>All cells</h2>\n<input id=\"filter\" type=\"search\" placeholder=\"filter cells: a name, lock.mode=flock, FAIL…\" aria-label=\"filter cells\">\n"
        // Below the top, each big part is laid out only when scrolled to (`.cv`): a 500-cell
        // page otherwise lays out its whole table, heat-maps and timelines before the first paint.
        out += table(cells, timelines: drawn)
        out += sweeps(cells)
        if cells.contains(where: { $0.latency != nil }) {
            out += "<h2>Purchase latency</h2>\n<p>Per cell: p50 (dot), p90 and p99 (ticks), max (end of line), milliseconds from a task's first event to <code>bought</code>.</p>\n"
            let timed = cells.filter { $0.latency != nil }
            // One outlier squashes a linear axis: the same dots on a log axis, one click away.
            let chart = latencyChart(timed) + "<details><summary>log scale</summary>\n\(latencyChart(timed, log: true))</details>\n"
            out += cells.count > 40 ? "<details><summary>latency of \(cells.count) cells</summary>\n\(chart)</details>\n" : "<div class=\"cv\">\(chart)</div>\n"
        }
        if !failing.isEmpty {
            out += "<h2>First trial with a violation, per cell</h2>\n<p>Unmet cells first; cells whose violation was expected are collapsed.</p>\n"
            out += "<div class=\"legend\">" + [("search", "#9ecae1"), ("waiting for the lock", "#fdae6b"), ("holding the lock (a database: see the cell's line)", "#c7e9c0"),
                                                ("read → write (deciding)", "#bcbddc"), ("writing", "#6a51a3")]
                .map { "<span><i style=\"background:\($0.1)\"></i>\($0.0)</span>" }.joined()
                + "<span>▲ read · ▼ write · <b style=\"color:#d62728\">red</b>: racing (the same count read or written by several buyers, or a torn read) · "
                + "red outline: blamed by the checker · <b>✕</b> killed · <i style=\"background:#bbb\"></i>stalled</span></div>\n"
            for (n, c) in failing.enumerated() {
                guard n < timelineLimit else {
                    out += "<p>\(failing.count - timelineLimit) more cells have a trial with a violation; each row of the table has its rerun command.</p>\n"
                    break
                }
                let id = index[c.record.name].map { " id=\"t\($0)\"" } ?? ""
                out += c.report.passed
                    ? "<details class=\"cellsec\"\(id) data-name=\"\(escape(c.record.name))\"><summary>\(escape(c.record.name)): expected violation seen in trial \((c.firstFailing?.trial ?? 0) + 1)</summary>\n\(timeline(c))</details>\n"
                    : "<section class=\"cellsec cv\"\(id) data-name=\"\(escape(c.record.name))\">\n\(timeline(c))</section>\n"
            }
        }
        let controlled = cells.filter { $0.report.exploration != nil }
        if !controlled.isEmpty {
            out += "<h2>Controlled schedules: coverage and shrunk stories</h2>\n"
            for c in controlled {
                out += "<h3>\(escape(c.record.name))</h3>\n<pre>" + escape(c.report.explorationLines.joined(separator: "\n")) + "</pre>\n"
            }
        }
        out += script
        out += "</body></html>\n"
        return out
    }

    /// Each sweep's heat-maps and (for a few cells) rate charts.
    private static func sweeps(_ cells: [RunResults.Cell]) -> String {
        var out = ""
        var bases: [String] = []
        for c in cells where c.record.parameters != nil && !bases.contains(c.record.baseName) { bases.append(c.record.baseName) }
        for (n, base) in bases.enumerated() {
            let mine = cells.filter { $0.record.baseName == base && $0.record.parameters != nil }
            out += "<h2 id=\"sweep-\(n)\">Sweep: \(escape(base))</h2>\n"
            out += "<div class=\"cv\">\n"
            out += heatMaps(mine, index: Dictionary(cells.enumerated().map { ($1.record.name, $0) }, uniquingKeysWith: { a, _ in a }))
            // Line charts read well for a few series over a few values; a large sweep has its heat-maps.
            if mine.count <= 40 { out += rateCharts(mine) }
            out += "</div>\n"
        }
        return out
    }

    /// Fonts that cover the shipped Chinese buyer names on every platform, Latin first.
    package static let fontStack = "system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif"

    /// Rows of the cells' table laid out together.
    package static let tableChunk = 25

    /// Timelines drawn in full; beyond, the page would grow by a few dozen kB a cell.
    package static let timelineLimit = 60

    /// The page's one style sheet: full width; the first screen's list and matrix side by side when they fit.
    private static let style = """
        body{font:14px/1.4 \(fontStack);margin:1em 2em;color:#222}
        h1{font-size:1.5em;margin:0.2em 0}h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid #ccc}h3{font-size:1em}
        table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
        th{background:#f4f4f4}.pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;font-weight:bold}.unknown{color:#9a6700;font-weight:bold}
        code{background:#f4f4f4;padding:1px 3px;font-size:12px;overflow-wrap:anywhere}svg{display:block;margin:0.5em 0;max-width:100%;height:auto}svg text{font:11px \(fontStack)}
        .cells{width:100%;table-layout:fixed;border-top:0}.cells td{overflow-wrap:anywhere}small{color:#57606a}
        .pending{color:#57606a;font-weight:bold}#unmet li{margin:0.3em 0}#filter{font:inherit;padding:3px 6px;width:28em;margin:0.5em 0}
        details>summary{cursor:pointer;margin:0.4em 0}.heat{display:inline-block;vertical-align:top;margin-right:1.5em}
        .legend span{display:inline-block;margin-right:1em;font-size:12px}.legend i,.key i{display:inline-block;width:12px;height:10px;margin-right:4px}
        .chart{display:inline-block;vertical-align:top;margin-right:2em;max-width:100%;width:560px}.key{list-style:none;padding:0;margin:0;font-size:12px;max-width:560px}
        .key li{display:inline-block;margin:0 1.2em 0.2em 0;overflow-wrap:anywhere}.times{color:#cf222e}
        #glance{display:flex;flex-wrap:wrap;gap:0 3em;align-items:flex-start}#glance>div{flex:1 1 40em;min-width:0}#glance>div:last-child{flex:0 1 auto}
        .mcap{font-weight:bold;margin:0.5em 0 0}.m{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 2px}.mrow .m{margin:1px}.mrow span{margin-right:0.5em}
        \(HTMLIsolation.style)
        .m.FAIL{background:#cf222e}.m.UNKNOWN{background:#d4a72c}.m.PASS{background:#8fd19e}.m.PENDING{background:#bbb}.mkey{font-size:12px}
        rect.FAIL{fill:#cf222e}rect.UNKNOWN{fill:#d4a72c}rect.PASS{fill:#8fd19e}rect.PENDING{fill:#bbb}
        .cv{content-visibility:auto;contain-intrinsic-size:auto 600px}:target{outline:2px solid #0969da}

        """

    /// The filter box hides table rows and timeline sections whose text does not match. A
    /// deep link (`#t6`, `#c3`) opens the collapsed part it is in and lays the page out in
    /// full before scrolling: under `content-visibility:auto` the parts above the target
    /// have estimated sizes, and the jump landed on an unrendered (blank) stretch.
    private static let script = """
        <script>
        (function(){var f=document.getElementById('filter');if(f)f.addEventListener('input',function(){
        var q=f.value.toLowerCase();document.querySelectorAll('.cells tr[data-name],.cellsec,#unmet li').forEach(function(e){
        e.style.display=!q||e.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
        function show(){var id=decodeURIComponent(location.hash.slice(1)),e=id&&document.getElementById(id);if(!e)return;
        for(var p=e;p;p=p.parentElement)if(p.tagName==='DETAILS')p.open=true;
        document.querySelectorAll('.cv').forEach(function(c){c.classList.remove('cv');});e.scrollIntoView();}
        window.addEventListener('hashchange',show);show();})();
        </script>

        """

    /// The first screen: the verdict, the failed cells with their one-line evidence (alike
    /// ones as one entry ×N naming the cells), and the matrix of every cell's mark.
    private static func top(_ results: RunResults, index: [String: Int]) -> String {
        let cells = results.cells
        let statuses = cells.flatMap(\.report.judged)
        let met = statuses.filter { $0 == .met }.count, pending = statuses.filter { $0 == .pending }.count
        let verdict = results.incomplete != nil ? ("fail", "INCOMPLETE") : results.passed ? (pending > 0 ? ("pending", "NO FAILURES (shard: \(pending) pending, judged at merge)") : ("pass", "PASSED")) : ("fail", "FAILED")
        var out = "<p class=\"\(verdict.0)\" style=\"font-size:1.3em;margin:0.3em 0\">\(verdict.1): \(met) of \(statuses.count) expectations met</p>\n"
        var marks: [String: Int] = [:]
        for c in cells { marks[c.report.mark, default: 0] += 1 }
        out += "<p>Cells: " + ["FAIL", "UNKNOWN", "PENDING", "PASS"].compactMap { m in marks[m].map { "\($0) \(m.lowercased())" } }.joined(separator: ", ")
            + "; \(results.trials.count) trials. Rates are violations / trials with 95% Wilson intervals.</p>\n"
        // Session cases: the isolation table is what the run was for, so it comes first.
        out += HTMLIsolation.section(cells)
        out += "<div id=\"glance\">"
        let unmet = Unmet.list(results)
        if !unmet.isEmpty {
            let groups = Unmet.grouped(unmet, acrossCells: true)
            func link(_ cell: String) -> String { index[cell].map { "<a href=\"#c\($0)\">\(escape(cell))</a>" } ?? escape(cell) }
            out += "<div><h2>Unmet expectations (\(unmet.count)\(groups.count < unmet.count ? " in \(groups.count) \(groups.count == 1 ? "entry" : "entries")" : ""))</h2>\n<ol id=\"unmet\">\n"
            for g in groups.prefix(300) {
                let u = g.first, cls = u.status == .unmet ? "fail" : "unknown"
                let times = g.cells.count > 1 ? " <b class=\"times\">×\(g.cells.count)</b>" : ""
                out += "<li><span class=\"\(cls)\">\(u.status == .unmet ? "FAIL" : "UNKNOWN")</span>\(times) \(link(u.cell)) :: \(escape(g.names.joined(separator: ", "))): \(escape(u.message))"
                out += "\(u.location.map { " <small>(\(escape($0.description)))</small>" } ?? "")"
                if g.cells.count > 1 { out += "<br><small>" + alike(g.cells, cells: cells, index: index) + "</small>" }
                out += "<br><code>\(escape(u.rerun))</code></li>\n"
            }
            if groups.count > 300 { out += "<li>… \(groups.count - 300) more in summary.json</li>\n" }
            out += "</ol></div>\n"
        }
        // One cell needs no map of the cells.
        out += (cells.count > 1 ? "<div>\(matrix(cells))</div>" : "") + "</div>\n"
        return out
    }

    /// The cells of one grouped entry, named by what sets them apart: the swept values they
    /// share said once, then each cell by the values that differ; past 20, behind a click.
    private static func alike(_ names: [String], cells: [RunResults.Cell], index: [String: Int]) -> String {
        let params = names.map { n in index[n].flatMap { cells[$0].record.parameters } ?? [] }
        var paths: [String] = []
        for p in params.joined() where !paths.contains(p.path) { paths.append(p.path) }
        func value(_ i: Int, _ path: String) -> String? { params[i].first { $0.path == path }?.value }
        let varying = paths.filter { path in Set(names.indices.map { value($0, path) }).count > 1 }
        let shared = paths.filter { !varying.contains($0) }.compactMap { path in value(0, path).map { "\(path)=\($0)" } }
        func link(_ i: Int) -> String {
            let text = varying.isEmpty ? names[i] : varying.compactMap { path in value(i, path).map { "\(path)=\($0)" } }.joined(separator: ",")
            return index[names[i]].map { "<a href=\"#c\($0)\" title=\"\(escape(names[i]))\">\(escape(text))</a>" } ?? escape(text)
        }
        var out = "the same in \(names.count) cells" + (shared.isEmpty ? "" : " (all \(escape(shared.joined(separator: ", "))))") + ": "
        let links = names.indices.map(link)
        out += links.prefix(20).joined(separator: " · ")
        if links.count > 20 { out += " <details style=\"display:inline\"><summary>\(links.count - 20) more</summary>" + links.dropFirst(20).joined(separator: " · ") + "</details>" }
        return out
    }

    /// Every cell as a small square coloured by its mark, a sweep laid out as its heat-maps
    /// are (rows: the other keys' values, columns: the last key's), each linking to its row.
    private static func matrix(_ cells: [RunResults.Cell]) -> String {
        var out = "<h2>Cells</h2>\n<p class=\"mkey\"><i class=\"m FAIL\"></i>fail <i class=\"m UNKNOWN\"></i>unknown <i class=\"m PASS\"></i>pass <i class=\"m PENDING\"></i>pending</p>\n"
        var bases: [String] = []
        for c in cells where !bases.contains(c.record.baseName) { bases.append(c.record.baseName) }
        for base in bases {
            let mine = cells.enumerated().filter { $0.element.record.baseName == base }
            func square(_ n: Int, _ c: RunResults.Cell) -> String {
                "<a class=\"m \(c.report.mark)\" href=\"#c\(n)\" title=\"\(escape(c.record.name)): \(c.report.mark)\"></a>"
            }
            guard let parameters = mine.first?.element.record.parameters, let xPath = parameters.last?.path else {
                out += "<div class=\"mrow\"><span>\(escape(base))</span>" + mine.map { square($0.offset, $0.element) }.joined() + "</div>\n"
                continue
            }
            func value(_ c: RunResults.Cell, _ path: String) -> String { c.record.parameters?.first { $0.path == path }?.value ?? "" }
            let yPaths = parameters.dropLast().map(\.path)
            func row(_ c: RunResults.Cell) -> String { yPaths.map { "\($0)=\(value(c, $0))" }.joined(separator: ", ") }
            var xs: [String] = [], rows: [String] = []
            for (_, c) in mine {
                if !xs.contains(value(c, xPath)) { xs.append(value(c, xPath)) }
                if !rows.contains(row(c)) { rows.append(row(c)) }
            }
            var at: [String: (Int, RunResults.Cell)] = [:]
            for (n, c) in mine { at[row(c) + "\u{0}" + value(c, xPath)] = (n, c) }
            // One SVG per sweep: a table of 500 linked squares costs the first screen its layout budget.
            let left = min(320.0, Double(rows.map(\.count).max() ?? 0) * 6.5 + 8), side = 14.0, top = 30.0
            let cw = max(side, Double(xs.map(\.count).max() ?? 0) * 6.5 + 4)
            let w = left + cw * Double(xs.count), h = top + side * Double(rows.count)
            var svg = "<p class=\"mcap\">\(escape(base))</p><svg class=\"matrix\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">"
            svg += "<text x=\"\(f(left))\" y=\"10\">\(escape(xPath)) →</text>"
            for (i, x) in xs.enumerated() { svg += "<text x=\"\(f(left + cw * (Double(i) + 0.5)))\" y=\"26\" text-anchor=\"middle\">\(escape(x))</text>" }
            for (j, r) in rows.enumerated() {
                let y = top + side * Double(j)
                if !r.isEmpty { svg += "\n<text x=\"\(f(left - 4))\" y=\"\(f(y + 11))\" text-anchor=\"end\">\(label(r, fitting: left - 8))</text>" }
                for (i, x) in xs.enumerated() {
                    guard let (n, c) = at[r + "\u{0}" + x] else { continue }
                    svg += "<a href=\"#c\(n)\"><rect class=\"\(c.report.mark)\" x=\"\(f(left + cw * (Double(i) + 0.5) - side / 2 + 1))\" y=\"\(f(y + 1))\" width=\"\(f(side - 2))\" height=\"\(f(side - 2))\">"
                        + "<title>\(escape(c.record.name)): \(c.report.mark)</title></rect></a>"
                }
            }
            out += svg + "</svg>\n"
        }
        return out
    }

    /// The cells' table in chunks of `tableChunk` rows, each laid out only when scrolled to: the
    /// first screen is short now, and one lazy 500-row table in view is laid out whole. Fixed
    /// column widths keep the chunks' columns aligned.
    private static func table(_ cells: [RunResults.Cell], timelines: Set<String>) -> String {
        let columns = "<colgroup><col style=\"width:22%\"><col style=\"width:5%\"><col style=\"width:5%\"><col style=\"width:36%\">"
            + "<col style=\"width:7%\"><col style=\"width:13%\"><col style=\"width:12%\"></colgroup>"
        var out = "<div class=\"cv\" style=\"contain-intrinsic-size:auto \(40 + 60 * min(cells.count, tableChunk))px\"><table id=\"cells\" class=\"cells\">\(columns)"
            + "<tr><th>cell</th><th>result</th><th>trials</th><th>invariants (violations)</th><th>purchases/s</th><th>latency ms p50 / p90 / p99 / max</th><th>lock ms per acquisition: wait / hold</th></tr>\n"
        for (n, c) in cells.enumerated() {
            if n > 0 && n % tableChunk == 0 {
                out += "</table></div>\n<div class=\"cv\" style=\"contain-intrinsic-size:auto \(60 * min(cells.count - n, tableChunk))px\"><table class=\"cells\">\(columns)\n"
            }
            let r = c.report
            let mark = "<span class=\"\(["PASS": "pass", "FAIL": "fail", "PENDING": "pending"][r.mark] ?? "unknown")\">\(r.mark)</span>"
            // Invariants seen violated, or not as expected, one a line; the clean rest in one line.
            let notable = r.invariants.filter { $0.violated > 0 || $0.unknown > 0 || $0.status != .met }
            let clean = r.invariants.filter { i in !notable.contains { $0.invariant == i.invariant } }
            var lines = notable.map { i in
                let cls = i.status == .met ? "" : " class=\"\(i.status == .unmet ? "fail" : i.status == .pending ? "pending" : "unknown")\""
                return "<span\(cls)>\(escape(i.invariant.rawValue))</span> (expect \(i.expectation.rawValue)): \(escape(i.rate.statement()))"
            }
            if let sample = clean.first {
                lines.append("\(clean.map { escape($0.invariant.rawValue) }.joined(separator: ", ")): \(escape(sample.rate.statement()))")
            }
            lines += r.thresholds.map { t in
                let cls = t.status == .met ? "" : " class=\"\(t.status == .unmet ? "fail" : t.status == .pending ? "pending" : "unknown")\""
                return "<span\(cls)>\(escape(t.name))</span>: \(escape(t.summary))"
            }
            let invariants = lines.joined(separator: "<br>")
            let latency = c.latency.map { "\(millis($0.p50)) / \(millis($0.p90)) / \(millis($0.p99)) / \(millis($0.max))" } ?? "–"
            let lock = c.lockAcquisitions == 0 ? "–" : "\(millis(c.lockWaitNs / UInt64(c.lockAcquisitions))) / \(millis(c.lockHoldNs / UInt64(c.lockAcquisitions)))"
            let ref = timelines.contains(c.record.name) ? " <a href=\"#t\(n)\">timeline</a>" : ""
            let engine = ([EngineLine.text(r)] + (EngineLine.trouble(r).map { [$0.what, $0.next] } ?? [])).compactMap { $0 }
                .map { "<br><small>\(escape($0))</small>" }.joined()
            out += "<tr id=\"c\(n)\" data-name=\"\(escape(c.record.name))\"><td>\(escape(c.record.name))\(ref)\(engine)</td><td>\(mark)</td><td>\(c.trials.count)\(c.stopReason.map { " (stopped: \($0.rawValue))" } ?? "")</td><td>\(invariants)</td>"
            // A session case has no purchases or locks to time.
            out += r.scenario.sessions != nil ? "<td>–</td><td>–</td><td>–</td></tr>\n" : "<td>\(fixed(c.throughput, places: 1))</td><td>\(latency)</td><td>\(lock)</td></tr>\n"
        }
        return out + "</table></div>\n"
    }

    /// Colour of a violation rate: light grey at 0 to dark red at 1.
    package static func heat(_ rate: Double) -> String {
        let t = max(0, min(1, rate))
        let from = (247.0, 247.0, 247.0), to = (165.0, 15.0, 21.0)
        func c(_ a: Double, _ b: Double) -> String {
            let v = Int((a + (b - a) * t).rounded())
            let hex = String(v, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }
        return "#" + c(from.0, to.0) + c(from.1, to.1) + c(from.2, to.2)
    }

    /// Small multiples, one heat-map per invariant violated anywhere in the sweep (or the
    /// first, to show the bounds): columns are the last swept key's values, rows every
    /// combination of the others; colour is the violation rate, the Wilson interval is in
    /// each square's tooltip; an unmet cell is outlined; each square links to its row.
    private static func heatMaps(_ cells: [RunResults.Cell], index: [String: Int]) -> String {
        guard let parameters = cells.first?.record.parameters, let xPath = parameters.last?.path else { return "" }
        let yPaths = parameters.dropLast().map(\.path)
        func value(_ c: RunResults.Cell, _ path: String) -> String { c.record.parameters?.first { $0.path == path }?.value ?? "" }
        func row(_ c: RunResults.Cell) -> String { yPaths.map { "\($0)=\(value(c, $0))" }.joined(separator: ", ") }
        var xs: [String] = [], rows: [String] = []
        for c in cells {
            if !xs.contains(value(c, xPath)) { xs.append(value(c, xPath)) }
            if !rows.contains(row(c)) { rows.append(row(c)) }
        }
        var byPosition: [String: RunResults.Cell] = [:]
        for c in cells { byPosition[row(c) + "\u{0}" + value(c, xPath)] = c }
        let invariants = cells.first?.report.invariants.map(\.invariant) ?? []
        var shown = invariants.filter { inv in cells.contains { c in c.report.invariants.contains { $0.invariant == inv && $0.violated > 0 } } }
        if shown.isEmpty, let first = invariants.first { shown = [first] }
        let cw = max(14.0, min(44.0, 640.0 / Double(max(1, xs.count)))), ch = 16.0
        let longest = rows.map(\.count).max() ?? 0
        let left = rows.count == 1 && yPaths.isEmpty ? 10.0 : min(320.0, Double(longest) * 7 + 12)
        let longestX = xs.map(\.count).max() ?? 0
        let rotate = Double(longestX) * 6.2 > cw
        let top = rotate ? min(120.0, Double(longestX) * 4.6 + 18) : 30.0
        let w = left + cw * Double(xs.count) + 20, h = top + ch * Double(rows.count) + 8
        var out = "<p>Violation rate per cell: <span style=\"background:\(heat(0));padding:0 6px\">0%</span> → "
            + "<span style=\"background:\(heat(0.5));padding:0 6px\">50%</span> → <span style=\"background:\(heat(1));color:#fff;padding:0 6px\">100%</span>; "
            + "outlined: an expectation not met; hover a square for its count and 95% Wilson interval.</p>\n"
        for inv in shown {
            var svg = "<div class=\"heat\"><h3>\(escape(inv.rawValue))</h3>\n<svg width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
            svg += "<text x=\"\(f(left))\" y=\"11\">\(escape(xPath)) →</text>\n"
            for (i, x) in xs.enumerated() {
                let cx = left + cw * (Double(i) + 0.5)
                svg += rotate
                    ? "<text transform=\"translate(\(f(cx + 3)),\(f(top - 4))) rotate(-60)\">\(escape(x))</text>"
                    : "<text x=\"\(f(cx))\" y=\"\(f(top - 5))\" text-anchor=\"middle\">\(escape(x))</text>"
            }
            svg += "\n"
            for (j, r) in rows.enumerated() {
                let y = top + ch * Double(j)
                if !r.isEmpty { svg += "<text x=\"\(f(left - 5))\" y=\"\(f(y + 12))\" text-anchor=\"end\">\(label(r, fitting: left - 10))</text>" }
                for (i, x) in xs.enumerated() {
                    guard let c = byPosition[r + "\u{0}" + x], let report = c.report.invariants.first(where: { $0.invariant == inv }) else { continue }
                    let unmet = report.status == .unmet || report.status == .undetermined
                    let fill = report.trials == 0 ? "#ddd" : heat(report.rate.rate)
                    let stroke = unmet ? " stroke=\"#000\" stroke-width=\"2\"" : " stroke=\"#fff\""
                    let link = index[c.record.name].map { "#c\($0)" } ?? ""
                    svg += "<a href=\"\(link)\"><rect x=\"\(f(left + cw * Double(i)))\" y=\"\(f(y))\" width=\"\(f(cw))\" height=\"\(f(ch))\" fill=\"\(fill)\"\(stroke)>"
                        + "<title>\(escape(c.record.name)): \(escape(report.rate.statement())) (expect \(report.expectation.rawValue), \(report.status.rawValue))</title></rect></a>"
                }
                svg += "\n"
            }
            out += svg + "</svg></div>\n"
        }
        return out
    }

    /// One chart per invariant that was ever violated in the sweep (or one showing the bound
    /// when none was): rate against the first swept parameter that is not the lock mode; a
    /// numeric axis joins each series' dots with a line, a categorical one is a dot plot.
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
        let numeric = xs.allSatisfy { Double($0) != nil }
        let invariants = cells.first?.report.invariants.map(\.invariant) ?? []
        var shown = invariants.filter { inv in cells.contains { c in c.report.invariants.contains { $0.invariant == inv && $0.violated > 0 } } }
        let noneViolated = shown.isEmpty
        if noneViolated, let first = invariants.first { shown = [first] }
        var out = ""
        for inv in shown {
            out += "<div class=\"chart\"><h3>\(noneViolated ? "No invariant was violated: upper bounds of the rate (\(escape(inv.rawValue)))" : "Violation rate of \(escape(inv.rawValue))") against \(escape(xPath))</h3>\n"
            let w = 560.0, h = 260.0, left = 50.0, right = 20.0, top = 15.0, bottom = 40.0
            let plotW = w - left - right, plotH = h - top - bottom
            // Each value at the middle of its band: the dots spread around it never reach the axes.
            func x(_ i: Int) -> Double { left + plotW * (Double(i) + 0.5) / Double(xs.count) }
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
                // Keep overlapping error bars apart, within a category's share of the width.
                let spread = min(8.0, plotW / Double(max(1, xs.count)) * 0.6 / Double(max(1, series.count)))
                let offset = (Double(s) - Double(series.count - 1) / 2) * spread
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
                // A line between categories (lock modes, engines) would invent values between them: dots only.
                if numeric && points.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n" }
            }
            // The legend is HTML beside the chart: it wraps, so a label is never cut.
            let legend = series.enumerated().map { "<li><i style=\"background:\(palette[$0.offset % palette.count])\"></i>\(escape($0.element))</li>" }.joined()
            out += svg + "</svg>\n<ul class=\"key\">\(legend)</ul></div>\n"
        }
        return out
    }

    /// Latency per cell as a dot plot: p50 dot, p90 and p99 ticks, max at the line's end; on
    /// a linear axis from 0, or (`log`) a log axis over decades from the smallest p50.
    package static func latencyChart(_ cells: [RunResults.Cell], log: Bool = false) -> String {
        let labelW = 330.0, plotW = 420.0, row = 20.0, top = 10.0
        let maxNs = Double(cells.compactMap { $0.latency?.max }.max() ?? 1)
        let minNs = max(1_000, Double(cells.compactMap { $0.latency?.p50 }.filter { $0 > 0 }.min() ?? 1_000) / 2)
        let decades = max(1, (log10(max(maxNs, minNs * 10)) - log10(minNs)).rounded(.up))
        let h = top + Double(cells.count) * row + 30
        func x(_ ns: UInt64) -> Double {
            guard log else { return labelW + plotW * Double(ns) / max(maxNs, 1) }
            return labelW + plotW * max(0, log10(max(Double(ns), minNs)) - log10(minNs)) / decades
        }
        var svg = "<svg width=\"\(Int(labelW + plotW + 40))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
        let ticks: [UInt64] = log ? (0...Int(decades)).map { UInt64(minNs * pow(10, Double($0))) } : (0...4).map { UInt64(maxNs * Double($0) / 4) }
        for ns in ticks {
            svg += "<line x1=\"\(f(x(ns)))\" x2=\"\(f(x(ns)))\" y1=\"\(f(top))\" y2=\"\(f(h - 25))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(f(x(ns)))\" y=\"\(f(h - 10))\" text-anchor=\"middle\">\(millis(ns)) ms</text>\n"
        }
        for (i, c) in cells.enumerated() {
            guard let l = c.latency else { continue }
            let cy = top + Double(i) * row + row / 2
            svg += "<text x=\"\(f(labelW - 6))\" y=\"\(f(cy + 4))\" text-anchor=\"end\">\(label(c.record.name, fitting: labelW - 10))</text>"
            svg += "<line x1=\"\(f(x(0)))\" x2=\"\(f(x(l.max)))\" y1=\"\(f(cy))\" y2=\"\(f(cy))\" stroke=\"#bbb\"/>"
            for (ns, size) in [(l.p90, 5.0), (l.p99, 7.0), (l.max, 4.0)] {
                svg += "<line x1=\"\(f(x(ns)))\" x2=\"\(f(x(ns)))\" y1=\"\(f(cy - size))\" y2=\"\(f(cy + size))\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
            }
            svg += "<circle cx=\"\(f(x(l.p50)))\" cy=\"\(f(cy))\" r=\"4\" fill=\"#1f77b4\"><title>p50 \(millis(l.p50)) p90 \(millis(l.p90)) p99 \(millis(l.p99)) max \(millis(l.max)) ms (\(l.count) purchases)</title></circle>\n"
        }
        return svg + "</svg>\n"
    }

    /// An SVG label that never runs off its column: a name too long for `width` pixels keeps
    /// its end (where cell names differ) behind an ellipsis, the whole name in a tooltip.
    package static func label(_ name: String, fitting width: Double) -> String {
        // 11px sans: about 6.5px a Latin character, 11px a wide (CJK) one.
        func px(_ c: Character) -> Double { c.unicodeScalars.first.map { $0.value >= 0x1100 ? 11 : 6.5 } ?? 6.5 }
        var total = 0.0
        for c in name { total += px(c) }
        if total <= width { return escape(name) }
        var kept: [Character] = [], used = px("…")
        for c in name.reversed() {
            if used + px(c) > width { break }
            used += px(c)
            kept.insert(c, at: 0)
        }
        return "<title>\(escape(name))</title>…" + escape(String(kept))
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
            // Databases: the engine rolled back; the purchase starts again.
            case .storeRetry:
                close(b, "write", at)
                close(b, "decide", at)
            case .storeError: break
            // The buyer is dead from here: end whatever it was doing.
            case .faultKill:
                for k in ["search", "wait", "hold", "decide", "write", "stall"] { close(b, k, at) }
                bars[b].append(Bar(start: at, end: at, kind: "kill"))
            case .faultStall: open[b, default: [:]]["stall"] = at
            case .faultResume: close(b, "stall", at)
            case .lockRecovered, .gate, .gateBlocked: break
            // Transactional steps are drawn by the anomaly evidence, not as purchase bars.
            case .keyRead, .keyWrite, .predicateRead, .predicateRow, .rowInsert, .txnCommit, .txnAbort: break
            }
        }
        return (bars, marks)
    }

    private static func timeline(_ c: RunResults.Cell) -> String {
        guard let record = c.firstFailing, let t = record.timeline else { return "" }
        let broken = record.results.filter(\.isProblem)
        let (bars, marks) = lanes(t, blamed: Set(broken.flatMap(\.blamed)))
        let shown = min(t.buyers.count, 60)
        let endNs = max(1, Int64(clamping: t.events.map(\.tNs).max() ?? 1))
        let labelW = 110.0, plotW = 760.0, lane = 20.0, top = 10.0
        let h = top + Double(shown) * lane + 30
        func x(_ ns: Int64) -> Double { labelW + plotW * Double(max(0, ns)) / Double(endNs) }
        let brokenText = broken.map { "\(escape($0.invariant.rawValue)) \($0.verdict.rawValue): \(escape($0.summary))" }.joined(separator: "; ")
        var out = "<h3>\(escape(c.record.name)) — trial \(record.trial + 1)</h3>\n<p>\(brokenText)<br>rerun: <code>\(escape(Rerun.command(c.report.scenario, seed: c.record.seed, trial: record.trial, schedule: record.schedule)))</code></p>\n"
        // A failed program buyer's stderr tail (ProgramFailureText: a header, then lines behind "  | "), once per buyer.
        var tails: [String] = []
        for r in broken {
            for (i, line) in r.details.enumerated() where r.details.indices.contains(i + 1) && r.details[i + 1].hasPrefix("  | ") && !tails.contains(line) {
                tails.append(line)
                tails += r.details[(i + 1)...].prefix { $0.hasPrefix("  | ") }
            }
        }
        if !tails.isEmpty { out += "<pre class=\"stderr\">\(escape(tails.joined(separator: "\n")))</pre>\n" }
        if shown < t.buyers.count { out += "<p>First \(shown) of \(t.buyers.count) buyers shown.</p>\n" }
        // On a database the green band may be a transaction that locks nothing: say which.
        let lock = LockNarration(c.report.scenario)
        if let holds = lock.holds { out += "<p><i style=\"display:inline-block;width:12px;height:10px;background:#c7e9c0\"></i> \(escape(lock.band)): \(escape(holds)).</p>\n" }
        let colors = ["search": "#9ecae1", "wait": "#fdae6b", "hold": "#c7e9c0", "decide": "#bcbddc", "write": "#6a51a3", "stall": "#bbb"]
        var svg = "<svg width=\"\(Int(labelW + plotW + 20))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
        for tick in 0...5 {
            let ns = endNs * Int64(tick) / 5
            svg += "<line x1=\"\(f(x(ns)))\" x2=\"\(f(x(ns)))\" y1=\"\(f(top))\" y2=\"\(f(h - 25))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(x(ns)))\" y=\"\(f(h - 10))\" text-anchor=\"middle\">\(millis(UInt64(ns))) ms</text>\n"
        }
        for b in 0..<shown {
            let y0 = top + Double(b) * lane
            svg += "<text x=\"\(f(labelW - 6))\" y=\"\(f(y0 + 14))\" text-anchor=\"end\">\(label(t.buyers[b], fitting: labelW - 10))</text>"
            // The lock is held across deciding and writing: draw it as a band behind them.
            for bar in bars[b].sorted(by: { ($0.kind == "hold" ? 0 : 1) < ($1.kind == "hold" ? 0 : 1) }) {
                if bar.kind == "kill" {
                    svg += "<text x=\"\(f(x(bar.start)))\" y=\"\(f(y0 + 15))\" text-anchor=\"middle\" fill=\"#d62728\" font-weight=\"bold\" font-size=\"15\">✕<title>killed at \(millis(UInt64(max(0, bar.start)))) ms (fault)</title></text>"
                    continue
                }
                let inset = bar.kind == "hold" ? 1.0 : 4.0
                svg += "<rect x=\"\(f(x(bar.start)))\" y=\"\(f(y0 + inset))\" width=\"\(f(max(1, x(bar.end) - x(bar.start))))\" height=\"\(f(lane - 2 * inset))\" fill=\"\(colors[bar.kind] ?? "#ccc")\"><title>\(bar.kind == "hold" ? escape(lock.band) : bar.kind) \(millis(UInt64(max(0, bar.start)))) – \(millis(UInt64(max(0, bar.end)))) ms</title></rect>"
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
        return out + svg + "</svg>\n" + cycles(broken, buyers: t.buyers)
    }

    /// Under the timeline: each anomaly found, its shortest cycle in words (docs/anomalies.md),
    /// once even when a model and the anomaly's own invariant both report it.
    private static func cycles(_ broken: [CheckResult], buyers: [String]) -> String {
        var seen: [AnomalyFinding] = []
        for r in broken {
            guard case .anomalies(let found, _) = r.evidence else { continue }
            for f in found where !seen.contains(f) { seen.append(f) }
        }
        guard !seen.isEmpty else { return "" }
        let name = { (b: Int) in b < buyers.count ? buyers[b] : "buyer #\(b + 1)" }
        let items = seen.map { "<li><b>\(escape($0.anomaly.rawValue))</b>: \(escape(AnomalyText.cycle($0, name: name)))</li>" }
        return "<p class=\"cycles\">The transactions' cycle (shortest per anomaly):</p>\n<ul class=\"cycles\">\(items.joined())</ul>\n"
    }

    /// HTML text and attribute values escape as XML's do.
    package static func escape(_ text: String) -> String { XMLEscaper.escape(text) }

    private static func f(_ v: Double) -> String { fixed(v, places: 1) }
}
