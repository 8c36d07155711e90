/// One combination of a matrix: the swept key paths and this cell's value of each.
public struct SweepCell: Sendable, Codable, Equatable, Hashable {
    /// One swept key path and this cell's value, as text (`lock.mode`, `flock`).
    public struct Parameter: Sendable, Codable, Equatable, Hashable {
        public var path: String
        public var value: String

        public init(path: String, value: String) {
            self.path = path
            self.value = value
        }
    }

    /// The scenario's own name, without the cell.
    public var baseName: String
    /// In the matrix's key order.
    public var parameters: [Parameter]
    /// 0-based position in the cross product (first key varies slowest).
    public var index: Int

    public init(baseName: String, parameters: [Parameter], index: Int) {
        self.baseName = baseName
        self.parameters = parameters
        self.index = index
    }

    /// `lock.mode=flock,buyers.count=10`.
    public var label: String { parameters.map { "\($0.path)=\($0.value)" }.joined(separator: ",") }

    /// `NAME[lock.mode=flock,buyers.count=10]`: the name everywhere (terminal, JUnit, files).
    public var name: String { "\(baseName)[\(label)]" }

    /// This cell's value of `path`, if swept.
    public func value(of path: String) -> String? { parameters.first { $0.path == path }?.value }
}

/// `trials: {until: {rate_below: 1%, confidence: 95%}, max: N}`.
public struct StopRule: Sendable, Codable, Equatable {
    /// Stop once the upper bound of the violation rate is below this fraction.
    public var rateBelow: Double
    /// Confidence of that bound, as a fraction (0.95).
    public var confidence: Double

    public static let defaultConfidence = 0.95
    /// Most trials under a rule when `trials.max` is not given.
    public static let defaultMaxTrials = 10_000

    public init(rateBelow: Double, confidence: Double = defaultConfidence) {
        self.rateBelow = rateBelow
        self.confidence = confidence
    }

    /// `1%`, `0.5%` or a fraction `0.01`; nil when not a rate strictly between 0 and 1.
    public static func fraction(_ text: String) -> Double? {
        let t = text.trimmingSpaces
        let value: Double?
        if t.hasSuffix("%") { value = Double(String(t.dropLast()).trimmingSpaces).map { $0 / 100 } } else { value = Double(t) }
        guard let value, value.isFinite, value > 0, value < 1 else { return nil }
        return value
    }
}

extension Seed {
    /// The seed of trial `index` of a scenario seeded with `seed`: plain scenarios keep
    /// `Seed.trial`; a sweep cell mixes in its label (`lock.mode=flock,…`), so it keeps its
    /// seeds when other values are added to the matrix.
    public static func trial(_ seed: UInt64, cell: SweepCell?, index: Int) -> UInt64 {
        guard let cell else { return trial(seed, index: index) }
        return trial(mix(seed, fnv1a(cell.label)), index: index)
    }

    /// FNV-1a over UTF-8: a stable hash of text (Swift's `hashValue` changes per process).
    package static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h
    }
}
