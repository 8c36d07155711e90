import Foundation
import XCTest
import TicketRushFormat

/// The tag resolver without NSRegularExpression (issue 23) resolves every plain scalar as
/// Yams 6.2.2's default resolver did: its regexes, verbatim, are the oracle here (a test may
/// link ICU; the shipped binaries may not).
final class YAMLResolverTests: XCTestCase {
    /// Yams's Resolver.Rule defaults, in its order, copied from Yams 6.2.2 Resolver.swift.
    static let yamsPatterns: [(Tag.Name, String)] = [
        (.bool, #"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"#),
        (.int, #"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"#),
        (.float, #"^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"#),
        (.merge, #"^(?:<<)$"#),
        (.null, #"^(?:~|null|Null|NULL|)$"#),
        (.timestamp, #"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"#),
        (.value, #"^(?:=)$"#),
    ]
    static let yamsRules = yamsPatterns.map { ($0.0, try! NSRegularExpression(pattern: $0.1)) }

    static func yamsTag(_ s: String) -> Tag.Name {
        let range = NSRange(location: 0, length: s.utf16.count)
        return yamsRules.first { $0.1.firstMatch(in: s, range: range) != nil }?.0 ?? .str
    }

    func assertSame(_ s: String, file: StaticString = #filePath, line: UInt = #line) {
        let ours = Resolver.default.resolveTag(from: s), theirs = Self.yamsTag(s)
        XCTAssertEqual(ours, theirs, "\(s.debugDescription): ours \(ours.rawValue), Yams \(theirs.rawValue)", file: file, line: line)
    }

    func testWrittenExamplesResolveAsYamsDid() {
        let examples = ["", "~", "null", "NULL", "nUll", "yes", "Off", "oN", "0", "-0", "+12", "0b101", "0b", "017", "0o17", "08",
                        "0x1F", "0x", "1_000", "1:30", "190:20:30", "1:60", "0:30", "1.5", "-1.5e3", "1e5", "1.", ".5", ".5e+3",
                        ".5e3", "1:30.5", ".inf", "-.Inf", "+.INF", ".nan", "-.nan", ".NaN", "<<", "=", "2001-12-14",
                        "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z", "2002-12-14",
                        "2001-1-1 1:00:00", "1s", "250ms", "95%", "0.95", "true\n", "12\n", "null\r\n", "1\u{2028}", "1\n\n",
                        "\n", "12 ", " 12", "１２", "1٣", "x-base", "uniform", "~~~3"]
        for s in examples { assertSame(s) }
    }

    /// Every string up to four characters over the characters the rules turn on.
    func testEveryShortStringResolvesAsYamsDid() {
        let alphabet: [Character] = ["0", "1", "6", "9", "_", "-", "+", ".", ":", "e", "x", "b", "o", "\n"]
        var strings = [""]
        for _ in 1...4 {
            strings = strings.flatMap { s in alphabet.map { s + String($0) } }
            for s in strings { assertSame(s) }
        }
    }

    /// Longer strings from a seeded generator, built from fragments the rules contain.
    func testRandomStringsResolveAsYamsDid() {
        let fragments = ["0", "1", "5", "9", "12", "2001", "-", "+", "_", ".", ":", "e", "E", "x", "b", "o", "T", "t", " ", "\t",
                         "Z", "inf", "nan", "NaN", "yes", "null", "<<", "=", "~", "\n", "\r", "a", "F", "00", ":3", "-05"]
        var generator = SeededGenerator(seed: 23)
        for _ in 0..<30_000 {
            let count = Int.random(in: 1...9, using: &generator)
            let s = (0..<count).map { _ in fragments.randomElement(using: &generator)! }.joined()
            assertSame(s)
        }
    }
}
