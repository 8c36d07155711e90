import TicketRushModel

/// Checks across keys that no single key's range can make: a delay or stall after
/// `time_scale` that would overflow a clock (or sleep for years), and names and paths
/// longer than the folders and files a trial creates may be (NAME_MAX, PATH_MAX).
/// Located errors, so `validate` and `run` stop with exit 2 before anything starts.
package enum ScenarioBounds {
    /// The longest wait after `time_scale`: one day. Longer is a typo, and past ~292 years
    /// it overflows the 64-bit nanosecond clocks the runner and buyers use.
    package static let maxScaledNs: Double = 86_400e9
    /// The longest suffix a trial adds to the storage file's name (`.tmp.<buyer>`, `.mutex`, `.lock`).
    package static let storageSuffix = 16
    /// Room left in PATH_MAX for the work folder's own path.
    package static let workRoom = 1024

    package static func problems(_ document: LoadedDocument) -> [Diagnostic] {
        let s = document.scenario
        var found: [Diagnostic] = []
        func scaledText(_ ns: Double) -> String { ns >= 1e15 ? "\(ns / 1e9) s" : DurationText.format(Int64(ns.rounded())) }
        let delays = [("search", s.delays.search), ("write", s.delays.write), ("truncate", s.delays.truncate), ("start", s.delays.start)]
        for (key, delay) in delays {
            let scaled = Double(delay.maxNs) * s.timeScale
            if !(scaled <= maxScaledNs) {
                found.append(Diagnostic(at: document.location(of: document.writes("delays.\(key)") ? "delays.\(key)" : "time_scale"),
                    "delays.\(key) is \(scaledText(scaled)) after time_scale \(s.timeScale): longer than one day, the most a delay may be; lower it or time_scale"))
            }
        }
        for (i, fault) in s.faults.enumerated() {
            if case .stall(let ns) = fault.action, !(Double(ns) * s.timeScale <= maxScaledNs) {
                found.append(Diagnostic(at: document.location(of: "faults"),
                    "faults[\(i)] stalls for \(scaledText(Double(ns) * s.timeScale)) after time_scale \(s.timeScale): longer than one day, the most a stall may be; lower it or time_scale"))
            }
        }
        let folder = slug(s.name)
        if folder.utf8.count > fileNameMax {
            found.append(Diagnostic(at: document.location(of: "name"),
                "name makes a trial folder name of \(folder.utf8.count) bytes; at most \(fileNameMax) (NAME_MAX): shorten it"))
        }
        for part in s.storage.path.split(separator: "/") where part.utf8.count + storageSuffix > fileNameMax {
            found.append(Diagnostic(at: document.location(of: "storage.path"),
                "storage.path has a part of \(part.utf8.count) bytes; with the files made beside it that exceeds \(fileNameMax) (NAME_MAX): at most \(fileNameMax - storageSuffix)"))
            break
        }
        let relative = "\(folder)/trial-\(s.trials)/\(s.storage.path)".utf8.count + storageSuffix
        if relative > pathMax - workRoom {
            found.append(Diagnostic(at: document.location(of: "storage.path"),
                "a trial's files would need paths of \(relative) bytes inside the work folder; at most \(pathMax - workRoom) (PATH_MAX less room for the work folder): shorten the name or storage.path"))
        }
        return found
    }
}
