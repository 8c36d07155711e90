import Foundation
import XCTest
import TicketRushModel

/// The path and trimming helpers that replaced NSString and CharacterSet in the app (issue
/// 23) give what Foundation gave: Foundation itself is the oracle (tests may link it).
final class PathTextTests: XCTestCase {
    /// Paths as the call sites pass them: `--junit` refuses a trailing slash before, `new`
    /// adds .yaml. (Foundation traps on "a/", "a" and ".", and gives "" for "//": not compared.)
    static let paths = ["", "/", "ab", "/a", "a/b", "a//b", "/a/b.yaml", "a/b.c.yaml", "b.yaml", ".yaml", "a/.yaml", "..", "a/..",
                        "../x.yml", "./x", "a.", "a/b.", "dir.d/x", "/tmp//reports///junit.xml", "é/ü.yaml", "a/b c.yaml",
                        "~/x.yaml", "a/./b", "//a", "x/.hidden.yaml", "a/...yaml"]

    func testPathComponentsAsNSStringGivesThem() {
        for p in Self.paths {
            let ns = p as NSString
            XCTAssertEqual(p.pathLastComponent, ns.lastPathComponent, "lastPathComponent of \(p.debugDescription)")
            XCTAssertEqual(p.pathDeletingLastComponent, ns.deletingLastPathComponent, "deletingLastPathComponent of \(p.debugDescription)")
            XCTAssertEqual(p.pathDeletingExtension, ns.deletingPathExtension, "deletingPathExtension of \(p.debugDescription)")
            // NewCommand's composition.
            XCTAssertEqual(p.pathLastComponent.pathDeletingExtension, (ns.lastPathComponent as NSString).deletingPathExtension, p)
        }
    }

    func testTrimmingAsCharacterSetWhitespacesTrims() {
        for s in ["", " ", "\t", " 3 ", "\t3\t", "3", " \u{00A0}7\u{2003}", "\u{3000}12", " 1 2 ", "\n4\n", "\r5", "x\u{200B}"] {
            XCTAssertEqual(s.trimmingWhitespace, s.trimmingCharacters(in: .whitespaces), s.debugDescription)
        }
    }
}

extension PathTextTests {
    /// Every Unicode scalar: trimmed alone exactly when Foundation's whitespace set holds it.
    func testEveryScalarTrimsAsFoundationWhitespacesDo() {
        for v in 0...0x10FFFF {
            guard let u = Unicode.Scalar(v) else { continue }
            let s = "x" + String(Character(u))
            if s.trimmingWhitespace != s.trimmingCharacters(in: .whitespaces) { XCTFail("U+\(String(v, radix: 16))") }
        }
    }
}
