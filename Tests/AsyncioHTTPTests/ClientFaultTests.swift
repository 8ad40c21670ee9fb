// The client against servers that break HTTP on purpose: every fault a typed error, and the
// requests after it go on.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import HTTPTypes
import Testing

@Suite(.enabled(if: HTTPTestPaths.hasPython), .timeLimit(.minutes(1))) struct ClientFaultTests {
    let peers: HTTPPeers
    init() throws { peers = try HTTPPeers() }

    /// After a fault, a normal request on the same session still works.
    func stillWorks(_ session: ClientSession) async throws {
        #expect(try await session.get(peers.url("/hello")) { try await $0.text() } == "hello world")
    }

    @Test func bodyCutShort() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let response = try await session.get(peers.raw("/close-mid-body"))
                let error = try await expectError(ClientPayloadError.self) { _ = try await response.read() }
                #expect(error.description == "Response payload is not completed: <ContentLengthError: 400, message='Not enough data for satisfy content length header.'>")
                try await stillWorks(session)
            }
        }
    }

    @Test func badChunkSize() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let response = try await session.get(peers.raw("/bad-chunk"))
                let error = try await expectError(ClientPayloadError.self) { _ = try await response.read() }
                #expect((error.underlying as? BadHttpMessage)?.kind == .transferEncoding)
                try await stillWorks(session)
            }
        }
    }

    @Test(arguments: [("/both-lengths", "Duplicate Content-Length"), ("/many-headers", "Too many headers: more than 100"),
                      ("/bad-status", "Bad status line 'HTTP/1.1 2xx Weird'")])
    func headsThatDoNotParse(path: String, message: String) throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let error = try await expectError(ClientProtocolError.self) { _ = try await session.get(peers.raw(path)) }
                #expect(error.underlying.message == message)
                try await stillWorks(session)
            }
        }
    }

    /// A header line the server would make 1 GiB long: refused after 8190 bytes, not buffered.
    @Test func hugeHeaderLine() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let error = try await expectError(ClientProtocolError.self) { _ = try await session.get(peers.raw("/huge-header")) }
                #expect(error.underlying.kind == .lineTooLong)
                #expect(error.underlying.message.hasPrefix("Got more than 8190 bytes"))
                try await stillWorks(session)
            }
        }
    }

    @Test func serverClosesBeforeTheHead() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let error = try await expectError(ServerDisconnectedError.self) { _ = try await session.get(peers.raw("/close-before-head")) }
                #expect(error.description == "Server disconnected")
                try await stillWorks(session)
            }
        }
    }

    @Test func resetMidBody() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let response = try await session.get(peers.raw("/reset"))
                _ = try await expectError(ClientPayloadError.self) { _ = try await response.read() }
                try await stillWorks(session)
            }
        }
    }

    @Test func extraBytesAfterTheBodyAreNotTheNextResponse() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                #expect(try await session.get(peers.raw("/extra-bytes")) { try await $0.text() } == "abc")
                // The connection that carried junk is not reused.
                await asyncio.sleepUnlessCancelled(0.05)
                #expect(session.connector.idleConnections == 0)
                try await stillWorks(session)
            }
        }
    }

    @Test func truncatedGzip() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let response = try await session.get(peers.raw("/truncated-gzip"))
                let error = try await expectError(ClientPayloadError.self) { _ = try await response.read() }
                #expect((error.underlying as? BadHttpMessage)?.kind == .contentEncoding)
            }
        }
    }

    @Test func timeouts() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let stalled = try await expectError(ServerTimeoutError.self) {
                    _ = try await session.request("GET", peers.raw("/stall"), timeout: ClientTimeout(sockRead: 0.2))
                }
                #expect(stalled.description == "Timeout on reading data from socket")
                _ = try await expectError(TimeoutError.self) {
                    _ = try await session.request("GET", peers.raw("/stall"), timeout: ClientTimeout(total: 0.2))
                }
                // A slow body: the head comes, the read of the rest times out.
                let slow = try await session.request("GET", peers.url("/slow?pause=5"), timeout: ClientTimeout(sockRead: 0.3))
                #expect(try await slow.content.readexactly(5) == Array("12345".utf8))
                _ = try await expectError(ServerTimeoutError.self) { _ = try await slow.read() }
                let total = try await session.request("GET", peers.url("/slow?pause=5"), timeout: ClientTimeout(total: 0.3))
                _ = try await expectError(TimeoutError.self) { _ = try await total.read() }
                #expect(session.connector.connectionsInUse == 0)
                try await stillWorks(session)
            }
        }
    }

    @Test func connectionRefusedAndBadURLs() throws {
        try onLoop { _ in
            try await ClientSession.with { session in
                let refused = try await expectError(ClientConnectorError.self) { _ = try await session.get("http://127.0.0.1:1/") }
                #expect(refused.description == "Cannot connect to host 127.0.0.1:1 ssl:default [Connect call failed ('127.0.0.1', 1)]")
                _ = try await expectError(InvalidURL.self) { _ = try await session.get("ftp://127.0.0.1/") }
                _ = try await expectError(InvalidURL.self) { _ = try await session.get("not a url") }
                #expect(session.connector.connectionsInUse == 0)
            }
        }
    }

    @Test func aReusedConnectionTheServerClosedIsRetried() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                #expect(try await session.get(peers.raw("/keepalive-then-close")) { try await $0.text() } == "ok")
                try await asyncio.sleep(0.4)   // the server closed its side of the idle connection
                #expect(try await session.get(peers.raw("/keepalive-then-close")) { try await $0.text() } == "ok")
            }
        }
    }
}

extension asyncio {
    /// Sleeps, ignoring a cancel (for tests that only wait for the peer).
    static func sleepUnlessCancelled(_ delay: Double) async {
        try? await sleep(delay)
    }
}
