// createConnection and createServer: stream connections with protocols (asyncio's low-level network API).
import CAsyncio
import Glibc

extension EventLoop {
    /// Connects to `host`:`port` (trying each resolved address) and wires the socket to a new
    /// protocol (asyncio's `create_connection`). Returns once `connectionMade` has run.
    nonisolated(nonsending) public func createConnection<P: ConnectionProtocol>(
        _ makeProtocol: () -> P, host: String, port: Int
    ) async throws -> (any Transport, P) {
        let infos = try await getaddrinfo(host, port, type: Int32(SOCK_STREAM.rawValue))
        var errors: [any Error] = []
        for info in infos {
            let fd = socket(info.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { errors.append(OSError(code: errno)); continue }
            do {
                try await sockConnect(fd, info.address)
            } catch {
                Glibc.close(fd)
                if error is CancelledError { throw error }
                errors.append(error)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let protocolObject = makeProtocol()
            let transport = SocketTransport(loop: self, fd: fd, protocolObject: protocolObject, peer: info.address)
            try await asyncio.sleep(0)   // connectionMade runs in the next iteration, as in asyncio
            return (transport, protocolObject)
        }
        if errors.count == 1 { throw errors[0] }
        throw OSError(code: errors.isEmpty ? EHOSTUNREACH : ((errors.first as? OSError)?.code ?? EHOSTUNREACH))
    }

    /// Listens on `host`:`port` (every resolved address; port 0 picks a free one) and makes a
    /// protocol for each connection (asyncio's `create_server`). Starts serving at once unless
    /// `startServing` is false.
    nonisolated(nonsending) public func createServer(
        _ makeProtocol: @escaping () -> any ConnectionProtocol, host: String?, port: Int,
        backlog: Int = 100, reuseAddress: Bool = true, reusePort: Bool = false, startServing: Bool = true
    ) async throws -> Server {
        let infos = try await getaddrinfo(host, port, type: Int32(SOCK_STREAM.rawValue), flags: AI_PASSIVE)
        var sockets: [Int32] = []
        do {
            for info in infos {
                let fd = socket(info.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
                if fd < 0 { throw OSError(code: errno) }
                sockets.append(fd)
                var one: Int32 = 1
                if reuseAddress { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
                if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
                if info.family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
                let status = try info.address.withSockaddr { address, length in bind(fd, address, length) }
                if status != 0 { throw OSError(code: errno) }
                if listen(fd, Int32(backlog)) != 0 { throw OSError(code: errno) }
            }
        } catch {
            for fd in sockets { Glibc.close(fd) }
            throw error
        }
        let server = Server(loop: self, sockets: sockets, backlog: backlog, makeProtocol: makeProtocol)
        if startServing { try server.startServing() }
        return server
    }
}
