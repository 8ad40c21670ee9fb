// The errors of streams: a separator beyond the limit, EOF before enough data.

/// The separator was not found within the limit (asyncio.LimitOverrunError, a ValueError).
/// `readuntil` leaves the data in the reader's buffer; `consumed` is how many bytes can be
/// dropped to get past it.
public final class LimitOverrunError: ValueError, @unchecked Sendable {
    /// How many bytes to drop to get past the over-long chunk.
    public let consumed: Int

    /// An error with `message` and the count of bytes to drop.
    public init(_ message: String, consumed: Int) {
        self.consumed = consumed
        super.init(message)
    }
}

/// EOF came before the expected data (asyncio.IncompleteReadError). `partial` holds every byte
/// that was read; `expected` is the count asked for (nil for a separator).
public struct IncompleteReadError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The bytes read before EOF.
    public let partial: [UInt8]
    /// The byte count asked for; nil when reading up to a separator.
    public let expected: Int?
    public var description: String {
        "\(partial.count) bytes read on a total of \(expected.map(String.init) ?? "undefined") expected bytes"
    }
}
