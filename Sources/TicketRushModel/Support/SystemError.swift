#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the path it was about when there is one.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var path: String?
    public var code: Int32

    public init(call: String, path: String? = nil, code: Int32) {
        self.call = call
        self.path = path
        self.code = code
    }

    public var description: String {
        let reason = String(cString: strerror(code))
        if let path { return "\(call) \(path): \(reason)" }
        return "\(call): \(reason)"
    }
}
