// StreamReader: buffered reading of a connection: read, readline, readuntil, readexactly, lines.

/// The reading side of a stream connection (asyncio.StreamReader). Owned by the loop thread.
///
/// Over its limit, exactly as CPython: `readuntil` throws `LimitOverrunError` and keeps the data;
/// `readline` throws `ValueError` and drops the over-long line (up to and including its newline,
/// or the whole buffer when no newline came yet), so `catch is ValueError` loops make progress.
public final class StreamReader: @unchecked Sendable {
    /// asyncio's default limit: 64 KiB.
    public static let defaultLimit = 64 * 1024

    /// Received bytes; the unread ones start at `head` (consumed bytes are dropped in bulk).
    private var buffer: [UInt8] = []
    private var head = 0
    private var eof = false
    private var waiter: Future<Void>?
    private var failure: (any Error)?
    private weak var transport: (any Transport)?
    private var paused = false
    /// The buffer limit for separator searches and read-ahead.
    public let limit: Int

    /// An empty reader with buffer limit `limit`.
    public init(limit: Int = StreamReader.defaultLimit) { self.limit = limit }

    /// The error the connection ended with, if any.
    public func exception() -> (any Error)? { failure }

    /// True when EOF was seen and the buffer is empty.
    public func atEOF() -> Bool { eof && available == 0 }

    /// Unread bytes.
    private var available: Int { buffer.count - head }

    /// Removes and returns the next `count` unread bytes.
    private func take(_ count: Int) -> [UInt8] {
        let data = Array(buffer[head..<(head + count)])
        head += count
        if head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 * 1024 && head * 2 >= buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        maybeResumeTransport()
        return data
    }

    // MARK: Fed by the protocol

    /// The transport to pause while the buffer is over twice the limit (asyncio's
    /// `set_transport`); nil detaches it, resuming it first if this reader paused it. A protocol
    /// that feeds several readers in turn over one connection (HTTP responses) detaches each.
    public func setTransport(_ transport: (any Transport)?) {
        if transport == nil, paused, let old = self.transport {
            paused = false
            old.resumeReading()
        }
        self.transport = transport
    }

    /// Appends received data; pauses the transport when the buffer passes twice the limit.
    public func feedData(_ data: [UInt8]) { feedData(data, from: 0) }

    /// Feeds `data[offset...]`; when nothing is unread, `data` itself is adopted instead of
    /// copied (an HTTP body after its head keeps the array it arrived in).
    package func feedData(_ data: [UInt8], from offset: Int) {
        if offset >= data.count { return }
        if available == 0 {
            buffer = data
            head = offset
        } else {
            buffer += data[offset...]
        }
        wakeWaiter()
        if let transport, !paused, available > 2 * limit {
            transport.pauseReading()
            paused = true
        }
    }

    /// Marks the end of the stream.
    public func feedEOF() {
        eof = true
        wakeWaiter()
    }

    /// Ends the stream with an error that every later read throws.
    public func setException(_ error: any Error) {
        failure = error
        if let waiter, !waiter.cancelled() { try? waiter.setException(error) }
        waiter = nil
    }

    private func wakeWaiter() {
        if let waiter, !waiter.cancelled() { try? waiter.setResult(()) }
        waiter = nil
    }

    private func maybeResumeTransport() {
        if paused && available <= limit {
            paused = false
            transport?.resumeReading()
        }
    }

    nonisolated(nonsending) private func waitForData(_ function: String) async throws {
        if waiter != nil { throw StreamError.concurrentRead(function) }
        if paused {
            paused = false
            transport?.resumeReading()
        }
        let loop = try asyncio.getRunningLoop()
        let future = loop.createFuture(of: Void.self)
        waiter = future
        defer { waiter = nil }
        try await future.value
    }

    // MARK: Reading

    /// Up to `n` bytes (at least one unless at EOF); `n < 0` reads to EOF.
    nonisolated(nonsending) public func read(_ n: Int = -1) async throws -> [UInt8] {
        if let failure { throw failure }
        if n == 0 { return [] }
        if n < 0 {
            var all: [UInt8] = []
            while true {
                let block = try await read(limit)
                if block.isEmpty { return all }
                all += block
            }
        }
        if available == 0 && !eof { try await waitForData("read") }
        return take(min(n, available))
    }

    /// Everything unread (at least one byte unless at EOF), as `read(Int.max)`, but when nothing
    /// of the buffer was consumed yet the buffer itself is handed over instead of copied: an HTTP
    /// body read with `readany` moves each received array to the caller untouched. (Plain `read`
    /// keeps its buffer's storage for the next feed; handing it over there slowed stream echo.)
    nonisolated(nonsending) package func readAny() async throws -> [UInt8] {
        Array(try await readAnySlice())           // no copy when the slice is the whole array
    }

