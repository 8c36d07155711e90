import TicketRushModel
import TicketRushChecks
/// A scenario (cell) as a run's reports need it, Codable so shards carry it to `merge`
/// without re-reading scenario files.
public struct ScenarioRecord: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var tickets: Int
    public var buyers: Int
    public var buyerName: String
    public var wants: Int
    /// search, write, truncate, start: [low, high] nanoseconds (equal when fixed).
    public var delays: [[Int64]]
    public var timeScale: Double
    public var storageKind: String
    public var storagePath: String
    public var storageWrite: String
    public var lockMode: String
    public var lockScope: String
    /// Trials asked for (the maximum with a stopping rule).
    public var trials: Int
    /// The scenario seed every trial seed of this run derives from.
    public var seed: UInt64
    public var timeoutNs: Int64
    public var invariants: [String]
    public var expect: [String: String]
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var baseName: String?
    public var cellIndex: Int?
    public var parameters: [[String]]?
    public var rateBelow: Double?
    public var confidence: Double?
    /// Optional so records written before these keys existed still decode.
    public var lockRetries: Int?
    public var faults: [Fault]?

    public init(_ s: Scenario, seed: UInt64, trials: Int) {
        name = s.name
        description = s.description
        tickets = s.tickets
        buyers = s.buyers.count
        buyerName = s.buyers.nameTemplate
        wants = s.buyers.wants
        delays = [s.delays.search, s.delays.write, s.delays.truncate, s.delays.start].map {
            switch $0 {
            case .fixed(let ns): return [ns, ns]
            case .uniform(let a, let b): return [a, b]
            }
        }
        timeScale = s.timeScale
        storageKind = s.storage.kind.rawValue
        storagePath = s.storage.path
        storageWrite = s.storage.write.rawValue
        lockMode = s.lock.mode.rawValue
        lockScope = s.lock.scope.rawValue
        self.trials = trials
        self.seed = seed
        timeoutNs = s.timeoutNs
        invariants = s.invariants.map(\.rawValue)
        expect = Dictionary(uniqueKeysWithValues: s.expect.map { ($0.key.rawValue, $0.value.rawValue) })
        file = s.origin?.path
        line = s.origin?.line
        column = s.origin?.column
        baseName = s.cell?.baseName
        cellIndex = s.cell?.index
        parameters = s.cell?.parameters.map { [$0.path, $0.value] }
        rateBelow = s.stopRule?.rateBelow
        confidence = s.stopRule?.confidence
        lockRetries = s.lock.retries
        faults = s.faults.isEmpty ? nil : s.faults
    }

    /// The scenario back, as reports read it; nil when a value is unknown to this build.
    public var scenario: Scenario? {
        guard let kind = StorageKind(rawValue: storageKind), let write = WriteMode(rawValue: storageWrite),
              let mode = LockMode(rawValue: lockMode), let scope = LockScope(rawValue: lockScope), delays.count == 4 else { return nil }
        let d = delays.map { $0[0] == $0[1] ? Delay.fixed($0[0]) : Delay.uniform($0[0], $0[1]) }
        var expectations: [Invariant: Expectation] = [:]
        for (k, v) in expect {
            guard let i = Invariant(rawValue: k), let e = Expectation(rawValue: v) else { return nil }
            expectations[i] = e
        }
        var s = Scenario(
            name: name, description: description, tickets: tickets,
            buyers: BuyerGroup(count: buyers, nameTemplate: buyerName, wants: wants),
            delays: Delays(search: d[0], write: d[1], truncate: d[2], start: d[3]), timeScale: timeScale,
            storage: StorageConfig(kind: kind, path: storagePath, write: write),
            lock: LockConfig(mode: mode, scope: scope, retries: lockRetries ?? 100),
            trials: trials, seed: seed, timeoutNs: timeoutNs, invariants: invariants.compactMap(Invariant.init(rawValue:)),
            expect: expectations, faults: faults ?? [], origin: file.map { SourceLocation(path: $0, line: line ?? 1, column: column ?? 1) })
        if let baseName, let cellIndex, let parameters {
            s.cell = SweepCell(baseName: baseName, parameters: parameters.map { SweepCell.Parameter(path: $0[0], value: $0[1]) }, index: cellIndex)
        }
        if let rateBelow, let confidence { s.stopRule = StopRule(rateBelow: rateBelow, confidence: confidence) }
        return s
    }
}
