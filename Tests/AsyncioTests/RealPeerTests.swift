// Real peers that are not Python: curl against an HTTP/1.1 server on the library's streams
// (keep-alive: two requests on one connection), and nc as a client and as a server.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

/// Connections and requests a test server saw (touched on the loop's thread only).
final class ServerTally: @unchecked Sendable {
    // Read and written only on the loop's thread, where the server's handlers run.
    var connections = 0
    var requests: [String] = []
}

@Suite struct RealPeerTests {
    /// Serves `GET <path>` with the path as the body, keep-alive, until the client closes.
    static func serveHTTP(_ reader: StreamReader, _ writer: StreamWriter, _ tally: ServerTally) async throws {
        tally.connections += 1
        while true {
            let head: [UInt8]
            do { head = try await reader.readuntil(Array("\r\n\r\n".utf8)) } catch is IncompleteReadError { break }
            let requestLine = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first ?? ""
            let parts = requestLine.split(separator: " ")
            guard parts.count == 3 else { break }
            tally.requests.append(String(requestLine))
            let body = Array("you asked for \(parts[1])\n".utf8)
            try writer.write(Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
            try await writer.drain()
        }
        writer.close()
    }

    @Test(.enabled(if: onPath("curl"))) func curlFetchesTwoPagesOverOneKeepAliveConnection() throws { try withLeakChecks { loop, _ in
        let tally = ServerTally()
        let output = try loop.runUntilComplete { () async throws -> String in
            try await asyncio.timeout(20) {
                let server = try await asyncio.startServer({ reader, writer in
                    try await Self.serveHTTP(reader, writer, tally)
                }, host: "127.0.0.1", port: 0)
                let port = server.addresses[0].port!
                let curl = try await asyncio.createSubprocessExec(
                    "curl", ["-s", "http://127.0.0.1:\(port)/first", "http://127.0.0.1:\(port)/second"],
                    stdout: .pipe)
                let (out, _) = try await curl.communicate()
                server.close()
                try await server.waitClosed()
                return String(decoding: out ?? [], as: UTF8.self)
            }
        }
        #expect(output == "you asked for /first\nyou asked for /second\n")
        #expect(tally.connections == 1)
        #expect(tally.requests.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == ["GET /first", "GET /second"])
    } }

    @Test(.enabled(if: onPath("nc"))) func ncTalksToAnEchoServer() throws { try withLeakChecks { loop, _ in
        let echoed = try loop.runUntilComplete { () async throws -> String in
            try await asyncio.timeout(20) {
                let server = try await asyncio.startServer({ reader, writer in
                    while true {
                        let data = try await reader.read(4096)
                        if data.isEmpty { break }
                        try writer.write(data)
                        try await writer.drain()
                    }
                    writer.close()
                }, host: "127.0.0.1", port: 0)
                // -N: shut the socket down for writing at the end of stdin, then read to the end.
                let nc = try await asyncio.createSubprocessExec(
                    "nc", ["-N", "127.0.0.1", "\(server.addresses[0].port!)"], stdin: .pipe, stdout: .pipe)
                let (out, _) = try await nc.communicate(Array("hello from nc\nsecond line\n".utf8))
                server.close()
                try await server.waitClosed()
                return String(decoding: out ?? [], as: UTF8.self)
            }
        }
        #expect(echoed == "hello from nc\nsecond line\n")
    } }

    @Test(.enabled(if: onPath("nc"))) func aClientTalksToAnNcServer() throws { try withLeakChecks { loop, _ in
        let (heard, ncHeard) = try loop.runUntilComplete { () async throws -> (String, String) in
            try await asyncio.timeout(20) {
                // A port that was free a moment ago.
                let probe = try await asyncio.startServer({ _, writer in writer.close() }, host: "127.0.0.1", port: 0)
                let port = probe.addresses[0].port!
                probe.close()
                try await probe.waitClosed()
                let nc = try await asyncio.createSubprocessExec(
                    "nc", ["-l", "-N", "127.0.0.1", "\(port)"], stdin: .pipe, stdout: .pipe)
                try nc.stdin!.write(Array("from nc\n".utf8))
                try await nc.stdin!.drain()
                try nc.stdin!.writeEOF()
                var connection: (StreamReader, StreamWriter)?
                while connection == nil {
                    do { connection = try await asyncio.openConnection(host: "127.0.0.1", port: port) } catch {
                        try await asyncio.sleep(0.02)  // nc is not listening yet
                    }
                }
                let (reader, writer) = connection!
                let line = try await reader.readline()
                try writer.write(Array("from swift\n".utf8))
                try await writer.drain()
                writer.close()
                try await writer.waitClosed()
                let ncOut = try await nc.stdout!.read(-1)
                _ = try await nc.wait()
                return (String(decoding: line, as: UTF8.self), String(decoding: ncOut, as: UTF8.self))
            }
        }
        #expect(heard == "from nc\n")
        #expect(ncHeard == "from swift\n")
    } }
}
