// The loop's socket coroutines: sockRecv, sockRecvInto, sockSendall, sockConnect, sockAccept, datagrams.
import CAsyncio
import Glibc

extension EventLoop {
    /// Receives up to `count` bytes from the non-blocking socket `fd`, waiting until some arrive
    /// (asyncio's `sock_recv`). An empty result means the peer closed its side.
    nonisolated(nonsending) public func sockRecv(_ fd: Int32, _ count: Int) async throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let received = try await sockRecvInto(fd, &buffer)
        return Array(buffer[0..<received])
    }

    /// Receives into `buffer` (up to its size); returns how many bytes arrived (asyncio's `sock_recv_into`).
    nonisolated(nonsending) public func sockRecvInto(_ fd: Int32, _ buffer: inout [UInt8]) async throws -> Int {
        while true {
            let count = buffer.count
            let (received, error) = buffer.withUnsafeMutableBytes { raw in
                let result = recv(fd, raw.baseAddress, count, 0)
                return (result, errno)
            }
            if received >= 0 { return received }
            try await retryOrThrow(error, fd, writing: false)
        }
    }

    /// Sends all of `data`, waiting whenever the socket buffer is full (asyncio's `sock_sendall`).
    nonisolated(nonsending) public func sockSendall(_ fd: Int32, _ data: [UInt8]) async throws {
        var offset = 0
        while offset < data.count {
            let (sent, error) = data.withUnsafeBytes { raw in
                let result = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                return (result, errno)
            }
            if sent >= 0 {
                offset += sent
            } else {
                try await retryOrThrow(error, fd, writing: true)
            }
        }
    }

    /// Connects the non-blocking socket `fd` to `address` (asyncio's `sock_connect`).
    nonisolated(nonsending) public func sockConnect(_ fd: Int32, _ address: SocketAddress) async throws {
        let (result, error) = try address.withSockaddr { pointer, length in
            let result = connect(fd, pointer, length)
            return (result, errno)
        }
        if result == 0 { return }
        guard error == EINPROGRESS || error == EINTR else { throw OSError(code: error) }
        try await waitUntilReady(fd, writing: true)
        var status: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &status, &length)
        if status != 0 { throw OSError(code: status, strerror: "Connect call failed \(address)") }
    }

    /// Accepts a connection on the listening socket `fd`; the new socket is non-blocking and
    /// close-on-exec (asyncio's `sock_accept`).
    nonisolated(nonsending) public func sockAccept(_ fd: Int32) async throws -> (Int32, SocketAddress?) {
        while true {
            var storage = sockaddr_storage()
            var length = UInt32(MemoryLayout<sockaddr_storage>.size)
            let connection = casyncio_accept(fd, &storage, &length)
            let error = errno
            if connection >= 0 { return (connection, SocketAddress(storage: storage)) }
            try await retryOrThrow(error, fd, writing: false)
        }
    }

    /// Sends one datagram to `address`; returns the bytes sent (asyncio's `sock_sendto`).
    nonisolated(nonsending) public func sockSendto(_ fd: Int32, _ data: [UInt8], _ address: SocketAddress) async throws -> Int {
        while true {
            let (sent, error) = try address.withSockaddr(for: "sendto") { pointer, length in
                data.withUnsafeBytes { raw in
                    let result = sendto(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), pointer, length)
                    return (result, errno)
                }
            }
            if sent >= 0 { return sent }
            try await retryOrThrow(error, fd, writing: true)
        }
    }

    /// Receives one datagram of up to `count` bytes and its sender (asyncio's `sock_recvfrom`).
    nonisolated(nonsending) public func sockRecvfrom(_ fd: Int32, _ count: Int) async throws -> ([UInt8], SocketAddress?) {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let (received, error) = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                        let result = recvfrom(fd, raw.baseAddress, count, 0, address, &length)
                        return (result, errno)
                    }
                }
            }
            if received >= 0 { return (Array(buffer[0..<received]), SocketAddress(storage: storage)) }
            try await retryOrThrow(error, fd, writing: false)
        }
    }

    /// After a failed call: waits for readiness on EAGAIN, retries on EINTR, else throws.
    nonisolated(nonsending) private func retryOrThrow(_ error: Int32, _ fd: Int32, writing: Bool) async throws {
        switch error {
        case EINTR: return
        case EAGAIN, EWOULDBLOCK: try await waitUntilReady(fd, writing: writing)
        default: throw OSError(code: error)
        }
    }
}
