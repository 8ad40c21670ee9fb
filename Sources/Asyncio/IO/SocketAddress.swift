// SocketAddress: IPv4, IPv6 and Unix-domain addresses, to and from the C sockaddr structures.
import Glibc

/// A socket address (Python's `(host, port)` tuples and Unix paths).
public enum SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address and port, the host in dotted form ("127.0.0.1").
    case ipv4(host: String, port: Int)
    /// An IPv6 address and port, the host in colon form ("::1").
    case ipv6(host: String, port: Int)
    /// The path of a Unix-domain socket.
    case unix(path: String)

    /// Parses a numeric host ("127.0.0.1", "::1") and a port.
    public init(host: String, port: Int) throws {
        if host.contains(":") {
            var probe = in6_addr()
            guard inet_pton(AF_INET6, host, &probe) == 1 else { throw ValueError("not a numeric IPv6 address: \(host)") }
            self = .ipv6(host: host, port: port)
        } else {
            var probe = in_addr()
            guard inet_pton(AF_INET, host, &probe) == 1 else { throw ValueError("not a numeric IPv4 address: \(host)") }
            self = .ipv4(host: host, port: port)
        }
    }

    /// The port, or nil for a Unix path.
    public var port: Int? {
        switch self {
        case .ipv4(_, let port), .ipv6(_, let port): port
        case .unix: nil
        }
    }

    /// As Python prints the address: `('127.0.0.1', 80)`, `('::1', 80, 0, 0)` (flow info and scope
    /// id are always 0 here), `'/path'`.
    public var description: String {
        switch self {
        case .ipv4(let host, let port): "('\(host)', \(port))"
        case .ipv6(let host, let port): "('\(host)', \(port), 0, 0)"
        case .unix(let path): "'\(path)'"
        }
    }

    /// The address family (AF_INET, AF_INET6, AF_UNIX).
    public var family: Int32 {
        switch self {
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        case .unix: AF_UNIX
        }
    }

    /// Calls `body` with the C form of the address, for the system call `operation` ("connect",
    /// "bind", "sendto": it names the call in the error for a port outside 0-65535).
    func withSockaddr<R>(for operation: String = "connect", _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) throws -> R {
        if let port, !(0...65535).contains(port) { throw OverflowError(portFor: operation) }
        var storage = sockaddr_storage()
        let length: socklen_t
        switch self {
        case .ipv4(let host, let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw ValueError("bad IPv4 address: \(host)") }
            withUnsafeBytes(of: address) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        case .ipv6(let host, let port):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw ValueError("bad IPv6 address: \(host)") }
            withUnsafeBytes(of: address) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw ValueError("path too long: \(path)") }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        }
        return try withUnsafePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }

    /// The address socket `fd` is bound to (`getsockname`), or nil.
    public static func local(of fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return status == 0 ? SocketAddress(storage: storage) : nil
    }

    /// Reads an address the kernel filled in.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            var raw = address.sin_addr
            inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
            self = .ipv4(host: cText(text), port: Int(UInt16(bigEndian: address.sin_port)))
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            var raw = address.sin6_addr
            inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
            self = .ipv6(host: cText(text), port: Int(UInt16(bigEndian: address.sin6_port)))
        case AF_UNIX:
            let path = withUnsafeBytes(of: &storage) { raw -> String in
                let offset = MemoryLayout<sa_family_t>.size
                let bytes = raw[offset...].prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            self = .unix(path: path)
        default:
            return nil
        }
    }
}

/// The text of a NUL-terminated C character buffer.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension SocketAddress {
    /// True when `host` is an IPv4 or IPv6 address in text form, not a name.
    static func isNumericHost(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
