// Streams: StreamReader's reads and limits, StreamWriter's drain, servers and clients over loopback.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct StreamTests {
    @Test func readerReadsLinesSeparatorsAndExactCounts() throws {
        try withVirtualLoop { loop, _ in
            let reader = StreamReader()
            let results = try loop.runUntilComplete { () async throws -> [String] in
                try loop.callSoon { reader.feedData(Array("one\ntwo\r\nthree;four|".utf8)) }
                try loop.callLater(1) { reader.feedData(Array("fivesix".utf8)); reader.feedEOF() }
                var results: [String] = []
                results.append(String(decoding: try await reader.readline(), as: UTF8.self))
                results.append(String(decoding: try await reader.readuntil(Array("\r\n".utf8)), as: UTF8.self))
                results.append(String(decoding: try await reader.readuntil(anyOf: [Array("|".utf8), Array(";".utf8)]), as: UTF8.self))
                results.append(String(decoding: try await reader.readexactly(5), as: UTF8.self))
                results.append(String(decoding: try await reader.readexactly(4), as: UTF8.self))
                do { _ = try await reader.readexactly(10) } catch let error as IncompleteReadError {
                    results.append("incomplete \(String(decoding: error.partial, as: UTF8.self)) of \(error.expected!)")
                }
                results.append("eof \(reader.atEOF())")
                return results
            }
            #expect(results == ["one\n", "two\r\n", "three;", "four|", "five", "incomplete six of 10", "eof true"])
        }
    }

    @Test func readerKeepsBytesAndOrderWhetherAFeedIsAdoptedOrAppended() throws {
        try withVirtualLoop { loop, _ in
            let reader = StreamReader()
            let outcome = try loop.runUntilComplete { () async throws -> [Bool] in
                let data = [UInt8](repeating: 7, count: 100_000)
                reader.feedData(data)
                // An empty reader takes the fed array as its buffer (no copy in): what comes out
                // is the same bytes, in limit-free reads as large as asked.
                let all = try await reader.read(Int.max)
                // Partial reads, and a feed onto unread bytes, keep order and content.
                reader.feedData([1, 2, 3])
                let one = try await reader.read(1)
                reader.feedData([4])
                let rest = try await reader.read(10)
                reader.feedData([5, 6])
                let last = try await reader.readexactly(2)
                return [all == data, one == [1], rest == [2, 3, 4], last == [5, 6]]
            }
            #expect(outcome == [true, true, true, true])
        }
    }

    @Test func readAnyHandsOverAWholeBufferAndCopiesAPartlyReadOne() throws {
        try withVirtualLoop { loop, _ in
            let reader = StreamReader()
            let outcome = try loop.runUntilComplete { () async throws -> [[UInt8]] in
                reader.feedData([1, 2, 3])
                let whole = try await reader.readAny()            // the fed array itself
                reader.feedData([4, 5, 6])
                let first = try await reader.readexactly(1)
                reader.feedData([7])
                let rest = try await reader.readAny()             // unread bytes after a partial read
                let waiting = try asyncio.createTask { try await reader.readAny() }
                try await asyncio.sleep(0)
                reader.feedData([8, 9])
                let woken = try await waiting.value               // waits for data, then takes it all
                reader.feedEOF()
                let end = try await reader.readAny()
                return [whole, first, rest, woken, end]
            }
            #expect(outcome == [[1, 2, 3], [4], [5, 6, 7], [8, 9], []])
        }
    }

    @Test func overTheLimitReaduntilKeepsTheDataAndReadlineDropsTheLine() throws {
        try withVirtualLoop { loop, _ in
            let reader = StreamReader(limit: 8)
            let outcome = try loop.runUntilComplete { () async throws -> [String] in
                reader.feedData(Array("0123456789abcdef\nrest\n".utf8))
                var outcome: [String] = []
                do { _ = try await reader.readuntil() } catch let error as LimitOverrunError {
                    outcome.append("\(error.message) (\(error.consumed))")
                }
                // readline: a ValueError (LimitOverrunError is one too, as in Python) and the line is gone.
                do { _ = try await reader.readline() } catch let error as ValueError {
                    outcome.append("\(type(of: error)): \(error)")
                }
                outcome.append(String(decoding: try await reader.readline(), as: UTF8.self))
                return outcome
            }
            #expect(outcome == ["Separator is found, but chunk is longer than limit (16)",
                                "ValueError: Separator is found, but chunk is longer than limit", "rest\n"])
            let unterminated = StreamReader(limit: 8)
            let messages = try loop.runUntilComplete { () async throws -> [String] in
                unterminated.feedData(Array("0123456789abcdef".utf8))
                var messages: [String] = []
                do { _ = try await unterminated.readuntil() } catch let error as LimitOverrunError {
                    messages.append("\(error.message) (\(error.consumed)) kept \(try await unterminated.read(5).count)")
                }
                do { _ = try await unterminated.readline() } catch is ValueError {   // no newline: all dropped
                    unterminated.feedData(Array("next\n".utf8))
                    messages.append(String(decoding: try await unterminated.readline(), as: UTF8.self))
                }
                return messages
            }
            #expect(messages == ["Separator is not found, and chunk exceed the limit (16) kept 5", "next\n"])
        }
    }

    @Test func readuntilOfSeveralSeparatorsReturnsTheMatchThatEndsFirst() throws {
        try withVirtualLoop { loop, _ in
            let results = try loop.runUntilComplete { () async throws -> [String] in
                var results: [String] = []
                for separators in [["abcd", "bc"], ["bc", "abcd"], ["cd", "bcd"], ["xyz", "g"]] {
                    let reader = StreamReader()
                    reader.feedData(Array("abcdefg".utf8))
                    let line = try await reader.readuntil(anyOf: separators.map { Array($0.utf8) })
                    results.append(String(decoding: line, as: UTF8.self))
                }
                let reader = StreamReader()
                for separators in [[[UInt8]](), [[]], [Array("a".utf8), []]] {
                    do { _ = try await reader.readuntil(anyOf: separators) } catch let error as ValueError { results.append(error.message) }
                }
                do { _ = try await reader.readuntil([]) } catch let error as ValueError { results.append(error.message) }
                return results
            }
            #expect(results == ["abc", "abc", "abcd", "abcdefg",
                                "Separator should contain at least one element",
                                "Separator should be at least one-byte string",
                                "Separator should be at least one-byte string",
                                "Separator should be at least one-byte string"])
        }
    }

    @Test(.assertsFIFOOrder) func linesIterateUntilEOFAndAConcurrentReadIsAnError() throws {
        try withVirtualLoop { loop, _ in
            let reader = StreamReader()
            let (lines, message) = try loop.runUntilComplete { () async throws -> ([String], String) in
                let first = try asyncio.createTask { try await reader.read(1) }
                try await asyncio.sleep(0)
                var message = ""
                do { _ = try await reader.read(1) } catch { message = "\(error)" }
                reader.feedData(Array("a\nb\nc".utf8))
                _ = try await first.value
                reader.feedEOF()
                var lines: [String] = []
                for try await line in reader.lines { lines.append(String(decoding: line, as: UTF8.self)) }
                return (lines, message)
            }
            #expect(lines == ["\n", "b\n", "c"])
            #expect(message == "read() called while another coroutine is already waiting for incoming data")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aStreamEchoServerServesACPythonClient() throws { try withLeakChecks { loop, _ in
        let output = try loop.runUntilComplete { () async throws -> String in
            let server = try await asyncio.startServer({ reader, writer in
                for try await line in reader.lines {
                    try writer.write(Array("echo ".utf8) + line)
                    try await writer.drain()
                }
                writer.close()
                try await writer.waitClosed()
            }, host: "127.0.0.1", port: 0)
            let port = SocketAddressOf(server.sockets[0]).port!
            let client = """
            import asyncio, sys
            async def main():
                reader, writer = await asyncio.open_connection('127.0.0.1', int(sys.argv[1]))
                for word in ('alpha', 'beta'):
                    writer.write(word.encode() + b'\\n')
                    await writer.drain()
                    print((await reader.readline()).decode(), end='')
                writer.write_eof()
                print(repr(await reader.read()))
                writer.close()
            asyncio.run(main())
            """
            let output = try await asyncio.toThread { try runPython(client, arguments: [String(port)]) }
            server.close()
            try await server.waitClosed()
            return output
        }
        #expect(output == "echo alpha\necho beta\nb''\n")
    } }

    @Test(.timeLimit(.minutes(1))) func openConnectionToOurStartServer() throws { try withLeakChecks { loop, _ in
        let reply = try loop.runUntilComplete { () async throws -> String in
            let server = try await asyncio.startServer({ reader, writer in
                let data = try await reader.readexactly(4)
                try writer.write(data.reversed())
                try await writer.drain()
                writer.close()
            }, host: "127.0.0.1", port: 0)
            defer { server.close() }
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: SocketAddressOf(server.sockets[0]).port!)
            try writer.write(Array("abcd".utf8))
            let reply = try await reader.read()
            writer.close()
            try await writer.waitClosed()
            return String(decoding: reply, as: UTF8.self)
        }
        #expect(reply == "dcba")
    } }

    @Test(.timeLimit(.minutes(1))) func drainRethrowsTheErrorTheConnectionWasLostWith() throws { try withLeakChecks { loop, _ in
        let outcome = try loop.runUntilComplete { () async throws -> String in
            let gotClient = loop.createFuture(of: Int32.self)
            let (listener, port) = try loopbackListener()
            defer { close(listener) }
            let acceptor = try asyncio.createTask { () async throws -> Void in
                let (fd, _) = try await loop.sockAccept(listener)
                try gotClient.setResult(fd)
            }
            let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
            try await acceptor.value
            let peer = try await gotClient.value
            var reset = linger(l_onoff: 1, l_linger: 0)
            setsockopt(peer, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
            close(peer)
            do { _ = try await reader.read() } catch { }
            do {
                try writer.write(Array("x".utf8))
                try await writer.drain()
                return "no error"
            } catch {
                return "\(type(of: error))"
            }
        }
        #expect(outcome == "OSError" || outcome == "ConnectionResetError")
    } }

    @Test(.timeLimit(.minutes(1))) func drainWaitsWhileThePeerDoesNotRead() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        try loop.runUntilComplete {
            let (listener, port) = try loopbackListener()
            defer { close(listener) }
            // A small receive buffer, inherited by the accepted socket: 8 MiB never fits in the kernel.
            var small: Int32 = 4096
            setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            let accepting = try asyncio.createTask { try await loop.sockAccept(listener).0 }
            let (_, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
            let peer = try await accepting.value
            defer { close(peer) }
            let draining = try asyncio.createTask { () async throws -> Void in
                try writer.write([UInt8](repeating: 7, count: 8 << 20))   // far over the high-water mark
                try await writer.drain()
                log.add("drained")
            }
            try await asyncio.sleep(0.1)
            log.add(draining.done() ? "done early" : "still waiting")     // the peer has not read
            var total = 0
            while total < 8 << 20 { total += try await loop.sockRecv(peer, 1 << 20).count }
            try await draining.value
            writer.close()
        }
        #expect(log.entries == ["still waiting", "drained"])
    } }

    @Test(.timeLimit(.minutes(1))) func serverWaitClosedWaitsForItsConnections() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        try loop.runUntilComplete {
            let server = try await asyncio.startServer({ reader, writer in
                _ = try await reader.read()
                writer.close()
            }, host: "127.0.0.1", port: 0)
            let (_, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: server.addresses[0].port!)
            try await asyncio.sleep(0.05)
            server.close()
            let waiting = try asyncio.createTask { try await server.waitClosed(); log.add("wait_closed returned") }
            try await asyncio.sleep(0.05)
            log.add("connection still open")
            writer.close()                                  // the handler sees EOF and closes its side
            try await waiting.value
        }
        #expect(log.entries == ["connection still open", "wait_closed returned"])
    } }
}
