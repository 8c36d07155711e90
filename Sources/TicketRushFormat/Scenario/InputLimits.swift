#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TicketRushModel

/// Bounds on what the loader takes in, so a hostile file ends quickly with a located
/// error rather than running for ever or exhausting memory (docs/scenarios.md, "Limits").
package enum InputLimits {
    /// The largest scenario file (or standard input) read: 16 MiB.
    package static let maxBytes = 16 * 1024 * 1024
    /// The most YAML documents (`---`) in one file.
    package static let maxDocuments = 10_000
    /// The most nodes one document may expand to once aliases and merge keys are followed.
    package static let maxNodes = 1_000_000
    /// The deepest one document may nest once aliases are followed (libyaml stops at 1000 as written).
    package static let maxDepth = 1_000
    /// Text the composer may re-parse in all while it masks repeated keys, so reporting every
    /// duplicate key stays linear in the file's size.
    package static let reparseBytes = 32 * 1024 * 1024

    /// Why a file could not be read, in words for a diagnostic.
    package struct Unreadable: Error {
        package var why: String
        init(_ why: String) { self.why = why }
    }

    /// The bytes of the file at `path` (at most `maxBytes`), or why not, in words.
    package static func read(path: String) -> Result<Data, Unreadable> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            return .failure(Unreadable(e == ENOENT ? "no such file" : "cannot be read: \(String(cString: strerror(e)))"))
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return .failure(Unreadable("is a folder, not a scenario file")) }
        return read(fd: fd)
    }

    /// At most `maxBytes` from `fd` (standard input: `validate -`), or why not.
    package static func read(fd: Int32) -> Result<Data, Unreadable> {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Unreadable("cannot be read: \(String(cString: strerror(errno)))"))
            }
            if n == 0 { return .success(data) }
            data.append(contentsOf: buffer[..<n])
            if data.count > maxBytes { return .failure(Unreadable("is larger than \(maxBytes / 1024 / 1024) MiB, the most a scenario file may hold")) }
        }
    }

    /// Where a document expands past `maxNodes` or nests past `maxDepth` once its aliases
    /// and merge keys are followed, and why; nil within bounds. Walks at most `maxNodes`
    /// nodes, without recursion, however the document is built.
    package static func expansionProblem(_ document: Node) -> (Node, String)? {
        var stack: [(Node, Int)] = [(document, 0)]
        var count = 0
        while let (node, depth) = stack.popLast() {
            count += 1
            if count > maxNodes {
                return (document, "the document expands to more than \(maxNodes) values once its aliases and merge keys are followed (an alias bomb?)")
            }
            if depth > maxDepth {
                return (node, "the document nests deeper than \(maxDepth) levels once its aliases are followed")
            }
            switch node {
            case .mapping(let m):
                for (k, v) in m { stack.append((k, depth + 1)); stack.append((v, depth + 1)) }
            case .sequence(let s):
                for v in s { stack.append((v, depth + 1)) }
            default:
                break
            }
        }
        return nil
    }
}
