// Datagram endpoints: UDP (or Unix datagram) sockets with a protocol (asyncio's create_datagram_endpoint).
import Glibc

/// A protocol for datagram endpoints (asyncio.DatagramProtocol). Called on the loop thread.
public protocol DatagramProtocol: BaseProtocol {
    /// A datagram arrived from `address`.
    func datagramReceived(_ data: [UInt8], from address: SocketAddress?) throws
    /// A send or receive failed (e.g. ICMP port unreachable on a connected socket).
    func errorReceived(_ error: any Error)
}

extension DatagramProtocol {
    public func errorReceived(_ error: any Error) {}
}

/// The transport of a datagram endpoint (asyncio.DatagramTransport). Owned by the loop thread.
public final class DatagramTransport: @unchecked Sendable {
    static let maxSize = 256 * 1024

    private let loop: EventLoop
    private let fd: Int32
    private var protocolObject: (any DatagramProtocol)?
    private let remote: SocketAddress?
    private var pending: [([UInt8], SocketAddress?)] = []
    private var closing = false

    /// `made` is resolved once `connectionMade` has run (what `createDatagramEndpoint` waits for).
    init(loop: EventLoop, fd: Int32, protocolObject: any DatagramProtocol, remote: SocketAddress?, made: Future<Void>) {
        self.loop = loop
        self.fd = fd
        self.protocolObject = protocolObject
        self.remote = remote
        loop.scheduleInternal { [self] in
            do { try self.protocolObject?.connectionMade(DatagramHandle(self)) } catch { report(error) }
            if !made.done() { try? made.setResult(()) }
            if !closing { _ = try? loop.addReader(fd) { [self] in readReady() } }
        }
    }

    /// Sends `data` to `address` (or to the connected remote address); queued if the socket is busy.
    public func sendto(_ data: [UInt8], _ address: SocketAddress? = nil) throws {
        if closing { return }
        if remote != nil && address != nil && address != remote {
            throw ValueError("Invalid address: must be nil or \(remote!)")
        }
        if pending.isEmpty {
            let error = transmit(data, address)
            if error == 0 { return }
            if error != EAGAIN && error != EWOULDBLOCK && error != EINTR {
                protocolObject?.errorReceived(OSError(code: error))
                return
            }
            _ = try? loop.addWriter(fd) { [self] in writeReady() }
        }
        pending.append((data, address))
    }

    /// Bytes queued and not sent yet.
    public func getWriteBufferSize() -> Int { pending.reduce(0) { $0 + $1.0.count } }

    /// Closes after the queued datagrams are sent; `connectionLost(nil)` follows.
    public func close() {
        if closing { return }
        closing = true
        loop.removeReader(fd)
        if pending.isEmpty { loop.scheduleInternal { [self] in finish() } }
    }

    /// Closes at once, dropping what is queued.
    public func abort() {
        pending = []
        loop.removeWriter(fd)
        closing = true
        loop.removeReader(fd)
        loop.scheduleInternal { [self] in finish() }
    }

    /// True once closing.
    public func isClosing() -> Bool { closing }

    /// "sockname", "peername", "socket".
    public func getExtraInfo(_ name: String) -> Any? {
        switch name {
        case "peername": return remote
        case "socket": return fd
        case "sockname": return SocketAddress.local(of: fd)
        default: return nil
        }
    }

