// Cancellation at every await of streams and servers: data kept in the reader, connections closed, objects freed.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct StreamSweepTests {
    /// A server (over TLS with `ssl`) that writes `chunks` one iteration apart to each client,
    /// then closes; tracked.
    static func feeder(_ run: SweepRun, _ chunks: [String], ssl: SSLContext? = nil) async throws -> Int {
        run.adopt(try await asyncio.startServer({ _, writer in
            for chunk in chunks {
                try writer.write(Array(chunk.utf8))
                try await writer.drain()
                try await asyncio.sleep(0.001)
            }
            writer.close()
        }, host: "127.0.0.1", port: 0, ssl: ssl))
    }

    /// Connects, tracks the client's objects, and closes the connection at teardown.
    static func client(_ run: SweepRun, _ port: Int, limit: Int = StreamReader.defaultLimit) async throws -> (StreamReader, StreamWriter) {
        let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port, limit: limit)
        run.adopt(reader, writer)
        run.track(writer.protocolObject, "StreamProtocol")
        return (reader, writer)
    }

    /// Sweeps a read that the server feeds in pieces; what the victim got plus what is left in
    /// the reader must be exactly what was sent.
    func sweepRead(_ label: String, _ read: @escaping @Sendable (StreamReader) async throws -> [UInt8]) throws {
        let chunks = ["ab", "c\nde", "f\n", "gh", "i\n"]
        try CancellationSweep.run(label, realTime: true) { run in
            let port = try await Self.feeder(run, chunks)
            let (reader, _) = try await Self.client(run, port)
            let outcome = try await run.victim { try await read(reader) }
            let got: [UInt8] = if case .completed(let bytes) = outcome { bytes } else { [] }
            let rest = try await reader.read()   // to EOF
            run.require(String(decoding: got + rest, as: UTF8.self) == chunks.joined(), "got \(got), then \(rest) (\(outcome.summary))")
        }
    }

    @Test(.timeLimit(.minutes(1))) func read() throws { try sweepRead("StreamReader.read") { try await $0.read(3) } }
    @Test(.timeLimit(.minutes(1))) func readline() throws { try sweepRead("StreamReader.readline") { try await $0.readline() } }
    @Test(.timeLimit(.minutes(1))) func readuntil() throws {
        try sweepRead("StreamReader.readuntil") { try await $0.readuntil(Array("e".utf8)) }
    }
    @Test(.timeLimit(.minutes(1))) func readexactly() throws { try sweepRead("StreamReader.readexactly") { try await $0.readexactly(7) } }

    @Test(.timeLimit(.minutes(1))) func drain() throws {
        try CancellationSweep.run("StreamWriter.drain", realTime: true) { run in
            let release = Event()
            let received = Shared(0)
            let server = try await asyncio.startServer({ reader, writer in
                try await release.wait()            // the client's writes pile up meanwhile
                while true {
                    let chunk = try await reader.read(1 << 16)
                    if chunk.isEmpty { break }
                    received.value += chunk.count
                }
                writer.close()
            }, host: "127.0.0.1", port: 0)
            let (_, writer) = try await Self.client(run, run.adopt(server))
            try run.loop.callLater(0.01) { release.set() }
            let total = 4 << 20
            let outcome = try await run.victim { () async throws -> Void in
                try writer.write([UInt8](repeating: 7, count: total))
                try await writer.drain()
            }
            writer.close()
            try await writer.waitClosed()
            if case .completed = outcome {
                try await asyncio.sleep(0.01)
                run.require(writer.transport.getWriteBufferSize() == 0, "drain returned with a full buffer")
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func startServerAndAccept() throws {
        try CancellationSweep.run("startServer accept", realTime: true) { run in
            let handled = Shared(0)
            let outcome = try await run.victim { () async throws -> Int in
                let connected = run.loop.createFuture(of: Void.self)
                let server = try await asyncio.startServer({ reader, writer in
                    handled.value += 1
                    if !connected.done() { try connected.setResult(()) }
                    _ = try await reader.read()
                    writer.close()
                }, host: "127.0.0.1", port: 0)
                let (_, writer) = try await Self.client(run, run.adopt(server))
                try await connected.value
                writer.close()
                return handled.value
            }
            if case .completed(let count) = outcome { run.require(count == 1, "handled \(count)") }
        }
    }

    @Test(.timeLimit(.minutes(1))) func subprocessCommunicateAndWait() throws {
        try CancellationSweep.run("subprocess communicate/wait", realTime: true) { run in
            let process = Shared<ChildProcess?>(nil)
            run.atTeardown {
                // Whatever the victim got to, no child is left running or unreaped.
                if let child = process.value, child.returncode == nil {
                    try? child.kill()
                    _ = try await child.wait()
                }
            }
            let outcome = try await run.victim { () async throws -> String in
                let child = try await asyncio.createSubprocessExec(
                    "/bin/sh", ["-c", "read line; echo got $line; exit 3"], stdin: .pipe, stdout: .pipe)
                process.value = child
                run.track(child, "ChildProcess")
                let (out, _) = try await child.communicate(Array("x\n".utf8))
                let code = try await child.wait()
                return String(decoding: out ?? [], as: UTF8.self) + "\(code)"
            }
            if case .completed(let text) = outcome { run.require(text == "got x\n3", text) }
        }
    }
}
