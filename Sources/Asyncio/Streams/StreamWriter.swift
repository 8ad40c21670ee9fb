// StreamWriter and the protocol behind streams: writes, drain with flow control, close, waitClosed.
//
// Ownership of one stream connection (who holds whom strongly, and where each cycle is broken):
// - the loop holds the transport only while it is registered in the selector (its read/write
//   callbacks) and while a callback of it is queued; `finish` removes both, and `close()` of the
//   loop drops every registration and closes every descriptor left;
// - the transport holds the protocol until the connection is lost (`finish` sets it to nil:
//   breaks transport -> protocol -> writer -> transport);
// - the writer holds the transport and the protocol (it is what the user keeps); the protocol
//   holds the server-side writer only until `connectionLost` (breaks protocol <-> writer);
// - the reader holds the transport weakly (to pause and resume reading); the protocol holds the
//   reader; a server's handler task holds reader and writer until it ends;
// - everything holds the loop, and the loop holds none of them once they are closed, so the
//   loop is freed with the last of them.

/// Connects a transport to a StreamReader and gives writers flow control (asyncio's
/// StreamReaderProtocol with FlowControlMixin). Owned by the loop thread.
final class StreamProtocol: ConnectionProtocol, @unchecked Sendable {
    let reader: StreamReader
    let loop: EventLoop
    private var onConnect: ((StreamReader, StreamWriter) -> Void)?
    /// True for the server side of a `startServer` connection (`startTLS` upgrades as a server).
    let isServerSide: Bool
    /// The server side's writer, handed to the handler; dropped when the connection is lost.
    private(set) var writer: StreamWriter?
    private var paused = false
    private var drainWaiters: [Future<Void>] = []
    private(set) var connectionLost = false
    let closed: Future<Void>

    init(reader: StreamReader, loop: EventLoop, onConnect: ((StreamReader, StreamWriter) -> Void)? = nil) {
        self.reader = reader
        self.loop = loop
        self.onConnect = onConnect
        isServerSide = onConnect != nil
        closed = loop.createFuture(of: Void.self)
    }

    /// True when the connection speaks TLS (which has no half-open state).
    var overSSL = false

    func connectionMade(_ transport: any Transport) {
        reader.setTransport(transport)
        overSSL = transport is SSLTransport
        guard let onConnect else { return }   // a client: openConnection makes the writer
        self.onConnect = nil
        let writer = StreamWriter(transport: transport, protocolObject: self, reader: reader)
        self.writer = writer
        onConnect(reader, writer)
    }

    func dataReceived(_ data: [UInt8]) { reader.feedData(data) }

    func eofReceived() -> Bool {
        reader.feedEOF()
        return !overSSL    // keep a plain connection half open: the writer may still write
    }

    func connectionLost(_ error: (any Error)?) {
        connectionLost = true
        writer = nil          // breaks the protocol <-> writer cycle (see the ownership note above)
        if let error { reader.setException(error) } else { reader.feedEOF() }
        if !closed.done() {
            if let error { try? closed.setException(error); closed.errorUnretrieved = false } else { try? closed.setResult(()) }
        }
        wakeDrainers(error ?? ConnectionResetError())
    }

    func pauseWriting() { paused = true }

    func resumeWriting() {
        paused = false
        wakeDrainers(nil)
    }

    private func wakeDrainers(_ error: (any Error)?) {
        for waiter in drainWaiters where !waiter.done() {
            if let error { try? waiter.setException(error); waiter.errorUnretrieved = false } else { try? waiter.setResult(()) }
        }
        drainWaiters = []
    }

    /// Waits while the transport's buffer is over its high-water mark.
    nonisolated(nonsending) func drainHelper() async throws {
        if connectionLost { throw ConnectionResetError() }
        if !paused { return }
        let waiter = loop.createFuture(of: Void.self)
        drainWaiters.append(waiter)
        try await waiter.value
    }
}

/// The connection was lost while writing (Python's ConnectionResetError('Connection lost')).
public struct ConnectionResetError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The message, as CPython's `str(exc)`.
    public let message: String
    /// An error with `message`, by default "Connection lost".
    public init(_ message: String = "Connection lost") { self.message = message }
    public var description: String { message }
}

/// The connection was aborted by this side (Python's ConnectionAbortedError), e.g. "SSL
/// handshake is taking longer than 60.0 seconds: aborting the connection".
public struct ConnectionAbortedError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The message, as CPython's `str(exc)`.
    public let message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The writing side of a stream connection (asyncio.StreamWriter). Owned by the loop thread.
public final class StreamWriter: @unchecked Sendable {
    /// The transport underneath (the TLS transport after `startTLS`).
    public private(set) var transport: any Transport
    let protocolObject: StreamProtocol
    private let reader: StreamReader?

    init(transport: any Transport, protocolObject: StreamProtocol, reader: StreamReader?) {
        self.transport = transport
        self.protocolObject = protocolObject
        self.reader = reader
    }

    /// Goes on over `newTransport` (after `startTLS`): the reader pauses and resumes it too.
    func replaceTransport(_ newTransport: any Transport) {
        transport = newTransport
        reader?.setTransport(newTransport)
        protocolObject.overSSL = newTransport is SSLTransport
    }

