// Cancellation at every await of a client request: connect, send, head, body; nothing is left
// open, no slot of the pool stays taken, and no half-read connection is reused.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Testing

/// A server on the library's streams answering each GET with `size` bytes of `pattern`, in
/// pieces, with Content-Length or chunked.
func bodyServer(size: Int, chunked: Bool) async throws -> Server {
    try await asyncio.startServer({ reader, writer in
        defer { writer.close() }
        let body = pattern(size)
        // A client that goes away mid-response (a cancelled request) ends the handler quietly.
        do { try await serve(reader, writer, body, chunked) } catch {}
    }, host: "127.0.0.1", port: 0)
}

private func serve(_ reader: StreamReader, _ writer: StreamWriter, _ body: [UInt8], _ chunked: Bool) async throws {
        let size = body.count
        while (try? await reader.readuntil(Array("\r\n\r\n".utf8))) != nil {
            let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(size)"
            try writer.write(Array("HTTP/1.1 200 OK\r\n\(framing)\r\n\r\n".utf8))
            for start in stride(from: 0, to: size, by: 16_384) {
                let piece = Array(body[start..<min(start + 16_384, size)])
                try writer.write(chunked ? Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10] : piece)
                try await writer.drain()
                try await asyncio.sleep(0)
            }
            if chunked { try writer.write(Array("0\r\n\r\n".utf8)) }
            try await writer.drain()
        }
}

@Suite(.timeLimit(.minutes(2))) struct ClientSweepTests {
    func sweep(_ label: String, chunked: Bool, _ read: @escaping @Sendable (ClientResponse) async throws -> [UInt8]) throws {
        let size = 100_000
        let report = try CancellationSweep.run(label, realTime: true, maxRuns: 120) { run in
            let port = run.adopt(try await bodyServer(size: size, chunked: chunked))
            let session = try ClientSession()
            run.track(session, "ClientSession")
            run.track(session.connector, "TCPConnector")
            run.atTeardown { await session.close() }
            let url = "http://127.0.0.1:\(port)/"
            let outcome = try await run.victim { () async throws -> [UInt8] in
                let response = try await session.get(url)
                run.track(response, "ClientResponse")
                defer { response.release() }
                return try await read(response)
            }
            if case .completed(let body) = outcome { run.require(body == pattern(size), "body of \(body.count) bytes") }
            run.require(session.connector.connectionsInUse == 0, "\(session.connector.connectionsInUse) slots still taken")
            // The next request gets a whole response: nothing half-read was pooled.
            let after = try await session.get(url) { try await $0.read() }
            run.require(after == pattern(size), "the next request read \(after.count) bytes")
            run.require(session.connector.openConnections <= 1, "\(session.connector.openConnections) connections open")
        }
        print(report)
        #expect(report.count("cancelled") >= 3)
    }

    @Test func getWithContentLength() throws {
        try sweep("GET + read()", chunked: false) { try await $0.read() }
    }

    @Test func chunkedStreamedBody() throws {
        try sweep("GET chunked + iterChunked", chunked: true) { response in
            var body: [UInt8] = []
            for try await chunk in response.content.iterChunked(10_000) { body += chunk }
            return body
        }
    }
}
