#if canImport(Glibc)
import Glibc
#endif
import CTicketRushEngines
import TicketRushModel

/// Whether this process may load the databases' C client libraries, and where the binary
/// that may is. The release `ticketrush` is fully static (the fastest fork); a fully static
/// glibc program must not dlopen (the library would bring a second libc), so a run that
/// needs a client continues in `ticketrush-engines`, the same tool linked against a dynamic
/// glibc, built beside it (README, "Installing the fast binary").
public enum ClientLibraries {
    /// The sibling's file name.
    public static let enginesBinary = "ticketrush-engines"

    /// False in a fully static executable. In a debug build `TICKETRUSH_ENGINES_HOP=always`
    /// makes a dynamic build act the same until it has hopped, so its tests cover the hop.
    public static var loadable: Bool {
        if tr_fully_static() != 0 { return false }
        #if DEBUG
        return !(env("TICKETRUSH_ENGINES_HOP") == "always" && env("TICKETRUSH_HOPPED") == nil)
        #else
        return true
        #endif
    }

    /// True for kinds whose buyers load a client library.
    public static func needed(by kind: StorageKind) -> Bool { kind.descriptor.client != nil }

    /// `ticketrush-engines` beside this executable (symbolic links resolved), when it is there.
    public static var sibling: String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let me = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = me.lastIndex(of: "/") else { return nil }
        let candidate = String(me[...slash]) + enginesBinary
        return candidate != me && access(candidate, X_OK) == 0 ? candidate : nil
    }

    /// Why a `kind` scenario cannot run in this process, when it cannot.
    public static func problem(_ kind: StorageKind) -> String? {
        guard needed(by: kind), !loadable else { return nil }
        if let hopFailure { return "this ticketrush is fully static and cannot load \(library(kind)) (storage.kind \(kind.rawValue)), and \(hopFailure)" }
        return "this ticketrush is fully static and cannot load \(library(kind)) (storage.kind \(kind.rawValue)); \(enginesBinary), built beside it by `swift build -c release`, can: install both (README, \"Installing the fast binary\")"
    }

    static func library(_ kind: StorageKind) -> String { kind.descriptor.client?.name ?? "nothing" }

    /// Replaces this process with `ticketrush-engines` and the same arguments when a scenario
    /// needs a client library this one cannot load. Returns when no hop is needed or possible
    /// (then `problem` says why its scenarios are skipped).
    public static func continueInEnginesIfNeeded(_ kinds: [StorageKind]) {
        // Never twice: a sibling that is fully static too must not exec itself forever.
        guard !loadable, env("TICKETRUSH_HOPPED") == nil, kinds.contains(where: needed(by:)), let sibling else { return }
        setenv("TICKETRUSH_HOPPED", "1", 1)
        fflush(nil)
        execv(sibling, CommandLine.unsafeArgv)
        hopFailure = "\(sibling) could not be started: \(String(cString: strerror(errno)))"
        unsetenv("TICKETRUSH_HOPPED")
    }

    /// Why the hop to `ticketrush-engines` failed, when it was tried and did.
    nonisolated(unsafe) private static var hopFailure: String?

    private static func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}
