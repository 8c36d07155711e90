import TicketRushModel

extension EngineDescriptor {
    /// The tutorial's database: a JSON document in the trial folder, no client, no server;
    /// the file-lock modes only.
    public static let json = EngineDescriptor(
        name: StorageKind.json.rawValue,
        summary: "a JSON document {\"count\": N} in a file (the tutorial's database)")
}
