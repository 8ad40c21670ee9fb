// Datagram endpoints: a UDP echo endpoint, our client, and a CPython asyncio client.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

/// Sends every datagram back to where it came from.
final class UDPEcho: DatagramProtocol {
    var transport: DatagramTransport?
    func connectionMade(_ transport: any Transport) { self.transport = (transport as? DatagramHandle)?.datagramTransport }
    func datagramReceived(_ data: [UInt8], from address: SocketAddress?) {
        try? transport?.sendto(Array("echo:".utf8) + data, address)
    }
}

/// Keeps the first reply.
final class UDPClient: DatagramProtocol {
    let reply: Future<String>
    init(loop: EventLoop) { reply = loop.createFuture() }
    func datagramReceived(_ data: [UInt8], from address: SocketAddress?) {
        if !reply.done() { try? reply.setResult(String(decoding: data, as: UTF8.self)) }
    }
}

@Suite struct DatagramTests {
    @Test(.timeLimit(.minutes(1))) func udpEchoWithOurClientAndACPythonClient() throws { try withLeakChecks { loop, _ in
        let (ours, python, peer) = try loop.runUntilComplete { () async throws -> (String, String, String) in
            let (server, _) = try await loop.createDatagramEndpoint({ UDPEcho() }, localAddress: try SocketAddress(host: "127.0.0.1", port: 0))
            let address = server.getExtraInfo("sockname") as! SocketAddress
            let (client, protocolObject) = try await loop.createDatagramEndpoint({ UDPClient(loop: loop) }, remoteAddress: address)
            try client.sendto(Array("ping".utf8))
            let ours = try await asyncio.waitFor(protocolObject.reply, timeout: 5)
            let peer = "\(client.getExtraInfo("peername") as! SocketAddress)"
            client.close()
            let source = """
            import asyncio, sys
            class Client(asyncio.DatagramProtocol):
                def __init__(self, done): self.done = done
                def connection_made(self, transport): transport.sendto(b'from python')
                def datagram_received(self, data, addr): self.done.set_result(data.decode())
            async def main():
                loop = asyncio.get_running_loop()
                done = loop.create_future()
                transport, _ = await loop.create_datagram_endpoint(lambda: Client(done), remote_addr=('127.0.0.1', int(sys.argv[1])))
                print(await asyncio.wait_for(done, 5))
                transport.close()
            asyncio.run(main())
            """
            let python = try await asyncio.toThread { try runPython(source, arguments: [String(address.port!)]) }
            server.close()
            return (ours, python, peer)
        }
        #expect(ours == "echo:ping")
        #expect(python == "echo:from python\n")
        #expect(peer.hasPrefix("('127.0.0.1', "))
    } }
}
