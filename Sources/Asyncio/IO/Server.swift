// Server: listening sockets that accept connections into transports (asyncio.Server).
import Glibc

/// A listening server (asyncio.Server). Owned by its loop's thread.
public final class Server: @unchecked Sendable {
    private let loop: EventLoop
    private let makeProtocol: () -> any BaseProtocol
    private let backlog: Int
    /// The listening socket descriptors.
    public private(set) var sockets: [Int32]
    private var serving = false
    private var transports: [ObjectIdentifier: SocketTransport] = [:]
    private var closedWaiters: [Future<Void>] = []
    private var closed = false

    init(loop: EventLoop, sockets: [Int32], backlog: Int, makeProtocol: @escaping () -> any BaseProtocol) {
        self.loop = loop
        self.sockets = sockets
        self.backlog = backlog
        self.makeProtocol = makeProtocol
    }

    /// The addresses the server listens on (Python's `[s.getsockname() for s in server.sockets]`).
    public var addresses: [SocketAddress] { sockets.compactMap(SocketAddress.local(of:)) }

    /// The loop the server runs on.
    public func getLoop() -> EventLoop { loop }

    /// True while accepting connections.
    public func isServing() -> Bool { serving }

    /// Starts accepting connections (idempotent).
    public func startServing() throws {
        if serving || closed { return }
        serving = true
        for listener in sockets { try loop.addReader(listener) { [self] in acceptReady(listener) } }
    }

    /// Starts serving if needed and waits until the server is closed (the awaiting task being
    /// cancelled closes the server).
    nonisolated(nonsending) public func serveForever() async throws {
        try startServing()
        do {
            try await waitClosedFuture().value
        } catch let error as CancelledError {
            close()
            throw error
        }
    }

    /// Stops listening and closes the listening sockets; connections stay open.
    public func close() {
        if closed { return }
        closed = true
        serving = false
        for listener in sockets {
            loop.removeReader(listener)
            loop.closeDescriptor(listener)
        }
        sockets = []
        wakeClosedWaitersIfDone()
    }

    /// Closes every connection gracefully (asyncio 3.13 `close_clients`).
    public func closeClients() { for transport in transports.values { transport.close() } }

    /// Aborts every connection (asyncio 3.13 `abort_clients`).
    public func abortClients() { for transport in transports.values { transport.abort() } }

    /// Waits until the server is closed and every connection it accepted has ended.
    nonisolated(nonsending) public func waitClosed() async throws {
        if closed && transports.isEmpty { return }
        try await waitClosedFuture().value
    }

    private func waitClosedFuture() -> Future<Void> {
        let waiter = loop.createFuture(of: Void.self)
        closedWaiters.append(waiter)
        return waiter
    }

    private func wakeClosedWaitersIfDone() {
        guard closed && transports.isEmpty else { return }
        for waiter in closedWaiters where !waiter.done() { try? waiter.setResult(()) }
        closedWaiters = []
    }

    func detach(_ transport: SocketTransport) {
        transports[ObjectIdentifier(transport)] = nil
        wakeClosedWaitersIfDone()
    }

    /// Accepts up to `backlog` connections. Out of descriptors (EMFILE...): report, stop
    /// listening for a second, then try again, so the server keeps serving once fds free up.
    private func acceptReady(_ listener: Int32) {
        for _ in 0..<backlog {
            var storage = sockaddr_storage()
            var length = UInt32(MemoryLayout<sockaddr_storage>.size)
            let connection = casyncio_accept(listener, &storage, &length)
            if connection < 0 {
                let error = errno
                switch error {
                case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED:
                    return
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    loop.callExceptionHandler(ExceptionContext(message: "socket.accept() out of system resource", error: OSError(code: error)))
                    loop.removeReader(listener)
                    _ = try? loop.callLater(1) { [self] in
                        if serving { _ = try? loop.addReader(listener) { [self] in acceptReady(listener) } }
                    }
                    return
                default:
                    loop.callExceptionHandler(ExceptionContext(message: "accept failed", error: OSError(code: error)))
                    return
                }
            }
            loop.adoptDescriptor(connection, .accepted)
            var one: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let transport = SocketTransport(loop: loop, fd: connection, protocolObject: makeProtocol(),
                                            peer: SocketAddress(storage: storage))
            transport.server = self
            transports[ObjectIdentifier(transport)] = transport
        }
    }
}

import CAsyncio
