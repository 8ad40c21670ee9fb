// The server: routes, errors, streaming, pipelining in order, bad requests, graceful shutdown;
// with this library's client and raw sockets as the peers.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Foundation
import HTTPTypes
import Testing

/// Errors the loop's exception handler received (touched on the loop thread only).
final class Reported: @unchecked Sendable {
    // Appended to on the loop thread by the exception handler.
    var messages: [String] = []
}

/// The test application: a little of everything a handler does.
func testApplication() -> Application {
    struct Greeting: Codable { let greeting: String }
    let app = Application()
    app.get("/hello/{name}") { request in Response(text: "hello \(request.matchInfo["name"]!)") }
    app.post("/echo") { request in
        let body = try await request.read()
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Query")!] = request.query.map { "\($0.0)=\($0.1)" }.joined(separator: ";")
        // The head as swift-http-types sees it.
        let head = request.head
        headers[HTTPField.Name("X-Head")!] = "\(head.method) \(head.authority ?? "-") \(head.path ?? "-")"
        return Response(body: body, headers: headers, contentType: request.headers[.contentType])
    }
    app.post("/json") { request in
        let greeting = try await request.json(Greeting.self)
        return try Response.json(Greeting(greeting: greeting.greeting.uppercased()))
    }
    app.get("/stream/{count}") { request in
        let response = StreamResponse()
        try await response.prepare(request)
        for index in 0..<Int(request.matchInfo["count"]!)! { try await response.write(Array("line \(index)\n".utf8)) }
        return response
    }
    app.get("/slow/{delay}") { request in
        try await asyncio.sleep(Double(request.matchInfo["delay"]!)!)
        return Response(text: "slept \(request.matchInfo["delay"]!)")
    }
    app.get("/forbidden") { _ in throw HTTPException(403) }
    app.get("/broken") { _ in throw ValueError("the handler broke") }
    app.get("/big") { _ in
        let response = Response(text: String(repeating: "compress me ", count: 10_000))
        response.enableCompression()
        return response
    }
    app.route("*", "/any") { request in Response(text: request.method) }
    return app
}

