// TCPConnector: the client's connection pool (aiohttp's TCPConnector): keep-alive, limits, expiry.
import Asyncio
import HTTPTypes

/// The pool of connections a `ClientSession` draws from (aiohttp's `TCPConnector`). One pool
/// per (scheme, host, port). At most `limit` connections are in use at once (0: no limit),
/// and at most `limitPerHost` to one host (0: no limit); a request over a limit waits, first
/// come first served. A connection goes back to the pool only when its response was received
/// completely and both sides allow keep-alive; it is closed after `keepaliveTimeout` idle.
///
/// Owned by the loop thread it is first used on.
public final class TCPConnector: @unchecked Sendable {
    /// The most connections in use at once (aiohttp's `limit`); 0: no limit.
    public let limit: Int
    /// The most connections in use to one host (aiohttp's `limit_per_host`); 0: no limit.
    public let limitPerHost: Int
    /// Seconds an idle connection stays in the pool (aiohttp's `keepalive_timeout`).
    public let keepaliveTimeout: Double
    /// Close every connection after its response (no keep-alive).
    public let forceClose: Bool
    /// The TLS context for https (nil: `SSLContext.createDefaultContext()`, verifying).
    private var sslContext: SSLContext?
    /// The limit of each response body's reader.
    public let readBufferSize: Int

    private var idle: [ConnectionKey: [ClientConnection]] = [:]
    private var inUse = 0
    private var inUsePerHost: [ConnectionKey: Int] = [:]
    private var waiters: [(key: ConnectionKey, future: Future<Void>)] = []
    private var cleanupHandle: TimerHandle?
    private(set) var closed = false

    /// A pool; `ssl` is the context for https URLs (default: the system's CAs, verifying).
    public init(limit: Int = 100, limitPerHost: Int = 0, keepaliveTimeout: Double = 15,
                forceClose: Bool = false, ssl: SSLContext? = nil, readBufferSize: Int = 64 * 1024) {
        self.limit = limit
        self.limitPerHost = limitPerHost
        self.keepaliveTimeout = keepaliveTimeout
        self.forceClose = forceClose
        self.sslContext = ssl
        self.readBufferSize = readBufferSize
    }

    /// Connections open now, idle or in use.
    public var openConnections: Int { idle.values.reduce(0) { $0 + $1.count } + inUse }
    /// Idle connections kept for reuse.
    public var idleConnections: Int { idle.values.reduce(0) { $0 + $1.count } }
    /// Connections (or connection attempts) in use by requests now.
    public var connectionsInUse: Int { inUse }

    private func hasRoom(_ key: ConnectionKey) -> Bool {
        (limit == 0 || inUse < limit) && (limitPerHost == 0 || inUsePerHost[key, default: 0] < limitPerHost)
    }

    private func take(_ key: ConnectionKey) {
        inUse += 1
        inUsePerHost[key, default: 0] += 1
    }

    private func give(_ key: ConnectionKey) {
        inUse -= 1
        let left = inUsePerHost[key, default: 1] - 1
        inUsePerHost[key] = left == 0 ? nil : left
    }

    /// A connection for `key`: an idle one, or a new one; waits for room when over a limit.
    /// The slot is the caller's until `ClientConnection.endExchange`.
    nonisolated(nonsending) func acquire(_ key: ConnectionKey, sslOverride: SSLContext?, verify: Bool,
                                         sockConnect: Double?) async throws -> ClientConnection {
        if closed { throw ClientStateError("Connector is closed.") }
        let loop = try asyncio.getRunningLoop()
        if !hasRoom(key) || waiters.contains(where: { $0.key == key }) {
            let future = loop.createFuture(of: Void.self)
            waiters.append((key, future))
            do {
                try await future.value   // woken with a slot already taken for us
            } catch {
                waiters.removeAll { $0.future === future }
                if future.cancelled() && closed { throw ClientStateError("Connector is closed.") }
                if future.done() && !future.cancelled() {
                    give(key)            // woken, then cancelled before running: pass the slot on
                    wakeWaiters()
                }
                throw error
            }
        } else {
            take(key)
        }
        // The slot is ours: reuse an idle connection or connect.
        let now = loop.time()
        while var list = idle[key], let connection = list.popLast() {
            idle[key] = list.isEmpty ? nil : list
            if connection.usable && now - connection.idleSince < keepaliveTimeout { return connection }
            connection.closeTransport()
        }
        do {
            return try await connect(key, loop: loop, sslOverride: sslOverride, verify: verify, sockConnect: sockConnect)
        } catch {
            give(key)
            wakeWaiters()
            throw error
        }
    }

