#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard error that never crash: a terminal that is closed, full or gone
/// (EBADF, ENOSPC, EPIPE, …) means "stop printing", and the run goes on to write its
/// reports. (FileHandle.write traps on such errors.) SIGPIPE is ignored at start-up
/// (`tr_prepare_standard_streams`), so stdout's `print` sees EPIPE instead of dying.
enum Terminal {
    nonisolated(unsafe) private static var errorsSilenced = false

    /// Writes `text` to fd 2 as is; after the first failure, writes nothing more.
    static func writeError(_ text: String) {
        guard !errorsSilenced else { return }
        var text = text
        text.withUTF8 { utf8 in
            var offset = 0
            while offset < utf8.count {
                let n = write(2, utf8.baseAddress! + offset, utf8.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    errorsSilenced = true
                    return
                }
                offset += n
            }
        }
    }
}
