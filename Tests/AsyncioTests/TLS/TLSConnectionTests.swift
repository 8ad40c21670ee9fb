// TLS over real sockets between the library's own clients and servers: streams and protocols,
// extra info, verification failures, handshake timeouts, bad clients, and what is left behind.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Glibc
import Testing

/// Contexts made from the test certificates.
struct TLSFixtures {
    let certificates: TestCertificates

    init() throws { certificates = try #require(TestCertificates.shared) }

    func server(cert: String? = nil, alpn: [String]? = nil) throws -> SSLContext {
        let context = try SSLContext(.server)
        try context.loadCertChain(certfile: cert ?? certificates.serverCert, keyfile: certificates.serverKey)
        if let alpn { try context.setAlpnProtocols(alpn) }
        return context
    }

    func client(ca: String? = nil) throws -> SSLContext {
        try SSLContext.createDefaultContext(cafile: ca ?? certificates.caFile)
    }
}

/// A streams echo handler: lines back with "echo:" until EOF.
@Sendable func tlsEchoHandler(_ reader: StreamReader, _ writer: StreamWriter) async throws {
    while true {
        let line = try await reader.readline()
        if line.isEmpty { break }
        try writer.write(Array("echo:".utf8) + line)
        try await writer.drain()
    }
    writer.close()
    try await writer.waitClosed()
}

@Suite(.enabled(if: TestCertificates.shared != nil)) struct TLSConnectionTests {
    let fixtures: TLSFixtures

    init() throws { fixtures = try TLSFixtures() }

    @Test(.timeLimit(.minutes(1))) func streamsEchoOverTLSWithExtraInfo() throws { try withLeakChecks { loop, tracker in
        let (server, client) = (try fixtures.server(alpn: ["echo/1"]), try fixtures.client())
        try client.setAlpnProtocols(["echo/1"])
        let (replies, version, peer, alpn, cipher) = try loop.runUntilComplete { () async throws -> ([String], String?, PeerCertificate?, String?, Cipher?) in
            let listener = try await asyncio.startServer(tlsEchoHandler, host: "127.0.0.1", port: 0, ssl: server)
            let port = listener.addresses[0].port!
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: client)
            tracker.track(writer, "writer")
            tracker.track(reader, "reader")
            tracker.track(writer.transport, "TLS transport")
            var replies: [String] = []
            for line in ["one\n", "two\n", String(repeating: "x", count: 60_000) + "\n"] {
                try writer.write(Array(line.utf8))
                try await writer.drain()
                replies.append(String(decoding: try await reader.readline(), as: UTF8.self))
            }
            let object = writer.getExtraInfo("ssl_object") as? SSLObject
            let info = (object?.version(), writer.getExtraInfo("peercert") as? PeerCertificate,
                        object?.selectedAlpnProtocol(), writer.getExtraInfo("cipher") as? Cipher)
            #expect(writer.getExtraInfo("sslcontext") as? SSLContext === client)
            #expect((writer.getExtraInfo("peername") as? SocketAddress)?.port == port)
            #expect(!writer.canWriteEOF())
            #expect(throws: TLSHalfCloseError()) { try writer.writeEOF() }
            writer.close()
            try await writer.waitClosed()
            listener.close()
            try await listener.waitClosed()
            return (replies, info.0, info.1, info.2, info.3)
        }
        #expect(replies.prefix(2) == ["echo:one\n", "echo:two\n"])
        #expect(replies.last == "echo:" + String(repeating: "x", count: 60_000) + "\n", "a reply of \(replies.last?.count ?? 0) bytes")
        #expect(version == "TLSv1.3")
        #expect(peer?.subjectAltName.first == PeerCertificate.Attribute(name: "DNS", value: "localhost"))
        #expect(alpn == "echo/1")
        #expect(cipher?.protocolVersion == "TLSv1.3")
    } }

