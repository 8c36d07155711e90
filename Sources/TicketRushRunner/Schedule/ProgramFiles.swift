#if canImport(Glibc)
import Glibc
#endif
import TicketRushModel
import TicketRushSchedule

/// The files a program buyer's command names, whose contents a schedule string's
/// fingerprint covers (docs/schedules.md, "Replay"): a replay after the program was edited
/// warns instead of passing silently. The command is filled in as for buyer 1 (`{dir}`,
/// `{name}`, `{n}`, `{wants}`); a word with a trial's value in it (`{storage}`, `{url}`,
/// `{table}`, `{seed}`) or the code of `sh -c`/`python3 -c` names no program file. Counted:
/// every other word that is an existing regular file by absolute path, and the first word
/// when it is a file in the scenario's folder (or below), found by path or on PATH — the
/// interpreter (`python3`, `sh`) is not the program.
enum ProgramFiles {
    /// The paths counted, in the command's order.
    static func paths(_ s: Scenario) -> [String] {
        guard let program = s.program else { return [] }
        let trialValues: Set<String> = ["storage", "url", "table", "seed"]
        let values = [("dir", program.dir), ("wants", String(s.buyers.wants)), ("name", s.buyers.name(of: 0)), ("n", "1")]
        let code = CommandCode.codeWord(program.command)?.index
        var out: [String] = []
        for (i, word) in program.command.enumerated() where i != code {
            guard !trialValues.contains(where: { word.contains("{\($0)}") }) else { continue }
            let filled = ProgramConfig.fill(word, values)
            if i == 0 {
                guard let path = filled.contains("/") ? absolute(filled, in: program.dir) : onPath(filled),
                      isRegularFile(path), inside(path, program.dir) else { continue }
                out.append(path)
            } else if filled.hasPrefix("/"), isRegularFile(filled) {
                out.append(filled)
            }
        }
        return out
    }

    /// FNV-1a (64 bits) of each counted file's bytes; a file that cannot be read counts as its errno.
    static func digests(_ s: Scenario) -> [UInt64] {
        paths(s).map(digest)
    }

    /// The fingerprint of `s` as the runner writes and checks it: its shape and its program's files.
    static func fingerprint(_ s: Scenario) -> UInt32 {
        ScheduleString.fingerprint(s, programFiles: digests(s))
    }

    static func digest(_ path: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return UInt64(errno) }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            for b in buf[0..<n] {
                h ^= UInt64(b)
                h = h &* 0x100000001b3
            }
        }
        return h
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// `path` with `.`/`..` resolved (realpath), or nil when it does not exist.
    private static func resolved(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    private static func inside(_ path: String, _ dir: String) -> Bool {
        guard let p = resolved(path), let d = resolved(dir) else { return false }
        return p.hasPrefix(d.hasSuffix("/") ? d : d + "/")
    }

    private static func absolute(_ word: String, in dir: String) -> String {
        word.hasPrefix("/") ? word : dir + "/" + word
    }

    private static func onPath(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for d in path.split(separator: ":") where access("\(d)/\(name)", X_OK) == 0 { return "\(d)/\(name)" }
        return nil
    }
}
