// HeadBytes: a message head (start line and header lines) built straight as bytes.
import HTTPTypes

/// The bytes of a request or response head as it is built: text appended as UTF-8, header
/// fields as "Name: value" lines. Used by the client's requests and the server's responses.
struct HeadBytes {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(256) }

    mutating func add(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// One "Name: value\r\n" line per field, in order, names as the caller wrote them.
    mutating func add(_ fields: HTTPFields) {
        for field in fields { add(field.name.rawName); add(": "); add(field.value); add("\r\n") }
    }
}
