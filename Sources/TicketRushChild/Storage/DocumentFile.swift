#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// Writing a JSON document the way `storage.write` says, shared by the counter's file and a
/// workload's: in place (truncate, then write: readers can see it empty) or atomically (a
/// temporary file, fsync, rename). Under a controlled schedule each visible step waits at `gate`.
/// Allocates nothing: it runs in the buyer after the barrier.
enum DocumentFile {
    /// Writes `bytes` to `path`; `pause` runs between truncating and writing (in place). 0 or an errno.
    static func write(_ bytes: UnsafeRawBufferPointer, path: UnsafeMutablePointer<CChar>, tempPath: UnsafeMutablePointer<CChar>?,
                      mode: WriteMode, gate: Gate?, pause: () -> Void) -> Int32 {
        switch mode {
        case .inPlace:
            // open("w"): the file is empty from here until the write lands.
            gate?.pass(.truncate)
            let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { return errno }
            defer { close(fd) }
            pause()
            gate?.pass(.write)
            return writeAll(fd, bytes)
        case .atomic:
            guard let tempPath else { return ENOMEM }
            let fd = open(tempPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return errno }
            var code = writeAll(fd, bytes)
            if code == 0, fsync(fd) != 0 { code = errno }
            close(fd)
            if code == 0 { gate?.pass(.publish) }
            if code == 0, rename(tempPath, path) != 0 { code = errno }
            if code != 0 { unlink(tempPath) }
            return code
        }
    }

    /// All of `bytes`, through short writes and EINTR; 0 or an errno.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }
}
