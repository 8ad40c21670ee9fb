// The parser's typed errors, named and worded as aiohttp's http_exceptions.

/// A malformed HTTP message (aiohttp's `BadHttpMessage`, HTTP status 400). The specific kinds
/// below are subclasses in aiohttp; here they are cases of `kind`, and `message` is aiohttp's text.
public struct BadHttpMessage: Error, Equatable, CustomStringConvertible, Sendable {
    /// Which of aiohttp's exception classes this is.
    public enum Kind: String, Sendable {
        /// A general framing or syntax error (`BadHttpMessage`).
        case badHttpMessage = "BadHttpMessage"
        /// A line over the limit (`LineTooLong`).
        case lineTooLong = "LineTooLong"
        /// A header that is not `name: value` with a token name and a clean value (`InvalidHeader`).
        case invalidHeader = "InvalidHeader"
        /// A request or status line that does not parse (`BadStatusLine`).
        case badStatusLine = "BadStatusLine"
        /// Chunked framing broken (`TransferEncodingError`).
        case transferEncoding = "TransferEncodingError"
        /// The body ended before its Content-Length (`ContentLengthError`).
        case contentLength = "ContentLengthError"
        /// A request target that is not a URL form HTTP/1.1 allows (`InvalidURLError`).
        case invalidURL = "InvalidURLError"
        /// A content coding that does not decode (`ContentEncodingError`).
        case contentEncoding = "ContentEncodingError"
    }

    /// Which kind of error it is.
    public let kind: Kind
    /// aiohttp's text for the error.
    public let message: String
    /// The HTTP status a server answers this error with (400, or 431 for header limits).
    public let code: Int

    /// Makes an error of `kind` with `message`, answered with `code`.
    public init(_ kind: Kind, _ message: String, code: Int = 400) {
        self.kind = kind
        self.message = message
        self.code = code
    }

    /// A general `BadHttpMessage` with `message`.
    public init(_ message: String, code: Int = 400) {
        self.init(.badHttpMessage, message, code: code)
    }

    /// aiohttp's `LineTooLong`: "Got more than 8190 bytes (9000) when reading Status line is too long."
    static func lineTooLong(_ what: String, limit: Int, actual: Int) -> BadHttpMessage {
        BadHttpMessage(.lineTooLong, "Got more than \(limit) bytes (\(actual)) when reading \(what).", code: 431)
    }

    /// aiohttp's `InvalidHeader`: "Invalid HTTP header: 'X Y'".
    static func invalidHeader(_ header: some Collection<UInt8>) -> BadHttpMessage {
        BadHttpMessage(.invalidHeader, "Invalid HTTP header: \(pythonRepr(header))")
    }

    /// aiohttp's `BadStatusLine`: "Bad status line 'HTTP/1.1 abc'".
    static func badStatusLine(_ line: some Collection<UInt8>) -> BadHttpMessage {
        BadHttpMessage(.badStatusLine, "Bad status line \(pythonRepr(line))")
    }

    /// Python's repr of bytes decoded as text: quoted, with control bytes escaped.
    static func pythonRepr(_ bytes: some Collection<UInt8>) -> String {
        var text = "'"
        for byte in bytes.prefix(200) {
            switch byte {
            case UInt8(ascii: "'"): text += "\\'"
            case UInt8(ascii: "\\"): text += "\\\\"
            case UInt8(ascii: "\r"): text += "\\r"
            case UInt8(ascii: "\n"): text += "\\n"
            case UInt8(ascii: "\t"): text += "\\t"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text + (bytes.count > 200 ? "...'" : "'")
    }

    public var description: String { "\(kind.rawValue): \(code), message='\(message)'" }
}
