// Cancellation at every await of the socket coroutines and connections: no double resume, no lost bytes, no fd left.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct SocketSweepTests {
    /// A connected socket pair that the run closes at its end.
    static func pair(_ run: SweepRun) -> (Int32, Int32) {
        let (a, b) = socketPair()
        run.atTeardown { close(a); close(b) }
        return (a, b)
    }

    @Test(.timeLimit(.minutes(1))) func sockRecv() throws {
        try CancellationSweep.run("sockRecv", realTime: true) { run in
            let (a, b) = Self.pair(run)
            let writer = try asyncio.createTask {
                try await asyncio.sleep(0)
                try await run.loop.sockSendall(b, Array("hello".utf8))
            }
            let outcome = try await run.victim { try await run.loop.sockRecv(a, 16) }
            _ = try await writer.value
            var rest = [UInt8](repeating: 0, count: 16)
            let left = max(0, recv(a, &rest, 16, 0))
            let got: [UInt8] = if case .completed(let bytes) = outcome { bytes } else { [] }
            run.require(got + rest[0..<left] == Array("hello".utf8), "got \(got) then \(left) bytes (\(outcome.summary))")
            run.require(run.loop.selector[a] == nil, "the reader of \(a) is still registered")
        }
    }

    @Test(.timeLimit(.minutes(1))) func sockSendall() throws {
        try CancellationSweep.run("sockSendall", realTime: true) { run in
            let (a, b) = Self.pair(run)
            let payload = [UInt8]((0..<600_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            let received = Shared<[UInt8]>([])
            let reader = try asyncio.createTask { () async throws -> Void in
                while true {
                    let chunk = try await run.loop.sockRecv(b, 65_536)
                    if chunk.isEmpty { return }
                    received.value += chunk
                }
            }
            let outcome = try await run.victim { try await run.loop.sockSendall(a, payload) }
            shutdown(a, Int32(SHUT_WR))
            _ = try await reader.value
            // A cancelled sendall has sent a prefix, never a byte out of order.
            run.require(Array(payload.prefix(received.value.count)) == received.value, "received bytes differ (\(outcome.summary))")
            if case .completed = outcome { run.require(received.value.count == payload.count, "short by \(payload.count - received.value.count)") }
        }
    }

    @Test(.timeLimit(.minutes(1))) func sockConnectAndAccept() throws {
        try CancellationSweep.run("sockConnect/sockAccept", realTime: true) { run in
            let (listener, port) = try loopbackListener()
            run.atTeardown { close(listener) }
            let accepted = Shared<[Int32]>([])
            run.atTeardown { accepted.value.forEach { close($0) } }
            let acceptor = try asyncio.createTask { () async throws -> Void in
                let (fd, _) = try await run.loop.sockAccept(listener)
                accepted.value.append(fd)
            }
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            setNonBlocking(client)
            run.atTeardown { close(client) }
            let outcome = try await run.victim {
                try await run.loop.sockConnect(client, try SocketAddress(host: "127.0.0.1", port: port))
            }
            if case .completed = outcome {
                _ = try await acceptor.value
                run.require(accepted.value.count == 1, "accepted \(accepted.value)")
            } else {
                acceptor.cancel()
                _ = try? await acceptor.value
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func sockAcceptCancelledKeepsTheConnectionQueued() throws {
        try CancellationSweep.run("sockAccept", realTime: true) { run in
            let (listener, port) = try loopbackListener()
            run.atTeardown { close(listener) }
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            setNonBlocking(client)
            run.atTeardown { close(client) }
            let connector = try asyncio.createTask {
                try await asyncio.sleep(0)
                try await run.loop.sockConnect(client, try SocketAddress(host: "127.0.0.1", port: port))
            }
            let outcome = try await run.victim { try await run.loop.sockAccept(listener).0 }
            try await connector.value
            let fd: Int32
            if case .completed(let accepted) = outcome { fd = accepted } else { fd = try await run.loop.sockAccept(listener).0 }
            close(fd)
        }
    }

    @Test(.timeLimit(.minutes(1))) func openConnection() throws {
        try CancellationSweep.run("openConnection", realTime: true) { run in
            let port = run.adopt(try await asyncio.startServer({ reader, writer in
                _ = try await reader.read()
                writer.close()
            }, host: "127.0.0.1", port: 0))
            let outcome = try await run.victim { () async throws -> Int in
                let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
                run.adopt(reader, writer)
                writer.close()
                try await writer.waitClosed()
                return 1
            }
            _ = outcome
        }
    }

    @Test(.timeLimit(.minutes(1))) func createConnectionWithAProtocol() throws {
        final class Counting: ConnectionProtocol {
            let lost: Shared<Int>
            init(_ lost: Shared<Int>) { self.lost = lost }
            func dataReceived(_ data: [UInt8]) {}
            func connectionLost(_ error: (any Error)?) { lost.value += 1 }
        }
        try CancellationSweep.run("createConnection", realTime: true) { run in
            let (listener, port) = try loopbackListener()
            run.atTeardown { close(listener) }
            let lost = Shared(0)
            let outcome = try await run.victim { () async throws -> Int in
                let (transport, _) = try await run.loop.createConnection({ Counting(lost) }, host: "127.0.0.1", port: port)
                transport.close()
                return 1
            }
            try await asyncio.sleep(0.001)
            // Whatever the connection got to, it was closed, and connectionLost came at most once.
            run.require(lost.value <= 1, "connectionLost \(lost.value) times (\(outcome.summary))")
            while let (fd, _) = try? acceptNow(listener) { close(fd) }
        }
    }
}

/// accept(2) once without waiting: the next queued connection, or nil.
func acceptNow(_ listener: Int32) throws -> (Int32, Void)? {
    let fd = accept(listener, nil, nil)
    return fd >= 0 ? (fd, ()) : nil
}
