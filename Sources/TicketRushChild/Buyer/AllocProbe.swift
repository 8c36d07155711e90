#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// A test hook: with `TICKETRUSH_ALLOC_PROBE=DIR` and a malloc-counting library preloaded
/// (LD_PRELOAD) that exports `tr_alloc_probe_arm` and `tr_alloc_probe_disarm`, each buyer
/// arms the counter right after the start barrier and, just before `_exit`, writes the
/// number of allocator calls it made to `DIR/<pid>`. Resolved in the runner, before fork.
package struct AllocProbe: @unchecked Sendable {
    package typealias Arm = @convention(c) () -> Void
    package typealias Disarm = @convention(c) () -> Int
    package let arm: Arm
    package let disarm: Disarm
    /// NUL-terminated folder path, made before fork.
    package let directory: [CChar]

    /// The probe the environment asks for, or nil (the normal case: no environment variable).
    /// Debug builds only: the shipped binary reads no test hook.
    package static func fromEnvironment() -> AllocProbe? {
        #if DEBUG
        guard let dir = getenv("TICKETRUSH_ALLOC_PROBE"), dir.pointee != 0 else { return nil }
        let all = UnsafeMutableRawPointer(bitPattern: 0)  // RTLD_DEFAULT
        guard let arm = dlsym(all, "tr_alloc_probe_arm"), let disarm = dlsym(all, "tr_alloc_probe_disarm") else {
            return nil
        }
        return AllocProbe(arm: unsafeBitCast(arm, to: Arm.self), disarm: unsafeBitCast(disarm, to: Disarm.self),
                          directory: Array(UnsafeBufferPointer(start: dir, count: strlen(dir) + 1)))
        #else
        return nil
        #endif
    }

    /// Stops counting and writes the count (allocating is fine from here: the buyer exits next,
    /// or, warm, waits for its next schedule). A warm buyer's later schedules: `DIR/<pid>.<n>`.
    package func report(schedule: Int = 0) {
        let count = disarm()
        let path = directory.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } + "/\(getpid())" + (schedule > 0 ? ".\(schedule)" : "")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        var text = "\(count)\n"
        _ = text.withUTF8 { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
    }
}
