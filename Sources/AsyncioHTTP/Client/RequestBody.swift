// RequestBody: what a request sends (aiohttp's data=): bytes, text, a form, or a stream of chunks.

/// A request body (aiohttp's `data=`; `json:` on the request encodes Codable values). Bytes,
/// text and forms are sent with Content-Length; a stream is sent with chunked transfer coding,
/// chunk by chunk with flow control, so it may be longer than memory.
public struct RequestBody {
    enum Storage {
        case bytes([UInt8])
        case stream((_ write: ([UInt8]) async throws -> Void) async throws -> Void)
    }

    let storage: Storage
    /// The Content-Type sent when the request's headers have none.
    let contentType: String?

    /// Raw bytes (Content-Type application/octet-stream unless the headers say otherwise).
    public static func bytes(_ bytes: [UInt8], contentType: String? = "application/octet-stream") -> RequestBody {
        RequestBody(storage: .bytes(bytes), contentType: contentType)
    }

    /// Text, as UTF-8 ("text/plain; charset=utf-8", as aiohttp).
    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> RequestBody {
        RequestBody(storage: .bytes(Array(text.utf8)), contentType: contentType)
    }

    /// A form, `application/x-www-form-urlencoded` (aiohttp's `data={...}`).
    public static func form(_ fields: [(String, String)]) -> RequestBody {
        let encoded = fields.map { HTTPURL.formEncode($0.0) + "=" + HTTPURL.formEncode($0.1) }.joined(separator: "&")
        return RequestBody(storage: .bytes(Array(encoded.utf8)), contentType: "application/x-www-form-urlencoded")
    }

    /// Chunks from an async sequence, sent with `Transfer-Encoding: chunked` (aiohttp's async
    /// generator body). Empty chunks are skipped.
    public static func stream<S: AsyncSequence>(_ chunks: S, contentType: String? = "application/octet-stream") -> RequestBody
    where S.Element == [UInt8] {
        RequestBody(storage: .stream({ write in
            for try await chunk in chunks where !chunk.isEmpty { try await write(chunk) }
        }), contentType: contentType)
    }

    /// The bytes, for a body that is not a stream.
    var fixedBytes: [UInt8]? {
        if case .bytes(let bytes) = storage { return bytes }
        return nil
    }
}

/// HTTP Basic credentials (aiohttp's `BasicAuth`).
public struct BasicAuth: Sendable, Equatable {
    /// The user name.
    public let login: String
    /// The password (empty for none).
    public let password: String
    /// Makes the credentials (aiohttp's `BasicAuth(login, password)`).
    public init(_ login: String, _ password: String = "") {
        self.login = login
        self.password = password
    }

    /// The Authorization header's value: "Basic " and base64 of "login:password".
    public var encoded: String { "Basic " + base64(Array("\(login):\(password)".utf8)) }
}

/// Standard base64 with padding.
func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index < bytes.count {
        let chunk = bytes[index..<min(index + 3, bytes.count)]
        let b0 = chunk[chunk.startIndex]
        let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
        let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
        out.append(alphabet[Int(b0 >> 2)])
        out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
        out.append(chunk.count > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
        out.append(chunk.count > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
        index += 3
    }
    return String(decoding: out, as: UTF8.self)
}
