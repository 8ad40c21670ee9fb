// TLSOptions: asyncio's ssl=, server_hostname= and TLS timeouts, checked as asyncio checks them, and the wiring of the TLS layer.

/// The TLS arguments of one `createConnection` / `createServer` call, checked.
struct TLSOptions {
    let context: SSLContext
    let serverHostname: String?
    let handshakeTimeout: Double?
    let shutdownTimeout: Double?

    /// A client's options, nil without `ssl`; asyncio's argument checks and messages.
    static func client(
        _ ssl: SSLContext?, serverHostname: String?, host: String?,
        handshakeTimeout: Double?, shutdownTimeout: Double?, unix: Bool = false
    ) throws -> TLSOptions? {
        guard let ssl else {
            if serverHostname != nil { throw ValueError("server_hostname is only meaningful with ssl") }
            try requireNoTimeouts(handshakeTimeout, shutdownTimeout)
            return nil
        }
        var hostname = serverHostname
        if hostname == nil {
            if unix { throw ValueError("you have to pass server_hostname when using ssl") }   // asyncio's Unix wording
            guard let host, !host.isEmpty else { throw ValueError("You must set server_hostname when using ssl without a host") }
            hostname = host
        }
        if hostname == "" {
            if ssl.checkHostname { throw ValueError("check_hostname requires server_hostname") }
            hostname = nil
        }
        try checkPositive(handshakeTimeout, "ssl_handshake_timeout")
        try checkPositive(shutdownTimeout, "ssl_shutdown_timeout")
        return TLSOptions(context: ssl, serverHostname: hostname, handshakeTimeout: handshakeTimeout, shutdownTimeout: shutdownTimeout)
    }

    /// A server's options, nil without `ssl`.
    static func server(_ ssl: SSLContext?, handshakeTimeout: Double?, shutdownTimeout: Double?) throws -> TLSOptions? {
        guard let ssl else {
            try requireNoTimeouts(handshakeTimeout, shutdownTimeout)
            return nil
        }
        try checkPositive(handshakeTimeout, "ssl_handshake_timeout")
        try checkPositive(shutdownTimeout, "ssl_shutdown_timeout")
        return TLSOptions(context: ssl, serverHostname: nil, handshakeTimeout: handshakeTimeout, shutdownTimeout: shutdownTimeout)
    }

    private static func requireNoTimeouts(_ handshake: Double?, _ shutdown: Double?) throws {
        if handshake != nil { throw ValueError("ssl_handshake_timeout is only meaningful with ssl") }
        if shutdown != nil { throw ValueError("ssl_shutdown_timeout is only meaningful with ssl") }
    }

    private static func checkPositive(_ value: Double?, _ name: String) throws {
        if let value, !(value > 0) { throw ValueError("\(name) should be a positive number, got \(value)") }
    }

    /// The TLS layer for one connection, around `app`.
    func makeProtocol(loop: EventLoop, app: any BaseProtocol, serverSide: Bool, waiter: Future<Void>?,
                      callConnectionMade: Bool = true) throws -> SSLProtocol {
        try SSLProtocol(loop: loop, appProtocol: app, context: context, waiter: waiter, serverSide: serverSide,
                        serverHostname: serverHostname, callConnectionMade: callConnectionMade,
                        handshakeTimeout: handshakeTimeout, shutdownTimeout: shutdownTimeout)
    }

    /// A server's protocol factory: each connection gets the TLS layer around a new app protocol.
    func serverFactory(loop: EventLoop, _ makeProtocol: @escaping () -> any BaseProtocol) -> () -> any BaseProtocol {
        { [self] in
            let app = makeProtocol()
            do {
                return try self.makeProtocol(loop: loop, app: app, serverSide: true, waiter: nil)
            } catch {
                return RefusingProtocol(loop: loop, error: error)
            }
        }
    }
}

/// Stands in for a TLS layer that could not be made (OpenSSL out of memory): reports the error
/// and closes the connection at once.
private final class RefusingProtocol: BaseProtocol {
    let loop: EventLoop
    let error: any Error
    init(loop: EventLoop, error: any Error) { self.loop = loop; self.error = error }
    func connectionMade(_ transport: any Transport) {
        loop.callExceptionHandler(ExceptionContext(message: "Error on transport creation for incoming connection", error: error))
        transport.abort()
    }
}

extension EventLoop {
    /// Wires a connected socket to `app`, through the TLS layer when `tls` is given, and waits
    /// until the app's `connectionMade` has run (after the handshake with TLS). Whatever fails
    /// or is cancelled meanwhile closes the connection before the error goes on.
    nonisolated(nonsending) func wireConnection(
        fd: Int32, peer: SocketAddress?, app: any BaseProtocol, tls: TLSOptions?
    ) async throws -> any Transport {
        guard let tls else {
            let made = createFuture(of: Void.self)
            let transport = SocketTransport(loop: self, fd: fd, protocolObject: app, peer: peer, made: made)
            try await awaitConnectionMade(made, orClose: transport.close)
            return transport
        }
        let waiter = createFuture(of: Void.self)
        let sslProtocol: SSLProtocol
        do {
            sslProtocol = try tls.makeProtocol(loop: self, app: app, serverSide: false, waiter: waiter)
        } catch {
            closeDescriptor(fd)
            throw error
        }
        let appTransport = sslProtocol.appTransport!
        _ = SocketTransport(loop: self, fd: fd, protocolObject: sslProtocol, peer: peer)
        do {
            try await waiter.value
        } catch {
            appTransport.close()
            throw error
        }
        return appTransport
    }
}
