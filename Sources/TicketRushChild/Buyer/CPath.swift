#if canImport(Glibc)
import Glibc
#endif

/// A NUL-terminated copy of a path, made in the runner before the fork. Passing a `String`
/// to open(2) converts it (an allocation, and pages of string code faulted in) in every
/// buyer; a buyer passes `pointer` instead. Never written after init, so fork shares it.
package final class CPath: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<CChar>

    package init(_ path: String) {
        guard let copy = strdup(path) else { fatalError("out of memory copying a path") }
        pointer = copy
    }

    deinit { free(pointer) }
}
