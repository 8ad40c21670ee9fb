// The incremental HTTP/1.1 parser: bytes in, head/body/end events out; strict framing, bounded memory.
import HTTPTypes

/// Limits that keep a parser's memory bounded whatever the peer sends.
public struct HTTPParserLimits: Sendable {
    /// The longest start line, header line, chunk-size line or trailer line (aiohttp's 8190).
    public var maxLineSize: Int
    /// The most header (or trailer) lines in one message (http.client's 100).
    public var maxHeaders: Int

    /// Makes the limits; the defaults are aiohttp's and http.client's.
    public init(maxLineSize: Int = 8190, maxHeaders: Int = 100) {
        self.maxLineSize = maxLineSize
        self.maxHeaders = maxHeaders
    }
}

/// What the parser found in the bytes it was fed.
public enum HTTPParserEvent {
    /// A complete head; the body (if any) follows.
    case head(HTTPMessageHead)
    /// Body bytes (after removing chunked framing; content codings are not undone here).
    case body(ArraySlice<UInt8>)
    /// The message is complete; the next one may follow on the same connection.
    case end
}

/// Parses a stream of HTTP/1.x requests (a server) or responses (a client), incrementally: feed
/// it bytes as they arrive and it calls the sink for each event. It buffers at most one line
/// (`maxLineSize`) and the headers of one head; body bytes pass through as slices of the input.
///
/// Strict as llhttp without lenient flags: CRLF line endings (a bare LF or CR is an error),
/// token header names with no space before the colon, no obs-fold, no control bytes in values,
/// one Content-Length of digits only, not both Content-Length and Transfer-Encoding, chunk
/// sizes in hex followed by CRLF. Every error is a `BadHttpMessage`; after one the parser is
/// failed and throws it again.
///
/// Used from one thread at a time (each connection owns its parser).
public final class HTTPParser {
    /// Which messages are parsed.
    public enum Kind: Sendable {
        /// Requests, for a server.
        case request
        /// Responses, for a client.
        case response
    }

    enum State {
        case startLine
        case headerLine
        case bodyLength(Int)
        case chunkSize
        case chunkData(Int)
        case chunkDataEnd
        case trailerLine
        case untilClose
        case upgraded
        case failed(BadHttpMessage)
    }

    /// Whether it parses requests or responses.
    public let kind: Kind
    /// The line and header limits it enforces.
    public let limits: HTTPParserLimits
    /// For a client: set before each response to say that the request was HEAD, so the response
    /// has no body whatever its headers say. Cleared at the end of each message.
    public var responseToHead = false

    private var state = State.startLine
    /// The unfinished line carried over from the previous chunk (without its end).
    private var partialLine: [UInt8] = []
    private var head = HTTPMessageHead()
    private var headerCount = 0
    private var contentLengths: [String] = []
    private var transferEncoding: String?
    private var connectionTokens: [String] = []
    private var hasUpgradeHeader = false

    /// Makes a parser for requests or responses, with `limits`.
    public init(_ kind: Kind, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.kind = kind
        self.limits = limits
    }

    /// True between messages (no partial message buffered).
    public var isIdle: Bool {
        if case .startLine = state { return partialLine.isEmpty }
        return false
    }

    /// True when the connection stopped being HTTP (a 101 response, or an upgrade request):
    /// the bytes after the head are not parsed.
    public var isUpgraded: Bool {
        if case .upgraded = state { return true }
        return false
    }

