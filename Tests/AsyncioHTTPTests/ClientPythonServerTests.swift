// The client against CPython's http.server: HTTP/1.0 answers that close the connection, files
// byte for byte, the directory redirect and listing, the error page, HEAD.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Foundation
import Testing

@Suite(.enabled(if: onPath("python3")), .timeLimit(.minutes(1))) struct ClientPythonServerTests {
    @Test func filesFromPythonsHTTPServer() throws {
        let folder = try staticFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try freePort()
        let server = try PeerProcess("python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", folder, String(port)])
        defer { _ = server.stop() }
        try waitForListener(port: port)
        let page = try String(contentsOfFile: folder + "/page.html", encoding: .utf8)
        try onLoop { tracker in
            try await ClientSession.with { session in
                tracker.track(session, "ClientSession")
                let base = "http://127.0.0.1:\(port)"
                let data = try await session.get(base + "/data.bin")
                tracker.track(data, "ClientResponse")
                // http.server answers in HTTP/1.0 and closes: nothing goes back to the pool.
                #expect(data.status == 200 && data.minorVersion == 0 && data.contentLength == 200_000)
                #expect(try await data.read() == pattern(200_000))
                #expect(session.connector.idleConnections == 0)
                #expect(try await session.get(base + "/page.html") { try await $0.text() } == page)
                let document = try await session.get(base + "/sub/doc.json") { try await $0.json([String: Int].self) }
                #expect(document == ["a": 1])
                // A directory without its slash: 301 to "/sub/", followed, then the listing.
                let listing = try await session.get(base + "/sub")
                let listingText = try await listing.text()
                #expect(listing.status == 200 && listing.url.path == "/sub/" && listing.history.map(\.status) == [301])
                #expect(listingText.contains("doc.json"))
                // The error page, and raiseForStatus with http.server's reason.
                let missing = try await session.get(base + "/missing.txt")
                let missingText = try await missing.text()
                #expect(missing.status == 404 && missingText.contains("File not found"))
                let error = try await expectError(ClientResponseError.self) { try missing.raiseForStatus() }
                #expect(error.status == 404 && error.message == "File not found")
                // HEAD: the length of the file, no body.
                let head = try await session.head(base + "/data.bin")
                let headBody = try await head.read()
                #expect(head.status == 200 && head.contentLength == 200_000 && headBody.isEmpty)
            }
        }
    }
}
