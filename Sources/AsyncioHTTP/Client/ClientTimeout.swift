// ClientTimeout: aiohttp's request timeouts (total, connect, sockConnect, sockRead).

/// How long parts of a request may take, in seconds (aiohttp's `ClientTimeout`); nil is no
/// limit. The default is aiohttp's: 5 minutes in all, 30 seconds to connect a socket.
public struct ClientTimeout: Sendable, Equatable {
    /// The whole request: connecting, sending, the head, and reading the body. Expiry throws
    /// asyncio's `TimeoutError`.
    public var total: Double?
    /// Getting a connection: waiting for a free one in the pool and connecting.
    public var connect: Double?
    /// Connecting one socket (with the TLS handshake).
    public var sockConnect: Double?
    /// Each wait for data from the server (the head, each body read). Expiry throws
    /// `ServerTimeoutError("Timeout on reading data from socket")`.
    public var sockRead: Double?

    /// Makes the timeouts; the defaults are aiohttp's.
    public init(total: Double? = 300, connect: Double? = nil, sockConnect: Double? = 30, sockRead: Double? = nil) {
        self.total = total
        self.connect = connect
        self.sockConnect = sockConnect
        self.sockRead = sockRead
    }
}

/// What a pooled connection is for: one scheme, host and port (and TLS context).
struct ConnectionKey: Hashable {
    let scheme: String
    let host: String
    let port: Int
    var isTLS: Bool { scheme == "https" }
}
