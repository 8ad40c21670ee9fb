// ResponseContent: a response body as a stream (aiohttp's `resp.content`), bounded by the timeouts.
import Asyncio

/// The body of a response as it arrives (aiohttp's `StreamReader` at `response.content`): the
/// library's `StreamReader` semantics (limits, `readline` over the limit, `IncompleteReadError`)
/// with the request's `sockRead` timeout on each wait and its `total` deadline. A body cut
/// short throws `ClientPayloadError`. Owned by the loop thread.
public final class ClientResponseContent: @unchecked Sendable {
    let reader: StreamReader
    /// Loop time the whole request must end by (ClientTimeout.total), if any.
    let deadline: Double?
    let sockRead: Double?
    /// Called once when the body has been read to its end.
    var onEOF: (() -> Void)?

    init(reader: StreamReader, deadline: Double?, sockRead: Double?) {
        self.reader = reader
        self.deadline = deadline
        self.sockRead = sockRead
    }

    /// Runs one read under the deadlines; a sockRead expiry is `ServerTimeoutError`.
    /// `immediate`: the read cannot wait (bytes or the end are there), so no timer is armed;
    /// the total deadline is still checked.
    nonisolated(nonsending) private func bounded<T>(immediate: Bool = false, _ body: () async throws -> T) async throws -> T {
        let value: T
        let loop = try asyncio.getRunningLoop()
        if (deadline == nil && sockRead == nil) || (immediate && (deadline ?? .infinity) > loop.time()) {
            value = try await body()
        } else {
            let readDeadline = sockRead.map { loop.time() + $0 }
            let when = min(deadline ?? .infinity, readDeadline ?? .infinity)
            do {
                value = try await asyncio.timeoutAt(when) { try await body() }
            } catch is TimeoutError {
                if let readDeadline, readDeadline <= (deadline ?? .infinity) {
                    throw ServerTimeoutError("Timeout on reading data from socket")
                }
                throw TimeoutError()
            }
        }
        if reader.atEOF(), let onEOF {
            self.onEOF = nil
            onEOF()
        }
        return value
    }

    /// Up to `n` bytes (at least one unless at the end); `n < 0` reads to the end.
    nonisolated(nonsending) public func read(_ n: Int = -1) async throws -> [UInt8] {
        try await bounded(immediate: n >= 0 && reader.readsWithoutWaiting) { try await reader.read(n) }
    }

    /// Everything that has arrived, at least one byte unless at the end (aiohttp's `readany`).
    nonisolated(nonsending) public func readany() async throws -> [UInt8] {
        try await bounded(immediate: reader.readsWithoutWaiting) { try await reader.readAny() }
    }

    /// `readany` as a slice of the array it arrived in (never a copy; empty at the end).
    nonisolated(nonsending) package func readanySlice() async throws -> ArraySlice<UInt8> {
        try await bounded(immediate: reader.readsWithoutWaiting) { try await reader.readAnySlice() }
    }

    /// Exactly `n` bytes; `IncompleteReadError` at the end before that.
    nonisolated(nonsending) public func readexactly(_ n: Int) async throws -> [UInt8] {
        try await bounded { try await reader.readexactly(n) }
    }

    /// One line with its "\n" (empty at the end).
    nonisolated(nonsending) public func readline() async throws -> [UInt8] {
        try await bounded { try await reader.readline() }
    }

    /// Data up to and including `separator`.
    nonisolated(nonsending) public func readuntil(_ separator: [UInt8] = [UInt8(ascii: "\n")]) async throws -> [UInt8] {
        try await bounded { try await reader.readuntil(separator) }
    }

    /// True when the whole body has been read.
    public func atEOF() -> Bool { reader.atEOF() }

    /// The error the body ended with, if any.
    public func exception() -> (any Error)? { reader.exception() }

    /// Chunks of at most `n` bytes until the end (aiohttp's `iter_chunked(n)`).
    public func iterChunked(_ n: Int) -> Chunks { Chunks(content: self, size: n) }

    /// Chunks as they arrive (aiohttp's `iter_any()`).
    public func iterAny() -> Chunks { Chunks(content: self, size: nil) }

    /// Lines until the end (`async for line in resp.content`).
    public var lines: Lines { Lines(content: self) }

    /// Body chunks as an AsyncSequence.
    public struct Chunks: AsyncSequence, Sendable {
        public typealias Element = [UInt8]
        let content: ClientResponseContent
        let size: Int?
        public func makeAsyncIterator() -> Iterator { Iterator(content: content, size: size) }
        /// Reads the next chunk on each `next()`; nil at the end of the body.
        public struct Iterator: AsyncIteratorProtocol {
            let content: ClientResponseContent
            let size: Int?
            public mutating func next() async throws -> [UInt8]? {
                let chunk: [UInt8]
                if let size { chunk = try await content.read(size) } else { chunk = try await content.readany() }
                return chunk.isEmpty ? nil : chunk
            }
        }
    }

    /// Body lines as an AsyncSequence.
    public struct Lines: AsyncSequence, Sendable {
        public typealias Element = [UInt8]
        let content: ClientResponseContent
        public func makeAsyncIterator() -> Iterator { Iterator(content: content) }
        /// Reads the next line on each `next()`; nil at the end of the body.
        public struct Iterator: AsyncIteratorProtocol {
            let content: ClientResponseContent
            public mutating func next() async throws -> [UInt8]? {
                let line = try await content.readline()
                return line.isEmpty ? nil : line
            }
        }
    }
}
