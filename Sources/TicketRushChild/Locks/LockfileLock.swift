#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines

/// The shell-script classic: create the lock file with O_CREAT|O_EXCL, retry with
/// backoff while it exists, remove it to unlock. A holder that dies leaves the file
/// behind and everyone else retries until the runner's timeout.
package final class LockfileLock: BuyerLock {
    /// Converted in the runner before the fork: acquire and release allocate nothing.
    private let file: CPath
    private var path: UnsafeMutablePointer<CChar> { file.pointer }
    private let buyer: Int
    /// "PID\n", the lock file's content, formatted in `open` (after fork, before the barrier).
    private var pidText = (UInt64(0), UInt64(0), UInt64(0))
    private var pidLength = 0

    /// Backoff bounds: doubling from the first to the cap, with per-buyer jitter. The cap
    /// keeps a thousand pollers from starving the holder of CPU (at 1 ms they did, on 2 cores).
    package static let firstBackoffNs: Int64 = 50_000
    package static let maxBackoffNs: Int64 = 20_000_000

    package init(file: CPath, buyer: Int) {
        self.file = file
        self.buyer = buyer
    }

    package func open() -> Int32 {
        formatPid()
        return 0
    }

    /// Prints "PID\n" into `pidText` (allocates: called before the barrier).
    private func formatPid() {
        var text = "\(getpid())\n"
        pidLength = text.withUTF8 { utf8 in
            withUnsafeMutableBytes(of: &pidText) { out in
                let n = min(utf8.count, out.count)
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[0..<n]))
                return n
            }
        }
    }

    package func acquire() -> Int32 {
        var backoff = Self.firstBackoffNs
        var attempt: UInt64 = 0
        if pidLength == 0 { formatPid() }  // a lock never opened (tests)
        while true {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                // The pid inside is what a human would look at to find the holder.
                let length = pidLength
                _ = withUnsafeBytes(of: &pidText) { Glibc.write(fd, $0.baseAddress!, length) }
                close(fd)
                return 0
            }
            if errno != EEXIST && errno != EINTR { return errno }
            attempt += 1
            let jitter = Int64(Seed.mix(UInt64(buyer), attempt) % UInt64(backoff / 2 + 1))
            MonotonicClock.sleep(ns: backoff / 2 + jitter)
            backoff = min(backoff * 2, Self.maxBackoffNs)
        }
    }

    /// One O_CREAT|O_EXCL attempt, no backoff.
    package func tryAcquire() -> Int32 {
        while true {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                close(fd)
                return 0
            }
            if errno == EEXIST { return EBUSY }
            if errno != EINTR { return errno }
        }
    }

    package func release() -> Int32 {
        unlink(path) == 0 ? 0 : errno
    }
}
