/// A server address as it may be stored or printed: the password of `user:password@` and
/// of a `password=` parameter replaced by `***` (issue 19 item 13: trials.json kept a
/// storage.url's password in plain text). The real address stays in memory, for connecting.
public func redactedURL(_ url: String) -> String {
    var out = url
    // user:password@host → user:***@host; a bare userinfo of redis (redis://secret@host) is a password.
    let chars = Array(url)
    if let schemeEnd = (0..<max(chars.count - 2, 0)).first(where: { chars[$0] == ":" && chars[$0 + 1] == "/" && chars[$0 + 2] == "/" }) {
        let start = schemeEnd + 3
        let end = (start..<chars.count).first { "/?#".contains(chars[$0]) } ?? chars.count
        if let at = (start..<end).last(where: { chars[$0] == "@" }) {
            let userinfo = chars[start..<at]
            var redacted: [Character]
            if let colon = userinfo.firstIndex(of: ":") {
                redacted = Array(chars[start..<colon]) + Array(":***")
            } else if url.hasPrefix("redis") {
                redacted = Array("***")
            } else {
                redacted = Array(userinfo)
            }
            out = String(chars[..<start]) + String(redacted) + String(chars[at...])
        }
    }
    // ?password=…&sslpassword=… (libpq takes both in a URL), and key=value conninfo words.
    var result = ""
    var rest = Substring(out)
    let keys = ["password=", "sslpassword=", "pass="]
    while !rest.isEmpty {
        var matched: String?
        for key in keys where rest.lowercased().hasPrefix(key) {
            let before = result.last
            if before == nil || before == "?" || before == "&" || before == " " || before == ";" { matched = key; break }
        }
        if let key = matched {
            result += rest.prefix(key.count) + "***"
            rest = rest.dropFirst(key.count)
            while let c = rest.first, c != "&", c != " ", c != "#", c != ";" { rest = rest.dropFirst() }
            continue
        }
        result.append(rest.removeFirst())
    }
    return result
}
