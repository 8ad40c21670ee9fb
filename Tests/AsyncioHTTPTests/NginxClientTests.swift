// The client against nginx (Debian's) on loopback, over HTTP and HTTPS: static files, Range,
// gzip, keep-alive; every download byte for byte what curl downloads from the same server.
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Foundation
import HTTPTypes
import Testing

/// nginx serving a folder of files on an HTTP and an HTTPS port (the test CA's localhost certificate).
final class NginxFiles: @unchecked Sendable {
    // Used from the test's thread; the loop reads only the immutable fields.
    let nginx: NginxPeer
    let httpPort: Int
    let httpsPort: Int
    let root: String
    let certificates: TestCertificates

    init() throws {
        certificates = try #require(TestCertificates.shared)
        httpPort = try freePort()
        httpsPort = try freePort()
        let parent = certificates.folder + "/www-\(UUID().uuidString)"
        root = parent
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(pattern(1024)).write(to: URL(fileURLWithPath: root + "/small.bin"))
        try Data(pattern(3_000_000)).write(to: URL(fileURLWithPath: root + "/large.bin"))
        try String(repeating: "nginx gzip text line\n", count: 20_000).write(toFile: root + "/text.txt", atomically: true, encoding: .utf8)
        nginx = try NginxPeer(folder: certificates.folder, servers: """
            server {
                listen 127.0.0.1:\(httpPort);
                listen 127.0.0.1:\(httpsPort) ssl;
                server_name localhost;
                ssl_certificate \(certificates.serverCert);
                ssl_certificate_key \(certificates.serverKey);
                ssl_protocols TLSv1.2 TLSv1.3;
                root \(root);
                types { application/octet-stream bin; text/plain txt; }
                gzip on;
                gzip_types text/plain;
                gzip_min_length 1;
                keepalive_requests 10000;
                location = /moved { return 301 /small.bin; }
            }
        """)
        try waitForListener(port: httpPort)
        try waitForListener(port: httpsPort)
    }

    deinit {
        nginx.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    func file(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + name))) }

    /// What curl downloads from `url` (with the test CA for https).
    func curl(_ url: String, _ extra: [String] = []) throws -> [UInt8] {
        let output = certificates.folder + "/curl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sS", "--cacert", certificates.caFile, "-o", output] + extra + [url]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PeerError("curl \(url) exited with \(process.terminationStatus)") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }
}

@Suite(.enabled(if: TestCertificates.shared != nil && onPath("nginx") && onPath("curl")), .timeLimit(.minutes(1)))
struct NginxClientTests {
    let files: NginxFiles
    init() throws { files = try NginxFiles() }

    func context() throws -> SSLContext { try SSLContext.createDefaultContext(cafile: files.certificates.caFile) }

    @Test(arguments: ["http", "https"])
    func filesAsCurlSeesThem(scheme: String) throws {
        let files = self.files
        let base = scheme == "http" ? "http://127.0.0.1:\(files.httpPort)" : "https://localhost:\(files.httpsPort)"
        let expected = try ["small.bin", "large.bin", "text.txt"].map { try files.curl("\(base)/\($0)") }
        #expect(expected[0] == pattern(1024) && expected[1] == pattern(3_000_000))
        let ssl = scheme == "https" ? try context() : nil
        try onLoop { _ in
            try await ClientSession.with(connector: TCPConnector(ssl: ssl)) { session in
                var got: [[UInt8]] = []
                for name in ["small.bin", "large.bin", "text.txt"] {
                    got.append(try await session.get("\(base)/\(name)") { response in
                        if name == "text.txt" { #expect(response.headers[.contentEncoding] == "gzip") }
                        return try await response.read()
                    })
                }
                #expect(got == expected)
                // Keep-alive: one connection carried them all, and twenty more.
                for _ in 0..<20 { _ = try await session.get("\(base)/small.bin") { try await $0.read() } }
                #expect(session.connector.openConnections == 1)
                let moved = try await session.get("\(base)/moved")
                #expect(try await moved.read() == pattern(1024) && moved.history.first?.status == 301)
            }
        }
    }

    @Test func rangeRequests() throws {
        let files = self.files
        let url = "http://127.0.0.1:\(files.httpPort)/large.bin"
        let curlRange = try files.curl(url, ["-r", "1000-1999"])
        try onLoop { _ in
            try await ClientSession.with { session in
                let part = try await session.get(url, headers: [.range: "bytes=1000-1999"])
                #expect(part.status == 206 && part.headers[.contentRange] == "bytes 1000-1999/3000000")
                let bytes = try await part.read()
                #expect(bytes == Array(pattern(3_000_000)[1000..<2000]) && bytes == curlRange)
                let suffix = try await session.get(url, headers: [.range: "bytes=-10"]) { try await $0.read() }
                #expect(suffix == Array(pattern(3_000_000).suffix(10)))
                let unsatisfiable = try await session.get(url, headers: [.range: "bytes=5000000-"])
                #expect(unsatisfiable.status == 416)
                unsatisfiable.release()
            }
        }
    }

    @Test func httpsVerification() throws {
        let files = self.files
        let url = "https://localhost:\(files.httpsPort)/small.bin"
        let ssl = try context()
        try onLoop { _ in
            try await ClientSession.with { session in
                // The system's CAs do not know the test CA: verification is on by default.
                let error = try await expectError(ClientConnectorError.self) { _ = try await session.get(url) }
                #expect(error.underlying is SSLCertVerificationError, "\(error)")
                #expect("\(error)".contains("certificate verify failed"), "\(error)")
                #expect(try await session.request("GET", url, ssl: ssl) { try await $0.read() } == pattern(1024))
                #expect(try await session.request("GET", url, verifySSL: false) { try await $0.read() } == pattern(1024))
            }
        }
    }
}
