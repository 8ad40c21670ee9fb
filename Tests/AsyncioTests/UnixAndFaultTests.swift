// Unix-domain streams, faults that must not take the loop down, and descriptors never leaked.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct UnixAndFaultTests {
    @Test(.timeLimit(.minutes(1))) func unixStreamsWithOurClientAndACPythonClient() throws { try withLeakChecks { loop, _ in
        let path = NSTemporaryDirectory() + "asyncio-test-\(getpid()).sock"
        defer { unlink(path) }
        let (ours, python) = try loop.runUntilComplete { () async throws -> (String, String) in
            let server = try await asyncio.startUnixServer({ reader, writer in
                let line = try await reader.readline()
                try writer.write(Array("unix ".utf8) + line)
                try await writer.drain()
                writer.close()
            }, path: path)
            let (reader, writer) = try await asyncio.openUnixConnection(path: path)
            try writer.write(Array("ours\n".utf8))
            let ours = String(decoding: try await reader.readline(), as: UTF8.self)
            writer.close()
            let client = """
            import asyncio, sys
            async def main():
                reader, writer = await asyncio.open_unix_connection(sys.argv[1])
                writer.write(b'python\\n')
                print((await reader.readline()).decode(), end='')
                writer.close()
            asyncio.run(main())
            """
            let python = try await asyncio.toThread { try runPython(client, arguments: [path]) }
            server.close()
            try await server.waitClosed()
            return (ours, python)
        }
        #expect(ours == "unix ours\n")
        #expect(python == "unix python\n")
    } }

    @Test(.timeLimit(.minutes(1))) func writingToAPeerThatLeftLosesTheConnectionNotTheLoop() throws { try withLeakChecks { loop, _ in
        let reported = ReportedErrors()
        reported.install(on: loop)
        let (lostWith, stillRunning) = try loop.runUntilComplete { () async throws -> (String, Bool) in
            let (listener, port) = try loopbackListener()
            defer { close(listener) }
            let accepted = try asyncio.createTask { try await loop.sockAccept(listener).0 }
            let log = EventLog()
            final class Client: ConnectionProtocol {
                let log: EventLog
                init(_ log: EventLog) { self.log = log }
                func dataReceived(_ data: [UInt8]) {}
                func connectionLost(_ error: (any Error)?) { log.add(error.map { "\($0)" } ?? "nil") }
            }
            let (transport, _) = try await loop.createConnection({ Client(log) }, host: "127.0.0.1", port: port)
            transport.pauseReading()                                 // so EOF is not seen first
            close(try await accepted.value)                          // the peer goes away
            for _ in 0..<50 where !transport.isClosing() {
                try transport.write([UInt8](repeating: 0, count: 64 * 1024))
                try await asyncio.sleep(0.01)
            }
            try await asyncio.sleep(0.05)
            let ticked = try await asyncio.waitFor(timeout: 1) { () async throws -> Bool in
                try await asyncio.sleep(0.01)
                return true
            }
            return (log.entries.first ?? "not lost", ticked)
        }
        #expect(lostWith == "\(OSError(code: EPIPE))" || lostWith == "\(OSError(code: ECONNRESET))")
        #expect(stillRunning)
        #expect(reported.messages.isEmpty)
    } }

    @Test(.timeLimit(.minutes(1))) func noDescriptorLeaksAcrossConnectsFailuresAndCancellations() throws {
        try withLeakChecks { loop, _ in try loop.runUntilComplete {
            let server = try await asyncio.startServer({ reader, writer in
                _ = try await reader.read()
                writer.close()
            }, host: "127.0.0.1", port: 0)
            let port = server.addresses[0].port!
            for _ in 0..<5 {                                             // clean connections
                let (_, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
                writer.close()
                try await writer.waitClosed()
            }
            let (deadListener, deadPort) = try loopbackListener()
            close(deadListener)
            for _ in 0..<5 {                                             // refused connections
                do { _ = try await asyncio.openConnection(host: "127.0.0.1", port: deadPort) } catch is OSError {}
            }
            for _ in 0..<5 {                                             // cancelled while reading
                let task = try asyncio.createTask { () async throws -> Void in
                    let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
                    defer { writer.close() }
                    _ = try await reader.read()
                }
                try await asyncio.sleep(0.01)
                task.cancel()
                _ = try? await task.value
            }
            try await asyncio.sleep(0.05)
            server.close()
            try await server.waitClosed()
        } }
    }

    /// Lowers RLIMIT_NOFILE, which every thread of the process feels: runs in a child process.
    @Test(.timeLimit(.minutes(1))) func aServerOutOfDescriptorsReportsItAndServesAgainLater() throws { try inChildProcess("UnixAndFaultTests") { try withLeakChecks { loop, _ in
        let reported = ReportedErrors()
        reported.install(on: loop)
        let log = EventLog()
        let reply = try loop.runUntilComplete { () async throws -> String in
            let server = try await loop.createServer({ EchoServerProtocol(log: log) }, host: "127.0.0.1", port: 0)
            defer { server.close() }
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            setNonBlocking(client)
            // Run out of descriptors: the limit just above the highest one open, every gap filled.
            var saved = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            let highest = (try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).compactMap { Int32($0) }.max()!
            var tight = saved
            tight.rlim_cur = rlim_t(highest + 1)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &tight)
            var hogs: [Int32] = []
            while case let fd = open("/dev/null", O_RDONLY), fd >= 0 { hogs.append(fd) }
            try await loop.sockConnect(client, server.addresses[0])   // the kernel completes it
            try await asyncio.sleep(0.2)                               // accept fails: EMFILE
            for fd in hogs { close(fd) }
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
            try await loop.sockSendall(client, Array("still there?".utf8))
            let reply = String(decoding: try await loop.sockRecv(client, 100), as: UTF8.self)   // after the back-off
            close(client)
            server.close()
            try await server.waitClosed()
            return reply
        }
        #expect(reply == "echo:still there?")
        #expect(reported.messages.contains { $0.hasPrefix("socket.accept() out of system resource") })
    } } }

    @Test(.timeLimit(.minutes(1))) func aProtocolCallbackThatThrowsIsReportedAndClosesOnlyItsConnection() throws { try withLeakChecks { loop, _ in
        let reported = ReportedErrors()
        reported.install(on: loop)
        final class Fragile: ConnectionProtocol {
            let lost: Future<String>
            init(_ lost: Future<String>) { self.lost = lost }
            func dataReceived(_ data: [UInt8]) throws { throw Boom(tag: "bad data") }
            func connectionLost(_ error: (any Error)?) { try? lost.setResult(error.map { "\($0)" } ?? "nil") }
        }
        let (lostWith, echo) = try loop.runUntilComplete { () async throws -> (String, String) in
            let lost = loop.createFuture(of: String.self)
            let fragile = try await loop.createServer({ Fragile(lost) }, host: "127.0.0.1", port: 0)
            let healthy = try await loop.createServer({ EchoServerProtocol(log: EventLog()) }, host: "127.0.0.1", port: 0)
            defer { fragile.close(); healthy.close() }
            let (_, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: fragile.addresses[0].port!)
            try writer.write(Array("x".utf8))
            let lostWith = try await lost.value
            let (reader2, writer2) = try await asyncio.openConnection(host: "127.0.0.1", port: healthy.addresses[0].port!)
            try writer2.write(Array("y".utf8))
            let echo = String(decoding: try await reader2.read(100), as: UTF8.self)
            writer.close()
            writer2.close()
            for server in [fragile, healthy] {
                server.close()
                try await server.waitClosed()
            }
            return (lostWith, echo)
        }
        #expect(lostWith == "bad data")
        #expect(echo == "echo:y")
        #expect(reported.messages == ["Fatal error: protocol.data_received() call failed. | bad data"])
    } }
}
