// The server against real clients: curl (keep-alive, Range, HEAD, ETag, gzip, chunked upload),
// Python's http.client and aiohttp's client, and wrk.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Foundation
import HTTPTypes
import Testing

/// Runs a program from the loop and returns its exit status and standard output.
func runPeer(_ program: String, _ arguments: [String], input: [UInt8]? = nil) async throws -> (Int32, String) {
    let child = try await asyncio.createSubprocessExec(program, arguments, stdin: input == nil ? .devnull : .pipe, stdout: .pipe, stderr: .pipe)
    let (out, err) = try await child.communicate(input)
    let status = try await child.wait()
    let text = String(decoding: out ?? [], as: UTF8.self)
    if status != 0 { print("\(program) failed: \(String(decoding: err ?? [], as: UTF8.self))") }
    return (status, text)
}

/// A folder of files for the static route.
func staticFolder() throws -> String {
    let folder = NSTemporaryDirectory() + "asyncio-static-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
    try Data(pattern(200_000)).write(to: URL(fileURLWithPath: folder + "/data.bin"))
    try String(repeating: "<p>static html</p>\n", count: 1000).write(toFile: folder + "/page.html", atomically: true, encoding: .utf8)
    try "{\"a\": 1}".write(toFile: folder + "/sub/doc.json", atomically: true, encoding: .utf8)
    try "secret".write(toFile: folder + "/.hidden", atomically: true, encoding: .utf8)
    return folder
}

@Suite(.enabled(if: onPath("curl")), .timeLimit(.minutes(1))) struct ServerCurlTests {
    @Test func staticFilesThroughCurl() throws {
        let folder = try staticFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try onLoop { _ in
            let app = testApplication()
            app.addStatic("/static", directory: folder, compress: true)
            let server = try await app.serve(port: 0)
            let base = "http://127.0.0.1:\(server.port)/static"
            let output = folder + "/downloaded"
            // Whole file, byte for byte.
            #expect(try await runPeer("curl", ["-sS", "-o", output, base + "/data.bin"]).0 == 0)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: output))) == pattern(200_000))
            // A range.
            #expect(try await runPeer("curl", ["-sS", "-r", "100-199", "-o", output, base + "/data.bin"]).0 == 0)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: output))) == Array(pattern(200_000)[100..<200]))
            // HEAD: the headers of the file, with its type, length and ETag.
            let (_, head) = try await runPeer("curl", ["-sS", "-I", base + "/sub/doc.json"])
            #expect(head.hasPrefix("HTTP/1.1 200 OK") && head.contains("Content-Type: application/json") && head.contains("Content-Length: 8"), "\(head)")
            let etag = try #require(head.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }).dropFirst(6)
            let (_, notModified) = try await runPeer("curl", ["-sS", "-i", "-H", "If-None-Match: \(etag)", base + "/sub/doc.json"])
            #expect(notModified.hasPrefix("HTTP/1.1 304 Not Modified"), "\(notModified)")
            // gzip on request: curl asks and decodes.
            let (_, page) = try await runPeer("curl", ["-sS", "--compressed", "-D", folder + "/headers", base + "/page.html"])
            #expect(page == String(repeating: "<p>static html</p>\n", count: 1000))
            #expect(try String(contentsOfFile: folder + "/headers", encoding: .utf8).contains("Content-Encoding: gzip"))
            // Not served: hidden files, escapes, missing files, directories.
            for path in ["/.hidden", "/../data.bin", "/missing", "/sub"] {
                let (_, code) = try await runPeer("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", base + path])
                #expect(code == "404", "\(path): \(code)")
            }
            await server.shutdown()
        }
    }

    @Test func keepAliveAndChunkedUploadThroughCurl() throws {
        try onLoop { _ in
            let server = try await testApplication().serve(port: 0)
            let base = "http://127.0.0.1:\(server.port)"
            // Three URLs in one curl: one connection.
            let (status, out) = try await runPeer("curl", ["-sS", "-v", base + "/hello/a", base + "/hello/b", base + "/stream/2"])
            #expect(status == 0 && out == "hello ahello bline 0\nline 1\n")
            #expect(server.connectionsAccepted == 1)
            let upload = [UInt8](repeating: UInt8(ascii: "u"), count: 100_000)
            let (_, echoed) = try await runPeer("curl", ["-sS", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: text/plain",
                                                         "--data-binary", "@-", base + "/echo"], input: upload)
            #expect(echoed == String(decoding: upload, as: UTF8.self))
            let (_, expect) = try await runPeer("curl", ["-sS", "-H", "Expect: 100-continue", "--data-binary", "@-", base + "/echo"], input: Array("continued".utf8))
            #expect(expect == "continued")
            await server.shutdown()
        }
    }

    @Test(.enabled(if: onPath("wrk"))) func wrkLoadWithoutErrors() throws {
        try onLoop { _ in
            let server = try await testApplication().serve(port: 0)
            let (status, out) = try await runPeer("wrk", ["-t1", "-c8", "-d1s", "http://127.0.0.1:\(server.port)/hello/wrk"])
            #expect(status == 0)
            #expect(!out.contains("Non-2xx") && !out.contains("Socket errors"), "\(out)")
            let requests = out.split(separator: "\n").first { $0.contains("requests in") }
            #expect(requests.map { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ")[0]) ?? 0 } ?? 0 > 100, "\(out)")
            await server.shutdown()
        }
    }
}

@Suite(.enabled(if: HTTPTestPaths.hasPython), .timeLimit(.minutes(1))) struct ServerPythonClientTests {
    /// Python's http.client (one kept-alive connection) and aiohttp's client against our server.
    @Test func pythonClients() throws {
        let script = """
        import asyncio, http.client, sys, aiohttp
        port = int(sys.argv[1])
        connection = http.client.HTTPConnection("127.0.0.1", port)
        for path in ("/hello/one", "/hello/two"):
            connection.request("GET", path)
            response = connection.getresponse()
            print(response.status, response.read().decode())
        connection.request("POST", "/echo", body=b"posted", headers={"Content-Type": "text/plain"})
        response = connection.getresponse()
        print(response.status, response.read().decode(), response.getheader("Content-Type"))
        connection.request("HEAD", "/hello/head")
        response = connection.getresponse()
        print(response.status, repr(response.read()), response.getheader("Content-Length"))
        async def main():
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/stream/3") as response:
                    print(response.status, repr(await response.text()))
                async with session.get(f"http://127.0.0.1:{port}/big") as response:
                    print(response.status, response.headers["Content-Encoding"], len(await response.text()))
                async with session.post(f"http://127.0.0.1:{port}/json", json={"greeting": "py"}) as response:
                    print(response.status, await response.json())
        asyncio.run(main())
        """
        try onLoop { _ in
            let server = try await testApplication().serve(port: 0)
            let (status, out) = try await runPeer(HTTPTestPaths.python, ["-c", script, "\(server.port)"])
            #expect(status == 0)
            #expect(out == """
            200 hello one
            200 hello two
            200 posted text/plain
            200 b'' 10
            200 'line 0\\nline 1\\nline 2\\n'
            200 gzip 120000
            200 {'greeting': 'PY'}

            """, "\(out)")
            await server.shutdown()
        }
    }
}
