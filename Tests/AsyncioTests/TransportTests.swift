// Transports and protocols over loopback, against our own peers and CPython asyncio.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

/// Echoes what it receives; records what happened.
final class EchoServerProtocol: ConnectionProtocol {
    let log: EventLog
    var transport: (any Transport)?
    let keepHalfOpen: Bool
    init(log: EventLog, keepHalfOpen: Bool = false) { self.log = log; self.keepHalfOpen = keepHalfOpen }
    func connectionMade(_ transport: any Transport) { self.transport = transport; log.add("server: made") }
    func dataReceived(_ data: [UInt8]) { try? transport?.write(Array("echo:".utf8) + data) }
    func eofReceived() -> Bool {
        log.add("server: eof")
        if keepHalfOpen { try? transport?.write(Array("bye".utf8)); transport?.close() }
        return keepHalfOpen
    }
    func connectionLost(_ error: (any Error)?) { log.add("server: lost \(error.map { "\($0)" } ?? "nil")") }
}

/// Collects what it receives into a future once the connection ends.
final class CollectingClient: ConnectionProtocol {
    var received: [UInt8] = []
    let done: Future<[UInt8]>
    let log: EventLog
    init(loop: EventLoop, log: EventLog) { done = loop.createFuture(); self.log = log }
    func dataReceived(_ data: [UInt8]) { received += data }
    func eofReceived() -> Bool { log.add("client: eof"); return false }
    func connectionLost(_ error: (any Error)?) {
        log.add("client: lost \(error.map { "\($0)" } ?? "nil")")
        try? done.setResult(received)
    }
}

/// Runs a Python program and returns its standard output (a real peer).
func runPython(_ source: String, arguments: [String] = []) throws -> String {
    try runToEnd("python3", ["-c", source] + arguments).output
}

@Suite struct TransportTests {
    @Test(.timeLimit(.minutes(1))) func echoBetweenOurClientAndServer() throws {
        let log = EventLog()
        let reply = try withLeakChecks { loop, _ in try loop.runUntilComplete { () async throws -> String in
            let server = try await loop.createServer({ EchoServerProtocol(log: log) }, host: "127.0.0.1", port: 0)
            let port = SocketAddressOf(server.sockets[0]).port!
            let (transport, client) = try await loop.createConnection({ CollectingClient(loop: loop, log: log) }, host: "127.0.0.1", port: port)
            try transport.write(Array("hello".utf8))
            #expect(transport.getExtraInfo("peername") as? SocketAddress == .ipv4(host: "127.0.0.1", port: port))
            try await asyncio.sleep(0.05)
            transport.close()
            let data = try await client.done.value
            server.close()
            try await server.waitClosed()
            return String(decoding: data, as: UTF8.self)
        } }
        #expect(reply == "echo:hello")
        #expect(log.entries.contains("server: made") && log.entries.contains("client: lost nil"))
        #expect(log.entries.contains("server: eof") && log.entries.contains("server: lost nil"))
    }

