// swift-tools-version: 6.0
// Micro benchmarks of the library, run side by side with CPython asyncio and uvloop by run.sh.
import PackageDescription

/// A path dependency is named after its folder: the checkout's folder name, whatever it is.
let libraryPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main")

let package = Package(
    name: "AsyncioBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(name: "EchoClient"),
        .executableTarget(name: "EchoFloor"),
        .executableTarget(
            name: "NIOEchoServer",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "EchoServer",
            dependencies: [.product(name: "Asyncio", package: libraryPackage)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .executableTarget(
            name: "MicroBench",
            dependencies: [.product(name: "Asyncio", package: libraryPackage)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
