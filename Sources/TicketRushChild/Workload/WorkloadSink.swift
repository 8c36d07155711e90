#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// A workload buyer's events: `EventSink`'s 32-byte records, with the key the
/// transactional events carry (docs/events.md). Its record is made before the barrier.
package struct WorkloadSink {
    package let fd: Int32
    package let buyer: Int
    package var trigger: FaultTrigger?
    private let record: UnsafeMutableRawPointer

    package init(fd: Int32, buyer: Int, trigger: FaultTrigger?) {
        self.fd = fd
        self.buyer = buyer
        self.trigger = trigger
        record = .allocate(byteCount: EventWire.size, alignment: 8)
    }

    /// Sends one event stamped now. A runner that stopped listening ends the buyer.
    package func emit(_ kind: EventKind, task: Int, value: Int64 = 0, aux: Int32 = 0, key: Int = 0) {
        let event = Event(tNs: MonotonicClock.now(), buyer: buyer, task: task, kind: kind, value: value, aux: aux,
                          key: UInt16(truncatingIfNeeded: key))
        EventWire.encode(event, into: record)
        while true {
            let n = write(fd, record, EventWire.size)
            if n == EventWire.size { break }
            if n < 0, errno == EINTR { continue }
            _exit(3)
        }
        if let trigger { trigger.reached(kind) }
    }
}
