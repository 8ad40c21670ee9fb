// The connection pool: limits, per-host limits, keep-alive expiry; and the blocking calls in threads.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import HTTPTypes
import Testing

/// What the in-loop test server saw (touched on the loop thread only).
final class ServerCounts: @unchecked Sendable {
    // Read and written on the loop thread, where the server's handlers run.
    var open = 0
    var mostOpen = 0
    var connections = 0
    var requests = 0
}

/// A small HTTP/1.1 server on the library's streams, answering every request "ok" after `delay`.
func countingServer(_ counts: ServerCounts, delay: Double) async throws -> Server {
    try await asyncio.startServer({ reader, writer in
        counts.open += 1
        counts.connections += 1
        counts.mostOpen = max(counts.mostOpen, counts.open)
        defer { counts.open -= 1 }
        while true {
            guard (try? await reader.readuntil(Array("\r\n\r\n".utf8))) != nil else { break }
            counts.requests += 1
            try await asyncio.sleep(delay)
            try writer.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8))
            try await writer.drain()
        }
        writer.close()
    }, host: "127.0.0.1", port: 0)
}

@Suite(.timeLimit(.minutes(1))) struct ClientPoolTests {
    @Test func limitBoundsConnectionsInUse() throws {
        try onLoop { tracker in
            let counts = ServerCounts()
            let server = try await countingServer(counts, delay: 0.02)
            let port = server.addresses[0].port!
            let connector = TCPConnector(limit: 2)
            tracker.track(connector, "TCPConnector")
            try await ClientSession.with(connector: connector) { session in
                let texts = try await asyncio.gather((0..<8).map { _ in
                    try asyncio.getRunningLoop().createTask { try await session.get("http://127.0.0.1:\(port)/") { try await $0.text() } }
                })
                #expect(texts == Array(repeating: "ok", count: 8))
                #expect(counts.mostOpen <= 2 && counts.connections == 2 && counts.requests == 8)
                #expect(connector.connectionsInUse == 0 && connector.idleConnections == 2)
            }
            server.close()
            try await server.waitClosed()
        }
    }

    @Test func limitPerHost() throws {
        try onLoop { _ in
            let counts = ServerCounts()
            let server = try await countingServer(counts, delay: 0.02)
            let port = server.addresses[0].port!
            try await ClientSession.with(connector: TCPConnector(limitPerHost: 1)) { session in
                // Two hosts (names) of one server: one connection each at most.
                let urls = (0..<6).map { "http://\($0 % 2 == 0 ? "127.0.0.1" : "localhost"):\(port)/" }
                let texts = try await asyncio.gather(urls.map { url in
                    try asyncio.getRunningLoop().createTask { try await session.get(url) { try await $0.text() } }
                })
                #expect(texts.count == 6)
                #expect(counts.connections == 2 && counts.mostOpen == 2)
            }
            server.close()
            try await server.waitClosed()
        }
    }

    @Test func idleConnectionsExpire() throws {
        try onLoop { _ in
            let counts = ServerCounts()
            let server = try await countingServer(counts, delay: 0)
            let port = server.addresses[0].port!
            try await ClientSession.with(connector: TCPConnector(keepaliveTimeout: 0.1)) { session in
                _ = try await session.get("http://127.0.0.1:\(port)/") { try await $0.read() }
                #expect(session.connector.idleConnections == 1)
                try await asyncio.sleep(0.3)
                #expect(session.connector.idleConnections == 0)
                _ = try await session.get("http://127.0.0.1:\(port)/") { try await $0.read() }
                #expect(counts.connections == 2)
            }
            server.close()
            try await server.waitClosed()
        }
    }

    @Test func forceCloseAndUnreadBodies() throws {
        try onLoop { _ in
            let counts = ServerCounts()
            let server = try await countingServer(counts, delay: 0)
            let port = server.addresses[0].port!
            try await ClientSession.with(connector: TCPConnector(forceClose: true)) { session in
                for _ in 0..<3 { _ = try await session.get("http://127.0.0.1:\(port)/") { try await $0.read() } }
                #expect(counts.connections == 3 && session.connector.idleConnections == 0)
            }
            server.close()
            try await server.waitClosed()
        }
    }

    @Test func aClosedSessionRefuses() throws {
        try onLoop { _ in
            let session = try ClientSession()
            await session.close()
            _ = try await expectError(ClientStateError.self) { _ = try await session.get("http://127.0.0.1:1/") }
        }
    }
}

@Suite(.enabled(if: HTTPTestPaths.hasPython), .timeLimit(.minutes(1))) struct BlockingHTTPTests {
    let peers: HTTPPeers
    init() throws { peers = try HTTPPeers() }

    /// The seeds' `requests.get` in threads: `toThread` and `runInExecutor`, on a running loop.
    @Test func inThreadsBesideTheLoop() throws {
        let peers = self.peers
        try onLoop { _ in
            let url = peers.url("/hello")
            let first = try await asyncio.toThread { try HTTP.get(url) }
            #expect(first.status == 200 && first.bodyText == "hello world")
            #expect(try await first.text() == "hello world")
            let loop = try asyncio.getRunningLoop()
            let second = try await loop.runInExecutor(nil) { try HTTP.get(peers.url("/bytes/70000")) }.value
            #expect(second.body == pattern(70000))
            let posted = try await asyncio.toThread { try HTTP.post(peers.url("/echo"), data: .text("from a thread")) }
            #expect(posted.bodyText?.contains("from a thread") == true)
        }
    }

    @Test func onAPlainThreadAndItsErrors() throws {
        let response = try HTTP.get(peers.url("/json"))
        #expect(response.contentType == "application/json")
        #expect(throws: ClientConnectorError.self) { try HTTP.get("http://127.0.0.1:1/") }
        #expect(throws: InvalidURL.self) { try HTTP.get("nope") }
    }
}