    /// Parses `data`, calling `sink` for each event in order.
    public func feed(_ data: [UInt8], _ sink: (HTTPParserEvent) throws -> Void) throws {
        var index = 0
        let end = data.count
        while index < end {
            switch state {
            case .failed(let error):
                throw error
            case .upgraded:
                return
            case .startLine, .headerLine, .chunkSize, .trailerLine, .chunkDataEnd:
                guard let line = try nextLine(data, &index) else { return }
                try fail { try handleLine(line, sink) }
            case .bodyLength(let remaining):
                let count = min(remaining, end - index)
                let slice = data[index..<(index + count)]
                index += count
                if count == remaining {
                    state = .startLine
                    try sink(.body(slice))
                    try finishMessage(sink)
                } else {
                    state = .bodyLength(remaining - count)
                    try sink(.body(slice))
                }
            case .chunkData(let remaining):
                let count = min(remaining, end - index)
                let slice = data[index..<(index + count)]
                index += count
                state = count == remaining ? .chunkDataEnd : .chunkData(remaining - count)
                try sink(.body(slice))
            case .untilClose:
                let slice = data[index..<end]
                index = end
                try sink(.body(slice))
            }
        }
    }

    /// The peer closed: completes a body that runs until close, and throws if a message was cut
    /// short (aiohttp's ContentLengthError / TransferEncodingError wording).
    public func feedEOF(_ sink: (HTTPParserEvent) throws -> Void) throws {
        switch state {
        case .failed(let error):
            throw error
        case .untilClose:
            state = .startLine
            try finishMessage(sink)
        case .startLine where partialLine.isEmpty, .upgraded:
            return
        case .bodyLength:
            try fail { throw BadHttpMessage(.contentLength, "Not enough data for satisfy content length header.") }
        case .chunkSize, .chunkData, .chunkDataEnd, .trailerLine:
            try fail { throw BadHttpMessage(.transferEncoding, "Not enough data for satisfy transfer length header.") }
        case .startLine, .headerLine:
            try fail { throw BadHttpMessage("Connection closed in the middle of a message head") }
        }
    }

    /// Runs `body`, and on a parse error moves to the failed state before rethrowing it.
    private func fail(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as BadHttpMessage {
            state = .failed(error)
            partialLine = []
            throw error
        }
    }

    // MARK: Lines

    /// The next complete line (without CRLF) starting at `index`, or nil when the data ends
    /// first (the rest is kept in `partialLine`). A line over the limit throws at once, before
    /// its end arrives, so a peer cannot make the parser buffer more than the limit.
    private func nextLine(_ data: [UInt8], _ index: inout Int) throws -> ArraySlice<UInt8>? {
        let start = index
        let newline = data.withUnsafeBufferPointer { buffer -> Int? in
            let base = buffer.baseAddress! + start
            guard let found = memchr(base, 0x0A, buffer.count - start) else { return nil }
            return start + (UnsafeRawPointer(found) - UnsafeRawPointer(base))
        }
        guard let newline else {
            partialLine += data[start...]
            index = data.count
            if partialLine.count > limits.maxLineSize + 1 { try fail { throw lineTooLong(partialLine.count) } }
            return nil
        }
        index = newline + 1
        var line: ArraySlice<UInt8>
        if partialLine.isEmpty {
            line = data[start..<newline]
        } else {
            partialLine += data[start..<newline]
            line = partialLine[...]
            partialLine = []
        }
        guard line.last == 0x0D else {
            // A lone LF between messages is skipped as an empty line (llhttp does too).
            if line.isEmpty, case .startLine = state { return line }
            try fail { throw BadHttpMessage("Bare LF without CR at the end of a line: \(BadHttpMessage.pythonRepr(line))") }
            return nil
        }
        line = line.dropLast()
        if line.count > limits.maxLineSize { try fail { throw lineTooLong(line.count) } }
        return line
    }

    private func lineTooLong(_ actual: Int) -> BadHttpMessage {
        let what: String
        switch state {
        case .startLine: what = kind == .request ? "Request line is too long" : "Status line is too long"
        case .chunkSize: what = "Chunk size line is too long"
        default: what = "Header line is too long"
        }
        return .lineTooLong(what, limit: limits.maxLineSize, actual: actual)
    }

