// The echo server of the macro benchmark on this library: `EchoServer streams|protocol [CERT KEY]`
// (with a certificate and key: over TLS). Listens on 127.0.0.1 with a free port, prints
// "ready PORT", and echoes until killed.
import Asyncio
import Glibc

/// Echoes through the protocol API: every chunk goes straight back.
final class Echo: ConnectionProtocol {
    var transport: (any Transport)?
    func connectionMade(_ transport: any Transport) { self.transport = transport }
    func dataReceived(_ data: [UInt8]) { try? transport?.write(data) }
}

let mode = CommandLine.arguments.dropFirst().first ?? "streams"
let tls: SSLContext? = try {
    let arguments = CommandLine.arguments
    guard arguments.count >= 4 else { return nil }
    let context = try SSLContext(.server)
    try context.loadCertChain(certfile: arguments[2], keyfile: arguments[3])
    return context
}()
try asyncio.run {
    let loop = try asyncio.getRunningLoop()
    let server: Server
    if mode == "protocol" {
        server = try await loop.createServer({ Echo() }, host: "127.0.0.1", port: 0, ssl: tls)
    } else {
        server = try await asyncio.startServer({ reader, writer in
            while true {
                let data = try await reader.read(65536)
                if data.isEmpty { break }
                try writer.write(data)
                try await writer.drain()
            }
            writer.close()
        }, host: "127.0.0.1", port: 0, ssl: tls)
    }
    print("ready \(server.addresses[0].port!)")
    fflush(nil)
    try await server.serveForever()
}
