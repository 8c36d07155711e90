#if canImport(Glibc)
import Glibc
#endif
import XCTest
import TicketRushRunner

/// The page-table drop before every fork loop (issue 14) must never lose a write: it drops
/// only pages of private file mappings that are present and were never written.
final class PageDropTests: XCTestCase {
    func testNeverDropsAWrittenPage() throws {
        #if os(Linux)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var template = Array("/tmp/ticketrush-pagedrop-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd); unlink(template) }
        let pages = 6
        let original = [UInt8](repeating: UInt8(ascii: "f"), count: pages * page)
        XCTAssertEqual(original.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, pages * page)

        // A private, writable file mapping: written pages become private copies.
        let raw = try XCTUnwrap(mmap(nil, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0))
        XCTAssertNotEqual(raw, MAP_FAILED)
        defer { munmap(raw, pages * page) }
        let bytes = raw.assumingMemoryBound(to: UInt8.self)
        // Pages 0, 2, 4 read only; page 1 written in full; page 3 one byte; page 5 untouched.
        var sum = 0
        for p in [0, 2, 4] { sum += Int(bytes[p * page]) }
        XCTAssertEqual(sum, 3 * Int(UInt8(ascii: "f")))
        for i in 0..<page { bytes[page + i] = UInt8(truncatingIfNeeded: i &* 7 &+ 1) }
        bytes[3 * page + 5] = UInt8(ascii: "X")

        let dropped = PageDrop.drop(from: raw, to: raw + pages * page)
        guard dropped >= 0, PageDrop.isPresent(raw) != nil else { throw XCTSkip("no /proc/self/pagemap here") }
        // Pages 0, 2 and 4 were read; page 5 may be present too (the kernel maps neighbouring
        // page-cache pages on a fault); the written pages 1 and 3 are never among them.
        XCTAssertTrue((3...4).contains(dropped), "dropped \(dropped): only pages read and never written")
        for p in [0, 2, 4, 5] { XCTAssertEqual(PageDrop.isPresent(raw + p * page), false, "page \(p)") }
        XCTAssertEqual(PageDrop.isPresent(raw + page), true, "a written page stays")
        XCTAssertEqual(PageDrop.isPresent(raw + 3 * page), true, "a page written once stays")

        XCTAssertTrue((0..<page).allSatisfy { bytes[page + $0] == UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }, "the written pattern")
        XCTAssertEqual(bytes[3 * page + 5], UInt8(ascii: "X"))
        XCTAssertEqual(bytes[3 * page + 4], UInt8(ascii: "f"))
        // A dropped page reads back unchanged (from the file).
        for p in [0, 2, 4, 5] { XCTAssertEqual(bytes[p * page + 17], UInt8(ascii: "f")) }
        #else
        throw XCTSkip("Linux only")
        #endif
    }
}
