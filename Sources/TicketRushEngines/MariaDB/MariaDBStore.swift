#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// MariaDB through libmariadb: each buyer's own connection, opened after fork.
package final class MariaDBDriver: SQLDriver {
    private let target: EngineTarget
    private let address: MariaDBAddress
    private var conn: UnsafeMutableRawPointer?
    /// The runner's calls: every call on this connection ends by this (nil: a buyer's).
    package var bound: tr_db_bound?
    package static let serverName = "MariaDB"
    package let dialect = SQLDialect.mariadb
    /// A buyer's connection: connecting waits at most this long, each read or write of a
    /// statement at most `ioSeconds` (longer than InnoDB's 50 s lock wait, which ends in
    /// error 1205 first); the trial's teardown ends a buyer sooner.
    static let connectSeconds: Int32 = 10
    static let ioSeconds: Int32 = 120

    package init(_ target: EngineTarget) {
        self.target = target
        address = MariaDBAddress(url: target.location)
    }

    deinit { if let conn { tr_maria_close(conn) } }

    package func connect() -> EngineReply? {
        var r = tr_db_result()
        if var bound {
            conn = address.withWhere { tr_maria_connect_bounded($0, &bound, &r) }
        } else {
            conn = address.withWhere { tr_maria_connect($0, Self.connectSeconds, Self.ioSeconds, &r) }
        }
        return conn == nil ? EngineReply(r, kind: .mariadb) : nil
    }

    package func execute(_ sql: String) -> EngineReply {
        var r = tr_db_result()
        guard let conn else { return EngineReply(status: .failed, code: EngineCode.mariadb(2006), message: "not connected") }
        if var bound { tr_maria_exec_bounded(conn, sql, &bound, &r) } else { tr_maria_exec(conn, sql, &r) }
        return EngineReply(r, kind: .mariadb)
    }

    /// What `query` returned: the reply, every row as text (fields joined by '|', rows ended
    /// by a newline, NULL as "null"; nil when they did not fit), and the error's SQLSTATE.
    package struct Rows {
        package var reply: EngineReply
        package var text: String?
        package var sqlstate: String
    }

    /// One statement with its rows as text, at most `limit` bytes of them.
    package func query(_ sql: String, limit: Int = 65_536) -> Rows {
        var r = tr_db_result()
        guard let conn else { return Rows(reply: EngineReply(status: .failed, code: EngineCode.mariadb(2006), message: "not connected"), text: nil, sqlstate: "08003") }
        var buffer = [CChar](repeating: 0, count: limit + 1)
        let n = tr_maria_query(conn, sql, &r, &buffer, Int32(buffer.count))
        let state = withUnsafeBytes(of: r.sqlstate) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return Rows(reply: EngineReply(r, kind: .mariadb), text: n < 0 ? nil : cMessage(buffer), sqlstate: state)
    }

    /// The server's id of this connection (CONNECTION_ID()), 0 when not connected.
    package var threadID: UInt { conn.map { tr_maria_thread_id($0) } ?? 0 }
}

/// MariaDB's backend (descriptor: `EngineDescriptor.mariadb`): a fresh table per trial.
package enum MariaDBBackend: ServerSQLBackend {
    package typealias Driver = MariaDBDriver

    package static func load(_ library: String?) -> String? { loaded { tr_maria_load(library, $0, $1) } }

    /// Tables are `ticketrush_MACHINE_PID_START_SERIAL` (EngineTrial): each distinct maker of
    /// this machine is read as two integers, and its tables dropped when it is gone.
    package static func sweep(_ target: EngineTarget, machine: String, isGone: (Int32, UInt64) -> Bool) {
        guard machine.allSatisfy({ $0.isHexDigit }) else { return }
        let ours = "table_schema = DATABASE() AND table_name REGEXP '^ticketrush_\(machine)_[0-9]+_[0-9]+_[0-9]+$'"
        let maker = "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(table_name, '_', 3), '_', -1) AS UNSIGNED), "
            + "CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(table_name, '_', 4), '_', -1) AS UNSIGNED)"
        var offset = 0
        while offset < 10_000 {
            // A server that does not answer ends the sweep (the trial's own calls then say so).
            guard let r = try? MariaDBDriver.run(target, [
                "SELECT DISTINCT \(maker) FROM information_schema.tables WHERE \(ours) ORDER BY 1, 2 LIMIT 1 OFFSET \(offset)",
            ]) else { return }
            guard r.status == .ok, let (pid, start) = r.row, let p = Int32(exactly: pid), let s = UInt64(exactly: start) else { return }
            guard isGone(p, s) else { offset += 1; continue }
            // The serial is the name's last integer: the table's name is rebuilt from the three.
            let mine = "\(ours) AND table_name LIKE 'ticketrush\\\\_\(machine)\\\\_\(pid)\\\\_\(start)\\\\_%'"
            var dropped = 0
            while dropped < 10_000 {
                guard let t = try? MariaDBDriver.run(target, [
                    "SELECT CAST(SUBSTRING_INDEX(table_name, '_', -1) AS UNSIGNED), 0 FROM information_schema.tables WHERE \(mine) LIMIT 1",
                ]), t.status == .ok, let serial = t.row?.0,
                      let gone = try? MariaDBDriver.run(target, ["DROP TABLE IF EXISTS ticketrush_\(machine)_\(pid)_\(start)_\(serial)"]),
                      gone.status == .ok else { break }
                dropped += 1
            }
            if dropped == 0 { offset += 1 }  // not ours to drop (another user's): leave it
        }
    }
}
