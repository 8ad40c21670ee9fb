// swift-tools-version: 6.2
// asyncio for Swift: Python's asyncio model on Swift's own async/await.
import PackageDescription

let package = Package(
    name: "swift-asyncio",
    products: [
        .library(name: "Asyncio", targets: ["Asyncio"]),
        .library(name: "AsyncioProcessPool", targets: ["AsyncioProcessPool"]),
        .library(name: "AsyncioGreenlets", targets: ["AsyncioGreenlets"]),
        .library(name: "AsyncioHTTP", targets: ["AsyncioHTTP"]),
        .library(name: "AsyncioDownload", targets: ["AsyncioDownload"]),
        .executable(name: "seeds", targets: ["SeedExamples"]),
        .executable(name: "download", targets: ["DownloadTool"]),
        .executable(name: "asyncio-tools", targets: ["AsyncioToolsCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `swift package generate-documentation` (DocC); Scripts/docs.sh builds every module's.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CAsyncio"),
        // The system OpenSSL 3 (Debian's libssl-dev), for TLS.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "Asyncio",
            dependencies: ["CAsyncio", "COpenSSL", .product(name: "Logging", package: "swift-log")]
        ),
        // The system zlib (Debian's zlib1g-dev), for gzip and deflate content codings.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "AsyncioHTTP",
            dependencies: ["Asyncio", "CZlib", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        // The concurrent downloader: the engine as a library, the `download` command on top.
        .target(
            name: "AsyncioDownload",
            dependencies: ["Asyncio", "AsyncioHTTP", "CAsyncio", "COpenSSL", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .executableTarget(
            name: "DownloadTool",
            dependencies: ["Asyncio", "AsyncioHTTP", "AsyncioDownload", "CAsyncio", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // `asyncio-tools ps|pstree|cancel PID`: the inspector's client, its tables and trees.
        .target(name: "AsyncioTools", dependencies: ["Asyncio"]),
        .executableTarget(
            name: "AsyncioToolsCommand",
            dependencies: ["Asyncio", "AsyncioTools", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "AsyncioProcessPool", dependencies: ["Asyncio", "CAsyncio"]),
        .target(name: "AsyncioGreenlets", dependencies: ["Asyncio", "CAsyncio"]),
        .target(name: "AsyncioTestSupport", dependencies: ["Asyncio"]),
        .executableTarget(name: "ProcessPoolDemo", dependencies: ["Asyncio", "AsyncioProcessPool"]),
        .executableTarget(name: "SeedExamples", dependencies: ["Asyncio", "AsyncioGreenlets", "AsyncioHTTP", "CZlib", .product(name: "HTTPTypes", package: "swift-http-types")]),
        .executableTarget(name: "TopLevelCheck", dependencies: ["Asyncio"]),
        // The HTTP parser under libFuzzer (Scripts/fuzz-http-parser.sh) and its differential check.
        .executableTarget(name: "HTTPParserFuzz", dependencies: ["AsyncioHTTP", .product(name: "HTTPTypes", package: "swift-http-types")]),
        .executableTarget(name: "SignalCheck", dependencies: ["Asyncio"]),
        .executableTarget(name: "InspectTarget", dependencies: ["Asyncio", "AsyncioHTTP"]),
        .executableTarget(name: "GreenletOverflowCheck", dependencies: ["AsyncioGreenlets"]),
        .testTarget(
            name: "AsyncioTests",
            dependencies: ["Asyncio", "AsyncioProcessPool", "AsyncioTestSupport", "AsyncioTools", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "AsyncioHTTPTests",
            dependencies: ["Asyncio", "AsyncioHTTP", "AsyncioTestSupport", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(
            name: "AsyncioDownloadTests",
            dependencies: ["Asyncio", "AsyncioHTTP", "AsyncioDownload", "AsyncioTestSupport",
                           .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        // Ports of asyncio idioms as a Python programmer writes them; every warning is an
        // error here, so a natural spelling that warns (an unused result) fails the build.
        .testTarget(
            name: "PortingTests",
            dependencies: ["Asyncio", "AsyncioTestSupport"],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
        .testTarget(
            name: "AsyncioGreenletsTests",
            dependencies: ["Asyncio", "AsyncioGreenlets", .target(name: "GreenletOverflowCheck")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
