import TicketRushModel

extension StorageKind {
    public static let redis = StorageKind(rawValue: "redis")
}

extension EngineDescriptor {
    /// Redis: a fresh key per trial on a private (or given) server; the store is
    /// `RedisBackend` (RedisStore.swift), the server `RedisServer` (RedisServer.swift).
    public static let redis = EngineDescriptor(
        name: StorageKind.redis.rawValue,
        summary: "a Redis key, over hiredis loaded at run time (a private server unless url is given)",
        modes: [
            .none: "GET key, then SET key :new",
            .optimistic: "UNWATCH; WATCH key; GET key … MULTI; SET; EXEC; a nil EXEC → retry (conflict)",
            .transaction: "GET outside; MULTI; SET key :new; EXEC (the read stays outside: still races)",
            .atomic: "EVAL of a Lua script: GET, and DECR if > 0, else -1 (sold out)",
            .advisory: "SET key:lock TOKEN NX PX <lock.ttl> (polled every 1 ms); GET; SET; release: compare-and-delete script",
        ],
        client: ClientLibrary(name: "hiredis",
                              sonames: ["libhiredis.so.1.1.0", "libhiredis.so.1.0.0", "libhiredis.so.0.14", "libhiredis.so.0.13", "libhiredis.so"],
                              environment: "TICKETRUSH_HIREDIS", package: "libhiredis-dev"),
        server: ServerSpec(package: "redis-server", binaries: ["redis-server"], urlSchemes: ["redis://", "unix://"], urlNeedsHost: true, defaultPort: 6379),
        keys: ["url"],
        lockKeys: ["ttl": [.advisory]],
        errorCodes: .flag)
}
