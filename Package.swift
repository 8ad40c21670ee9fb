// swift-tools-version: 6.0
// asyncio for Swift: Python's asyncio model on Swift's own async/await.
import PackageDescription

let package = Package(
    name: "swift-asyncio",
    products: [
        .library(name: "Asyncio", targets: ["Asyncio"]),
        .library(name: "AsyncioProcessPool", targets: ["AsyncioProcessPool"]),
        .library(name: "AsyncioGreenlets", targets: ["AsyncioGreenlets"]),
        .executable(name: "seeds", targets: ["SeedExamples"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(name: "CAsyncio"),
        // The system OpenSSL 3 (Debian's libssl-dev), for TLS.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "Asyncio",
            dependencies: ["CAsyncio", "COpenSSL", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "AsyncioProcessPool", dependencies: ["Asyncio", "CAsyncio"]),
        .target(name: "AsyncioGreenlets", dependencies: ["Asyncio", "CAsyncio"]),
        .target(name: "AsyncioTestSupport", dependencies: ["Asyncio"]),
        .executableTarget(name: "ProcessPoolDemo", dependencies: ["Asyncio", "AsyncioProcessPool"]),
        .executableTarget(name: "SeedExamples", dependencies: ["Asyncio", "AsyncioGreenlets"]),
        .executableTarget(name: "TopLevelCheck", dependencies: ["Asyncio"]),
        .executableTarget(name: "SignalCheck", dependencies: ["Asyncio"]),
        .executableTarget(name: "GreenletOverflowCheck", dependencies: ["AsyncioGreenlets"]),
        .testTarget(
            name: "AsyncioTests",
            dependencies: ["Asyncio", "AsyncioProcessPool", "AsyncioTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "AsyncioGreenletsTests",
            dependencies: ["Asyncio", "AsyncioGreenlets", .target(name: "GreenletOverflowCheck")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
