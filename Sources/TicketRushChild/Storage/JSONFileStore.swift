#if canImport(Glibc)
import Glibc
#endif
import CTicketRush
import TicketRushModel
import TicketRushEngines

/// The ticket document as a JSON file, read whole and written in place or atomically.
///
/// Everything a read or a write needs (C paths, the read buffer, the text buffer) is made
/// in `init`, before the start barrier: from there to `_exit` the buyer allocates nothing.
package final class JSONFileStore: TicketStore {
    private let mode: WriteMode
    /// The document's path, converted before the fork (never freed here: shared).
    private let file: CPath
    private var path: UnsafeMutablePointer<CChar> { file.pointer }
    /// Atomic writes only: `<path>.tmp.<tag>`.
    private let tempPath: UnsafeMutablePointer<CChar>?
    /// Whole-file reads land here; grown (allocating) only for a file past 4 KiB, which no
    /// buyer ever writes.
    private var buffer: UnsafeMutableRawBufferPointer
    /// The document text a write sends.
    private let text: UnsafeMutableRawBufferPointer
    package private(set) var version = 0
    package var installTag = 0
    package var tracksVersions: Bool { true }
    /// Under a controlled schedule: the truncate, the write after it and the rename wait for a grant.
    package var gate: Gate?

    /// `tag` makes the temporary file of an atomic write unique to one buyer.
    package convenience init(path: String, mode: WriteMode, tag: Int) {
        self.init(file: CPath(path), mode: mode, tag: tag)
    }

    package init(file: CPath, mode: WriteMode, tag: Int) {
        self.mode = mode
        self.file = file
        self.tempPath = mode == .atomic ? tr_tagged_path_buffer(file.pointer, ".tmp.") : nil
        self.buffer = .allocate(byteCount: 4096, alignment: 8)
        self.text = .allocate(byteCount: CountDocument.maxLength, alignment: 8)
        retag(tag)
    }

    /// Names the temporary file of an atomic write after `tag` (a buyer). Formatted in C
    /// into the buffer made in init: a buyer using a store made before the fork calls this,
    /// and Swift string interpolation alone faulted in a dozen pages of code in every buyer.
    package func retag(_ tag: Int) {
        if let tempPath { tr_tag_path(tempPath, file.pointer, ".tmp.", tag) }
    }

    deinit {
        if let tempPath { free(tempPath) }
        buffer.deallocate()
        text.deallocate()
    }

    /// Writes the first document, before any buyer exists.
    package static func create(path: String, count: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, code: errno) }
        defer { close(fd) }
        var text = CountDocument.text(count: count)
        let code = text.withUTF8 { DocumentFile.writeAll(fd, UnsafeRawBufferPointer($0)) }
        if code != 0 { throw SystemError(call: "write", path: path, code: code) }
    }

    package func read() -> StoreRead {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failed(errno: errno) }
        defer { close(fd) }
        var total = 0
        while true {
            if total == buffer.count { grow() }
            let n = Glibc.read(fd, buffer.baseAddress! + total, buffer.count - total)
            if n < 0 {
                if errno == EINTR { continue }
                return .failed(errno: errno)
            }
            if n == 0 { break }
            total += n
        }
        if let doc = CountDocument.parseVersioned(raw: UnsafeRawBufferPointer(start: buffer.baseAddress, count: total)) {
            version = doc.version
            return .count(doc.count)
        }
        return .torn(bytes: total)
    }

    private func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 8)
        bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        buffer = bigger
    }

    package func write(count: Int, version: Int?, pause: () -> Void) -> Int32 {
        let length = CountDocument.format(count: count, version: version ?? (installTag > 0 ? installTag : nil), into: text)
        let bytes = UnsafeRawBufferPointer(start: text.baseAddress, count: length)
        return DocumentFile.write(bytes, path: path, tempPath: tempPath, mode: mode, gate: gate, pause: pause)
    }
}