    /// Queues `data`; never blocks (call `drain()` to apply flow control).
    public func write(_ data: [UInt8]) throws { try transport.write(data) }
    /// Queues several buffers.
    public func writelines(_ chunks: [[UInt8]]) throws { try transport.writelines(chunks) }
    /// Closes the writing side after the buffer is sent (throws over TLS, which has no half close).
    public func writeEOF() throws { try transport.writeEOF() }
    /// True when `writeEOF` is supported.
    public func canWriteEOF() -> Bool { transport.canWriteEOF() }
    /// Closes the connection after the buffer is sent.
    public func close() { transport.close() }
    /// True once closing.
    public func isClosing() -> Bool { transport.isClosing() }
    /// Transport information ("peername", "sockname", "socket").
    public func getExtraInfo(_ name: String) -> Any? { transport.getExtraInfo(name) }

    /// Waits until the write buffer is below its high-water mark (asyncio's `drain`); rethrows
    /// the error the connection was lost with.
    nonisolated(nonsending) public func drain() async throws {
        if let failure = reader?.exception() { throw failure }
        if transport.isClosing() { try await asyncio.sleep(0) }
        try await protocolObject.drainHelper()
    }

    /// Waits until the connection is closed (asyncio's `wait_closed`); rethrows its error. A
    /// cancelled wait cancels only itself, not the connection's close for other waiters.
    nonisolated(nonsending) public func waitClosed() async throws {
        try await asyncio.shield(protocolObject.closed)
    }
}

extension asyncio {
    /// Connects to `host`:`port` and returns a reader and a writer (asyncio.open_connection).
    /// `ssl` and the TLS arguments are `createConnection`'s.
    nonisolated(nonsending) public static func openConnection(
        host: String, port: Int, limit: Int = StreamReader.defaultLimit,
        ssl: SSLContext? = nil, serverHostname: String? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> (StreamReader, StreamWriter) {
        let loop = try getRunningLoop()
        let reader = StreamReader(limit: limit)
        let (transport, protocolObject) = try await loop.createConnection(
            { StreamProtocol(reader: reader, loop: loop) }, host: host, port: port, ssl: ssl, serverHostname: serverHostname,
            sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout)
        return (reader, StreamWriter(transport: transport, protocolObject: protocolObject, reader: reader))
    }

    /// Connects to the Unix-domain socket at `path` (asyncio.open_unix_connection).
    nonisolated(nonsending) public static func openUnixConnection(
        path: String, limit: Int = StreamReader.defaultLimit,
        ssl: SSLContext? = nil, serverHostname: String? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> (StreamReader, StreamWriter) {
        let loop = try getRunningLoop()
        let reader = StreamReader(limit: limit)
        let (transport, protocolObject) = try await loop.createUnixConnection(
            { StreamProtocol(reader: reader, loop: loop) }, path: path, ssl: ssl, serverHostname: serverHostname,
            sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout)
        return (reader, StreamWriter(transport: transport, protocolObject: protocolObject, reader: reader))
    }

    /// Serves the Unix-domain socket `path`, a task per connection (asyncio.start_unix_server).
    nonisolated(nonsending) public static func startUnixServer(
        _ clientConnected: @escaping @Sendable (StreamReader, StreamWriter) async throws -> Void,
        path: String, limit: Int = StreamReader.defaultLimit, backlog: Int = 100, ssl: SSLContext? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> Server {
        let loop = try getRunningLoop()
        return try await loop.createUnixServer(streamProtocolFactory(loop, limit, clientConnected), path: path, backlog: backlog,
                                               ssl: ssl, sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout)
    }

    /// Makes the protocol of each stream connection: a reader, and a task running the handler.
    static func streamProtocolFactory(
        _ loop: EventLoop, _ limit: Int,
        _ clientConnected: @escaping @Sendable (StreamReader, StreamWriter) async throws -> Void
    ) -> () -> any BaseProtocol {
        {
            StreamProtocol(reader: StreamReader(limit: limit), loop: loop) { reader, writer in
                // As asyncio: an error of the handler goes to the exception handler and closes.
                let task = try? loop.createTask { try await clientConnected(reader, writer) }
                task?.addDoneCallback { task in
                    if !task.cancelled(), let error = try? task.exception() {
                        loop.callExceptionHandler(ExceptionContext(
                            message: "Unhandled exception in client_connected_cb", error: error, future: task))
                    }
                    writer.transport.close()
                }
            }
        }
    }

    /// Serves `host`:`port`, calling `clientConnected` in a new task for each connection
    /// (asyncio.start_server); with `ssl`, after each connection's TLS handshake.
    nonisolated(nonsending) public static func startServer(
        _ clientConnected: @escaping @Sendable (StreamReader, StreamWriter) async throws -> Void,
        host: String?, port: Int, limit: Int = StreamReader.defaultLimit, backlog: Int = 100, ssl: SSLContext? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> Server {
        let loop = try getRunningLoop()
        return try await loop.createServer(streamProtocolFactory(loop, limit, clientConnected), host: host, port: port, backlog: backlog,
                                           ssl: ssl, sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout)
    }
}
