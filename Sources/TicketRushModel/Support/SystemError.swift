#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the path it was about when there is one.
package struct SystemError: Error, CustomStringConvertible, Sendable {
    package var call: String
    package var path: String?
    package var code: Int32

    package init(call: String, path: String? = nil, code: Int32) {
        self.call = call
        self.path = path
        self.code = code
    }

    package var description: String {
        let reason = String(cString: strerror(code))
        if let path { return "\(call) \(path): \(reason)" }
        return "\(call): \(reason)"
    }
}