@Suite(.timeLimit(.minutes(1))) struct ServerTests {
    @Test func routesAndErrorsWithOurClient() throws {
        try onLoop { tracker in
            let reported = Reported()
            try asyncio.getRunningLoop().setExceptionHandler { _, context in reported.messages.append(context.message) }
            let server = try await testApplication().serve(port: 0)
            tracker.track(server, "HTTPServer")
            let base = "http://127.0.0.1:\(server.port)"
            try await ClientSession.with { session in
                #expect(try await session.get(base + "/hello/w%20orld") { try await $0.text() } == "hello w orld")
                let echo = try await session.post(base + "/echo?a=1&b=x+y", data: .text("body text"))
                let echoText = try await echo.text()
                #expect(echoText == "body text" && echo.headers[HTTPField.Name("X-Query")!] == "a=1;b=x y")
                #expect(echo.headers[HTTPField.Name("X-Head")!] == "POST 127.0.0.1:\(server.port) /echo?a=1&b=x+y")
                #expect(echo.head.status == .ok && echo.head.status.reasonPhrase == "OK")
                #expect(echo.head.headerFields[.contentType] == "text/plain; charset=utf-8")
                #expect(echo.headers[.contentType] == "text/plain; charset=utf-8" && echo.headers[.date] != nil)
                let json = try await session.post(base + "/json", json: ["greeting": "hi"]).json([String: String].self)
                #expect(json == ["greeting": "HI"])
                let streamed = try await session.get(base + "/stream/3")
                #expect(streamed.headers[.transferEncoding] == "chunked")
                #expect(try await streamed.text() == "line 0\nline 1\nline 2\n")
                let missing = try await session.get(base + "/nowhere")
                let missingText = try await missing.text()
                #expect(missing.status == 404 && missingText == "404: Not Found")
                let wrongMethod = try await session.delete(base + "/hello/x")
                #expect(wrongMethod.status == 405 && wrongMethod.headers[.allow] == "GET")
                wrongMethod.release()
                #expect(try await session.get(base + "/forbidden").status == 403)
                let broken = try await session.get(base + "/broken")
                let brokenText = try await broken.text()
                #expect(broken.status == 500 && brokenText.hasPrefix("500 Internal Server Error"))
                #expect(reported.messages == ["Error handling request"])
                let head = try await session.head(base + "/hello/you")
                let headBody = try await head.read()
                #expect(head.status == 200 && head.contentLength == 9 && headBody.isEmpty)
                let big = try await session.get(base + "/big")
                #expect(big.headers[.contentEncoding] == "gzip" && (big.contentLength ?? 0) < 1000)
                #expect(try await big.text() == String(repeating: "compress me ", count: 10_000))
                // Uncompressed, the 120,000-byte body is written apart from its head.
                let plain = try await session.get(base + "/big", headers: [.acceptEncoding: "identity"])
                let plainText = try await plain.text()
                #expect(plain.headers[.contentEncoding] == nil && plain.contentLength == 120_000)
                #expect(plainText == String(repeating: "compress me ", count: 10_000))
                #expect(try await session.request("PATCH", base + "/any") { try await $0.text() } == "PATCH")
                // Every request above went over one kept-alive connection.
                #expect(session.connector.openConnections == 1 && server.connectionCount == 1)
            }
            await server.shutdown()
        }
    }

    /// Three requests sent at once; the first is the slowest; the answers come in order.
    @Test func pipelinedRequestsAnsweredInOrder() throws {
        try onLoop { _ in
            let server = try await testApplication().serve(port: 0)
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: server.port)
            try writer.write(Array(("GET /slow/0.05 HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /slow/0 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nlast").utf8))
            let all = String(decoding: try await reader.read(-1), as: UTF8.self)
            let bodies = all.components(separatedBy: "\r\n\r\n").enumerated().filter { $0.offset > 0 }.map { $0.element.prefix(10) }
            #expect(bodies.map { String($0.prefix(while: { $0 != "H" })) } == ["slept 0.05", "slept 0", "last"], "\(all)")
            #expect(all.contains("Connection: close"))
            writer.close()
            try await writer.waitClosed()
            await server.shutdown()
        }
    }

    @Test(arguments: [("GARBAGE\r\n\r\n", 400), ("GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400),
                      ("GET / HTTP/1.1\r\n" + String(repeating: "X-A: b\r\n", count: 200) + "\r\n", 431),
                      ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n\r\n", 431)])
    func badRequestsGetTheirStatusAndTheServerGoesOn(input: String, status: Int) throws {
        try onLoop { _ in
            let server = try await testApplication().serve(port: 0)
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: server.port)
            try writer.write(Array(input.utf8))
            let answer = String(decoding: try await reader.read(-1), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 \(status) "), "\(answer)")
            #expect(answer.contains("Connection: close"))
            writer.close()
            try await writer.waitClosed()
            try await ClientSession.with { session in
                let again = try await session.get("http://127.0.0.1:\(server.port)/hello/again") { try await $0.text() }
                #expect(again == "hello again")
            }
            await server.shutdown()
        }
    }

    /// Shutdown lets the request in progress finish, closes idle connections, refuses new ones.
    @Test func gracefulShutdown() throws {
        try onLoop { _ in
            let server = try await testApplication().serve(port: 0)
            let port = server.port
            try await ClientSession.with { session in
                let idle = try ClientSession()
                _ = try await idle.get("http://127.0.0.1:\(port)/hello/idle") { try await $0.read() }
                let loop = try asyncio.getRunningLoop()
                let slow = try loop.createTask { try await session.get("http://127.0.0.1:\(port)/slow/0.2") { try await $0.text() } }
                try await asyncio.sleep(0.05)
                #expect(server.connectionCount == 2)
                await server.shutdown(timeout: 5)
                #expect(try await slow.value == "slept 0.2")
                #expect(server.connectionCount == 0)
                _ = try await expectError(ClientConnectorError.self) { _ = try await session.get("http://127.0.0.1:\(port)/hello/late") }
                await idle.close()
            }
        }
    }

    /// A handler that outlives the shutdown timeout is cut off.
    @Test func shutdownTimeoutAborts() throws {
        try onLoop { _ in
            let server = try await testApplication().serve(port: 0)
            let port = server.port
            try await ClientSession.with { session in
                let loop = try asyncio.getRunningLoop()
                let slow = try loop.createTask { try await session.get("http://127.0.0.1:\(port)/slow/30") { try await $0.text() } }
                try await asyncio.sleep(0.05)
                await server.shutdown(timeout: 0.1)
                _ = try await expectError(ServerDisconnectedError.self) { _ = try await slow.value }
            }
        }
    }
}
