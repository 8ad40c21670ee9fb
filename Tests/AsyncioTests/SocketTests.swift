// The selector and socket coroutines: readers/writers, recv/send, connect/accept over loopback, UDP.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

/// Makes `fd` non-blocking.
func setNonBlocking(_ fd: Int32) {
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
}

/// A connected pair of non-blocking Unix stream sockets.
func socketPair() -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
    fds.forEach(setNonBlocking)
    return (fds[0], fds[1])
}

/// A non-blocking TCP socket listening on 127.0.0.1 with a free port.
func loopbackListener() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    try SocketAddress(host: "127.0.0.1", port: 0).withSockaddr { address, length in
        precondition(bind(fd, address, length) == 0)
    }
    precondition(listen(fd, 16) == 0)
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    withUnsafeMutablePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
    }
    setNonBlocking(fd)
    return (fd, SocketAddress(storage: storage)!.port!)
}

@Suite struct SocketTests {
    @Test func readersAndWritersFireUntilRemoved() throws {
        try withVirtualLoop { loop, _ in
            let (a, b) = socketPair()
            defer { close(a); close(b) }
            let log = EventLog()
            try loop.addReader(a) {
                var byte: UInt8 = 0
                while read(a, &byte, 1) == 1 { log.add("read \(byte)") }
            }
            try loop.addWriter(b) {
                var byte: UInt8 = 7
                _ = write(b, &byte, 1)
                log.add("wrote")
                loop.removeWriter(b)
            }
            try loop.callLater(1) { loop.stop() }
            try loop.runForever()
            #expect(log.entries == ["wrote", "read 7"])
            #expect(loop.removeReader(a))
            #expect(!loop.removeReader(a))
            #expect(loop.selector.isEmpty)
        }
    }

    @Test func recvWaitsForDataAndSendallDeliversItAll() throws {
        try withVirtualLoop { loop, _ in
            let (a, b) = socketPair()
            defer { close(a); close(b) }
            let big = [UInt8](repeating: 42, count: 1 << 20)   // more than the socket buffer
            let received = try loop.runUntilComplete { () async throws -> Int in
                let reader = try asyncio.createTask { () async throws -> Int in
                    var total = 0
                    while total < big.count {
                        let chunk = try await loop.sockRecv(a, 65536)
                        if chunk.isEmpty { break }
                        total += chunk.count
                    }
                    return total
                }
                try await loop.sockSendall(b, big)
                return try await reader.value
            }
            #expect(received == big.count)
            #expect(loop.selector.isEmpty)
        }
    }

    @Test func tcpConnectAcceptEchoOverLoopback() throws { try withLeakChecks { loop, _ in
        let (listener, port) = try loopbackListener()
        defer { close(listener) }
        let reply = try loop.runUntilComplete { () async throws -> String in
            let server = try asyncio.createTask { () async throws -> String in
                let (connection, peer) = try await loop.sockAccept(listener)
                defer { close(connection) }
                let data = try await loop.sockRecv(connection, 100)
                try await loop.sockSendall(connection, Array("echo: ".utf8) + data)
                return "\(peer.map { "\($0)" } ?? "?")"
            }
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            setNonBlocking(client)
            defer { close(client) }
            try await loop.sockConnect(client, try SocketAddress(host: "127.0.0.1", port: port))
            try await loop.sockSendall(client, Array("hello".utf8))
            let answer = try await loop.sockRecv(client, 100)
            let peer = try await server.value
            #expect(peer.hasPrefix("('127.0.0.1', "))
            return String(decoding: answer, as: UTF8.self)
        }
        #expect(reply == "echo: hello")
    } }

