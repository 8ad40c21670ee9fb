// ClientResponse: a response's status, headers and body (aiohttp's ClientResponse).
import Asyncio
import HTTPTypes
#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import FoundationEssentials
import Glibc
#endif

/// A response (aiohttp's `ClientResponse`). The body is read with `read()`, `text()`, `json()`
/// or as a stream through `content`; the connection goes back to the pool as soon as the whole
/// body has arrived. `release()` (or the end of a `session.get(url) { response in ... }` body)
/// gives the connection up: a body not received completely closes it, so a half-read connection
/// is never reused. Owned by the loop thread; after the body was read it may be passed anywhere.
public final class ClientResponse: @unchecked Sendable {
    /// The request's method ("GET").
    public let method: String
    /// The URL of this response (the last one after redirects).
    public let url: HTTPURL
    /// The status code (200), as aiohttp's `status`.
    public let status: Int
    /// The reason phrase ("OK"), as aiohttp's `reason`.
    public let reason: String
    /// 1 for HTTP/1.1, 0 for HTTP/1.0.
    public let minorVersion: Int
    /// The response's headers, in the order received.
    public let headers: HTTPFields
    /// The redirect responses that led here, oldest first.
    public internal(set) var history: [ClientResponse] = []
    /// The request this answers (aiohttp's `request_info`).
    public let requestInfo: RequestInfo
    /// The body as a stream.
    public let content: ClientResponseContent
    /// The whole body once `read()` (or `text()`, `json()`) returned it, or the blocking `HTTP` calls.
    public private(set) var body: [UInt8]?
    private var connection: ClientConnection?
    private let exchangeID: Int

    init(head: HTTPMessageHead, reader: StreamReader, request: RequestInfo, connection: ClientConnection,
         exchangeID: Int, deadline: Double?, sockRead: Double?) {
        method = request.method
        url = request.url
        status = head.status
        reason = head.reason
        minorVersion = head.minorVersion
        headers = head.headers
        if case .length(let length) = head.framing {
            contentLength = length
        } else {
            contentLength = head.headers[.contentLength].flatMap { Int($0) }
        }
        requestInfo = request
        content = ClientResponseContent(reader: reader, deadline: deadline, sockRead: sockRead)
        self.connection = connection
        self.exchangeID = exchangeID
        content.onEOF = { [weak self] in self?.release() }
    }

    deinit {
        // A response dropped before its body arrived: that connection cannot be reused.
        connection?.endExchange(reuse: false, id: exchangeID)
    }

    /// The body as text (charset from Content-Type), once it was read; nil before.
    public var bodyText: String? { body.map { Self.decode($0, charset: charset) } }

    /// True for a status below 400.
    public var ok: Bool { status < 400 }

    /// The status line and headers as swift-http-types' `HTTPResponse`.
    public var head: HTTPResponse {
        var head = HTTPResponse(status: HTTPResponse.Status(code: status, reasonPhrase: reason))
        head.headerFields = headers
        return head
    }

    /// The media type of Content-Type, lowercased ("application/octet-stream" when absent).
    public var contentType: String {
        guard let value = headers[.contentType] else { return "application/octet-stream" }
        return value.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
    }

    /// The charset parameter of Content-Type, lowercased, if any.
    public var charset: String? {
        guard let value = headers[.contentType] else { return nil }
        for parameter in value.split(separator: ";").dropFirst() {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingSpaces().lowercased() == "charset" {
                return parts[1].trimmingSpaces().lowercased().filter { $0 != "\"" }
            }
        }
        return nil
    }

    /// Content-Length, if sent (read once, from the framing the parser already checked).
    public let contentLength: Int?

    /// The whole body (read once, then kept).
    nonisolated(nonsending) public func read() async throws -> [UInt8] {
        if let body { return body }
        do {
            let bytes = try await content.read(-1)
            body = bytes
            release()
            return bytes
        } catch {
            close()
            throw error
        }
    }

    /// The body as text, decoded with `encoding` or the Content-Type's charset (UTF-8 when
    /// neither; ISO-8859-1/latin-1 and ASCII are known too). Bytes that do not decode become
    /// U+FFFD.
    nonisolated(nonsending) public func text(encoding: String? = nil) async throws -> String {
        let bytes = try await read()
        return Self.decode(bytes, charset: encoding?.lowercased() ?? charset)
    }

    static func decode(_ bytes: [UInt8], charset: String?) -> String {
        switch charset {
        case "iso-8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "windows-1252", "cp1252":
            var text = ""
            text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
            return text
        default:
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The body decoded from JSON. With `contentType` set (aiohttp's default
    /// "application/json"), another Content-Type throws `ContentTypeError`; nil skips the check.
    nonisolated(nonsending) public func json<T: Decodable>(
        _ type: T.Type = T.self, contentType expected: String? = "application/json"
    ) async throws -> T {
        let bytes = try await read()
        if let expected, !contentType.contains(expected) {
            throw ContentTypeError(status: status, message:
                "Attempt to decode JSON with unexpected mimetype: \(headers[.contentType] ?? "")", url: url)
        }
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    }

    /// Throws `ClientResponseError` for a status of 400 or more (after releasing the connection).
    public func raiseForStatus() throws {
        guard status >= 400 else { return }
        release()
        throw ClientResponseError(requestInfo: requestInfo, status: status, message: reason, headers: headers)
    }

    /// Gives the connection up: back to the pool if the whole body arrived, else closed.
    public func release() {
        guard let connection else { return }
        self.connection = nil
        connection.endExchange(reuse: true, id: exchangeID)
    }

    /// Closes the connection, whatever state the body is in.
    public func close() {
        guard let connection else { return }
        self.connection = nil
        connection.endExchange(reuse: false, id: exchangeID)
    }

    /// For the blocking calls: keeps `bytes` as the body.
    func keepBody(_ bytes: [UInt8]) { body = bytes }
}

/// `json()` of a response whose Content-Type is not JSON (aiohttp's `ContentTypeError`).
public struct ContentTypeError: ClientError {
    /// The response's status code.
    public let status: Int
    /// The error's text, naming the Content-Type that was found.
    public let message: String
    /// The response's URL.
    public let url: HTTPURL
    public var description: String {
        "\(status), message=\(BadHttpMessage.pythonRepr(Array(message.utf8))), url=\(BadHttpMessage.pythonRepr(Array(url.description.utf8)))"
    }
}
