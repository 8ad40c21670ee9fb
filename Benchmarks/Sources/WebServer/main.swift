// The HTTP macro benchmark's server on AsyncioHTTP's web server (aiohttp.web's shape): one GET
// route answering "Hello, World!". WebServer [CERT KEY] listens on 127.0.0.1 with a free port
// (HTTPS with a certificate), prints "ready PORT" and answers until killed.
import Asyncio
import AsyncioHTTP
import Glibc

let tls: SSLContext? = try {
    let arguments = CommandLine.arguments
    guard arguments.count >= 3 else { return nil }
    let context = try SSLContext(.server)
    try context.loadCertChain(certfile: arguments[1], keyfile: arguments[2])
    return context
}()

try asyncio.run {
    let app = Application()
    app.get("/") { _ in Response(text: "Hello, World!") }
    let server = try await app.serve(port: 0, ssl: tls, backlog: 1024)
    print("ready \(server.port)")
    fflush(nil)
    try await asyncio.sleep(Double(Int32.max))
}
