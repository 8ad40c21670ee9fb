// StreamResponse and Response: what handlers return (aiohttp.web's StreamResponse and Response).
import Asyncio
import HTTPTypes
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import FoundationEssentials
#endif

/// A response whose body the handler writes as it goes (aiohttp's `web.StreamResponse`):
/// `prepare(request)` sends the head, `write` sends body bytes with flow control, and
/// `writeEOF` ends it. Without a `contentLength` an HTTP/1.1 body is chunked. Returning it
/// from the handler ends it if the handler did not. Owned by the loop thread.
open class StreamResponse: @unchecked Sendable {
    /// The status code (aiohttp's `set_status`); set it before `prepare`.
    public var status: Int
    /// The reason phrase; nil: the standard one for `status`.
    public var reason: String?
    /// The headers to send; change them before `prepare`.
    public var headers: HTTPFields
    /// Sent as Content-Length when set before `prepare`.
    public var contentLength: Int?
    /// True once the head was sent (aiohttp's `prepared`).
    private(set) public var prepared = false
    private(set) var finished = false
    private var chunked = false
    private var headOnly = false
    var connection: ServerConnection?

    /// Makes a response with no head sent yet.
    public init(status: Int = 200, reason: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// Statuses that never have a body.
    var forbidsBody: Bool { (100..<200).contains(status) || status == 204 || status == 304 }

    /// Sends the status line and headers. A second call does nothing.
    nonisolated(nonsending) public func prepare(_ request: Request) async throws {
        guard let head = try takeConnection(request) else { return }
        try connection?.write(head)
    }

    /// Prepares for `request`: takes its connection and returns the head to send, or nil when
    /// already prepared. `Response` sends the head and its body in one write.
    func takeConnection(_ request: Request) throws -> [UInt8]? {
        guard !prepared else { return nil }
        guard let connection = request.connection else { throw ClientStateError("The request's connection is gone") }
        prepared = true
        self.connection = connection
        headOnly = request.method == "HEAD"
        let keepAlive = connection.keepsAlive(after: request)
        var head = HeadBytes()
        func add(_ text: String) { head.add(text) }
        add("HTTP/1.1 \(status) "); add(reason ?? ReasonPhrase.of(status)); add("\r\n")
        if forbidsBody {
            // No framing headers at all.
        } else if let contentLength {
            add("Content-Length: \(contentLength)\r\n")
        } else if request.minorVersion == 1 {
            chunked = !headOnly
            if !headOnly { add("Transfer-Encoding: chunked\r\n") }
        }
        if headers[.date] == nil { add("Date: "); add(HTTPDate.now()); add("\r\n") }
        if headers[.server] == nil { add("Server: swift-asyncio/AsyncioHTTP\r\n") }
        let bodyUntilClose = !forbidsBody && contentLength == nil && request.minorVersion == 0
        if !keepAlive || bodyUntilClose {
            add("Connection: close\r\n")
            connection.closeAfterResponse()
        } else if request.minorVersion == 0 {
            add("Connection: keep-alive\r\n")
        }
        head.add(headers)
        add("\r\n")
        return head.bytes
    }

    /// Sends body bytes, waiting while the connection's buffer is full.
    nonisolated(nonsending) public func write(_ data: [UInt8]) async throws {
        guard prepared, let connection else { throw ClientStateError("Response is not prepared") }
        if finished { throw ClientStateError("Cannot call write() after write_eof()") }
        guard !data.isEmpty, !headOnly, !forbidsBody else { return }
        if chunked {
            try connection.write(Array(String(data.count, radix: 16).utf8) + [13, 10] + data + [13, 10])
        } else {
            try connection.write(data)
        }
        try await connection.drain()
    }

    /// Ends the body (the last chunk of a chunked one).
    nonisolated(nonsending) public func writeEOF() async throws {
        guard prepared, !finished, let connection else { return }
        finished = true
        if chunked { try connection.write(Array("0\r\n\r\n".utf8)) }
        try await connection.drain()
    }

    /// Sends the whole response for `request` (the server calls it with what the handler returned).
    nonisolated(nonsending) open func send(to request: Request) async throws {
        try await prepare(request)
        try await writeEOF()
    }
}

/// A response with its whole body (aiohttp's `web.Response`).
public final class Response: StreamResponse, @unchecked Sendable {
    /// The whole body (aiohttp's `body`).
    public var body: [UInt8]
    private var compress = false

    /// `body` with `contentType` (default application/octet-stream when there is a body).
    public init(body: [UInt8] = [], status: Int = 200, reason: String? = nil, headers: HTTPFields = [:],
                contentType: String? = nil) {
        self.body = body
        super.init(status: status, reason: reason, headers: headers)
        if self.headers[.contentType] == nil, let type = contentType ?? (body.isEmpty ? nil : "application/octet-stream") {
            self.headers[.contentType] = type
        }
    }

    /// Text as UTF-8 (`web.Response(text=...)`, "text/plain; charset=utf-8").
    public convenience init(text: String, status: Int = 200, reason: String? = nil, headers: HTTPFields = [:],
                            contentType: String = "text/plain; charset=utf-8") {
        self.init(body: Array(text.utf8), status: status, reason: reason, headers: headers, contentType: contentType)
    }

    /// A JSON body (`web.json_response`).
    public static func json(_ value: some Encodable, status: Int = 200, headers: HTTPFields = [:]) throws -> Response {
        Response(body: Array(try JSONEncoder().encode(value)), status: status, headers: headers, contentType: "application/json")
    }

    /// Compresses the body with gzip when the client accepts it (`enable_compression()`).
    public func enableCompression() { compress = true }

    /// The largest body sent in the same write as the head (larger ones are not copied).
    static let joinedBodyLimit = 16 * 1024

    nonisolated(nonsending) public override func send(to request: Request) async throws {
        if compress && !body.isEmpty && request.accepts("gzip") {
            body = gzipCompress(body)
            headers[.contentEncoding] = "gzip"
            headers[.vary] = "Accept-Encoding"
        }
        contentLength = forbidsBody ? nil : body.count
        let sendsBody = request.method != "HEAD" && !forbidsBody && !body.isEmpty
        if var head = try takeConnection(request) {
            // A small body goes out with its head: one write, one send. A large one is not
            // copied behind the head but written on its own, with flow control.
            if sendsBody && body.count <= Self.joinedBodyLimit {
                head += body
                try connection?.write(head)
            } else {
                try connection?.write(head)
                if sendsBody { try await write(body) }
            }
        } else if sendsBody {
            try await write(body)
        }
        try await writeEOF()
    }
}

/// HTTP-dates ("Sun, 06 Nov 1994 08:49:37 GMT") without Foundation, made once per second.
enum HTTPDate {
    /// The last second formatted (loops on several threads share it).
    private static let cached = Mutex<(Int, String)>((0, ""))

    static func now() -> String {
        let seconds = Int(time(nil))
        return cached.withLock { cache in
            if cache.0 != seconds { cache = (seconds, format(seconds)) }
            return cache.1
        }
    }

    static func format(_ seconds: Int) -> String {
        var value = time_t(seconds)
        var parts = tm()
        gmtime_r(&value, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Glibc
import Synchronization
