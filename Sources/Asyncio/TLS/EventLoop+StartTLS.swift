// startTLS: upgrading a plain connection to TLS in place (asyncio's loop.start_tls and StreamWriter.start_tls).

extension EventLoop {
    /// Upgrades the connection under `transport` to TLS (asyncio's `start_tls`): the TLS layer
    /// goes between the socket and `protocol`, the handshake runs, and the TLS transport to use
    /// from now on is returned (the old one must not be used again). A client checks the
    /// certificate against `serverHostname`. A failed or cancelled upgrade closes the connection.
    nonisolated(nonsending) public func startTLS(
        _ transport: any Transport, _ protocolObject: any BaseProtocol, _ sslContext: SSLContext,
        serverSide: Bool = false, serverHostname: String? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> any Transport {
        try await startTLS(transport, protocolObject, sslContext, serverSide: serverSide, serverHostname: serverHostname,
                           sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout) { _ in }
    }

    /// `startTLS`, telling `willHandshake` the TLS transport before the handshake starts (a
    /// stream's reader must pause and resume it from the first record on).
    nonisolated(nonsending) func startTLS(
        _ transport: any Transport, _ protocolObject: any BaseProtocol, _ sslContext: SSLContext,
        serverSide: Bool, serverHostname: String?, sslHandshakeTimeout: Double?, sslShutdownTimeout: Double?,
        willHandshake: (SSLTransport) -> Void
    ) async throws -> any Transport {
        guard let socketTransport = transport as? SocketTransport, socketTransport.isSocketTransport else {
            throw TypeError("transport \(transport) is not supported by start_tls()")
        }
        let tls: TLSOptions
        if serverSide {
            tls = try TLSOptions.server(sslContext, handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)!
        } else {
            tls = try TLSOptions.client(sslContext, serverHostname: serverHostname ?? "", host: nil,
                                        handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)!
        }
        let waiter = createFuture(of: Void.self)
        let sslProtocol = try tls.makeProtocol(loop: self, app: protocolObject, serverSide: serverSide,
                                               waiter: waiter, callConnectionMade: false)
        let appTransport = sslProtocol.appTransport!
        // A connection already lost (or closing) cannot be upgraded: fail now, not at the
        // handshake timeout (CPython would wait for it).
        if socketTransport.isClosing() { throw ConnectionResetError() }
        willHandshake(appTransport)
        // Paused first, so no record reaches the TLS layer before its connectionMade.
        socketTransport.pauseReading()
        socketTransport.setProtocol(sslProtocol)
        let connectionMade = try callSoon { sslProtocol.connectionMade(socketTransport) }
        let resume = try callSoon { socketTransport.resumeReading() }
        do {
            try await waiter.value
        } catch {
            socketTransport.close()
            connectionMade.cancel()
            resume.cancel()
            throw error
        }
        return appTransport
    }
}

extension StreamWriter {
    /// Upgrades the stream to TLS in place (asyncio's `StreamWriter.start_tls`): drains what is
    /// buffered, then the handshake; reader and writer go on over TLS. The server side of a
    /// `startServer` connection upgrades as a server.
    nonisolated(nonsending) public func startTLS(
        _ sslContext: SSLContext, serverHostname: String? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws {
        try await drain()
        let plain = transport
        do {
            _ = try await protocolObject.loop.startTLS(
                transport, protocolObject, sslContext, serverSide: protocolObject.isServerSide,
                serverHostname: serverHostname, sslHandshakeTimeout: sslHandshakeTimeout, sslShutdownTimeout: sslShutdownTimeout
            ) { replaceTransport($0) }   // before the first record: the reader pauses the TLS transport
        } catch {
            if transport !== plain { replaceTransport(plain) }
            throw error
        }
    }
}

/// A value of the wrong kind for an operation (Python's TypeError), e.g. a transport that
/// `startTLS` cannot upgrade.
public struct TypeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The message, as CPython's `str(exc)`.
    public let message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
