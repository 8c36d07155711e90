/// Deterministic seeds: the same scenario seed gives the same trial seeds and delays.
public enum Seed {
    /// SplitMix64's finaliser over `a` and `b`: a cheap, well-mixed, stateless hash.
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ (b &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of trial `index` (0-based) of a scenario seeded with `seed`.
    public static func trial(_ seed: UInt64, index: Int) -> UInt64 {
        mix(seed, UInt64(index))
    }

    /// A fresh random seed, for scenarios that do not fix one. Kept below 2^53 so it
    /// survives tools that read JSON numbers as doubles.
    public static func random() -> UInt64 {
        UInt64.random(in: 0..<(1 << 53))
    }
}

extension Delay {
    /// This delay's value in nanoseconds for one buyer's task, after `scale`.
    /// `slot` tells apart the delays of one task (search, write, ...).
    package func draw(seed: UInt64, buyer: Int, task: Int, slot: UInt64, scale: Double) -> Int64 {
        let raw: Int64
        switch self {
        case .fixed(let ns):
            raw = ns
        case .uniform(let low, let high):
            let h = Seed.mix(Seed.mix(Seed.mix(seed, UInt64(buyer)), UInt64(task)), slot)
            let span = UInt64(high - low) + 1
            raw = low + Int64(h % span)
        }
        return raw == 0 ? 0 : Int64((Double(raw) * scale).rounded())
    }
}
