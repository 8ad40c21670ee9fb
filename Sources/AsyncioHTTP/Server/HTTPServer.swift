// HTTPServer: an Application served on a port (aiohttp's AppRunner + TCPSite), with graceful shutdown.
import Asyncio

/// A running server for an `Application` (aiohttp's `AppRunner` with a `TCPSite`). Answers
/// each connection's requests in order (pipelined requests too), keeps connections alive for
/// `keepaliveTimeout` seconds between requests (aiohttp's 75), and shuts down gracefully.
/// Owned by the loop thread.
public final class HTTPServer: @unchecked Sendable {
    /// The application it serves.
    public let app: Application
    /// Seconds an idle connection stays open between requests.
    public let keepaliveTimeout: Double
    private var listener: Server?
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private(set) var shuttingDown = false

    init(app: Application, keepaliveTimeout: Double) {
        self.app = app
        self.keepaliveTimeout = keepaliveTimeout
    }

    /// The addresses it listens on.
    public var addresses: [SocketAddress] { listener?.addresses ?? [] }
    /// The first listening port (the one the system chose for port 0).
    public var port: Int { addresses.first?.port ?? 0 }
    /// Connections open now.
    public var connectionCount: Int { connections.count }
    /// Connections accepted since it started.
    public private(set) var connectionsAccepted = 0

    func start(host: String?, port: Int, ssl: SSLContext?, backlog: Int) async throws {
        let loop = try asyncio.getRunningLoop()
        // The listener holds this factory; the factory holds the server weakly (no cycle).
        listener = try await loop.createServer({ [weak self] () -> any BaseProtocol in
            guard let self else { return Refusal() }
            let connection = ServerConnection(app: app, loop: loop, server: self)
            connectionsAccepted += 1
            connections[ObjectIdentifier(connection)] = connection
            return connection
        }, host: host, port: port, backlog: backlog, ssl: ssl)
    }

    /// Closes a connection accepted after the server object was dropped.
    private final class Refusal: ConnectionProtocol {
        func connectionMade(_ transport: any Transport) { transport.abort() }
        func dataReceived(_ data: [UInt8]) {}
    }

    func connectionEnded(_ connection: ServerConnection) {
        connections[ObjectIdentifier(connection)] = nil
    }

    /// Stops accepting, lets the requests in progress finish (closing idle keep-alive
    /// connections at once), and after `timeout` seconds aborts what is left (aiohttp's
    /// `runner.cleanup()` with `shutdown_timeout`).
    nonisolated(nonsending) public func shutdown(timeout: Double = 60) async {
        shuttingDown = true
        listener?.close()
        let open = Array(connections.values)
        for connection in open { connection.closeWhenIdle() }
        _ = try? await asyncio.timeout(timeout) {
            for connection in open { try await connection.waitClosed() }
        }
        for connection in connections.values { connection.abort() }
        for connection in open { try? await asyncio.timeout(1) { try await connection.waitClosed() } }
        try? await listener?.waitClosed()
    }
}

extension Application {
    /// Serves the application on `host`:`port` (0: a free port) until `shutdown()`; with
    /// `ssl`, over TLS.
    nonisolated(nonsending) public func serve(
        host: String? = "127.0.0.1", port: Int, ssl: SSLContext? = nil, backlog: Int = 128,
        keepaliveTimeout: Double = 75
    ) async throws -> HTTPServer {
        let server = HTTPServer(app: self, keepaliveTimeout: keepaliveTimeout)
        try await server.start(host: host, port: port, ssl: ssl, backlog: backlog)
        return server
    }

    /// Serves the application until the task is cancelled, then shuts down gracefully
    /// (aiohttp's `web.run_app` inside a loop), printing where it runs, as aiohttp does.
    nonisolated(nonsending) public func run(host: String = "127.0.0.1", port: Int = 8080, ssl: SSLContext? = nil) async throws {
        let server = try await serve(host: host, port: port, ssl: ssl)
        print("======== Running on \(ssl == nil ? "http" : "https")://\(host):\(server.port) ========")
        do {
            try await asyncio.sleep(Double(Int32.max))
        } catch {
            await server.shutdown()
            throw error
        }
    }
}
