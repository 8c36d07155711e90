#if canImport(Glibc)
import Glibc
#endif
import CTicketRush

/// Before every fork loop (a trial's buyers, the `--jobs` workers): drop the page-table
/// entries of pages the runner has read but never written in its private file mappings,
/// so each fork copies, and each child tears down at exit, only what the runner wrote
/// (issue 14; benchmarks/README.md has the numbers). A dropped page faults back in
/// unchanged; a written page is never touched (pagedrop.c). Linux only; a no-op elsewhere.
package enum PageDrop {
    /// Off with TICKETRUSH_PAGE_DROP=0 (for A/B benchmarks), read once.
    nonisolated(unsafe) package static var enabled: Bool = getenv("TICKETRUSH_PAGE_DROP").map { String(cString: $0) != "0" } ?? true

    /// Drops what can be dropped and returns how many pages (0 when off, -1 when /proc
    /// cannot be read). Call only while single-threaded, right before forking.
    @discardableResult
    package static func beforeForking() -> Int {
        #if os(Linux)
        guard enabled else { return 0 }
        return tr_drop_clean_file_pages()
        #else
        return 0
        #endif
    }

    /// The same drop limited to `[from, to)`: safe in a multi-threaded test process, since
    /// only memory the caller owns is examined.
    @discardableResult
    package static func drop(from: UnsafeRawPointer, to: UnsafeRawPointer) -> Int {
        tr_drop_clean_file_pages_in(from, to)
    }

    /// Whether the page holding `address` is present (nil when pagemap cannot be read).
    package static func isPresent(_ address: UnsafeRawPointer) -> Bool? {
        let fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var entry: UInt64 = 0
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let offset = off_t(UInt(bitPattern: address) / page * 8)
        guard pread(fd, &entry, 8, offset) == 8 else { return nil }
        return entry >> 63 == 1
    }
}
