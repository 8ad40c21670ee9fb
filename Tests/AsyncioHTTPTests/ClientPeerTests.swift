// The client against a real aiohttp server: bodies of every framing, codings, redirects, uploads.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import HTTPTypes
import Testing

@Suite(.enabled(if: HTTPTestPaths.hasPython), .timeLimit(.minutes(1))) struct ClientPeerTests {
    let peers: HTTPPeers
    init() throws { peers = try HTTPPeers() }

    @Test func getTextAndKeepAlive() throws {
        let peers = self.peers
        try onLoop { tracker in
            try await ClientSession.with { session in
                tracker.track(session, "ClientSession")
                let response = try await session.get(peers.url("/hello"))
                tracker.track(response, "ClientResponse")
                #expect(response.status == 200 && response.reason == "OK" && response.ok)
                #expect(response.contentType == "text/plain" && response.charset == "utf-8")
                #expect(response.url.description == peers.url("/hello"))
                #expect(try await response.text() == "hello world")
                #expect(response.history.isEmpty)
                // The second request reuses the connection the first one gave back.
                let again = try await session.get(peers.url("/hello")) { try await $0.text() }
                #expect(again == "hello world")
                #expect(session.connector.openConnections == 1 && session.connector.idleConnections == 1)
            }
        }
    }

    @Test(arguments: [0, 1, 100, 300_000])
    func contentLengthBodies(size: Int) throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let body = try await session.get(peers.url("/bytes/\(size)")) { try await $0.read() }
                #expect(body == pattern(size))
            }
        }
    }

    @Test func chunkedBodyStreamed() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                try await session.get(peers.url("/chunked/250000")) { response in
                    #expect(response.headers[.transferEncoding] == "chunked")
                    var received: [UInt8] = []
                    var largest = 0
                    for try await chunk in response.content.iterChunked(4096) {
                        largest = max(largest, chunk.count)
                        received += chunk
                    }
                    #expect(largest <= 4096)
                    #expect(received == pattern(250000))
                }
                // The connection was reused after the chunked body.
                _ = try await session.get(peers.url("/hello")) { try await $0.read() }
                #expect(session.connector.openConnections == 1)
            }
        }
    }

    @Test(arguments: ["gzip", "deflate"])
    func contentCodingsDecoded(coding: String) throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                try await session.get(peers.url("/compressed/\(coding)/5000")) { response in
                    let text = try await response.text()
                    #expect(response.headers[.contentEncoding] == coding)
                    #expect(text == String(repeating: "compressible text ", count: 5000))
                }
            }
        }
    }

    @Test func redirectsFollowedAndCounted() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let response = try await session.get(peers.url("/redirect/3"))
                #expect(try await response.text() == "hello world")
                #expect(response.url.path == "/hello")
                #expect(response.history.map(\.status) == [302, 302, 302, 302])
                #expect(response.history.map(\.url.path) == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"])
                let tooMany = try await expectError(TooManyRedirects.self) {
                    _ = try await session.request("GET", peers.url("/redirect/5"), maxRedirects: 2)
                }
                #expect(tooMany.history.count == 3)
                let notFollowed = try await session.get(peers.url("/redirect/1"), allowRedirects: false)
                #expect(notFollowed.status == 302 && notFollowed.headers[.location] == "/redirect/0")
                notFollowed.release()
            }
        }
    }

    @Test(arguments: [(301, "POST", "GET"), (302, "POST", "GET"), (303, "POST", "GET"), (303, "PUT", "GET"),
                      (307, "POST", "POST"), (308, "PUT", "PUT"), (302, "PUT", "PUT")])
    func redirectMethods(status: Int, method: String, expected: String) throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let target = peers.url("/redirect-to") + "?status=\(status)&url=/echo"
                let echo = try await session.request(method, target, data: .text("payload")) { try await $0.json(Echo.self) }
                #expect(echo.method == expected)
                #expect(echo.body == (expected == method ? "payload" : ""))
            }
        }
    }

    @Test func crossOriginRedirectDropsAuthorization() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with(auth: BasicAuth("user", "secret")) { session in
                let same = try await session.get(peers.url("/redirect-to?url=/echo")) { try await $0.json(Echo.self) }
                #expect(same.headers["Authorization"] == BasicAuth("user", "secret").encoded)
                // localhost is another origin than 127.0.0.1, though the same server.
                let other = "http://localhost:\(peers.aiohttpPort)/echo"
                let moved = try await session.get(peers.url("/redirect-to"), params: [("url", other)]) { try await $0.json(Echo.self) }
                #expect(moved.headers["Authorization"] == nil)
                #expect(moved.headers["Host"] == "localhost:\(peers.aiohttpPort)")
            }
        }
    }

    @Test func uploadsOfEveryKind() throws {
        let peers = self.peers
        struct Payload: Codable, Sendable { let name: String; let count: Int }
        try onLoop { _ in
            try await ClientSession.with(headers: [HTTPField.Name("X-Session")!: "1"]) { session in
                let url = peers.url("/echo")
                let text = try await session.post(url, params: [("a", "b c")], data: .text("héllo")).json(Echo.self)
                #expect(text.method == "POST" && text.body == "héllo" && text.query == "a=b+c")
                #expect(text.headers["Content-Type"] == "text/plain; charset=utf-8" && text.headers["X-Session"] == "1")
                #expect(text.headers["Content-Length"] == "6" && !text.chunked)
                let json = try await session.put(url, json: Payload(name: "x", count: 2)).json(Echo.self)
                #expect(json.method == "PUT" && json.headers["Content-Type"] == "application/json")
                #expect(json.body.contains("\"count\":2") && json.body.contains("\"name\":\"x\""))
                let form = try await session.post(url, data: .form([("k", "v&w"), ("z", "1")])).json(Echo.self)
                #expect(form.body == "k=v%26w&z=1")
                let chunks = AsyncStream<[UInt8]> { continuation in
                    for index in 0..<50 { continuation.yield(Array(repeating: UInt8(ascii: "a") + UInt8(index % 26), count: 1000)) }
                    continuation.finish()
                }
                let streamed = try await session.post(url, data: .stream(chunks)).json(Echo.self)
                #expect(streamed.chunked && streamed.body.count == 50_000)
                let expected = try await session.post(url, data: .text("after continue"), expect100: true).json(Echo.self)
                #expect(expected.body == "after continue" && expected.headers["Expect"] == "100-continue")
                let deleted = try await session.delete(url).json(Echo.self)
                #expect(deleted.method == "DELETE")
            }
        }
    }

    @Test func headHasNoBodyAndKeepsTheConnection() throws {
        let peers = self.peers
        try onLoop { _ in
            try await ClientSession.with { session in
                let response = try await session.head(peers.url("/bytes/5000"))
                #expect(response.status == 200 && response.contentLength == 5000)
                #expect(try await response.read() == [])
                _ = try await session.get(peers.url("/hello")) { try await $0.read() }
                #expect(session.connector.openConnections == 1)
            }
        }
    }

    @Test func statusErrorsJSONAndCharsets() throws {
        let peers = self.peers
        struct Doc: Decodable { let name: String; let numbers: [Int] }
        try onLoop { _ in
            try await ClientSession.with { session in
                let missing = try await session.get(peers.url("/status/404"))
                let error = try await expectError(ClientResponseError.self) { try missing.raiseForStatus() }
                #expect(error.status == 404 && error.message == "Not Found")
                #expect(error.description == "404, message='Not Found', url='\(peers.url("/status/404"))'")
                let raising = try await expectError(ClientResponseError.self) {
                    _ = try await session.request("GET", peers.url("/status/503"), raiseForStatus: true)
                }
                #expect(raising.status == 503)
                let doc = try await session.get(peers.url("/json")).json(Doc.self)
                #expect(doc.name == "asyncio" && doc.numbers == [1, 2, 3])
                _ = try await expectError(ContentTypeError.self) { _ = try await session.get(peers.url("/hello")).json(Doc.self) }
                #expect(try await session.get(peers.url("/latin1")).text() == "café")
            }
        }
    }
}
