// Request: what a handler gets (aiohttp.web's Request): method, path, query, headers, body.
import Asyncio
import HTTPTypes
#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import FoundationEssentials
import Glibc
#endif

/// A request as the server's handler sees it (aiohttp's `web.Request`). The body streams in
/// through `content` (the library's `StreamReader`) as the handler reads it. Owned by the
/// loop thread.
public final class Request: @unchecked Sendable {
    /// The method ("GET"), as aiohttp's `request.method`.
    public let method: String
    /// The request target as sent ("/a%20b?x=1").
    public let rawPath: String
    /// The path, percent-decoded, without the query.
    public let path: String
    /// The query string as sent, without "?".
    public let queryString: String
    /// The request's headers, as aiohttp's `request.headers`.
    public let headers: HTTPFields
    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    public let minorVersion: Int
    /// The route's `{name}` values.
    public internal(set) var matchInfo: [String: String] = [:]
    /// The body as it arrives.
    public let content: StreamReader
    /// The peer's address.
    public let remote: SocketAddress?
    let keepAlive: Bool
    let clientMaxSize: Int
    /// The connection it came on (weak: the connection holds its queued requests).
    weak var connection: ServerConnection?
    private var body: [UInt8]?

    init(head: HTTPMessageHead, content: StreamReader, remote: SocketAddress?, clientMaxSize: Int, connection: ServerConnection) {
        self.connection = connection
        method = head.method
        rawPath = head.target
        let target = head.target
        let mark = target.firstIndex(of: "?")
        path = HTTPURL.percentDecode(target[..<(mark ?? target.endIndex)])
        queryString = mark.map { String(target[target.index(after: $0)...]) } ?? ""
        headers = head.headers
        minorVersion = head.minorVersion
        keepAlive = head.keepAlive
        self.content = content
        self.remote = remote
        self.clientMaxSize = clientMaxSize
    }

    /// The query's name/value pairs, form-decoded ("+" is a space), in order.
    public var query: [(String, String)] {
        queryString.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in HTTPURL.percentDecode(Substring(text.map { $0 == "+" ? " " : $0 })) }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of query parameter `name`.
    public func query(_ name: String) -> String? { query.first { $0.0 == name }?.1 }

    /// The request line and headers as swift-http-types' `HTTPRequest` (authority from Host;
    /// no scheme, as HTTP/1.1 does not send it).
    public var head: HTTPRequest {
        // The parser accepts only token methods, which HTTPRequest.Method accepts too.
        HTTPRequest(method: HTTPRequest.Method(method) ?? .get, scheme: nil, authority: headers[hostField], path: rawPath,
                    headerFields: headers)
    }

    /// True for a chunked or non-empty body.
    public var hasBody: Bool { headers[.transferEncoding] != nil || (headers[.contentLength].flatMap { Int($0) } ?? 0) > 0 }

    /// The whole body; over `clientMaxSize` throws `HTTPException(413)` (aiohttp's
    /// HTTPRequestEntityTooLarge).
    nonisolated(nonsending) public func read() async throws -> [UInt8] {
        if let body { return body }
        var collected: [UInt8] = []
        while true {
            let chunk = try await content.read(content.limit)
            if chunk.isEmpty { break }
            collected += chunk
            if collected.count > clientMaxSize {
                throw HTTPException(413, text: "Maximum request body size \(clientMaxSize) exceeded, actual body size \(collected.count)")
            }
        }
        body = collected
        return collected
    }

    /// The body as UTF-8 text.
    nonisolated(nonsending) public func text() async throws -> String {
        String(decoding: try await read(), as: UTF8.self)
    }

    /// The body decoded from JSON.
    nonisolated(nonsending) public func json<T: Decodable>(_ type: T.Type = T.self) async throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try await read()))
    }

    /// True when the client accepts `coding` ("gzip") in Accept-Encoding.
    func accepts(_ coding: String) -> Bool {
        guard let value = headers[.acceptEncoding]?.lowercased() else { return false }
        return value.split(separator: ",").contains { item in
            let parts = item.split(separator: ";")
            guard parts.first?.trimmingSpaces() == coding else { return false }
            return !parts.dropFirst().contains { $0.trimmingSpaces().replacingSpacesNone() == "q=0" }
        }
    }
}

extension String {
    fileprivate func replacingSpacesNone() -> String { filter { $0 != " " } }
}

/// An HTTP error a handler throws to answer with that status (aiohttp's `web.HTTPException`
/// family: `HTTPException(404)` is `web.HTTPNotFound()`). The body is "404: Not Found" unless
/// `text` is given.
public struct HTTPException: Error, CustomStringConvertible, Sendable {
    /// The status to answer with.
    public let status: Int
    /// The response body.
    public var text: String
    /// Headers to add to the response.
    public var headers: HTTPFields

    /// Makes the error for `status`; `text` defaults to "404: Not Found" and the like.
    public init(_ status: Int, text: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.text = text ?? "\(status): \(ReasonPhrase.of(status))"
        self.headers = headers
    }

    public var description: String { text }
}
