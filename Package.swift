// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "TicketRush",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ticketrush", targets: ["ticketrush"]),
        .library(name: "TicketRushCore", targets: ["TicketRushCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
    ],
    targets: [
        // POSIX pieces that do not import into Swift (F_OFD_SETLKW, signal flags).
        .target(name: "CTicketRush"),
        .target(
            name: "TicketRushCore",
            dependencies: ["CTicketRush", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "ticketrush",
            dependencies: ["TicketRushCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "TicketRushCoreTests", dependencies: ["TicketRushCore"]),
        // End-to-end tests run the built binary; depending on it makes `swift test` build it.
        .testTarget(name: "TicketRushCLITests", dependencies: ["ticketrush"]),
    ]
)
