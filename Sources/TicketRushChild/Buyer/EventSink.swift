#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel

/// Where a buyer sends its events: one 32-byte write per event to the shared pipe.
package struct EventSink {
    package let fd: Int32
    package let buyer: Int
    /// Stops the buyer after the steps a fault targets; nil for buyers no fault hits.
    package var trigger: FaultTrigger? = nil
    /// The record being sent, allocated once before the barrier (never freed: the buyer `_exit`s).
    private let record: UnsafeMutableRawPointer

    package init(fd: Int32, buyer: Int, trigger: FaultTrigger? = nil, record: UnsafeMutableRawPointer? = nil) {
        self.fd = fd
        self.buyer = buyer
        self.trigger = trigger
        self.record = record ?? .allocate(byteCount: EventWire.size, alignment: 8)
    }

    /// Sends one event stamped now. A runner that stopped listening ends the buyer.
    /// `key`: the workload key or collection of a transactional event (docs/events.md).
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