    private nonisolated(nonsending) func connect(_ key: ConnectionKey, loop: EventLoop, sslOverride: SSLContext?,
                                                 verify: Bool, sockConnect: Double?) async throws -> ClientConnection {
        var context: SSLContext?
        if key.isTLS {
            if let sslOverride {
                context = sslOverride
            } else if !verify {
                context = try Self.unverifiedContext()
            } else {
                if sslContext == nil { sslContext = try SSLContext.createDefaultContext() }
                context = sslContext
            }
        }
        let readLimit = readBufferSize
        do {
            let (_, connection) = try await asyncio.timeout(sockConnect) {
                try await loop.createConnection({ ClientConnection(key: key, loop: loop, readLimit: readLimit) },
                                                host: key.host, port: key.port, ssl: context,
                                                serverHostname: context == nil ? nil : key.host)
            }
            connection.connector = self
            return connection
        } catch let error as TimeoutError {
            _ = error
            throw ServerTimeoutError("Connection timeout to host \(key.scheme)://\(key.host):\(key.port)")
        } catch is CancelledError {
            throw CancelledError()
        } catch {
            throw ClientConnectorError(host: key.host, port: key.port, ssl: key.isTLS, underlying: error)
        }
    }

    /// A client context that checks nothing (aiohttp's `ssl=False`).
    private static func unverifiedContext() throws -> SSLContext {
        let context = try SSLContext(.client)
        context.checkHostname = false
        try context.setVerifyMode(.none)
        return context
    }

    /// The exchange on `connection` ended; keep it for reuse or let it go (it was closed).
    func release(_ connection: ClientConnection, reuse: Bool) {
        give(connection.key)
        if reuse && !forceClose && !closed && connection.usable {
            connection.idleSince = connection.loop.time()
            idle[connection.key, default: []].append(connection)
            scheduleCleanup(connection.loop)
        } else {
            connection.abortTransport()
        }
        wakeWaiters()
    }

    /// An idle connection was closed by the server.
    func dropIdle(_ connection: ClientConnection) {
        guard var list = idle[connection.key] else { return }
        list.removeAll { $0 === connection }
        idle[connection.key] = list.isEmpty ? nil : list
    }

    /// Wakes waiters in arrival order while there is room for them, taking a slot for each.
    private func wakeWaiters() {
        var index = 0
        while index < waiters.count {
            let (key, future) = waiters[index]
            if future.done() {
                waiters.remove(at: index)
                continue
            }
            if hasRoom(key) {
                waiters.remove(at: index)
                take(key)
                try? future.setResult(())
                continue
            }
            index += 1
        }
    }

    private func scheduleCleanup(_ loop: EventLoop) {
        guard cleanupHandle == nil, keepaliveTimeout > 0 else { return }
        cleanupHandle = try? loop.callLater(keepaliveTimeout) { [weak self] in
            guard let self else { return }
            self.cleanupHandle = nil
            let now = loop.time()
            for (key, list) in self.idle {
                let (expired, kept) = (list.filter { now - $0.idleSince >= self.keepaliveTimeout },
                                       list.filter { now - $0.idleSince < self.keepaliveTimeout })
                expired.forEach { $0.closeTransport() }
                self.idle[key] = kept.isEmpty ? nil : kept
            }
            if !self.idle.isEmpty { self.scheduleCleanup(loop) }
        }
    }

    /// Closes every idle connection and refuses new requests (aiohttp's `close()`), waiting up
    /// to `timeout` seconds for them to close (TLS sends close_notify), then aborting the rest.
    /// Waiting requests fail; connections in use close when their exchange ends.
    nonisolated(nonsending) public func close(timeout: Double = 2) async {
        let closing = shutDown()
        for connection in closing { connection.closeTransport() }
        _ = try? await asyncio.timeout(timeout) {
            for connection in closing { try await connection.waitClosed() }
        }
        for connection in closing { connection.abortTransport() }
    }

    /// Marks the pool closed and hands over its idle connections.
    private func shutDown() -> [ClientConnection] {
        closed = true
        cleanupHandle?.cancel()
        cleanupHandle = nil
        let closing = idle.values.flatMap { $0 }
        idle = [:]
        for waiter in waiters where !waiter.future.done() { waiter.future.cancel() }
        waiters = []
        return closing
    }
}