    /// `readAny` as a slice of the array that was received: never a copy, also when the array
    /// was adopted from an offset (`feedData(_:from:)`, an HTTP body after its head).
    nonisolated(nonsending) package func readAnySlice() async throws -> ArraySlice<UInt8> {
        if let failure { throw failure }
        if available == 0 && !eof { try await waitForData("read") }
        let data = buffer[head...]
        buffer = []
        head = 0
        maybeResumeTransport()
        return data
    }

    /// True when a read of any size returns without waiting: bytes are there, or the end, or
    /// an error.
    package var readsWithoutWaiting: Bool { failure != nil || available > 0 || eof }

    /// Exactly `n` bytes; at EOF before that, `IncompleteReadError` with what was read.
    nonisolated(nonsending) public func readexactly(_ n: Int) async throws -> [UInt8] {
        if n < 0 { throw ValueError("readexactly size can not be less than zero") }
        if let failure { throw failure }
        if n == 0 { return [] }
        while available < n {
            if eof { throw IncompleteReadError(partial: take(available), expected: n) }
            try await waitForData("readexactly")
        }
        return take(n)
    }

    /// One line including its "\n"; at EOF, whatever is left (possibly empty).
    ///
    /// A line longer than the limit throws `ValueError` and is dropped, as CPython drops it: the
    /// buffer keeps what follows its newline, or is cleared when no newline has come yet.
    nonisolated(nonsending) public func readline() async throws -> [UInt8] {
        do {
            return try await readuntil([UInt8(ascii: "\n")])
        } catch let error as IncompleteReadError {
            return error.partial
        } catch let error as LimitOverrunError {
            if error.consumed < available && buffer[head + error.consumed] == UInt8(ascii: "\n") {
                _ = take(error.consumed + 1)
            } else {
                _ = take(available)
            }
            throw ValueError(error.message)
        }
    }

    /// Data up to and including `separator` (asyncio's `readuntil`).
    nonisolated(nonsending) public func readuntil(_ separator: [UInt8] = [UInt8(ascii: "\n")]) async throws -> [UInt8] {
        try await readuntil(anyOf: [separator])
    }

    /// Data up to and including the first of `separators` to end in the stream (asyncio 3.13's
    /// tuple form: the match that ends first wins; of two that end together, the shorter).
    /// Throws `LimitOverrunError` (data kept) past the limit, `IncompleteReadError` at EOF.
    nonisolated(nonsending) public func readuntil(anyOf separators: [[UInt8]]) async throws -> [UInt8] {
        if separators.isEmpty { throw ValueError("Separator should contain at least one element") }
        let sorted = separators.sorted { $0.count < $1.count }   // stable: ties keep the given order
        let shortest = sorted[0].count, longest = sorted[sorted.count - 1].count
        if shortest == 0 { throw ValueError("Separator should be at least one-byte string") }
        if let failure { throw failure }
        var offset = 0
        while true {
            if available - offset >= shortest {
                if let (start, end) = find(sorted, from: offset) {
                    if start > limit {
                        throw LimitOverrunError("Separator is found, but chunk is longer than limit", consumed: start)
                    }
                    return take(end)
                }
                offset = max(0, available + 1 - longest)
                if offset > limit {
                    throw LimitOverrunError("Separator is not found, and chunk exceed the limit", consumed: offset)
                }
            }
            if eof { throw IncompleteReadError(partial: take(available), expected: nil) }
            try await waitForData("readuntil")
        }
    }

    /// The match that ends first among `separators` (sorted shortest first), searching the
    /// unread bytes from `offset`: (start, end), counted from the first unread byte.
    private func find(_ separators: [[UInt8]], from offset: Int) -> (Int, Int)? {
        var best: (Int, Int)?
        buffer.withUnsafeBytes { raw in
            let base = raw.baseAddress! + head
            for separator in separators where available - offset >= separator.count {
                let found = separator.withUnsafeBytes { needle in
                    casyncio_memmem(base + offset, available - offset, needle.baseAddress!, needle.count)
                }
                guard let found else { continue }
                let start = found - UnsafeRawPointer(base)
                let end = start + separator.count
                if best == nil || end < best!.1 { best = (start, end) }
            }
        }
        return best
    }

    /// The lines of the stream, as `async for line in reader` (ends at EOF).
    public var lines: Lines { Lines(reader: self) }

    /// Lines as an AsyncSequence.
    public struct Lines: AsyncSequence, Sendable {
        public typealias Element = [UInt8]
        let reader: StreamReader
        public func makeAsyncIterator() -> Iterator { Iterator(reader: reader) }
        /// Reads one line per `next()`; nil at EOF.
        public struct Iterator: AsyncIteratorProtocol {
            let reader: StreamReader
            public mutating func next() async throws -> [UInt8]? {
                let line = try await reader.readline()
                return line.isEmpty ? nil : line
            }
        }
    }
}

/// Misuse of a stream (Python raises RuntimeError).
public enum StreamError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A read while another task already waits for data on the reader; names the method.
    case concurrentRead(String)
    public var description: String {
        switch self {
        case .concurrentRead(let function): "\(function)() called while another coroutine is already waiting for incoming data"
        }
    }
}

import CAsyncio