    @Test func connectToAClosedPortFailsWithConnectionRefused() throws { try withLeakChecks { loop, _ in
        let (listener, port) = try loopbackListener()
        close(listener)                                  // nobody listens there any more
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        setNonBlocking(client)
        defer { close(client) }
        let error = #expect(throws: OSError(code: ECONNREFUSED)) {
            try loop.runUntilComplete { try await loop.sockConnect(client, try SocketAddress(host: "127.0.0.1", port: port)) }
        }
        // CPython: ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', port)
        #expect(error.map { "\($0)" } == "[Errno 111] Connect call failed ('127.0.0.1', \(port))")
    } }

    @Test func connectionAndBindFailuresReadAsAsyncioWordsThem() throws {
        let refused = { (address: String) in OSError(code: ECONNREFUSED, strerror: "Connect call failed \(address)") }
        // Every address failed alike: the first error; differently: one "Multiple exceptions" error.
        let same = EventLoop.connectionFailure([refused("a"), refused("a")]) as? OSError
        #expect(same?.code == ECONNREFUSED && "\(same!)" == "[Errno 111] Connect call failed a")
        let two = [refused("('::1', 9, 0, 0)"), refused("('127.0.0.1', 9)")]
        #expect("\(EventLoop.connectionFailure(two))"
            == "Multiple exceptions: [Errno 111] Connect call failed ('::1', 9, 0, 0), [Errno 111] Connect call failed ('127.0.0.1', 9)")
        #expect("\(EventLoop.connectionFailure([]))" == "getaddrinfo() returned empty list")
        // A port in use: asyncio's create_server words.
        try withLeakChecks { loop, _ in
        let (listener, port) = try loopbackListener()
        defer { close(listener) }
        let error = #expect(throws: OSError(code: EADDRINUSE)) {
            try loop.runUntilComplete { _ = try await loop.createServer({ EchoServerProtocol(log: EventLog()) }, host: "127.0.0.1", port: port) }
        }
        #expect(error.map { "\($0)" } == "[Errno 98] error while attempting to bind on address ('127.0.0.1', \(port)): address already in use")
    } }

    @Test func cancellingAWaitingRecvUnregistersIt() throws {
        try withVirtualLoop { loop, _ in
            let (a, b) = socketPair()
            defer { close(a); close(b) }
            let task = try loop.createTask { try await loop.sockRecv(a, 10) }
            try loop.callLater(1) { task.cancel(msg: "enough") }
            #expect(throws: CancelledError("enough")) { try loop.runUntilComplete(task) }
            #expect(loop.selector.isEmpty)
        }
    }

    @Test func datagramsOverLoopback() throws { try withLeakChecks { loop, _ in
        func udpSocket() throws -> (Int32, SocketAddress) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            try SocketAddress(host: "127.0.0.1", port: 0).withSockaddr { address, length in _ = bind(fd, address, length) }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) } }
            setNonBlocking(fd)
            return (fd, SocketAddress(storage: storage)!)
        }
        let (receiver, receiverAddress) = try udpSocket()
        let (sender, senderAddress) = try udpSocket()
        defer { close(receiver); close(sender) }
        let (data, from) = try loop.runUntilComplete { () async throws -> ([UInt8], SocketAddress?) in
            let reading = try asyncio.createTask { try await loop.sockRecvfrom(receiver, 100) }
            #expect(try await loop.sockSendto(sender, Array("ping".utf8), receiverAddress) == 4)
            return try await reading.value
        }
        #expect(String(decoding: data, as: UTF8.self) == "ping")
        #expect(from == senderAddress)
    } }
}

@Suite struct NameLookupTests {
    @Test func getaddrinfoAndGetnameinfoRunInTheExecutor() throws { try withLeakChecks { loop, _ in
        let (infos, names) = try loop.runUntilComplete { () async throws -> ([AddressInfo], (String, String)) in
            let infos = try await loop.getaddrinfo("127.0.0.1", 8080, type: Int32(SOCK_STREAM.rawValue))
            let names = try await loop.getnameinfo(try SocketAddress(host: "127.0.0.1", port: 80), flags: NI_NUMERICHOST | NI_NUMERICSERV)
            return (infos, names)
        }
        #expect(infos.map(\.address) == [.ipv4(host: "127.0.0.1", port: 8080)])
        #expect(names == ("127.0.0.1", "80"))
        #expect(throws: AddressInfoError.self) {
            try loop.runUntilComplete { _ = try await loop.getaddrinfo("no such host.invalid", 80, flags: AI_NUMERICHOST) }
        }
    } }
}
