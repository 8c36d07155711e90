import CTicketRushEngines
import TicketRushModel

/// A MariaDB server's address as `storage.url` and the private server's endpoint spell it:
/// `mariadb://USER[:PASSWORD]@HOST[:PORT]/DB[?socket=/path&password=…]` (`mysql://` too).
/// A `socket` wins over host and port (the client then talks over the Unix socket).
package struct MariaDBAddress: Sendable, Equatable {
    package var user = ""
    package var password: String?
    package var host = "localhost"
    package var port = 3306
    package var socket = ""
    package var database = ""

    package init(user: String, socket: String, database: String) {
        self.user = user
        self.socket = socket
        self.database = database
    }

    /// Parses `url` (its scheme checked by the format); unknown query keys are ignored.
    package init(url: String) {
        var rest = Substring(url)
        if let r = rest.firstRange(of: "://") { rest = rest[r.upperBound...] }
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") { query = rest[rest.index(after: q)...]; rest = rest[..<q] }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            database = Self.decode(rest[rest.index(after: slash)...])
        }
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                user = Self.decode(userinfo[..<colon])
                password = Self.decode(userinfo[userinfo.index(after: colon)...])
            } else {
                user = Self.decode(userinfo)
            }
        }
        if let colon = authority.lastIndex(of: ":"), let p = Int(authority[authority.index(after: colon)...]) {
            port = p
            authority = authority[..<colon]
        }
        if !authority.isEmpty { host = Self.decode(authority) }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2 else { continue }
            switch kv[0] {
            case "socket": socket = Self.decode(kv[1])
            case "password": password = Self.decode(kv[1])
            default: break
            }
        }
    }

    /// The URL form (the private server's endpoint location).
    package var url: String {
        "mariadb://\(user)@\(host)/\(database)" + (socket.isEmpty ? "" : "?socket=\(socket)")
    }

    /// `body` with this address as the C client takes it (valid only inside `body`).
    package func withWhere<R>(_ body: (UnsafePointer<tr_maria_where>) -> R) -> R {
        host.withCString { h in user.withCString { u in socket.withCString { s in database.withCString { d in
            func call(_ p: UnsafePointer<CChar>?) -> R {
                var w = tr_maria_where(host: h, port: Int32(port), socket: s, user: u, password: p, db: database.isEmpty ? nil : d)
                return withUnsafePointer(to: &w) { body($0) }
            }
            return password.map { $0.withCString { call($0) } } ?? call(nil)
        } } } }
    }

    /// %XX decoded (a socket path or password may hold reserved characters).
    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var i = text.utf8.startIndex
        let u = text.utf8
        while i < u.endIndex {
            if u[i] == UInt8(ascii: "%"), let a = u.index(i, offsetBy: 2, limitedBy: u.endIndex), a < u.endIndex,
               let v = UInt8(String(decoding: u[u.index(after: i)...a], as: UTF8.self), radix: 16) {
                bytes.append(v)
                i = u.index(after: a)
            } else {
                bytes.append(u[i])
                i = u.index(after: i)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
