// TLS against real peers on loopback: openssl s_server and s_client, CPython's asyncio and ssl
// (clients and servers, mutual TLS, STARTTLS), curl.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Glibc
import Testing

/// A CPython asyncio TLS server: answers one line per connection with what it saw (SNI, ALPN,
/// version, the client certificate's common name). `mtls` requires a client certificate.
private let pythonTLSServer = """
import asyncio, ssl, sys
ca, cert, key, mode = sys.argv[1:5]
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(['echo/1', 'http/1.1'])
seen = {}
def sni(sslobj, name, context):
    seen['sni'] = name
ctx.sni_callback = sni
if mode == 'mtls':
    ctx.load_verify_locations(ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
async def handle(reader, writer):
    line = await reader.readline()
    obj = writer.get_extra_info('ssl_object')
    peer = writer.get_extra_info('peercert')
    who = dict(x[0] for x in peer['subject'])['commonName'] if peer else '-'
    writer.write(f"sni={seen.get('sni')} alpn={obj.selected_alpn_protocol()} version={obj.version()} client={who} got={line.decode().strip()}\\n".encode())
    await writer.drain()
    writer.close()
async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', 0, ssl=ctx)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""

/// A CPython asyncio client: one line over TLS, prints the reply and the ALPN result.
private let pythonTLSClient = """
import asyncio, ssl, sys
ca, port = sys.argv[1], int(sys.argv[2])
async def main():
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(['echo/1'])
    try:
        r, w = await asyncio.open_connection('127.0.0.1', port, ssl=ctx, server_hostname='localhost')
    except ssl.SSLError as e:
        print(type(e).__name__, e.reason)
        return
    w.write(b'from python\\n')
    await w.drain()
    print((await r.readline()).decode().strip(), w.get_extra_info('ssl_object').selected_alpn_protocol())
    w.close()
    await w.wait_closed()
