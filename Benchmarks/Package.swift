// swift-tools-version: 6.0
// The library's benchmarks: micro (run.sh), memory per task and timers (memory.sh), greenlets (greenlet.sh), mallocs per operation of both (mallocs.sh, gated in CI), TCP echo (echo.sh) and HTTP
// (http.sh) and the HTTP client (http-client.sh), each run side by side with its peers; and a load-and-abuse soak (abuse.sh).
import PackageDescription

/// A path dependency is named after its folder: the checkout's folder name, whatever it is.
let libraryPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main")

let package = Package(
    name: "AsyncioBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Counts allocations for the gate (MallocGate, mallocs.sh).
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        .executableTarget(name: "EchoClient"),
        .executableTarget(name: "EchoFloor"),
        .executableTarget(name: "TLSEchoClient", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .executableTarget(
            name: "NIOEchoServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "HummingbirdServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "HTTPServer",
            dependencies: [.product(name: "Asyncio", package: libraryPackage)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "WebServer",
            dependencies: [.product(name: "AsyncioHTTP", package: libraryPackage)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "HTTPClientBench",
            dependencies: [.product(name: "AsyncioHTTP", package: libraryPackage)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "AHCClientBench",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "EchoServer",
            dependencies: [.product(name: "Asyncio", package: libraryPackage)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .target(name: "CMallinfo"),
        .executableTarget(
            name: "AbuseServer",
            dependencies: [.product(name: "Asyncio", package: libraryPackage), "CMallinfo"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "MallocGate",
            dependencies: [.product(name: "MallocInterposerSwift", package: "malloc-interposer")]
        ),
        .target(name: "MicroRunner", swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .executableTarget(
            name: "GreenletBench",
            dependencies: [.product(name: "AsyncioGreenlets", package: libraryPackage), "MicroRunner"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "MemoryBench",
            dependencies: [.product(name: "Asyncio", package: libraryPackage), "MicroRunner"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "MicroBench",
            dependencies: [.product(name: "Asyncio", package: libraryPackage), "MicroRunner"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
