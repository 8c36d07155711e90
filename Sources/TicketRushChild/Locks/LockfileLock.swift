#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// The shell-script classic: create the lock file with O_CREAT|O_EXCL, retry with
/// backoff while it exists, remove it to unlock. A holder that dies leaves the file
/// behind and everyone else retries until the runner's timeout.
package final class LockfileLock: BuyerLock {
    private let path: String
    private let buyer: Int

    /// Backoff bounds: doubling from the first to the cap, with per-buyer jitter. The cap
    /// keeps a thousand pollers from starving the holder of CPU (at 1 ms they did, on 2 cores).
    package static let firstBackoffNs: Int64 = 50_000
    package static let maxBackoffNs: Int64 = 20_000_000

    package init(path: String, buyer: Int) {
        self.path = path
        self.buyer = buyer
    }

    package func open() -> Int32 { 0 }

    package func acquire() -> Int32 {
        var backoff = Self.firstBackoffNs
        var attempt: UInt64 = 0
        while true {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                // The pid inside is what a human would look at to find the holder.
                var text = "\(getpid())\n"
                _ = text.withUTF8 { Glibc.write(fd, $0.baseAddress!, $0.count) }
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