asyncio.run(main())
"""

@Suite(.enabled(if: TestCertificates.shared != nil), .timeLimit(.minutes(1))) struct TLSRealPeerTests {
    let fixtures: TLSFixtures
    var certificates: TestCertificates { fixtures.certificates }

    init() throws { fixtures = try TLSFixtures() }

    /// Two runs of `openssl s_server -rev` (it reverses each line): one selects ALPN, one
    /// switches its certificate by SNI (s_server cannot do both in one context).
    @Test func ourClientAgainstOpenSSLServer() throws {
        let client = try fixtures.client()
        try client.setAlpnProtocols(["echo/1"])
        let base = ["s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-rev", "-cert", certificates.serverCert, "-key", certificates.serverKey]
        let sni = ["-servername", "localhost", "-cert2", certificates.serverCert, "-key2", certificates.serverKey]
        for extra in [["-alpn", "echo/1"], sni] {
            let peer = try PeerProcess("openssl", base + extra)
            let port = try peer.waitForPort { $0.hasPrefix("ACCEPT") }
            let (reply, alpn) = try withLeakChecks { loop, _ in try loop.runUntilComplete { () async throws -> (String, String?) in
                let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: client, serverHostname: "localhost")
                try writer.write(Array("hello\n".utf8))
                let reply = String(decoding: try await reader.readline(), as: UTF8.self)
                let alpn = (writer.getExtraInfo("ssl_object") as? SSLObject)?.selectedAlpnProtocol()
                writer.close()
                try await writer.waitClosed()
                return (reply, alpn)
            } }
            let printed = peer.stop(grace: 5)   // -naccept 1: it exits after the connection
            #expect(reply == "olleh\n")
            #expect(printed.contains("Protocol version: TLSv1.3"))
            if extra == sni {
                #expect(printed.contains("Hostname in TLS extension: \"localhost\""), "\(printed)")
            } else {
                #expect(alpn == "echo/1")
                #expect(printed.contains("ALPN protocols selected: echo/1"), "\(printed)")
            }
        }
    }

    @Test func openSSLClientAgainstOurServer() throws { try withLeakChecks { loop, _ in
        let server = try fixtures.server(alpn: ["echo/1"])
        let (reply, printed) = try loop.runUntilComplete { () async throws -> (String, String) in
            let listener = try await asyncio.startServer(tlsEchoHandler, host: "127.0.0.1", port: 0, ssl: server)
            let client = try await asyncio.createSubprocessExec(
                "openssl", ["s_client", "-connect", "127.0.0.1:\(listener.addresses[0].port!)", "-CAfile", certificates.caFile,
                            "-servername", "localhost", "-alpn", "echo/1", "-verify_return_error", "-no_ign_eof", "-brief"],
                stdin: .pipe, stdout: .pipe, stderr: .pipe)
            try client.stdin!.write(Array("hello\n".utf8))
            let reply = String(decoding: try await client.stdout!.readline(), as: UTF8.self)
            try client.stdin!.writeEOF()
            let printed = String(decoding: try await client.stderr!.read(-1), as: UTF8.self)
            _ = try await client.wait()
            listener.close()
            try await listener.waitClosed()
            return (reply, printed)
        }
        #expect(reply == "echo:hello\n")
        #expect(printed.contains("Verification: OK"), "\(printed)")
        #expect(printed.contains("Peer certificate: O = asyncio tests, CN = localhost"))
    } }

    @Test func pythonClientsAgainstOurServer() throws { try withLeakChecks { loop, _ in
        let server = try fixtures.server(alpn: ["echo/1"])
        let (trusted, untrusted) = try loop.runUntilComplete { () async throws -> (String, String) in
            let listener = try await asyncio.startServer(tlsEchoHandler, host: "127.0.0.1", port: 0, ssl: server)
            let port = String(listener.addresses[0].port!)
            let ca = certificates.caFile, other = certificates.otherCAFile
            let trusted = try await asyncio.toThread { try runPython(pythonTLSClient, arguments: [ca, port]) }
            let untrusted = try await asyncio.toThread { try runPython(pythonTLSClient, arguments: [other, port]) }
            listener.close()
            try await listener.waitClosed()
            return (trusted, untrusted)
        }
        #expect(trusted == "echo:from python echo/1\n")
        #expect(untrusted == "SSLCertVerificationError CERTIFICATE_VERIFY_FAILED\n")
    } }

    /// Our client against CPython's asyncio TLS server: SNI and ALPN as the server saw them, and
    /// mutual TLS with and without a client certificate.
    @Test func ourClientAgainstPythonServers() throws {
        func withPythonServer(_ mode: String, _ body: (Int) throws -> Void) throws {
            let peer = try PeerProcess("python3", ["-c", pythonTLSServer, certificates.caFile, certificates.serverCert, certificates.serverKey, mode])
            defer { peer.stop() }
            try body(try peer.waitForPort { Int($0) != nil })
        }
        func exchange(_ port: Int, _ client: SSLContext) throws -> String {
            try withLeakChecks { loop, _ in try loop.runUntilComplete { () async throws -> String in
                let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: client, serverHostname: "localhost")
                try writer.write(Array("hi\n".utf8))
                let reply: String
                do { reply = String(decoding: try await reader.readline(), as: UTF8.self) } catch { reply = "\(type(of: error)): \(error)" }
                writer.close()
                try? await writer.waitClosed()   // rethrows what the connection was lost with
                return reply
            } }
        }
        let plain = try fixtures.client()
        try plain.setAlpnProtocols(["echo/1"])
        let withCertificate = try fixtures.client()
        try withCertificate.loadCertChain(certfile: certificates.clientCert, keyfile: certificates.clientKey)
        var replies: [String] = []
        try withPythonServer("plain") { port in replies.append(try exchange(port, plain)) }
        try withPythonServer("mtls") { port in
            replies.append(try exchange(port, withCertificate))
            replies.append(try exchange(port, plain))
        }
        #expect(replies.prefix(2) == [
            "sni=localhost alpn=echo/1 version=TLSv1.3 client=- got=hi\n",
            "sni=localhost alpn=None version=TLSv1.3 client=asyncio test client got=hi\n",
        ])
        // CPython's TLS server drops a client without a certificate with no alert (its sslproto
        // does not flush one). In TLS 1.3 the client has finished its handshake and sent "hi" by
        // then, so it sees either the connection end or, when "hi" reached a socket the server had
        // already closed, the kernel's reset: both are the connection lost, never a reply.
        #expect(replies.count == 3)
        #expect(["", "OSError: [Errno 104] Connection reset by peer"].contains(replies.last ?? "missing"))
    }

    @Test(.enabled(if: onPath("curl"))) func curlFetchesTwoPagesOverOneTLSConnection() throws { try withLeakChecks { loop, _ in
        let tally = ServerTally()
        let server = try fixtures.server()
        let output = try loop.runUntilComplete { () async throws -> String in
            let listener = try await asyncio.startServer({ reader, writer in
                try await RealPeerTests.serveHTTP(reader, writer, tally)
            }, host: "127.0.0.1", port: 0, ssl: server)
            let port = listener.addresses[0].port!
            let curl = try await asyncio.createSubprocessExec(
                "curl", ["-sS", "--cacert", certificates.caFile, "--resolve", "localhost:\(port):127.0.0.1",
                         "https://localhost:\(port)/first", "https://localhost:\(port)/second"], stdout: .pipe, stderr: .pipe)
            let (out, errors) = try await curl.communicate()
            listener.close()
            try await listener.waitClosed()
            return String(decoding: (out ?? []) + (errors ?? []), as: UTF8.self)
        }
        #expect(output == "you asked for /first\nyou asked for /second\n")
        #expect(tally.connections == 1)
    } }

    /// A plain connection upgraded in place: a tiny SMTP-like exchange with CPython's server.
    @Test func startTLSAgainstAPythonServer() throws {
        let source = """
        import asyncio, ssl, sys
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
        async def handle(reader, writer):
            writer.write(b'220 ready\\n')
            assert (await reader.readline()) == b'STARTTLS\\n'
            writer.write(b'220 go ahead\\n')
            await writer.drain()
            await writer.start_tls(ctx)
            line = await reader.readline()
            writer.write(b'250 ' + writer.get_extra_info('ssl_object').version().encode() + b' ' + line)
            await writer.drain()
            writer.close()
        async def main():
            server = await asyncio.start_server(handle, '127.0.0.1', 0)
            print(server.sockets[0].getsockname()[1], flush=True)
            async with server:
                await server.serve_forever()
        asyncio.run(main())
        """
        let peer = try PeerProcess("python3", ["-c", source, certificates.serverCert, certificates.serverKey])
        defer { peer.stop() }
        let port = try peer.waitForPort { Int($0) != nil }
        let client = try fixtures.client()
        let lines = try withLeakChecks { loop, tracker in try loop.runUntilComplete { () async throws -> [String] in
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
            let plainTransport = writer.transport
            tracker.track(plainTransport, "plain transport")
            var lines = [String(decoding: try await reader.readline(), as: UTF8.self)]
            try writer.write(Array("STARTTLS\n".utf8))
            lines.append(String(decoding: try await reader.readline(), as: UTF8.self))
            try await writer.startTLS(client, serverHostname: "localhost")
            #expect(writer.transport !== plainTransport)
            try writer.write(Array("EHLO secure\n".utf8))
            lines.append(String(decoding: try await reader.readline(), as: UTF8.self))
            writer.close()
            try await writer.waitClosed()
            return lines
        } }
        #expect(lines == ["220 ready\n", "220 go ahead\n", "250 TLSv1.3 EHLO secure\n"])
    }
}

/// nginx (Debian's) serving HTTPS on a loopback port, with a configuration the test writes.
@Suite(.enabled(if: TestCertificates.shared != nil && onPath("nginx")), .timeLimit(.minutes(1))) struct NginxTLSTests {
    @Test func ourClientFetchesFromNginxOverTLS() throws {
        let fixtures = try TLSFixtures()
        let certificates = fixtures.certificates
        let port = try freePort()
        let nginx = try NginxPeer(folder: certificates.folder, servers: """
            server {
                listen 127.0.0.1:\(port) ssl;
                server_name localhost;
                ssl_certificate \(certificates.serverCert);
                ssl_certificate_key \(certificates.serverKey);
                ssl_protocols TLSv1.2 TLSv1.3;   # 1.22 offers no TLS 1.3 by default
                location / {
                    default_type text/plain;
                    return 200 "nginx sni=$ssl_server_name alpn=$ssl_alpn_protocol protocol=$ssl_protocol uri=$request_uri\\n";
                }
            }
        """)
        defer { nginx.stop() }
        let client = try fixtures.client()
        try client.setAlpnProtocols(["http/1.1"])
        let response = try withLeakChecks { loop, _ in try loop.runUntilComplete { () async throws -> String in
            var connection: (StreamReader, StreamWriter)?
            for _ in 0..<200 where connection == nil {   // until nginx listens
                do {
                    connection = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: client, serverHostname: "localhost")
                } catch is OSError {
                    try await asyncio.sleep(0.02)
                }
            }
            let (reader, writer) = try #require(connection)
            try writer.write(Array("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8))
            let response = String(decoding: try await reader.read(-1), as: UTF8.self)
            writer.close()
            try await writer.waitClosed()
            return response
        } }
        #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(response)")
        #expect(response.hasSuffix("\r\n\r\nnginx sni=localhost alpn=http/1.1 protocol=TLSv1.3 uri=/hello\n"), "\(response)")
    }
}
