#if canImport(Glibc)
import Glibc
#endif
import TicketRushReports

/// What `merge` checks before it combines anything (exit 2): shard numbers a hostile or
/// damaged trials.json could carry (a negative or huge N traps or allocates), and a
/// reports folder that is one of the shards it reads (it would overwrite that shard).
public enum MergeInputs {
    /// More shards than this is not a CI matrix.
    public static let maxShards = 10_000

    public static func problem(_ parts: [RunResults], folders: [String]) -> String? {
        for (part, folder) in zip(parts, folders) {
            guard let shard = part.shard else { continue }
            guard shard.n >= 1, shard.n <= maxShards, shard.k >= 1, shard.k <= shard.n else {
                return "\(folder)/trials.json: shard \(shard.k)/\(shard.n) is not K/N with 1 <= K <= N <= \(maxShards)"
            }
        }
        return nil
    }

    /// The shard folder `reports` is, if it is one of `folders` (same device and inode).
    public static func overlap(reports: String, folders: [String]) -> String? {
        var r = stat()
        guard stat(reports, &r) == 0 else { return nil }
        for folder in folders {
            var f = stat()
            if stat(folder, &f) == 0, f.st_dev == r.st_dev, f.st_ino == r.st_ino { return folder }
        }
        return nil
    }
}
