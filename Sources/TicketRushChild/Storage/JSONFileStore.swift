#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// The ticket document as a JSON file, read whole and written in place or atomically.
package final class JSONFileStore: TicketStore {
    private let path: String
    private let mode: WriteMode
    private let tempPath: String
    private var buffer = [UInt8](repeating: 0, count: 4096)
    package private(set) var version = 0
    /// Under a controlled schedule: the truncate, the write after it and the rename wait for a grant.
    package var gate: Gate?

    /// `tag` makes the temporary file of an atomic write unique to one buyer.
    package init(path: String, mode: WriteMode, tag: Int) {
        self.path = path
        self.mode = mode
        self.tempPath = "\(path).tmp.\(tag)"
    }

    /// Writes the first document, before any buyer exists.
    package static func create(path: String, count: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, code: errno) }
        defer { close(fd) }
        let code = writeAll(fd, CountDocument.text(count: count))
        if code != 0 { throw SystemError(call: "write", path: path, code: code) }
    }

    package func read() -> StoreRead {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failed(errno: errno) }
        defer { close(fd) }
        var total = 0
        while true {
            if total == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let n = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + total, raw.count - total)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failed(errno: errno)
            }
            if n == 0 { break }
            total += n
        }
        if let doc = CountDocument.parseVersioned(buffer[0..<total]) {
            version = doc.version
            return .count(doc.count)
        }
        return .torn(bytes: total)
    }

    package func write(count: Int, version: Int?, pause: () -> Void) -> Int32 {
        let text = CountDocument.text(count: count, version: version)
        switch mode {
        case .inPlace:
            // open("w"): the file is empty from here until the write lands.
            gate?.pass(.truncate)
            let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            pause()
            gate?.pass(.write)
            return Self.writeAll(fd, text)
        case .atomic:
            let fd = open(tempPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return errno }
            var code = Self.writeAll(fd, text)
            if code == 0, fsync(fd) != 0 { code = errno }
            close(fd)
            if code == 0 { gate?.pass(.publish) }
            if code == 0, rename(tempPath, path) != 0 { code = errno }
            if code != 0 { unlink(tempPath) }
            return code
        }
    }

    private static func writeAll(_ fd: Int32, _ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { utf8 in
            var offset = 0
            while offset < utf8.count {
                let n = Glibc.write(fd, utf8.baseAddress! + offset, utf8.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return 0
        }
    }
}