    private func handleLine(_ line: ArraySlice<UInt8>, _ sink: (HTTPParserEvent) throws -> Void) throws {
        if line.contains(0x0D) {
            throw BadHttpMessage("Bare CR in a line: \(BadHttpMessage.pythonRepr(line))")
        }
        switch state {
        case .startLine:
            if line.isEmpty { return }   // RFC 9112 2.2: empty lines before a message are ignored
            try parseStartLine(line)
            state = .headerLine
        case .headerLine:
            if line.isEmpty { try finishHead(sink) } else { try parseHeader(line, trailer: false) }
        case .trailerLine:
            if line.isEmpty {
                state = .startLine
                try finishMessage(sink)
            } else {
                try parseHeader(line, trailer: true)
            }
        case .chunkSize:
            let size = try Self.chunkSize(line)
            state = size == 0 ? .trailerLine : .chunkData(size)
        case .chunkDataEnd:
            guard line.isEmpty else {
                throw BadHttpMessage(.transferEncoding, "Chunk size mismatch: chunk data is not followed by CRLF")
            }
            state = .chunkSize
        default:
            break
        }
    }

    // MARK: Start line and headers

    private func parseStartLine(_ line: ArraySlice<UInt8>) throws {
        head = HTTPMessageHead()
        headerCount = 0
        contentLengths = []
        transferEncoding = nil
        connectionTokens = []
        hasUpgradeHeader = false
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        switch kind {
        case .request:
            guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(Self.isTokenByte),
                  !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
                  let minor = Self.version(parts[2]) else { throw BadHttpMessage.badStatusLine(line) }
            head.method = String(decoding: parts[0], as: UTF8.self)
            head.target = String(decoding: parts[1], as: UTF8.self)
            guard Self.isValidTarget(parts[1], method: head.method) else {
                throw BadHttpMessage(.invalidURL, "Invalid URL: \(BadHttpMessage.pythonRepr(parts[1]))")
            }
            head.minorVersion = minor
        case .response:
            guard parts.count >= 2, let minor = Self.version(parts[0]), parts[1].count == 3,
                  parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw BadHttpMessage.badStatusLine(line) }
            let reason = parts.count == 3 ? parts[2] : []
            guard reason.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else { throw BadHttpMessage.badStatusLine(line) }
            head.minorVersion = minor
            head.status = parts[1].reduce(0) { $0 * 10 + Int($1 - 0x30) }
            if head.status < 100 { throw BadHttpMessage.badStatusLine(line) }
            head.reason = String(decoding: reason, as: UTF8.self)
        }
    }

    /// RFC 9112 3.2: origin-form ("/path"), absolute-form ("http://host/path"), authority-form
    /// (CONNECT's "host:port") or asterisk-form (OPTIONS's "*").
    private static func isValidTarget(_ target: ArraySlice<UInt8>, method: String) -> Bool {
        if target.first == UInt8(ascii: "/") { return true }
        if method == "CONNECT" { return target.contains(UInt8(ascii: ":")) }
        if target.elementsEqual("*".utf8) { return method == "OPTIONS" }
        guard let colon = target.firstIndex(of: UInt8(ascii: ":")), colon > target.startIndex else { return false }
        let scheme = target[..<colon]
        return scheme.first.map { (0x61...0x7A).contains($0 | 0x20) } == true   // starts with a letter
            && scheme.allSatisfy { isTokenByte($0) && $0 != UInt8(ascii: "_") }
            && target[colon...].starts(with: "://".utf8)
    }

    /// "HTTP/1.1" -> 1, "HTTP/1.0" -> 0; other versions are not HTTP/1.x.
    private static func version(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count == 8, bytes.starts(with: "HTTP/1.".utf8) else { return nil }
        let minor = bytes[bytes.startIndex + 7]
        return minor == 0x30 || minor == 0x31 ? Int(minor - 0x30) : nil
    }

    private func parseHeader(_ line: ArraySlice<UInt8>, trailer: Bool) throws {
        headerCount += 1
        if headerCount > limits.maxHeaders {
            throw BadHttpMessage("Too many headers: more than \(limits.maxHeaders)", code: 431)
        }
        let first = line[line.startIndex]
        if first == 0x20 || first == 0x09 { throw BadHttpMessage.invalidHeader(line) }   // obs-fold
        guard let colon = line.firstIndex(of: 0x3A) else { throw BadHttpMessage.invalidHeader(line) }
        let nameBytes = line[line.startIndex..<colon]
        guard !nameBytes.isEmpty, nameBytes.allSatisfy(Self.isTokenByte) else { throw BadHttpMessage.invalidHeader(line) }
        var valueBytes = line[(colon + 1)...]
        while let byte = valueBytes.first, byte == 0x20 || byte == 0x09 { valueBytes = valueBytes.dropFirst() }
        while let byte = valueBytes.last, byte == 0x20 || byte == 0x09 { valueBytes = valueBytes.dropLast() }
        guard valueBytes.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { throw BadHttpMessage.invalidHeader(line) }
        if trailer { return }   // trailers are checked and dropped, as aiohttp does
        let name = String(decoding: nameBytes, as: UTF8.self)
        let value = String(decoding: valueBytes, as: UTF8.self)
        guard let fieldName = HTTPField.Name(name) else { throw BadHttpMessage.invalidHeader(line) }
        head.headers.append(HTTPField(name: fieldName, value: value))
        switch Self.framingHeader(nameBytes) {
        case .contentLength: contentLengths.append(value)
        case .transferEncoding:
            transferEncoding = transferEncoding.map { $0 + ", " + value } ?? value
        case .connection:
            connectionTokens += value.split(separator: ",").map { $0.trimmingSpaces().lowercased() }
        case .contentEncoding: head.contentEncoding = value.trimmingSpaces().lowercased()
        case .expect: head.expectsContinue = value.trimmingSpaces().lowercased() == "100-continue"
        case .upgrade: hasUpgradeHeader = true
        case nil: break
        }
    }

    /// The headers that change how a message is read.
    private enum FramingHeader {
        case contentLength, transferEncoding, connection, contentEncoding, expect, upgrade
    }

    /// Which framing header a (token) name is, compared without regard to case on the bytes,
    /// so the other headers cost no string comparison.
    private static func framingHeader(_ name: ArraySlice<UInt8>) -> FramingHeader? {
        func named(_ lowercase: StaticString) -> Bool {
            let pointer = lowercase.utf8Start
            var offset = 0
            for byte in name {
                // Token bytes: `| 0x20` lowercases letters and leaves "-" as it is.
                if byte | 0x20 != pointer[offset] { return false }
                offset += 1
            }
            return true
        }
        switch name.count {
        case 14: return named("content-length") ? .contentLength : nil
        case 17: return named("transfer-encoding") ? .transferEncoding : nil
        case 10: return named("connection") ? .connection : nil
        case 16: return named("content-encoding") ? .contentEncoding : nil
        case 6: return named("expect") ? .expect : nil
        case 7: return named("upgrade") ? .upgrade : nil
        default: return nil
        }
    }

    /// The head is complete: works out the framing (RFC 9112 6.3) and emits it.
    private func finishHead(_ sink: (HTTPParserEvent) throws -> Void) throws {
        if contentLengths.count > 1 { throw BadHttpMessage("Duplicate Content-Length") }
        var length: Int?
        if let text = contentLengths.first {
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw BadHttpMessage.invalidHeader(Array("Content-Length".utf8))
            }
            length = Int(text)
        }
        var chunked = false
        if let transferEncoding {
            if length != nil { throw BadHttpMessage("Transfer-Encoding can't be present with Content-Length") }
            let codings = transferEncoding.split(separator: ",").map { $0.trimmingSpaces().lowercased() }
            chunked = codings.last == "chunked"
            if codings.dropLast().contains("chunked") || (!chunked && kind == .request) {
                throw BadHttpMessage("Request has invalid `Transfer-Encoding`")
            }
        }
        let closeRequested = connectionTokens.contains("close")
        head.keepAlive = head.minorVersion == 1 ? !closeRequested : connectionTokens.contains("keep-alive") && !closeRequested
        head.upgrade = connectionTokens.contains("upgrade") && hasUpgradeHeader
        switch kind {
        case .request:
            head.framing = chunked ? .chunked : length.map { $0 == 0 ? .none : .length($0) } ?? .none
        case .response:
            let status = head.status
            if responseToHead || (100..<200).contains(status) || status == 204 || status == 304 {
                head.framing = .none
            } else if chunked {
                head.framing = .chunked
            } else if let length {
                head.framing = length == 0 ? .none : .length(length)
            } else {
                head.framing = .untilClose
                head.keepAlive = false
            }
            if status == 101 { head.upgrade = true }
        }
        let framing = head.framing
        let upgrade = kind == .response && head.status == 101   // a request's Upgrade is not taken up
        let informational = kind == .response && (100..<200).contains(head.status) && head.status != 101
        try sink(.head(head))
        if upgrade {
            state = .upgraded
            try sink(.end)
            return
        }
        switch framing {
        case .none:
            state = .startLine
            if informational {
                // An interim response (100 Continue, 103): the final one follows; HEAD still applies.
                try sink(.end)
            } else {
                try finishMessage(sink)
            }
        case .length(let count): state = .bodyLength(count)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    private func finishMessage(_ sink: (HTTPParserEvent) throws -> Void) throws {
        responseToHead = false
        head = HTTPMessageHead()
        try sink(.end)
    }

    /// The size on a chunk-size line: hex digits, then an optional `;extension`.
    private static func chunkSize(_ line: ArraySlice<UInt8>) throws -> Int {
        let digits = line.prefix { $0 != 0x3B }
        var size = 0
        for byte in digits {
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x41...0x46: digit = Int(byte - 0x41 + 10)
            case 0x61...0x66: digit = Int(byte - 0x61 + 10)
            default: throw BadHttpMessage(.transferEncoding, "Invalid chunk size: \(BadHttpMessage.pythonRepr(line))")
            }
            if size > (Int.max >> 4) {
                throw BadHttpMessage(.transferEncoding, "Chunk size too large: \(BadHttpMessage.pythonRepr(line))")
            }
            size = size << 4 | digit
        }
        if digits.isEmpty { throw BadHttpMessage(.transferEncoding, "Invalid chunk size: \(BadHttpMessage.pythonRepr(line))") }
        guard isValidChunkExtensions(line[digits.endIndex...]) else {
            throw BadHttpMessage(.transferEncoding, "Invalid chunk extension: \(BadHttpMessage.pythonRepr(line))")
        }
        return size
    }

    /// RFC 9112 7.1.1: `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`.
    private static func isValidChunkExtensions(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        let end = bytes.endIndex
        func skipSpace() { while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        func token() -> Bool {
            let start = index
            while index < end, isTokenByte(bytes[index]) { index += 1 }
            return index > start
        }
        while true {
            skipSpace()
            if index == end { return true }
            guard bytes[index] == UInt8(ascii: ";") else { return false }
            index += 1
            skipSpace()
            guard token() else { return false }
            skipSpace()
            guard index < end, bytes[index] == UInt8(ascii: "=") else { continue }
            index += 1
            skipSpace()
            if index < end, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\") { index += 2; continue }
                    index += 1
                    if byte == UInt8(ascii: "\"") { closed = true; break }
                    if (byte < 0x20 && byte != 0x09) || byte == 0x7F { return false }
                }
                if !closed { return false }
            } else if !token() {
                return false
            }
        }
    }

    /// RFC 9110 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (no Foundation).
    package func trimmingSpaces() -> String {
        var bytes = String(self).utf8[...]
        while let byte = bytes.first, byte == 0x20 || byte == 0x09 { bytes.removeFirst() }
        while let byte = bytes.last, byte == 0x20 || byte == 0x09 { bytes.removeLast() }
        return String(Substring(bytes))
    }
}

import Glibc
