// TLS behaviour as asyncio's sslproto: flow control through the layer, the shutdown timeout,
// a peer that resets in the middle of a record, renegotiation refused.
@testable import Asyncio
import AsyncioTestSupport
import COpenSSL
import Foundation
import Glibc
import Testing

/// A client protocol that records flow control and how the connection ended.
final class FlowRecorder: ConnectionProtocol, @unchecked Sendable {
    // Used on the loop's thread only.
    var events: [String] = []
    var transport: (any Transport)?
    let lost: Future<String>
    init(loop: EventLoop) { lost = loop.createFuture() }
    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) {}
    func pauseWriting() { events.append("pause") }
    func resumeWriting() { events.append("resume") }
    func connectionLost(_ error: (any Error)?) { try? lost.setResult(error.map { "\($0)" } ?? "nil") }
}

@Suite(.enabled(if: TestCertificates.shared != nil), .timeLimit(.minutes(1))) struct TLSBehaviourTests {
    let fixtures: TLSFixtures

    init() throws { fixtures = try TLSFixtures() }

    /// A server whose handler stops reading until `release` is set, then counts what came.
    func stallingServer(_ release: Event, _ received: Shared<Int>) async throws -> Server {
        try await asyncio.startServer({ reader, writer in
            try await release.wait()
            while true {
                let chunk = try await reader.read(1 << 16)
                if chunk.isEmpty { break }
                received.value += chunk.count
            }
            writer.close()
        }, host: "127.0.0.1", port: 0, ssl: try fixtures.server())
    }

    @Test func pauseAndResumeWritingReachTheAppProtocolThroughTLS() throws { try withLeakChecks { loop, _ in
        let (events, _, bufferWhenPaused) = try loop.runUntilComplete { () async throws -> ([String], Int, Int) in
            let release = Event()
            let received = Shared(0)
            let server = try await stallingServer(release, received)
            let (transport, recorder) = try await loop.createConnection({ FlowRecorder(loop: loop) }, host: "127.0.0.1",
                                                                         port: server.addresses[0].port!, ssl: try fixtures.client(), serverHostname: "localhost")
            // Write until the app is told to pause (the socket's buffers fill first).
            var total = 0
            while recorder.events.isEmpty && total < 256 << 20 {
                try transport.write([UInt8](repeating: 1, count: 1 << 16))
                total += 1 << 16
            }
            let bufferWhenPaused = transport.getWriteBufferSize()
            release.set()
            while received.value < total { try await asyncio.sleep(0.001) }
            transport.close()
            _ = try await recorder.lost.value
            server.close()
            try await server.waitClosed()
            #expect(received.value == total)
            return (recorder.events, received.value, bufferWhenPaused)
        }
        #expect(events == ["pause", "resume"])
        #expect(bufferWhenPaused >= SSLProtocol.writeHighWater)
    } }

    /// close() sends close_notify and waits for the peer's; a peer that never answers is cut
    /// off after `sslShutdownTimeout` with asyncio's TimeoutError.
    @Test func aPeerThatNeverAnswersCloseNotifyIsCutOffAfterTheShutdownTimeout() throws {
        try withLeakChecks(clock: VirtualClock()) { loop, _ in
            let (lostWith, elapsed) = try loop.runUntilComplete { () async throws -> (String, Double) in
                let connected = loop.createFuture(of: Void.self)
                let made = Shared<PausingProtocol?>(nil)
                // The server's app stops reading: the TLS layer then processes no records.
                let server = try await loop.createServer({ let protocolObject = PausingProtocol(connected); made.value = protocolObject; return protocolObject },
                                                         host: "127.0.0.1", port: 0, ssl: try fixtures.server())
                let (transport, recorder) = try await loop.createConnection({ FlowRecorder(loop: loop) }, host: "127.0.0.1",
                                                                             port: server.addresses[0].port!, ssl: try fixtures.client(),
                                                                             serverHostname: "localhost", sslShutdownTimeout: 3)
                try await connected.value
                let serverSide = try #require(made.value?.transport)
                let start = loop.time()
                transport.close()
                let lostWith = try await recorder.lost.value
                let elapsed = loop.time() - start
                serverSide.abort()
                server.close()
                try await server.waitClosed()
                return (lostWith, elapsed)
            }
            #expect(lostWith == "SSL shutdown timed out")
            #expect(elapsed >= 3 && elapsed < 3.1)
        }
    }

    /// A client that resets (SO_LINGER 0) in the middle of a large write: the server's read
    /// fails with the reset, nothing is reported, and the server serves the next client.
    @Test func aPeerThatResetsMidRecordFailsOnlyItsConnection() throws { try withLeakChecks { loop, _ in
        let reported = ReportedErrors()
        reported.install(on: loop)
        let (firstEnded, reply) = try loop.runUntilComplete { () async throws -> (String, String) in
            let ended = loop.createFuture(of: String.self)
            let server = try await asyncio.startServer({ reader, writer in
                do {
                    while true {
                        let chunk = try await reader.read(1 << 16)
                        if chunk.isEmpty { break }
                        if chunk == Array("next\n".utf8) { try writer.write(Array("ok\n".utf8)) }
                    }
                    if !ended.done() { try ended.setResult("EOF") }
                } catch {
                    if !ended.done() { try ended.setResult("\(type(of: error))") }
                }
                writer.close()
            }, host: "127.0.0.1", port: 0, ssl: try fixtures.server())
            let port = server.addresses[0].port!
            let (_, rude) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: try fixtures.client(), serverHostname: "localhost")
            try rude.write([UInt8](repeating: 65, count: 1 << 20))     // many records
            try await asyncio.sleep(0.002)
            let fd = try #require(rude.getExtraInfo("socket") as? Int32)
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            rude.transport.abort()
            let firstEnded = try await ended.value
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: try fixtures.client(), serverHostname: "localhost")
            try writer.write(Array("next\n".utf8))
            let reply = String(decoding: try await reader.readline(), as: UTF8.self)
            writer.close()
            try await writer.waitClosed()
            server.close()
            try await server.waitClosed()
            return (firstEnded, reply)
        }
        #expect(firstEnded == "OSError")
        #expect(reply == "ok\n")
        #expect(reported.messages.isEmpty, "\(reported.messages)")
    } }

    /// A buffered protocol over TLS gets every byte through its own (small) buffer.
    @Test func aBufferedProtocolReceivesDecryptedDataIntoItsOwnMemory() throws { try withLeakChecks { loop, _ in
        let (total, intact) = try loop.runUntilComplete { () async throws -> (Int, Bool) in
            let receiver = Shared<SmallBufferReceiver?>(nil)
            let server = try await loop.createServer({ let made = SmallBufferReceiver(loop: loop); receiver.value = made; return made },
                                                     host: "127.0.0.1", port: 0, ssl: try fixtures.server())
            let (_, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: server.addresses[0].port!,
                                                               ssl: try fixtures.client(), serverHostname: "localhost")
            try writer.write((0..<100_000).map { UInt8($0 % 251) })
            writer.close()   // close_notify: the receiver's eofReceived
            try await writer.waitClosed()
            while receiver.value == nil { try await asyncio.sleep(0.001) }
            let (total, _, intact) = try await receiver.value!.done.value
            server.close()
            try await server.waitClosed()
            return (total, intact)
        }
        #expect(total == 100_000)
        #expect(intact)
    } }

    /// A record split across two TCP segments (CPython's ssl on memory BIOs, written by hand):
    /// OpenSSL holds the first part, and the whole plaintext still arrives without more data.
    @Test func aRecordSplitAcrossSegmentsIsDeliveredWhole() throws {
        let source = """
        import socket, ssl, sys, time
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
        listener = socket.create_server(('127.0.0.1', 0))
        print(listener.getsockname()[1], flush=True)
        conn, _ = listener.accept()
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                conn.sendall(outgoing.read())
                incoming.write(conn.recv(65536))
        conn.sendall(outgoing.read())
        tls.write(b'y' * 16000)
        record = outgoing.read()
        conn.sendall(record[:5000])
        time.sleep(0.2)
        conn.sendall(record[5000:])
        time.sleep(5)
        """
        let certificates = fixtures.certificates
        let peer = try PeerProcess("python3", ["-c", source, certificates.serverCert, certificates.serverKey])
        defer { peer.stop() }
        let port = try peer.waitForPort { Int($0) != nil }
        let count = try withLeakChecks { loop, _ in try loop.runUntilComplete { () async throws -> Int in
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: try fixtures.client(), serverHostname: "localhost")
            let data = try await asyncio.waitFor(timeout: 3) { try await reader.readexactly(16000) }
            writer.transport.abort()
            try? await writer.waitClosed()
            return data.count
        } }
        #expect(count == 16000)
    }

    /// TLS 1.2 renegotiation asked for by the client is refused by our contexts; the
    /// connection goes on.
    @Test func renegotiationIsRefused() throws {
        let client = try fixtures.client()
        client.maximumVersion = .tlsv1_2
        SSL_CTX_clear_options(client.pointer, asyncio_ssl_op_no_renegotiation())   // this client asks
        let clientSide = try SSLObject(context: client, serverSide: false, serverHostname: "localhost")
        let serverSide = try SSLObject(context: fixtures.server(), serverSide: true, serverHostname: nil)
        try handshakeInMemory(clientSide, serverSide)
        #expect(clientSide.version() == "TLSv1.2")
        #expect(SSL_renegotiate(clientSide.ssl) == 1)
        _ = try clientSide.doHandshake()                       // sends the new ClientHello
        clientSide.takeOutgoing().withUnsafeBytes { serverSide.feed($0) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let serverRead = try buffer.withUnsafeMutableBytes { try serverSide.read(into: $0) }
        guard case .wantRead = serverRead else { Issue.record("server read gave \(serverRead)"); return }
        serverSide.takeOutgoing().withUnsafeBytes { clientSide.feed($0) }   // the no_renegotiation alert
        #expect(throws: SSLError.self) { _ = try clientSide.doHandshake() }
    }
}

/// A server-side protocol that stops reading as soon as it is connected, and hands out its
/// transport.
final class PausingProtocol: ConnectionProtocol, @unchecked Sendable {
    // Used on the loop's thread only.
    let connected: Future<Void>
    var transport: (any Transport)?
    init(_ connected: Future<Void>) { self.connected = connected }
    func connectionMade(_ transport: any Transport) {
        transport.pauseReading()
        self.transport = transport
        try? connected.setResult(())
    }
    func dataReceived(_ data: [UInt8]) {}
}
