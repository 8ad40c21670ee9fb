// The client's errors, named and worded as aiohttp's client_exceptions.
import Asyncio
import HTTPTypes

/// Every error of the client is a `ClientError` (aiohttp's base class), except `TimeoutError`
/// for the total timeout (asyncio's, as aiohttp raises) and `CancelledError`.
public protocol ClientError: Error, CustomStringConvertible, Sendable {}

/// The connection could not be made or was lost (aiohttp's `ClientConnectionError`).
public protocol ClientConnectionError: ClientError {}

/// Connecting to the host failed (aiohttp's `ClientConnectorError`): "Cannot connect to host
/// 127.0.0.1:1 ssl:default [Connect call failed ('127.0.0.1', 1)]" (asyncio's strerror, as
/// aiohttp prints it). `underlying` is the OS or TLS error; `ssl` says whether it was https.
public struct ClientConnectorError: ClientConnectionError {
    /// The host that could not be reached.
    public let host: String
    /// The port that could not be reached.
    public let port: Int
    /// True when the connection was for https.
    public let ssl: Bool
    /// The OS or TLS error the connection failed with.
    public let underlying: any Error
    public var description: String {
        let reason: String
        if let os = underlying as? OSError { reason = os.strerror } else { reason = "\(underlying)" }
        return "Cannot connect to host \(host):\(port) ssl:default [\(reason)]"
    }
}

/// The server closed the connection before a whole response head arrived (aiohttp's
/// `ServerDisconnectedError`, "Server disconnected").
public struct ServerDisconnectedError: ClientConnectionError {
    /// The error's text ("Server disconnected").
    public let message: String
    /// Makes the error with `message`.
    public init(_ message: String = "Server disconnected") { self.message = message }
    public var description: String { message }
}

/// A read or connect timed out (aiohttp's `ServerTimeoutError`): "Timeout on reading data from
/// socket", "Connection timeout to host http://host:port".
public struct ServerTimeoutError: ClientConnectionError {
    /// The error's text: what timed out.
    public let message: String
    /// Makes the error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The server's response did not parse (aiohttp's `ClientResponseError` from a
/// `BadHttpMessage`, status 400): the parser's error is `underlying`.
public struct ClientProtocolError: ClientError {
    /// The parser's error.
    public let underlying: BadHttpMessage
    public var description: String { "400, message=\(BadHttpMessage.pythonRepr(Array(underlying.description.utf8)))" }
}

/// The body was cut short or broken (aiohttp's `ClientPayloadError`): "Response payload is not
/// completed: <ContentLengthError: 400, message='Not enough data for satisfy content length header.'>".
public struct ClientPayloadError: ClientError {
    /// The error the body failed with (a parser error or an OS error).
    public let underlying: any Error
    public var description: String {
        if let parse = underlying as? BadHttpMessage { return "Response payload is not completed: <\(parse)>" }
        return "Response payload is not completed: \(underlying)"
    }
}

/// What a request was, for errors (aiohttp's `RequestInfo`).
public struct RequestInfo: Sendable {
    /// The request's URL, as aiohttp's `request_info.url`.
    public let url: HTTPURL
    /// The request's method ("GET"), as aiohttp's `request_info.method`.
    public let method: String
    /// The request's headers, as aiohttp's `request_info.headers`.
    public let headers: HTTPFields
}

/// A response with status 400 or above, from `raiseForStatus()` (aiohttp's
/// `ClientResponseError`): "404, message='Not Found', url='http://host/x'".
public struct ClientResponseError: ClientError {
    /// The request the response answered (aiohttp's `request_info`).
    public let requestInfo: RequestInfo
    /// The response's status code.
    public let status: Int
    /// The response's reason phrase ("Not Found").
    public let message: String
    /// The response's headers.
    public let headers: HTTPFields
    public var description: String {
        "\(status), message=\(BadHttpMessage.pythonRepr(Array(message.utf8))), url=\(BadHttpMessage.pythonRepr(Array(requestInfo.url.description.utf8)))"
    }
}

/// More redirects than `maxRedirects` (aiohttp's `TooManyRedirects`, a `ClientResponseError`).
public struct TooManyRedirects: ClientError {
    /// The last request sent (aiohttp's `request_info`).
    public let requestInfo: RequestInfo
    /// The redirect responses received, oldest first.
    public let history: [ClientResponse]
    public var description: String {
        "\(history.last?.status ?? 0), message='', url=\(BadHttpMessage.pythonRepr(Array(requestInfo.url.description.utf8)))"
    }
}

/// Misuse of the client: a closed session, a body read twice after release
/// (aiohttp raises RuntimeError).
public struct ClientStateError: ClientError {
    /// What was misused ("Session is closed").
    public let message: String
    /// Makes the error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