    @Test(.timeLimit(.minutes(1))) func aFailedVerificationFailsTheClientAndTheServerGoesOn() throws { try withLeakChecks { loop, _ in
        let reported = ReportedErrors()
        reported.install(on: loop)
        let server = try fixtures.server()
        let (untrusted, wrongHost, reply) = try loop.runUntilComplete { () async throws -> (String, String, String) in
            let listener = try await asyncio.startServer(tlsEchoHandler, host: "127.0.0.1", port: 0, ssl: server)
            let port = listener.addresses[0].port!
            var texts: [String] = []
            for (context, host) in [(try fixtures.client(ca: fixtures.certificates.otherCAFile), "localhost"), (try fixtures.client(), "127.0.0.2")] {
                do {
                    _ = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: context, serverHostname: host)
                    texts.append("connected")
                } catch let error as SSLCertVerificationError {
                    texts.append("\(error)")
                }
            }
            let (reader, writer) = try await asyncio.openConnection(host: "localhost", port: port, ssl: try fixtures.client())
            try writer.write(Array("still here\n".utf8))
            let reply = String(decoding: try await reader.readline(), as: UTF8.self)
            writer.close()
            try await writer.waitClosed()
            listener.close()
            try await listener.waitClosed()
            return (texts[0], texts[1], reply)
        }
        #expect(untrusted == "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate")
        #expect(wrongHost == "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.2'.")
        #expect(reply == "echo:still here\n")
        #expect(reported.messages.isEmpty)
    } }

    /// TLS over a Unix-domain socket and over an already connected socket (`socket:`).
    @Test(.timeLimit(.minutes(1))) func unixSocketsAndConnectedSocketsSpeakTLSToo() throws { try withLeakChecks { loop, _ in
        let path = NSTemporaryDirectory() + "asyncio-tls-\(getpid())-\(UUID().uuidString.prefix(8)).sock"
        defer { unlink(path) }
        let (server, client) = (try fixtures.server(), try fixtures.client())
        let replies = try loop.runUntilComplete { () async throws -> [String] in
            let unixServer = try await asyncio.startUnixServer(tlsEchoHandler, path: path, ssl: server)
            let (reader, writer) = try await asyncio.openUnixConnection(path: path, ssl: client, serverHostname: "localhost")
            try writer.write(Array("over unix\n".utf8))
            var replies = [String(decoding: try await reader.readline(), as: UTF8.self)]
            writer.close()
            try await writer.waitClosed()
            unixServer.close()
            try await unixServer.waitClosed()
            let tcpServer = try await asyncio.startServer(tlsEchoHandler, host: "127.0.0.1", port: 0, ssl: server)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            try await loop.sockConnect(fd, tcpServer.addresses[0])
            let recorder = ChunkRecorder(loop: loop)
            let (transport, _) = try await loop.createConnection({ recorder }, socket: fd, ssl: client, serverHostname: "localhost")
            try transport.write(Array("over a socket\n".utf8))
            while recorder.chunks.joined().count < 19 { try await asyncio.sleep(0.001) }
            replies.append(String(decoding: recorder.chunks.joined(), as: UTF8.self))
            transport.close()
            try await recorder.ended.value
            tcpServer.close()
            try await tcpServer.waitClosed()
            // The TLS layer tells the handler's protocol of the end with call_soon, as asyncio:
            // its handler task ends an iteration or two after the server's connection is gone.
            for _ in 0..<3 { try await asyncio.sleep(0) }
            return replies
        }
        #expect(replies == ["echo:over unix\n", "echo:over a socket\n"])
    } }

    /// Mutual TLS on our server: a client certificate signed by the CA is seen by the handler;
    /// a client without one is refused with TLS 1.3's alert, and the server goes on.
    @Test(.timeLimit(.minutes(1))) func mutualTLSWithAndWithoutAClientCertificate() throws { try withLeakChecks { loop, _ in
        let server = try fixtures.server()
        try server.loadVerifyLocations(cafile: fixtures.certificates.caFile)
        try server.setVerifyMode(.required)
        let withCertificate = try fixtures.client()
        try withCertificate.loadCertChain(certfile: fixtures.certificates.clientCert, keyfile: fixtures.certificates.clientKey)
        let replies = try loop.runUntilComplete { () async throws -> [String] in
            let listener = try await asyncio.startServer({ reader, writer in
                _ = try await reader.readline()
                let subject = (writer.getExtraInfo("peercert") as? PeerCertificate)?.subject.last?.first?.value ?? "-"
                try writer.write(Array("hello \(subject)\n".utf8))
                writer.close()
            }, host: "127.0.0.1", port: 0, ssl: server)
            var replies: [String] = []
            for client in [withCertificate, try fixtures.client()] {
                let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: listener.addresses[0].port!, ssl: client, serverHostname: "localhost")
                try writer.write(Array("hi\n".utf8))
                do { replies.append(String(decoding: try await reader.readline(), as: UTF8.self)) } catch { replies.append("\(type(of: error)): \(error)") }
                writer.close()
                try? await writer.waitClosed()
            }
            listener.close()
            try await listener.waitClosed()
            return replies
        }
        #expect(replies == ["hello asyncio test client\n", "SSLError: [SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required"])
    } }

    @Test(.timeLimit(.minutes(1))) func aStalledHandshakeTimesOutOnTheVirtualClock() throws {
        try withLeakChecks(clock: VirtualClock()) { loop, _ in
            let (message, elapsed) = try loop.runUntilComplete { () async throws -> (String, Double) in
                // A TCP server that accepts and never speaks.
                let silent = try await loop.createServer({ SilentProtocol() }, host: "127.0.0.1", port: 0)
                let start = loop.time()
                var message = ""
                do {
                    _ = try await asyncio.openConnection(host: "127.0.0.1", port: silent.addresses[0].port!,
                                                         ssl: try fixtures.client(), sslHandshakeTimeout: 5)
                } catch let error as ConnectionAbortedError {
                    message = error.message
                }
                let elapsed = loop.time() - start
                silent.close()
                silent.abortClients()
                try await silent.waitClosed()
                return (message, elapsed)
            }
            #expect(message == "SSL handshake is taking longer than 5.0 seconds: aborting the connection")
            #expect(elapsed >= 5 && elapsed < 5.1)
        }
    }

    @Test(.timeLimit(.minutes(1))) func plainTextAndGarbageClientsAreDroppedAndTheServerGoesOn() throws { try withLeakChecks { loop, _ in
        let reported = ReportedErrors()
        reported.install(on: loop)
        let server = try fixtures.server()
        let (answers, reply) = try loop.runUntilComplete { () async throws -> ([String], String) in
            let listener = try await asyncio.startServer(tlsEchoHandler, host: "127.0.0.1", port: 0, ssl: server)
            let port = listener.addresses[0].port!
            var answers: [String] = []
            for junk in ["GET / HTTP/1.1\r\nHost: x\r\n\r\n", String(repeating: "\u{16}\u{03}\u{01}garbage", count: 50)] {
                let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
                try writer.write(Array(junk.utf8))
                answers.append("\(try await reader.read(-1).count > 0 ? "alert" : "nothing") then EOF")
                writer.close()
                try await writer.waitClosed()
            }
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: try fixtures.client(), serverHostname: "localhost")
            try writer.write(Array("fine\n".utf8))
            let reply = String(decoding: try await reader.readline(), as: UTF8.self)
            writer.close()
            try await writer.waitClosed()
            listener.close()
            try await listener.waitClosed()
            return (answers, reply)
        }
        // OpenSSL answers an HTTP request with no alert, garbage with one; both then close.
        #expect(answers == ["nothing then EOF", "alert then EOF"])
        #expect(reply == "echo:fine\n")
        #expect(reported.messages.isEmpty)
    } }

    @Test(.timeLimit(.minutes(1))) func argumentsAreCheckedAsAsyncioChecksThem() throws { try withLeakChecks { loop, _ in
        let client = try fixtures.client()
        let errors = try loop.runUntilComplete { () async throws -> [String] in
            var errors: [String] = []
            func record(_ body: () async throws -> Void) async {
                do { try await body(); errors.append("no error") } catch { errors.append("\(error)") }
            }
            await record { _ = try await asyncio.openConnection(host: "127.0.0.1", port: 1, serverHostname: "x") }
            await record { _ = try await asyncio.openConnection(host: "127.0.0.1", port: 1, sslHandshakeTimeout: 1) }
            await record { _ = try await asyncio.openConnection(host: "127.0.0.1", port: 1, ssl: client, sslHandshakeTimeout: 0) }
            await record { _ = try await asyncio.openConnection(host: "127.0.0.1", port: 1, ssl: client, serverHostname: "") }
            await record { _ = try await asyncio.openUnixConnection(path: "/nonexistent", ssl: client) }
            await record { _ = try await asyncio.startServer(tlsEchoHandler, host: "127.0.0.1", port: 0, sslShutdownTimeout: 1) }
            // A leading dot would mean "any subdomain" to OpenSSL; CPython refuses it.
            let listener = try await asyncio.startServer({ _, writer in writer.close() }, host: "127.0.0.1", port: 0)
            await record { _ = try await asyncio.openConnection(host: "127.0.0.1", port: listener.addresses[0].port!, ssl: client, serverHostname: ".localhost") }
            listener.close()
            try await listener.waitClosed()
            return errors
        }
        #expect(errors == [
            "server_hostname is only meaningful with ssl",
            "ssl_handshake_timeout is only meaningful with ssl",
            "ssl_handshake_timeout should be a positive number, got 0.0",
            "check_hostname requires server_hostname",
            "you have to pass server_hostname when using ssl",
            "ssl_shutdown_timeout is only meaningful with ssl",
            "server_hostname cannot be an empty string or start with a leading dot.",
        ])
    } }
}

/// Accepts a connection and says nothing.
final class SilentProtocol: ConnectionProtocol {
    func dataReceived(_ data: [UInt8]) {}
}