    private func transmit(_ data: [UInt8], _ address: SocketAddress?) -> Int32 {
        let sent: Int
        if let address, remote == nil {
            sent = (try? address.withSockaddr(for: "sendto") { pointer, length in
                data.withUnsafeBytes { Glibc.sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), pointer, length) }
            }) ?? -1
        } else {
            sent = data.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        return sent < 0 ? errno : 0
    }

    private func readReady() {
        while !closing {
            var buffer = [UInt8](repeating: 0, count: Self.maxSize)
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let (count, error) = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                        let result = recvfrom(fd, raw.baseAddress, raw.count, 0, address, &length)
                        return (result, errno)
                    }
                }
            }
            if count < 0 {
                if error != EAGAIN && error != EWOULDBLOCK && error != EINTR { protocolObject?.errorReceived(OSError(code: error)) }
                return
            }
            do { try protocolObject?.datagramReceived(Array(buffer[0..<count]), from: SocketAddress(storage: storage)) } catch { report(error) }
        }
    }

    private func writeReady() {
        while let (data, address) = pending.first {
            let error = transmit(data, address)
            if error == EAGAIN || error == EWOULDBLOCK || error == EINTR { return }
            pending.removeFirst()
            if error != 0 { protocolObject?.errorReceived(OSError(code: error)) }
        }
        loop.removeWriter(fd)
        if closing { finish() }
    }

    private func finish() {
        guard let protocolObject else { return }
        self.protocolObject = nil
        loop.removeReader(fd)
        loop.removeWriter(fd)
        loop.closeDescriptor(fd)
        do { try protocolObject.connectionLost(nil) } catch { report(error) }
    }

    /// A protocol callback threw: report it and close, as asyncio does.
    private func report(_ error: any Error) {
        loop.callExceptionHandler(ExceptionContext(message: "Fatal error: protocol callback failed.", error: error))
        abort()
    }
}

/// Lets a datagram protocol's `connectionMade` receive its transport (`any Transport` is the
/// stream interface; a datagram protocol reads `datagramTransport`).
public final class DatagramHandle: Transport {
    /// The datagram transport.
    public let datagramTransport: DatagramTransport
    init(_ transport: DatagramTransport) { datagramTransport = transport }
    public func write(_ data: [UInt8]) throws { try datagramTransport.sendto(data) }
    public func writeEOF() {}
    public func canWriteEOF() -> Bool { false }
    public func close() { datagramTransport.close() }
    public func abort() { datagramTransport.abort() }
    public func isClosing() -> Bool { datagramTransport.isClosing() }
    public func pauseReading() {}
    public func resumeReading() {}
    public func isReading() -> Bool { !datagramTransport.isClosing() }
    public func getWriteBufferSize() -> Int { datagramTransport.getWriteBufferSize() }
    public func setWriteBufferLimits(high: Int?, low: Int?) {}
    public func getExtraInfo(_ name: String) -> Any? { datagramTransport.getExtraInfo(name) }
}

extension EventLoop {
    /// Opens a datagram endpoint bound to `localAddress` and/or connected to `remoteAddress`
    /// (asyncio's `create_datagram_endpoint`). Returns once `connectionMade` has run.
    nonisolated(nonsending) public func createDatagramEndpoint<P: DatagramProtocol>(
        _ makeProtocol: () -> P, localAddress: SocketAddress? = nil, remoteAddress: SocketAddress? = nil,
        reusePort: Bool = false, allowBroadcast: Bool = false
    ) async throws -> (DatagramTransport, P) {
        guard let family = (localAddress ?? remoteAddress)?.family else {
            throw ValueError("unexpected address family: give localAddress or remoteAddress")
        }
        let fd = try openSocket(family, Int32(SOCK_DGRAM.rawValue), .datagram)
        do {
            var one: Int32 = 1
            if reusePort { setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) }
            if allowBroadcast { setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, socklen_t(MemoryLayout<Int32>.size)) }
            if let localAddress {
                let status = try localAddress.withSockaddr(for: "bind") { bind(fd, $0, $1) }
                if status != 0 { throw OSError(code: errno) }
            }
            if let remoteAddress {
                let status = try remoteAddress.withSockaddr { Glibc.connect(fd, $0, $1) }
                if status != 0 { throw OSError(code: errno) }
            }
        } catch {
            closeDescriptor(fd)
            throw error
        }
        let protocolObject = makeProtocol()
        let made = createFuture(of: Void.self)
        let transport = DatagramTransport(loop: self, fd: fd, protocolObject: protocolObject, remote: remoteAddress, made: made)
        try await awaitConnectionMade(made, orClose: transport.close)
        return (transport, protocolObject)
    }
}
