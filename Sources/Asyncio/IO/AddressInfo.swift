// getaddrinfo / getnameinfo on the default executor, so name lookups never block the loop.
import Glibc

/// One result of `getaddrinfo` (Python's 5-tuples).
public struct AddressInfo: Sendable, Equatable {
    /// The address family (`AF_INET`, `AF_INET6`).
    public let family: Int32
    /// The socket type (`SOCK_STREAM`, `SOCK_DGRAM`).
    public let type: Int32
    /// The protocol number (`IPPROTO_TCP`, `IPPROTO_UDP`).
    public let proto: Int32
    /// The host's canonical name (Python's `canonname`); empty unless `AI_CANONNAME` was asked for.
    public let canonicalName: String
    /// The socket address (Python's `sockaddr`).
    public let address: SocketAddress
}

/// A name-lookup failure (Python's socket.gaierror), with `gai_strerror`'s text.
public struct AddressInfoError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The `EAI_*` code `getaddrinfo` returned (Python's `errno`).
    public let code: Int32
    public var description: String { "[Errno \(code)] \(cString(gai_strerror(code)))" }
}

private func cString(_ pointer: UnsafePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
}

extension EventLoop {
    /// Resolves `host` and `port` in the default thread pool (asyncio's `loop.getaddrinfo`).
    nonisolated(nonsending) public func getaddrinfo(
        _ host: String?, _ port: Int?, family: Int32 = AF_UNSPEC, type: Int32 = 0, proto: Int32 = 0, flags: Int32 = 0
    ) async throws -> [AddressInfo] {
        try await runInExecutor(nil) { try resolve(host, port, family: family, type: type, proto: proto, flags: flags) }.value
    }

    /// Turns an address back into host and service names in the default thread pool
    /// (asyncio's `loop.getnameinfo`).
    nonisolated(nonsending) public func getnameinfo(_ address: SocketAddress, flags: Int32 = 0) async throws -> (String, String) {
        try await runInExecutor(nil) {
            try address.withSockaddr { pointer, length in
                var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
                let status = Glibc.getnameinfo(pointer, length, &host, socklen_t(host.count), &service, socklen_t(service.count), flags)
                if status != 0 { throw AddressInfoError(code: status) }
                return (host.withUnsafeBufferPointer { cString($0.baseAddress) }, service.withUnsafeBufferPointer { cString($0.baseAddress) })
            }
        }.value
    }
}

/// The blocking lookup itself.
func resolve(_ host: String?, _ port: Int?, family: Int32, type: Int32, proto: Int32, flags: Int32) throws -> [AddressInfo] {
    var hints = addrinfo()
    hints.ai_family = family
    hints.ai_socktype = type
    hints.ai_protocol = proto
    hints.ai_flags = flags
    var list: UnsafeMutablePointer<addrinfo>?
    let status = Glibc.getaddrinfo(host, port.map(String.init), &hints, &list)
    if status != 0 { throw AddressInfoError(code: status) }
    defer { freeaddrinfo(list) }
    var results: [AddressInfo] = []
    var node = list
    while let entry = node?.pointee {
        var storage = sockaddr_storage()
        if let address = entry.ai_addr {
            withUnsafeMutableBytes(of: &storage) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(entry.ai_addrlen)))
            }
        }
        if let address = SocketAddress(storage: storage) {
            results.append(AddressInfo(family: entry.ai_family, type: entry.ai_socktype, proto: entry.ai_protocol,
                                       canonicalName: cString(entry.ai_canonname), address: address))
        }
        node = entry.ai_next
    }
    return results
}
