#if canImport(Glibc)
import Glibc
#endif
import TicketRushProcess
import TicketRushModel
import TicketRushChild
import TicketRushChecks

/// Reads 32-byte event records from the buyers' shared pipe with poll(), up to a bound.
package struct EventCollector {
    package let fd: Int32
    /// Most events kept; past it `overflowed` is set and the rest are drained unread.
    package let limit: Int
    package private(set) var events: [Event] = []
    package private(set) var finished = false
    package private(set) var overflowed = false
    package private(set) var malformed = 0
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var pending = 0

    package init(fd: Int32, limit: Int) {
        self.fd = fd
        self.limit = limit
        events.reserveCapacity(min(limit, 1 << 20))
    }

    /// Hands over the events collected so far (the collector keeps none), so the history
    /// can be built in this very array without copying it.
    package mutating func takeEvents() -> [Event] {
        var taken: [Event] = []
        swap(&taken, &events)
        return taken
    }

    /// Waits up to `timeoutMs` for data, then reads everything available.
    package mutating func poll(timeoutMs: Int32) {
        guard (try? Sys.poll(fd, timeoutMs: timeoutMs)) == true else { return }
        drain()
    }

    private mutating func drain() {
        while true {
            let got: Int?
            do {
                got = try buffer.withUnsafeMutableBytes { (raw) throws(SyscallError) in
                    try Sys.read(fd, raw.baseAddress! + pending, raw.count - pending)
                }
            } catch {
                got = 0  // a read error ends the pipe like EOF
            }
            guard let n = got else { return }  // nothing more now
            if n == 0 { finished = true; return }
            pending += n
            let whole = pending / EventWire.size * EventWire.size
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset < whole {
                    if events.count >= limit {
                        overflowed = true
                    } else if let e = EventWire.decode(raw.baseAddress! + offset) {
                        events.append(e)
                    } else {
                        malformed += 1
                    }
                    offset += EventWire.size
                }
            }
            if whole < pending {
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + whole, byteCount: pending - whole)
                }
            }
            pending -= whole
        }
    }
}
