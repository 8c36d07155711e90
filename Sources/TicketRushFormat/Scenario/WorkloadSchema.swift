import TicketRushModel

/// The `workload:` key of the format (docs/workloads.md): seats, a per-customer limit, or
/// booking rows, instead of one counter.
package enum WorkloadSchema {
    /// The keys each kind takes; any other is a located error.
    static let keysOf: [Workload.Kind: [String]] = [
        .seats: ["seats", "wants"], .limit: ["sections", "limit", "customers"], .rows: ["capacity"],
    ]

    package static let field = Field("workload", .object([
        Field("kind", .choice(Workload.Kind.allCases.map(\.rawValue)), required: true,
              "seats: each buyer books seats chosen by the seed (no-double-booking); limit: each buyer buys for a customer in a section, at most `limit` per customer over all sections (customer-limit); rows: insert a booking if count(*) < capacity (capacity)"),
        Field("seats", .integer(min: 1, max: Workload.maxKeys), "seats: how many seats (keys 1…N)"),
        Field("wants", .integer(min: 1, max: Workload.maxKeys), "seats: how many seats each buyer books (default 1; at most the seats)"),
        Field("sections", .integer(min: 1, max: Workload.maxKeys), "limit: sections, each (customer, section) count its own row or key"),
        Field("limit", .integer(min: 1, max: 1_000_000), "limit: most tickets one customer may hold over all sections"),
        Field("customers", .integer(min: 1, max: Workload.maxKeys), "limit: customers the buyers buy for (sections × customers keys)"),
        Field("capacity", .integer(min: 1, max: 1_000_000), "rows: most booking rows"),
    ], shorthand: "kind"), "what the buyers buy instead of one counter (docs/workloads.md); with it 'tickets' may be omitted")

    /// The stores with workload statements (docs/workloads.md).
    static let supported = ["json", "sqlite", "postgres", "redis", "mariadb"]

    /// Located errors: keys of another kind, missing keys, too many keys, a store or lock
    /// mode that cannot express the workload, `tickets` missing without one.
    package static func check(_ value: ConfigValue, locations: [String: SourceLocation], path: String) -> [Diagnostic] {
        func at(_ key: String) -> SourceLocation { locations[key] ?? locations["workload"] ?? locations[""] ?? SourceLocation(path: path, line: 1, column: 1) }
        guard let w = value["workload"] else {
            // Written but mistyped, `tickets` has its own error already.
            // A session case has no tickets (SessionsSchema refuses them).
            if value["tickets"] == nil, locations["tickets"] == nil, value["sessions"] == nil {
                return [Diagnostic(at: at(""), "'tickets' is required (it may be omitted only with a 'workload', or in a session case)")]
            }
            return []
        }
        guard let kind = w["kind"]?.text.flatMap(Workload.Kind.init(rawValue:)) else { return [] }
        var out: [Diagnostic] = []
        let mine = keysOf[kind] ?? []
        for other in keysOf.values.flatMap({ $0 }) where !mine.contains(other) && w[other] != nil {
            out.append(Diagnostic(at: at("workload.\(other)"), "'workload.\(other)' applies to another workload kind, not \(kind.rawValue) (it takes \(mine.joined(separator: ", ")))"))
        }
        for key in mine where w[key] == nil && locations["workload.\(key)"] == nil && key != "wants" {
            out.append(Diagnostic(at: at("workload"), "'workload' of kind \(kind.rawValue) needs '\(key)'"))
        }
        if kind == .seats, let seats = w["seats"]?.int, let wants = w["wants"]?.int, wants > seats {
            out.append(Diagnostic(at: at("workload.wants"), "'workload.wants' \(wants) is more than the \(seats) seats"))
        }
        if kind == .limit, let s = w["sections"]?.int, let c = w["customers"]?.int, s * c > Workload.maxKeys {
            out.append(Diagnostic(at: at("workload.customers"), "'workload' needs sections × customers = \(s * c) keys, more than \(Workload.maxKeys) (a key is 16 bits in the events)"))
        }
        let storage = value["storage"]?["kind"]?.text ?? StorageConfig.defaultKind.rawValue
        if !supported.contains(storage) {
            out.append(Diagnostic(at: at("workload"), "'workload' does not run on storage.kind \(storage): use \(supported.joined(separator: ", "))"))
        }
        // Redis' optimistic is WATCH/MULTI/EXEC; elsewhere it checks the counter's version only.
        let mode = value["lock"]?["mode"]?.text ?? ""
        if mode == LockMode.optimistic.rawValue, storage != StorageKind.redis.rawValue {
            out.append(Diagnostic(at: locations["lock.mode"] ?? at("workload"), "'lock.mode' optimistic has no version check for a workload on storage.kind \(storage) (it has on redis: WATCH/MULTI/EXEC): use a lock, row-lock, atomic or transaction"))
        }
        if value["buyers"]?["command"] != nil || value["program"]?["command"] != nil {
            out.append(Diagnostic(at: at("workload"), "'workload' is for the built-in buyers; a program buys on its own store"))
        }
        return out
    }

    /// `value` with what a workload fills in written out as the model has it (`tickets`,
    /// the invariants, a seats buyer's `wants`), so `show` prints what runs and loads back.
    package static func filled(_ value: ConfigValue, _ scenario: Scenario) -> ConfigValue {
        guard scenario.workload != nil, case .object(var fields) = value else { return value }
        fields["tickets"] = .int(scenario.tickets)
        fields["invariants"] = .list(scenario.invariants.map { .text($0.rawValue) })
        if case .object(var buyers)? = fields["buyers"] {
            buyers["wants"] = .int(scenario.buyers.wants)
            fields["buyers"] = .object(buyers)
        }
        return .object(fields)
    }

    /// The workload kind the tree names, nil without one.
    static func kind(_ value: ConfigValue) -> Workload.Kind? {
        value["workload"]?["kind"]?.text.flatMap(Workload.Kind.init(rawValue:))
    }

    /// The invariants judged by default with a workload of `kind`, by name.
    static func defaultInvariants(_ kind: Workload.Kind) -> Set<String> {
        let sample: Workload
        switch kind {
        case .seats: sample = .seats(seats: 1, wants: 1)
        case .limit: sample = .limit(sections: 1, limit: 1, customers: 1)
        case .rows: sample = .rows(capacity: 1)
        }
        return Set(Scenario.defaultInvariants(for: sample).map(\.rawValue))
    }

    /// The workload the checked tree describes, nil without one.
    package static func build(_ d: ConfigDecoder) throws(Diagnostic) -> Workload? {
        guard d.has("workload") else { return nil }
        switch try d.required("workload.kind", as: String.self) {
        case "seats": return .seats(seats: try d.required("workload.seats"), wants: try d.optional("workload.wants") ?? 1)
        case "limit": return .limit(sections: try d.required("workload.sections"), limit: try d.required("workload.limit"),
                                    customers: try d.required("workload.customers"))
        case "rows": return .rows(capacity: try d.required("workload.capacity"))
        case let other: throw d.error("workload.kind", "'workload.kind' \(other) is not a workload kind")
        }
    }
}
