#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC time, comparable between the runner and its buyers.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point.
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Sleeps `ns` nanoseconds, resuming after signals (a stalled buyer continues its wait).
    public static func sleep(ns: Int64) {
        guard ns > 0 else { return }
        let deadline = now() + UInt64(ns)
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}
