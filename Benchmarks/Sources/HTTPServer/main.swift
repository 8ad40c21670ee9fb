// The HTTP/1.1 keep-alive hello-world server of the macro benchmark, on this library's protocols.
// Listens on 127.0.0.1 with a free port, prints "ready PORT", and answers until killed. It parses
// each request head (request line, header lines, Content-Length, Connection: close), answers
// pipelined requests in order with one write per chunk received, and closes on malformed input.
import Asyncio
import Glibc

let response: [UInt8] = Array(
    "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nServer: swift-asyncio\r\n\r\nHello, World!".utf8)

/// What parsing one request head found.
struct RequestHead {
    var headEnd: Int
    var bodyLength: Int
    var close: Bool
}

/// Parses the head starting at `start`; nil when it is not complete yet, throws when malformed.
func parseHead(_ bytes: [UInt8], from start: Int) throws -> RequestHead? {
    let count = bytes.count
    var index = start
    var lineStart = start
    var isRequestLine = true
    var head = RequestHead(headEnd: 0, bodyLength: 0, close: false)
    while index + 1 < count {
        if bytes[index] != 13 || bytes[index + 1] != 10 { index += 1; continue }
        let line = lineStart..<index
        index += 2
        if line.isEmpty {
            if isRequestLine { lineStart = index; continue }  // tolerate a blank line before a request
            head.headEnd = index
            return head
        }
        if isRequestLine {
            // METHOD SP TARGET SP HTTP/1.x
            guard bytes[line].split(separator: 32).count == 3 else { throw ParseError() }
            isRequestLine = false
        } else if let colon = bytes[line].firstIndex(of: 58) {
            try readHeader(bytes, name: lineStart..<colon, value: (colon + 1)..<line.upperBound, into: &head)
        } else {
            throw ParseError()
        }
        lineStart = index
    }
    return nil
}

func readHeader(_ bytes: [UInt8], name: Range<Int>, value: Range<Int>, into head: inout RequestHead) throws {
    func nameIs(_ expected: StaticString) -> Bool {
        guard name.count == expected.utf8CodeUnitCount else { return false }
        let pointer = expected.utf8Start
        for offset in 0..<name.count where bytes[name.lowerBound + offset] | 0x20 != pointer[offset] { return false }
        return true
    }
    let trimmed = bytes[value].drop(while: { $0 == 32 || $0 == 9 })
    if nameIs("content-length") {
        guard let length = Int(String(decoding: trimmed, as: UTF8.self)), length >= 0 else { throw ParseError() }
        head.bodyLength = length
    } else if nameIs("connection") {
        head.close = String(decoding: trimmed, as: UTF8.self).lowercased() == "close"
    }
}

struct ParseError: Error {}

/// One connection: buffers what arrived, answers every complete request.
final class HelloHTTP: ConnectionProtocol {
    var transport: (any Transport)?
    var pending: [UInt8] = []

    func connectionMade(_ transport: any Transport) { self.transport = transport }

    func dataReceived(_ data: [UInt8]) {
        if pending.isEmpty { pending = data } else { pending += data }
        var consumed = 0
        var answers = 0
        var closeAfter = false
        do {
            while let head = try parseHead(pending, from: consumed), head.headEnd + head.bodyLength <= pending.count {
                consumed = head.headEnd + head.bodyLength
                answers += 1
                if head.close { closeAfter = true; break }
            }
        } catch {
            transport?.close()
            return
        }
        if consumed == pending.count { pending.removeAll(keepingCapacity: true) } else if consumed > 0 {
            pending.removeFirst(consumed)
        }
        if answers == 1 {
            try? transport?.write(response)
        } else if answers > 1 {
            try? transport?.write(Array([[UInt8]](repeating: response, count: answers).joined()))
        }
        if closeAfter { transport?.close() }
    }
}

/// `HTTPServer CERT KEY` serves HTTPS.
let tls: SSLContext? = try {
    let arguments = CommandLine.arguments
    guard arguments.count >= 3 else { return nil }
    let context = try SSLContext(.server)
    try context.loadCertChain(certfile: arguments[1], keyfile: arguments[2])
    return context
}()

try asyncio.run {
    let loop = try asyncio.getRunningLoop()
    let server = try await loop.createServer({ HelloHTTP() }, host: "127.0.0.1", port: 0, backlog: 1024, ssl: tls)
    print("ready \(server.addresses[0].port!)")
    fflush(nil)
    try await server.serveForever()
}
