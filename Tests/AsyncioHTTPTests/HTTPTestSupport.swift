// What the HTTP tests share: the Python peers (an aiohttp server and a broken-on-purpose raw
// server, from Tests/HTTPPeers), the package root, and a loop with leak checks.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Foundation

enum HTTPTestPaths {
    /// The package's folder (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// The Python of the peers' virtual environment (Scripts/python-peers.sh makes it).
    static let python = packageRoot.appendingPathComponent(".build/python-peers/bin/python").path
    static var hasPython: Bool { FileManager.default.isExecutableFile(atPath: python) }
}

/// The aiohttp server and the raw server, started for one test and stopped after it.
final class HTTPPeers: @unchecked Sendable {
    // Used from the test's thread; the ports are read from the loop thread after start.
    let process: PeerProcess
    let aiohttpPort: Int
    let rawPort: Int

    init() throws {
        let script = HTTPTestPaths.packageRoot.appendingPathComponent("Tests/HTTPPeers/peer_servers.py").path
        process = try PeerProcess(HTTPTestPaths.python, [script, "120"])
        let line = try process.waitForLine(timeout: 20) { $0.hasPrefix("PORTS ") }
        let ports = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard ports.count == 2 else { throw PeerError("no ports in \(line)") }
        aiohttpPort = ports[0]
        rawPort = ports[1]
    }

    deinit { process.stop() }

    /// A URL on the aiohttp server.
    func url(_ path: String) -> String { "http://127.0.0.1:\(aiohttpPort)\(path)" }
    /// A URL on the raw server.
    func raw(_ path: String) -> String { "http://127.0.0.1:\(rawPort)\(path)" }
}

/// The bytes the peers' `pattern(n)` makes.
func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(($0 * 7 + 3) % 251) } }

/// Runs `body` on a new loop with leak checks: no descriptor, task or tracked object left.
func onLoop(_ context: String = #function, _ body: @escaping @Sendable (LifetimeTracker) async throws -> Void) throws {
    try withLeakChecks(context) { loop, tracker in
        try loop.runUntilComplete { try await body(tracker) }
    }
}

/// Error of the expected type from `body`, or a failure naming what happened instead.
func expectError<E: Error>(_ type: E.Type, _ body: () async throws -> Void) async throws -> E {
    do {
        try await body()
    } catch let error as E {
        return error
    }
    throw PeerError("expected \(E.self), nothing was thrown")
}

/// JSON the echo endpoint returns.
struct Echo: Decodable {
    let method: String
    let path: String
    let query: String
    let headers: [String: String]
    let body: String
    let chunked: Bool
}
