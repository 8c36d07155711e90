// swift-tools-version: 6.0
import PackageDescription

// Dependencies point one way (docs/architecture.md): Process (system calls) under
// everything that starts a process; Engines (descriptors, stores, servers) on Model and
// Process; Format, Child and Schedule on Engines, Checks on Model;
// Runner on Process, Engines, Child, Checks and Schedule; Reports on Checks; the App (run, merge,
// validate) on all of those; the CLI on the App; both executables on the CLI. Every target declares each package target it
// imports, not only through another (.ci/run checks both: .ci/check-imports and SwiftPM's
// --explicit-target-dependency-import-check error).
// The model and the child never import Foundation; Linux only (fork, /proc, OFD locks).
let package = Package(
    name: "TicketRush",
    products: [
        .executable(name: "ticketrush", targets: ["ticketrush"]),
        // The same tool linked against a dynamic glibc: what a run needing a database client
        // continues in (README, "Installing the fast binary").
        .executable(name: "ticketrush-engines", targets: ["ticketrush-engines"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
    ],
    targets: [
        // POSIX pieces that do not import into Swift (F_OFD_SETLKW, signal flags).
        .target(name: "CTicketRush"),
        // The database clients (docs/storage.md): libsqlite3, libpq and hiredis loaded with dlopen
        // when a scenario needs them, so a plain run's forks copy none of their mappings.
        .target(name: "CTicketRushEngines", linkerSettings: [.linkedLibrary("dl")]),
        // The process layer: one wrapper per system call (EINTR/EAGAIN handled once, errors
        // typed), the teardown sequences, the barrier and the one place that forks.
        .target(name: "TicketRushProcess", dependencies: ["CTicketRush"]),
        // Scenario, events, verdicts: plain Codable values, no Foundation.
        .target(name: "TicketRushModel"),
        // The storage engines, one folder each (descriptor, store, private server) and one
        // registry listing them; the store and lock contracts a buyer calls. No Foundation:
        // a buyer's store runs in the forked child.
        .target(name: "TicketRushEngines", dependencies: ["TicketRushModel", "TicketRushProcess", "CTicketRush", "CTicketRushEngines"]),
        // libyaml, as Yams 6.2.2 vendored it (Sources/CYaml/README.md): the YAML parser
        // and emitter under TicketRushFormat's own Node layer, no Foundation.
        .target(name: "CYaml", cSettings: [.define("YAML_DECLARE_STATIC")]),
        // YAML → model: the schema, the walker, the loader, lint and authoring.
        .target(name: "TicketRushFormat", dependencies: ["TicketRushModel", "TicketRushEngines", "CYaml"],
                cSettings: [.define("YAML_DECLARE_STATIC")]),
        // What runs in a forked buyer: POSIX only, no Foundation, no allocation after the barrier.
        .target(name: "TicketRushChild", dependencies: ["TicketRushModel", "TicketRushProcess", "TicketRushEngines", "CTicketRush"]),
        // Histories, operations and pure checkers with typed evidence; the judged trial record.
        .target(name: "TicketRushChecks", dependencies: ["TicketRushModel"]),
        // Controlled schedules as pure values: the schedule string and the strategies (no fork).
        .target(name: "TicketRushSchedule", dependencies: ["TicketRushModel", "TicketRushEngines"]),
        // Folders, plan, fork, collect, teardown, reap, workers.
        .target(name: "TicketRushRunner", dependencies: ["TicketRushModel", "TicketRushProcess", "TicketRushEngines", "TicketRushChild", "TicketRushChecks", "TicketRushSchedule", "CTicketRush"]),
        // Typed, versioned results and every report rendered from them.
        .target(name: "TicketRushReports", dependencies: ["TicketRushModel", "TicketRushChecks"]),
        // run, merge and validate as functions that return an outcome (exit code and lines):
        // plan → servers → execute → results → reports, and the report files' safety.
        .target(name: "TicketRushApp", dependencies: ["TicketRushModel", "TicketRushProcess", "TicketRushEngines", "TicketRushFormat", "TicketRushRunner", "TicketRushChecks",
                                                      "TicketRushReports", "TicketRushSchedule"]),
        // The command line, a thin layer over the app: parse, call, print; two executables run it.
        .target(
            name: "TicketRushCLI",
            dependencies: ["TicketRushApp", "TicketRushModel", "TicketRushProcess", "TicketRushEngines", "TicketRushFormat", "TicketRushChild", "TicketRushRunner", "TicketRushChecks", "TicketRushReports",
                           "TicketRushSchedule", "CTicketRush", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "ticketrush", dependencies: ["TicketRushCLI"]),
        .executableTarget(name: "ticketrush-engines", dependencies: ["TicketRushCLI"]),
        // What every test target shares: one runner of the built binary (isolated folders,
        // timeouts, output in files), one process-table check, temp folders.
        .target(name: "TicketRushTestSupport", path: "Tests/TicketRushTestSupport"),
        .testTarget(name: "TicketRushCoreTests", dependencies: [
            "TicketRushModel", "TicketRushEngines", "TicketRushFormat", "TicketRushChild", "TicketRushChecks", "TicketRushRunner", "TicketRushReports",
            "TicketRushSchedule", "TicketRushProcess", "TicketRushTestSupport",
        ]),
        // The app layer's functions, and the stored records, without the binary.
        .testTarget(name: "TicketRushAppTests", dependencies: ["TicketRushApp", "TicketRushModel", "TicketRushEngines", "TicketRushFormat", "TicketRushChecks",
                                                               "TicketRushReports", "TicketRushRunner"]),
        // End-to-end tests run the built binary; depending on it makes `swift test` build it.
        .testTarget(name: "TicketRushCLITests", dependencies: ["ticketrush", "ticketrush-engines", "TicketRushTestSupport", "TicketRushReports"],
                    exclude: ["schedule_oracle.py"]),  // run by ScheduleCLITests with python3
        // Faults end to end through the binary: planted links, full disks, two runs at once,
        // colliding names, overflowing values, loader attacks (issue 9).
        .testTarget(name: "FaultSuite", dependencies: ["ticketrush", "ticketrush-engines", "TicketRushTestSupport"]),
    ]
)

// The release build is the fast build: a plain `swift build -c release` makes it
// (benchmarks/README.md, "The build", has the measurements behind each flag):
// - `ticketrush` is fully static (`-static-executable`): 10 mappings instead of ~100, so
//   every fork copies and every buyer's exit tears down far fewer page-table entries
//   (about 0.8x the CPU of a whole 1,000-buyer run). A fully static glibc program cannot
//   safely dlopen a C library (it would run a second libc), so a run whose scenarios need
//   libsqlite3, libpq or hiredis continues in `ticketrush-engines` (ClientLibraries.swift).
// - `ticketrush-engines` and every Swift target: `-static-stdlib`, the Swift runtime and
//   Foundation linked in, glibc dynamic. It must reach the compiler too (it picks the static
//   Foundation modules, whose link entries name CoreFoundation, ICU, …), so it goes on
//   every Swift target, including ones added later.
// - `-no-pie` (`ticketrush-engines`; a static executable is position-dependent anyway): no
//   relative relocations (78,000 of them) written into the data segment at start, so every
//   fork copies fewer written pages.
// - `-z now`: symbols bound once in the runner, not lazily again in every buyer.
// Size (README, "Installing the fast binary"): about 18 MB stripped each, because nothing
// links Foundation proper, CoreFoundation or ICU (37 MB, mostly its data table): every
// source file imports FoundationEssentials (`#if canImport(FoundationEssentials)`), YAML is
// the vendored libyaml (CYaml) under TicketRushFormat/YAML, not Yams (NSRegularExpression),
// and paths and trimming use own helpers (TicketRushModel/Support/PathText.swift), not
// NSString or CharacterSet. One `import Foundation`, or a Foundation-only call reached through
// a dependency, brings all 40 MB back: `nm .build/release/ticketrush | grep -c uregex_` is 0.
// Debug builds and `swift test` are unchanged (both executables dynamic).
// Not TicketRushTestSupport: it imports XCTest, which has no static module, and no
// executable links it.
let releaseOnly = BuildSettingCondition.when(configuration: .release)
for target in package.targets where target.type != .test && target.name != "TicketRushTestSupport" {
    target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-static-stdlib"], releaseOnly)]
    if target.type == .executable {
        // A static executable is never PIE: there clang ignores -no-pie and warns that it did.
        let linking = target.name == "ticketrush" ? ["-static-executable"] : ["-static-stdlib", "-Xclang-linker", "-no-pie"]
        target.linkerSettings = (target.linkerSettings ?? []) + [
            .unsafeFlags(linking + ["-Xlinker", "-z", "-Xlinker", "now"], releaseOnly),
        ]
    }
}
