import TicketRushModel
import TicketRushChecks
/// A tiny streaming XML writer over `XMLEscaper`, indenting two spaces a level.
package struct XMLWriter {
    package private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var depth = 0

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        text += indent + "<\(name)\(attrs(attributes))>\n"
        depth += 1
    }

    package mutating func close(_ name: String) {
        depth -= 1
        text += indent + "</\(name)>\n"
    }

    package mutating func empty(_ name: String, _ attributes: [(String, String)] = []) {
        text += indent + "<\(name)\(attrs(attributes))/>\n"
    }

    package mutating func element(_ name: String, _ attributes: [(String, String)] = [], body: String) {
        text += indent + "<\(name)\(attrs(attributes))>\(XMLEscaper.escape(body))</\(name)>\n"
    }

    private var indent: String { String(repeating: "  ", count: depth) }

    private func attrs(_ list: [(String, String)]) -> String {
        list.map { " \($0.0)=\"\(XMLEscaper.escape($0.1))\"" }.joined()
    }
}
