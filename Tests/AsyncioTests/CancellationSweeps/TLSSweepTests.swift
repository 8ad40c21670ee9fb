// Cancellation at every await of TLS: handshakes (client and server), reads, drains, startTLS.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite(.enabled(if: TestCertificates.shared != nil)) struct TLSSweepTests {
    let fixtures: TLSFixtures

    init() throws { fixtures = try TLSFixtures() }

    func feeder(_ run: SweepRun, _ chunks: [String]) async throws -> Int {
        try await StreamSweepTests.feeder(run, chunks, ssl: try fixtures.server())
    }

    func connect(_ run: SweepRun, _ port: Int) async throws -> (StreamReader, StreamWriter) {
        let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: try fixtures.client(), serverHostname: "localhost")
        run.adopt(reader, writer)
        return (reader, writer)
    }

    /// The client's handshake cancelled at every step: nothing of the connection stays, on
    /// either side (the server's half is waited for at teardown).
    @Test(.timeLimit(.minutes(1))) func openConnectionHandshake() throws {
        try CancellationSweep.run("openConnection(ssl:)", realTime: true) { run in
            let port = try await feeder(run, ["hello\n"])
            let outcome = try await run.victim { () async throws -> String in
                let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: try fixtures.client(), serverHostname: "localhost")
                run.adopt(reader, writer)
                return String(decoding: try await reader.readline(), as: UTF8.self)
            }
            if case .completed(let line) = outcome { run.require(line == "hello\n", line) }
        }
    }

    /// A TLS read cancelled at every step keeps what it did not return in the reader.
    @Test(.timeLimit(.minutes(1))) func readOverTLS() throws {
        let chunks = ["ab", "c\nde", "f\n", "gh", "i\n"]
        try CancellationSweep.run("TLS readline", realTime: true) { run in
            let (reader, _) = try await connect(run, try await feeder(run, chunks))
            let outcome = try await run.victim { try await reader.readline() }
            let got: [UInt8] = if case .completed(let bytes) = outcome { bytes } else { [] }
            let rest = try await reader.read()
            run.require(String(decoding: got + rest, as: UTF8.self) == chunks.joined(), "got \(got), then \(rest) (\(outcome.summary))")
        }
    }

    /// A drain over TLS cancelled at every step: the connection still closes cleanly.
    @Test(.timeLimit(.minutes(1))) func drainOverTLS() throws {
        try CancellationSweep.run("TLS drain", realTime: true) { run in
            let release = Event()
            let server = try await asyncio.startServer({ reader, writer in
                try await release.wait()
                while try await !reader.read(1 << 16).isEmpty {}
                writer.close()
            }, host: "127.0.0.1", port: 0, ssl: try fixtures.server())
            let (_, writer) = try await connect(run, run.adopt(server))
            try run.loop.callLater(0.01) { release.set() }
            _ = try await run.victim { () async throws -> Void in
                try writer.write([UInt8](repeating: 7, count: 1 << 20))
                try await writer.drain()
            }
        }
    }

    /// The server's side: a client whose handshake the sweep cancels (at every step) never
    /// reaches the handler, and the server's connection goes too.
    @Test(.timeLimit(.minutes(1))) func serverHandshake() throws {
        try CancellationSweep.run("startServer(ssl:) handshake", realTime: true) { run in
            let handled = Shared(0)
            let port = run.adopt(try await asyncio.startServer({ reader, writer in
                handled.value += 1
                _ = try await reader.read()
                writer.close()
            }, host: "127.0.0.1", port: 0, ssl: try fixtures.server()))
            let outcome = try await run.victim { () async throws -> Void in
                let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, ssl: try fixtures.client(), serverHostname: "localhost")
                run.adopt(reader, writer)
                try await asyncio.sleep(0.005)
            }
            if case .completed = outcome { run.require(handled.value == 1, "handled \(handled.value)") }
        }
    }

    /// STARTTLS cancelled at every step: the connection is closed, nothing leaks.
    @Test(.timeLimit(.minutes(1))) func startTLS() throws {
        try CancellationSweep.run("StreamWriter.startTLS", realTime: true) { run in
            let serverContext = try fixtures.server()
            let port = run.adopt(try await asyncio.startServer({ reader, writer in
                guard try await reader.readline() == Array("STARTTLS\n".utf8) else { writer.close(); return }
                try writer.write(Array("go ahead\n".utf8))   // the client starts its handshake after this
                do {
                    try await writer.startTLS(serverContext)
                    try writer.write(Array("secure\n".utf8))
                    _ = try await reader.read()
                } catch {
                    // The client gave up (was cancelled) in the middle: a reset or an EOF.
                }
                writer.close()
            }, host: "127.0.0.1", port: 0))
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
            run.adopt(reader, writer)
            let client = try fixtures.client()
            let outcome = try await run.victim { () async throws -> String in
                try writer.write(Array("STARTTLS\n".utf8))
                _ = try await reader.readline()
                try await writer.startTLS(client, serverHostname: "localhost")
                return String(decoding: try await reader.readline(), as: UTF8.self)
            }
            if case .completed(let line) = outcome { run.require(line == "secure\n", line) }
        }
    }
}
