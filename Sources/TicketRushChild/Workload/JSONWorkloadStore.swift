#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushEngines

/// The workload on the JSON document: a task reads the whole file once (its first read)
/// and writes it whole; the buyer's lock, not the file, is the concurrency control.
package final class JSONWorkloadStore: WorkloadStore {
    package let document: WorkloadDocument
    private var loaded = false
    private var gate: Gate? { document.gate }

    package init(document: WorkloadDocument) { self.document = document }

    package func begin() -> WorkloadStatus {
        loaded = false
        return .ok
    }

    /// One read of the file per task: later reads of the task see the same document.
    private func load() -> WorkloadStatus {
        if loaded { return .ok }
        gate?.pass(.read)
        switch document.read() {
        case .count:
            loaded = true
            return .ok
        case .torn(let bytes): return .torn(bytes: bytes)
        case .failed(let code): return .failed(code: Int64(code))
        }
    }

    package func read(key: Int) -> (WorkloadStatus, value: Int, tag: Int) {
        let status = load()
        guard status == .ok else { return (status, 0, 0) }
        let (value, tag) = document.value(key: key)
        return (.ok, value, tag)
    }

    package func countRows() -> (WorkloadStatus, count: Int) {
        let status = load()
        return (status, status == .ok ? document.rowCount : 0)
    }

    package func rowTag(_ index: Int) -> (WorkloadStatus, tag: Int) {
        index < document.rowCount ? (.ok, document.row(index).tag) : (.failed(code: Int64(ERANGE)), 0)
    }

    package func write(key: Int, value: Int, tag: Int, pause: () -> Void) -> WorkloadStatus {
        document.set(key: key, value: value, tag: tag)
        let code = document.write(pause: pause)
        return code == 0 ? .ok : .failed(code: Int64(code))
    }

    package func insert(holder: Int, tag: Int, pause: () -> Void) -> WorkloadStatus {
        guard document.append(holder: holder, tag: tag) else { return .failed(code: Int64(ENOSPC)) }
        let code = document.write(pause: pause)
        return code == 0 ? .ok : .failed(code: Int64(code))
    }

    package func commit() -> WorkloadStatus {
        loaded = false
        return .ok
    }

    package func rollback() { loaded = false }

    /// No single statement on a file: the loader refuses `atomic` on json.
    package func conditional(_ purchase: ConditionalPurchase, tag: Int) -> (WorkloadStatus, applied: Bool) {
        (.failed(code: Int64(ENOTSUP)), false)
    }
}
