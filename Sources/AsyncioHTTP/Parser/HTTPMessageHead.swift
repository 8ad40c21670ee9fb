// A parsed request or status line with its headers, and how the body that follows is framed.
import HTTPTypes

/// How a message's body is delimited (RFC 9112 section 6.3).
public enum HTTPBodyFraming: Equatable, Sendable {
    /// No body (a HEAD response, 1xx, 204, 304, or a request with neither header).
    case none
    /// Exactly this many bytes (Content-Length).
    case length(Int)
    /// Chunked transfer coding.
    case chunked
    /// Everything until the peer closes (a response with neither header).
    case untilClose
}

/// The head of an HTTP/1.x message as the parser read it.
public struct HTTPMessageHead: Sendable {
    /// The request's method (empty for a response).
    public var method: String = ""
    /// The request target as sent ("/path?query", or an absolute URL for a proxy).
    public var target: String = ""
    /// The response's status code (0 for a request).
    public var status: Int = 0
    /// The response's reason phrase ("OK").
    public var reason: String = ""
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    public var minorVersion: Int = 1
    /// The header fields in the order received (names validated as tokens).
    public var headers = HTTPFields()
    /// How the body is framed.
    public var framing = HTTPBodyFraming.none
    /// True when the connection may carry another message after this one.
    public var keepAlive = true
    /// The content coding to undo ("gzip", "deflate"), lowercased, if any.
    public var contentEncoding: String?
    /// True for a request carrying `Expect: 100-continue`.
    public var expectsContinue = false
    /// True for `Connection: upgrade` with an `Upgrade` header, or a 101 response.
    public var upgrade = false

    /// Makes an empty head: no method, status 0, HTTP/1.1, no headers, no body.
    public init() {}
}
