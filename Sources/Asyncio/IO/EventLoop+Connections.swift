// createConnection and createServer: stream connections with protocols (asyncio's low-level network API).
import CAsyncio
import Glibc

extension EventLoop {
    /// Connects to `host`:`port` (trying each resolved address) and wires the socket to a new
    /// protocol (asyncio's `create_connection`). Returns once `connectionMade` has run.
    ///
    /// With `ssl`, the connection speaks TLS: the handshake runs before `connectionMade`, the
    /// certificate is checked against `serverHostname` (default: `host`), and a handshake
    /// longer than `sslHandshakeTimeout` (60 s) fails with `ConnectionAbortedError`;
    /// `sslShutdownTimeout` (30 s) bounds the wait for the peer's close_notify on close.
    nonisolated(nonsending) public func createConnection<P: BaseProtocol>(
        _ makeProtocol: () -> P, host: String, port: Int,
        ssl: SSLContext? = nil, serverHostname: String? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> (any Transport, P) {
        let tls = try TLSOptions.client(ssl, serverHostname: serverHostname, host: host,
                                        handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)
        if !(0...65535).contains(port) { throw OverflowError(portFor: "connect") }
        let infos = try await getaddrinfo(host, port, type: Int32(SOCK_STREAM.rawValue))
        var errors: [any Error] = []
        for info in infos {
            let fd: Int32
            do {
                fd = try await connectedSocket(info.family, info.address)
            } catch is CancelledError {
                throw CancelledError()
            } catch {
                errors.append(error)
                continue
            }
            // Only the connect tries each address; the TLS handshake runs once, as in asyncio.
            let protocolObject = makeProtocol()
            return (try await wireConnection(fd: fd, peer: info.address, app: protocolObject, tls: tls), protocolObject)
        }
        throw Self.connectionFailure(errors)
    }

    /// What asyncio raises when every address failed: the one error, or the first when all read
    /// alike, else `OSError("Multiple exceptions: ...")` (no errno, as in asyncio).
    static func connectionFailure(_ errors: [any Error]) -> any Error {
        guard let first = errors.first else { return OSError(code: 0, strerror: "getaddrinfo() returned empty list") }
        let texts = errors.map { "\($0)" }
        if texts.allSatisfy({ $0 == texts[0] }) { return first }
        return OSError(code: 0, strerror: "Multiple exceptions: " + texts.joined(separator: ", "))
    }

    /// Wires an already connected stream socket to a new protocol (`create_connection(sock=...)`).
    /// The descriptor is made non-blocking; the transport owns it from now on. With `ssl`,
    /// `serverHostname` is required (there is no host to default to).
    nonisolated(nonsending) public func createConnection<P: BaseProtocol>(
        _ makeProtocol: () -> P, socket fd: Int32,
        ssl: SSLContext? = nil, serverHostname: String? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> (any Transport, P) {
        let tls = try TLSOptions.client(ssl, serverHostname: serverHostname, host: nil,
                                        handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let protocolObject = makeProtocol()
        var peerStorage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let hasPeer = withUnsafeMutablePointer(to: &peerStorage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
        }
        adoptDescriptor(fd, .connection)
        let transport = try await wireConnection(fd: fd, peer: hasPeer ? SocketAddress(storage: peerStorage) : nil,
                                                 app: protocolObject, tls: tls)
        return (transport, protocolObject)
    }

    /// Serves an already bound and listening socket (`create_server(sock=...)`). The descriptor
    /// is made non-blocking; the server owns it from now on.
    nonisolated(nonsending) public func createServer(
        _ makeProtocol: @escaping () -> any BaseProtocol, socket fd: Int32,
        backlog: Int = 100, ssl: SSLContext? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil, startServing: Bool = true
    ) async throws -> Server {
        let tls = try TLSOptions.server(ssl, handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        adoptDescriptor(fd, .listener)
        let server = Server(loop: self, sockets: [fd], backlog: backlog, makeProtocol: serverFactory(makeProtocol, tls))
        if startServing { try server.startServing() }
        return server
    }

    /// Connects to the Unix-domain socket at `path` (asyncio's `create_unix_connection`). With
    /// `ssl`, `serverHostname` is required.
    nonisolated(nonsending) public func createUnixConnection<P: BaseProtocol>(
        _ makeProtocol: () -> P, path: String,
        ssl: SSLContext? = nil, serverHostname: String? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil
    ) async throws -> (any Transport, P) {
        let tls = try TLSOptions.client(ssl, serverHostname: serverHostname, host: nil,
                                        handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout, unix: true)
        let fd = try await connectedSocket(AF_UNIX, .unix(path: path))
        let protocolObject = makeProtocol()
        return (try await wireConnection(fd: fd, peer: .unix(path: path), app: protocolObject, tls: tls), protocolObject)
    }

    /// The factory a server uses: with TLS, each connection gets the TLS layer around it.
    func serverFactory(_ makeProtocol: @escaping () -> any BaseProtocol, _ tls: TLSOptions?) -> () -> any BaseProtocol {
        tls?.serverFactory(loop: self, makeProtocol) ?? makeProtocol
    }

    /// Listens on the Unix-domain socket `path` (asyncio's `create_unix_server`). A stale
    /// socket file left at `path` is removed first.
    nonisolated(nonsending) public func createUnixServer(
        _ makeProtocol: @escaping () -> any BaseProtocol, path: String,
        backlog: Int = 100, ssl: SSLContext? = nil,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil, startServing: Bool = true
    ) async throws -> Server {
        let tls = try TLSOptions.server(ssl, handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)
        var status = stat()
        if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
        let fd = try listeningSocket(AF_UNIX, .unix(path: path), backlog: backlog, reuseAddress: false, reusePort: false)
        let server = Server(loop: self, sockets: [fd], backlog: backlog, makeProtocol: serverFactory(makeProtocol, tls))
        if startServing { try server.startServing() }
        return server
    }

    /// Opens a non-blocking socket and connects it (TCP_NODELAY for TCP).
    nonisolated(nonsending) private func connectedSocket(_ family: Int32, _ address: SocketAddress) async throws -> Int32 {
        let fd = try openSocket(family, Int32(SOCK_STREAM.rawValue), .connection)
        do {
            try await sockConnect(fd, address)
        } catch {
            closeDescriptor(fd)
            throw error
        }
        if family != AF_UNIX {
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        return fd
    }

    /// Waits until the transport's `connectionMade` has run (`made`, resolved by the transport
    /// right after it, in the next iteration as in asyncio). Cancelled meanwhile, the connection
    /// is closed before the cancel goes on: nothing made by a cancelled `createConnection` or
    /// `openConnection` or `createDatagramEndpoint` stays open.
    nonisolated(nonsending) func awaitConnectionMade(_ made: Future<Void>, orClose close: () -> Void) async throws {
        do {
            try await made.value
        } catch {
            close()
            throw error
        }
    }

    /// A bound, listening, non-blocking socket.
    func listeningSocket(_ family: Int32, _ address: SocketAddress, backlog: Int, reuseAddress: Bool, reusePort: Bool) throws -> Int32 {
        let fd = try openSocket(family, Int32(SOCK_STREAM.rawValue), .listener)
        var one: Int32 = 1
        if reuseAddress { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
        if family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = try address.withSockaddr(for: "bind") { pointer, length in bind(fd, pointer, length) }
        if bound != 0 {
            let error = errno
            closeDescriptor(fd)
            let reason = String(cString: strerror(error)).lowercased()
            throw OSError(code: error, strerror: "error while attempting to bind on address \(address): \(reason)")
        }
        if listen(fd, Int32(backlog)) != 0 {
            let error = errno
            closeDescriptor(fd)
            throw OSError(code: error)
        }
        return fd
    }

    /// Listens on `host`:`port` (every resolved address; port 0 picks a free one) and makes a
    /// protocol for each connection (asyncio's `create_server`). Starts serving at once unless
    /// `startServing` is false.
    ///
    /// With `ssl` (a server context with its certificate loaded), every connection speaks TLS:
    /// the protocol's `connectionMade` runs after the handshake; a client whose handshake fails
    /// or takes longer than `sslHandshakeTimeout` (60 s) is dropped, quietly as in asyncio (the
    /// debug mode logs it), and the server goes on.
    nonisolated(nonsending) public func createServer(
        _ makeProtocol: @escaping () -> any BaseProtocol, host: String?, port: Int,
        backlog: Int = 100, ssl: SSLContext? = nil, reuseAddress: Bool = true, reusePort: Bool = false,
        sslHandshakeTimeout: Double? = nil, sslShutdownTimeout: Double? = nil, startServing: Bool = true
    ) async throws -> Server {
        let tls = try TLSOptions.server(ssl, handshakeTimeout: sslHandshakeTimeout, shutdownTimeout: sslShutdownTimeout)
        if !(0...65535).contains(port) { throw OverflowError(portFor: "bind") }
        let infos = try await getaddrinfo(host, port, type: Int32(SOCK_STREAM.rawValue), flags: AI_PASSIVE)
        var sockets: [Int32] = []
        do {
            for info in infos {
                sockets.append(try listeningSocket(info.family, info.address, backlog: backlog,
                                                   reuseAddress: reuseAddress, reusePort: reusePort))
            }
        } catch {
            for fd in sockets { closeDescriptor(fd) }
            throw error
        }
        let server = Server(loop: self, sockets: sockets, backlog: backlog, makeProtocol: serverFactory(makeProtocol, tls))
        if startServing { try server.startServing() }
        return server
    }
}
