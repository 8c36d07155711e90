#if canImport(Glibc)
import Glibc
#endif

/// The start barrier: one pipe every buyer waits on. The runner opens it with a byte and
/// then EOF, so every buyer starts at once; a barrier that opens with EOF alone opened
/// because the runner died (a dying process closes its files before its children are
/// reparented and their death signal fires, so getppid() alone cannot tell).
public enum Barrier {
    /// The runner's side: the byte, then the write end closed. False when the byte could not
    /// be written (no buyer left to read it).
    @discardableResult
    public static func open(_ writeFd: Int32) -> Bool {
        var go = UInt8(ascii: "g")
        let wrote = (try? Sys.write(writeFd, &go, 1)) ?? nil
        Sys.close(writeFd)
        return wrote == 1
    }

    /// A buyer's side: waits (poll, so every waiter wakes at once) and says whether the
    /// runner's byte is there. The byte is never consumed: every buyer sees it.
    public static func wait(_ readFd: Int32) -> Bool {
        while true {
            guard let ready = try? Sys.poll(readFd, timeoutMs: -1) else { return false }
            if ready { break }
        }
        return (Sys.bytesWaiting(readFd) ?? 0) > 0
    }
}