    @Test(.timeLimit(.minutes(1))) func serversAndConnectionsOnExistingSockets() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        let reply = try loop.runUntilComplete { () async throws -> String in
            let (listener, port) = try loopbackListener()
            let server = try await loop.createServer({ EchoServerProtocol(log: log) }, socket: listener)
            defer { server.close() }
            let raw = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            setNonBlocking(raw)
            try await loop.sockConnect(raw, try SocketAddress(host: "127.0.0.1", port: port))
            let (transport, client) = try await loop.createConnection({ CollectingClient(loop: loop, log: log) }, socket: raw)
            #expect(transport.getExtraInfo("peername") as? SocketAddress == .ipv4(host: "127.0.0.1", port: port))
            try transport.write(Array("adopted".utf8))
            try await asyncio.sleep(0.05)
            transport.close()
            return String(decoding: try await client.done.value, as: UTF8.self)
        }
        #expect(reply == "echo:adopted")
    } }

    @Test(.timeLimit(.minutes(1))) func aPythonAsyncioClientTalksToOurServer() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        let output = try loop.runUntilComplete { () async throws -> String in
            let server = try await loop.createServer({ EchoServerProtocol(log: log) }, host: "127.0.0.1", port: 0)
            let port = SocketAddressOf(server.sockets[0]).port!
            let client = """
            import asyncio, sys
            async def main():
                reader, writer = await asyncio.open_connection('127.0.0.1', int(sys.argv[1]))
                writer.write(b'from python')
                await writer.drain()
                print((await reader.read(100)).decode())
                writer.close()
                await writer.wait_closed()
            asyncio.run(main())
            """
            let output = try await asyncio.toThread { try runPython(client, arguments: [String(port)]) }
            server.close()
            try await server.waitClosed()
            return output
        }
        #expect(output == "echo:from python\n")
    } }

    @Test(.timeLimit(.minutes(1))) func ourClientTalksToAPythonAsyncioServer() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        let serverSource = """
        import asyncio
        served = None
        async def handle(reader, writer):
            data = await reader.read(100)
            writer.write(b'python says ' + data)
            await writer.drain()
            writer.close()
            served.set()
        async def main():
            global served
            served = asyncio.Event()
            server = await asyncio.start_server(handle, '127.0.0.1', 0)
            print(server.sockets[0].getsockname()[1], flush=True)
            async with server:
                await asyncio.wait_for(served.wait(), 10)
        asyncio.run(main())
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", serverSource]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var portText = ""
        while !portText.hasSuffix("\n") {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            portText += String(decoding: byte, as: UTF8.self)
        }
        let port = try #require(Int(portText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let reply = try loop.runUntilComplete { () async throws -> String in
            let (transport, client) = try await loop.createConnection({ CollectingClient(loop: loop, log: log) }, host: "127.0.0.1", port: port)
            try transport.write(Array("hi".utf8))
            return String(decoding: try await client.done.value, as: UTF8.self)
        }
        #expect(reply == "python says hi")
        #expect(log.entries == ["client: eof", "client: lost nil"])
    } }

    @Test(.timeLimit(.minutes(1))) func eofReceivedTrueKeepsTheConnectionHalfOpen() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        let reply = try loop.runUntilComplete { () async throws -> String in
            let server = try await loop.createServer({ EchoServerProtocol(log: log, keepHalfOpen: true) }, host: "127.0.0.1", port: 0)
            defer { server.close() }
            let port = SocketAddressOf(server.sockets[0]).port!
            let (transport, client) = try await loop.createConnection({ CollectingClient(loop: loop, log: log) }, host: "127.0.0.1", port: port)
            try transport.write(Array("x".utf8))
            try transport.writeEOF()
            #expect(throws: TransportError.writeAfterEOF) { try transport.write([1]) }
            return String(decoding: try await client.done.value, as: UTF8.self)
        }
        #expect(reply == "echo:xbye")   // the server wrote after our EOF: the connection stayed half open
    } }

    @Test(.timeLimit(.minutes(1))) func aPeerResetIsReportedToTheProtocolAndTheLoopGoesOn() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        let reported = ReportedErrors()
        reported.install(on: loop)
        try loop.runUntilComplete {
            let lost = loop.createFuture(of: String.self)
            final class Watcher: ConnectionProtocol {
                let lost: Future<String>
                init(_ lost: Future<String>) { self.lost = lost }
                func dataReceived(_ data: [UInt8]) {}
                func connectionLost(_ error: (any Error)?) { try? lost.setResult(error.map { "\($0)" } ?? "nil") }
            }
            let server = try await loop.createServer({ Watcher(lost) }, host: "127.0.0.1", port: 0)
            defer { server.close() }
            let port = SocketAddressOf(server.sockets[0]).port!
            let raw = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            setNonBlocking(raw)
            try await loop.sockConnect(raw, try SocketAddress(host: "127.0.0.1", port: port))
            try await asyncio.sleep(0.05)
            var linger = linger(l_onoff: 1, l_linger: 0)        // close with RST
            setsockopt(raw, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            close(raw)
            let message = try await lost.value
            log.add(message)
        }
        #expect(log.entries == ["\(OSError(code: ECONNRESET))"])
        #expect(reported.messages.isEmpty)
    } }

    @Test(.timeLimit(.minutes(1))) func flowControlPausesAWriterWhoseReaderStopped() throws { try withLeakChecks { loop, _ in
        // Writes until the transport pauses it, however much the kernel's socket buffers hold on
        // this machine (a fixed 4 MiB fitted in them on one CI machine and the test never paused),
        // bounded so that a transport that never pauses fails the test instead of hanging it.
        final class Flooder: ConnectionProtocol {
            let log: EventLog
            var transport: (any Transport)?
            var paused = false
            var written = 0
            let done: Future<Int>
            init(log: EventLog, done: Future<Int>) { self.log = log; self.done = done }
            func connectionMade(_ transport: any Transport) {
                self.transport = transport
                let chunk = [UInt8](repeating: 1, count: 64 * 1024)
                while !paused && written < 256 << 20 {
                    try? transport.write(chunk)
                    written += chunk.count
                }
                if transport.getWriteBufferSize() > 64 * 1024 { log.add("buffered over the high-water mark") }
                try? done.setResult(written)
                if !paused { transport.close() }
            }
            func dataReceived(_ data: [UInt8]) {}
            func pauseWriting() { paused = true; log.add("paused") }
            func resumeWriting() { log.add("resumed"); transport?.close() }
        }
        let log = EventLog()
        let (total, written) = try loop.runUntilComplete { () async throws -> (Int, Int) in
            let done: Future<Int> = loop.createFuture()
            let server = try await loop.createServer({ Flooder(log: log, done: done) }, host: "127.0.0.1", port: 0)
            defer { server.close() }
            let port = SocketAddressOf(server.sockets[0]).port!
            let raw = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            setNonBlocking(raw)
            defer { close(raw) }
            var small: Int32 = 4096
            setsockopt(raw, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            try await loop.sockConnect(raw, try SocketAddress(host: "127.0.0.1", port: port))
            let written = try await done.value                           // the peer has not read yet
            #expect(log.entries == ["paused", "buffered over the high-water mark"])
            var total = 0
            while true {                                                 // now it reads everything
                let chunk = try await loop.sockRecv(raw, 1 << 20)
                if chunk.isEmpty { break }
                total += chunk.count
            }
            return (total, written)
        }
        #expect(total == written)
        #expect(written < 256 << 20)
        #expect(log.entries == ["paused", "buffered over the high-water mark", "resumed"])
    } }
}

/// Receives into one small buffer of its own, checking every byte.
final class SmallBufferReceiver: BufferedProtocol {
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
    var total = 0
    var calls = 0
    var intact = true
    let done: Future<(Int, Int, Bool)>
    init(loop: EventLoop) { done = loop.createFuture() }
    deinit { storage.deallocate() }
    func getBuffer(_ sizeHint: Int) -> UnsafeMutableRawBufferPointer { storage }
    func bufferUpdated(_ count: Int) {
        for index in 0..<count where storage[index] != UInt8((total + index) % 251) { intact = false }
        total += count
        calls += 1
    }
    func eofReceived() -> Bool { try? done.setResult((total, calls, intact)); return false }
}

@Suite struct BufferedProtocolTests {
    @Test(.timeLimit(.minutes(1))) func aBufferedProtocolReceivesIntoItsOwnMemory() throws { try withLeakChecks { loop, _ in
        let (total, calls, intact) = try loop.runUntilComplete { () async throws -> (Int, Int, Bool) in
            var receiver: SmallBufferReceiver?
            let server = try await loop.createServer({ let made = SmallBufferReceiver(loop: loop); receiver = made; return made }, host: "127.0.0.1", port: 0)
            defer { server.close() }
            let (_, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: server.addresses[0].port!)
            try writer.write((0..<100_000).map { UInt8($0 % 251) })
            try writer.writeEOF()
            try await writer.drain()
            while receiver == nil { try await asyncio.sleep(0.001) }
            let outcome = try await receiver!.done.value
            writer.close()
            server.close()
            try await server.waitClosed()
            return outcome
        }
        #expect(total == 100_000)
        #expect(calls >= 100_000 / 16)
        #expect(intact)
    } }
}

/// Records every chunk and the end of a stream.
final class ChunkRecorder: ConnectionProtocol, @unchecked Sendable {
    // Used only on the loop's thread (protocol callbacks and the test's loop task).
    var chunks: [[UInt8]] = []
    let ended: Future<Void>
    init(loop: EventLoop) { ended = loop.createFuture() }
    func dataReceived(_ data: [UInt8]) { chunks.append(data) }
    func eofReceived() -> Bool { try? ended.setResult(()); return false }
}

extension TransportTests {
    @Test(.timeLimit(.minutes(1))) func largeReadsGoStraightIntoTheArrayAndNothingIsLost() throws { try withLeakChecks { loop, _ in
        let (mine, theirs) = socketPair()
        defer { _ = Glibc.close(theirs) }
        let payload = (0..<1_000_000).map { UInt8(($0 * 7) % 253) }
        let recorder = try loop.runUntilComplete { () async throws -> ChunkRecorder in
            let (_, recorder) = try await loop.createConnection({ ChunkRecorder(loop: loop) }, socket: mine)
            try await loop.sockSendall(theirs, payload)         // large reads: the sized path
            try await asyncio.sleep(0.05)
            try await loop.sockSendall(theirs, Array("tail".utf8))  // a small one after them
            try await asyncio.sleep(0.05)
            shutdown(theirs, Int32(SHUT_WR))                     // EOF after a large read
            try await recorder.ended.value
            return recorder
        }
        let received = recorder.chunks.flatMap { $0 }
        #expect(received.count == payload.count + 4)
        #expect(Array(received.prefix(payload.count)) == payload)
        #expect(Array(received.suffix(4)) == Array("tail".utf8))
        #expect(recorder.chunks.contains { $0.count >= 32 * 1024 })
        #expect(recorder.chunks.allSatisfy { !$0.isEmpty })
    } }
}

/// The address a socket is bound to.
func SocketAddressOf(_ fd: Int32) -> SocketAddress { SocketAddress.local(of: fd)! }
