// HTTPURL: an http/https URL as the client needs it (yarl's URL, kept small; no Foundation).

/// An absolute `http` or `https` URL, parsed and normalised: scheme and host lowercased, the
/// default port implied, the path and query percent-encoded where they hold bytes a request
/// line cannot carry (as yarl requotes). Relative references resolve with `resolving(_:)`.
public struct HTTPURL: Hashable, Sendable, CustomStringConvertible {
    /// "http" or "https", lowercased.
    public let scheme: String
    /// The user name from the URL's userinfo, percent-decoded, or nil.
    public let user: String?
    /// The password from the URL's userinfo, percent-decoded, or nil.
    public let password: String?
    /// The host without brackets ("::1" for "[::1]").
    public let host: String
    /// The port, explicit or the scheme's default.
    public let port: Int
    /// The encoded path, starting with "/".
    public let path: String
    /// The encoded query without "?", or nil for none.
    public let query: String?
    /// The fragment without "#", or nil for none (never sent).
    public let fragment: String?

    /// Parses `text`; throws `InvalidURL` when it is not an absolute http(s) URL.
    public init(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard let schemeEnd = Self.find(bytes, 0..<bytes.count, "://") else { throw InvalidURL(text) }
        let scheme = Self.lowercase(bytes[0..<schemeEnd])
        guard scheme == "http" || scheme == "https" else { throw InvalidURL(text, reason: "unsupported scheme") }
        try self.init(scheme: scheme, bytes: bytes, from: schemeEnd + 3, original: text)
    }

    /// Parses the part after "scheme://" (authority, path, query, fragment), on UTF-8 bytes.
    private init(scheme: String, bytes: [UInt8], from start: Int, original: String) throws {
        var end = bytes.count
        var fragment: String?
        if let hash = bytes[start...].firstIndex(of: UInt8(ascii: "#")) {
            fragment = String(decoding: bytes[(hash + 1)...], as: UTF8.self)
            end = hash
        }
        let authorityEnd = bytes[start..<end].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? end
        var authority = start..<authorityEnd
        var user: String?, password: String?
        if let at = bytes[authority].lastIndex(of: UInt8(ascii: "@")) {
            let info = authority.lowerBound..<at
            authority = (at + 1)..<authority.upperBound
            if let colon = bytes[info].firstIndex(of: UInt8(ascii: ":")) {
                user = Self.percentDecode(bytes[info.lowerBound..<colon])
                password = Self.percentDecode(bytes[(colon + 1)..<info.upperBound])
            } else {
                user = Self.percentDecode(bytes[info])
            }
        }
        var host: Range<Int>
        var portText: Range<Int>?
        if bytes[authority].first == UInt8(ascii: "[") {
            guard let close = bytes[authority].firstIndex(of: UInt8(ascii: "]")) else { throw InvalidURL(original) }
            host = (authority.lowerBound + 1)..<close
            if close + 1 < authority.upperBound {
                guard bytes[close + 1] == UInt8(ascii: ":") else { throw InvalidURL(original) }
                portText = (close + 2)..<authority.upperBound
            }
        } else if let colon = bytes[authority].lastIndex(of: UInt8(ascii: ":")) {
            host = authority.lowerBound..<colon
            portText = (colon + 1)..<authority.upperBound
        } else {
            host = authority
        }
        guard !host.isEmpty, bytes[host].allSatisfy({ $0 > 0x20 && $0 < 0x80 && !Self.forbiddenInHost[Int($0)] }) else {
            throw InvalidURL(original, reason: "invalid host")
        }
        var port = scheme == "https" ? 443 : 80
        if let portText, !portText.isEmpty {
            guard bytes[portText].allSatisfy({ $0 < 0x80 }), let value = Int(String(decoding: bytes[portText], as: UTF8.self)),
                  (0...65535).contains(value) else {
                throw InvalidURL(original, reason: "invalid port")
            }
            port = value
        }
        var path = authorityEnd..<end
        var query: String?
        if let mark = bytes[path].firstIndex(of: UInt8(ascii: "?")) {
            query = Self.requote(bytes[(mark + 1)..<end], safe: Self.querySafe)
            path = authorityEnd..<mark
        }
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = Self.lowercase(bytes[host])
        self.port = port
        self.path = path.isEmpty ? "/" : Self.removeDotSegments(Self.requote(bytes[path], safe: Self.pathSafe))
        self.query = query
        self.fragment = fragment
    }

    /// Where `needle` (ASCII) first starts in `bytes[range]`.
    private static func find(_ bytes: [UInt8], _ range: Range<Int>, _ needle: StaticString) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard range.count >= count else { return nil }
        let pointer = needle.utf8Start
        outer: for index in range.lowerBound...(range.upperBound - count) {
            for offset in 0..<count where bytes[index + offset] != pointer[offset] { continue outer }
            return index
        }
        return nil
    }

    /// The bytes as a string with ASCII letters lowercased.
    private static func lowercase(_ bytes: ArraySlice<UInt8>) -> String {
        // Into an array first: decoding a lazy map goes through the runtime's slow generic path.
        var lowered = Array(bytes)
        for i in lowered.indices where (0x41...0x5A).contains(lowered[i]) { lowered[i] |= 0x20 }
        return String(decoding: lowered, as: UTF8.self)
    }

    /// The ASCII bytes a host may not hold (besides controls and space).
    private static let forbiddenInHost: [Bool] = table(" /\\?#@%<>\"{}|^`")

    private init(scheme: String, user: String?, password: String?, host: String, port: Int,
                 path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// True when the port is the scheme's default.
    public var isDefaultPort: Bool { port == (scheme == "https" ? 443 : 80) }

    /// The host as written in a URL or a Host header (IPv6 in brackets), with a non-default port.
    public var authority: String {
        let bracketed = host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        return isDefaultPort ? bracketed : "\(bracketed):\(port)"
    }

    /// The request target: path and query.
    public var requestTarget: String { query.map { path + "?" + $0 } ?? path }

    /// scheme, host and port: what a connection is for.
    public var origin: String { "\(scheme)://\(authority)" }

    public var description: String {
        var text = scheme + "://"
        if let user {
            text += Self.percentEncode(user, safe: "") + (password.map { ":" + Self.percentEncode($0, safe: "") } ?? "") + "@"
        }
        text += authority + requestTarget
        if let fragment { text += "#" + fragment }
        return text
    }

    /// This URL with `params` appended to the query, form-encoded (aiohttp's `params=`).
    public func addingQuery(_ params: [(String, String)]) -> HTTPURL {
        guard !params.isEmpty else { return self }
        let added = params.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
        let newQuery = query.map { $0.isEmpty ? added : $0 + "&" + added } ?? added
        return HTTPURL(scheme: scheme, user: user, password: password, host: host, port: port,
                       path: path, query: newQuery, fragment: fragment)
    }

    /// Resolves a reference (a Location header) against this URL, as RFC 3986 section 5.
    public func resolving(_ reference: String) throws -> HTTPURL {
        if let colon = reference.firstIndex(of: ":"),
           reference[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
           reference[..<colon].first?.isLetter == true {
            return try HTTPURL(reference)
        }
        if reference.hasPrefix("//") {
            return try HTTPURL(scheme: scheme, bytes: Array(reference.utf8), from: 2, original: reference)
        }
        var reference = Substring(reference)
        var newFragment: String?
        if let hash = reference.firstIndex(of: "#") {
            newFragment = String(reference[reference.index(after: hash)...])
            reference = reference[..<hash]
        }
        var refPath = reference
        var refQuery: Substring?
        if let mark = reference.firstIndex(of: "?") {
            refPath = reference[..<mark]
            refQuery = reference[reference.index(after: mark)...]
        }
        let newPath: String
        if refPath.isEmpty {
            newPath = path
        } else if refPath.hasPrefix("/") {
            newPath = Self.removeDotSegments(Self.requote(refPath, safe: Self.pathSafe))
        } else {
            let directory = path[...(path.lastIndex(of: "/") ?? path.startIndex)]
            newPath = Self.removeDotSegments(directory + Self.requote(refPath, safe: Self.pathSafe))
        }
        let newQuery = refQuery.map { Self.requote($0, safe: Self.querySafe) } ?? (refPath.isEmpty ? query : nil)
        return HTTPURL(scheme: scheme, user: user, password: password, host: host, port: port,
                       path: newPath, query: newQuery, fragment: newFragment ?? (reference.isEmpty ? fragment : nil))
    }

    /// This URL without user, password and fragment.
    var withoutCredentials: HTTPURL {
        HTTPURL(scheme: scheme, user: nil, password: nil, host: host, port: port, path: path, query: query, fragment: nil)
    }

    // MARK: Percent-encoding

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// A lookup table: true for the ASCII bytes of `characters`.
    private static func table(_ characters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for byte in characters.utf8 { table[Int(byte)] = true }
        return table
    }

    /// What a path keeps unencoded besides the unreserved bytes.
    static let pathSafe = table("/:@!$&'()*+,;=")
    /// What a query keeps unencoded besides the unreserved bytes.
    static let querySafe = table("/?:@!$&'()*+,;=")

    /// Encodes the bytes a URL cannot carry; keeps valid %XX escapes as they are.
    static func requote(_ text: Substring, safe: [Bool]) -> String {
        requote(ArraySlice(text.utf8), safe: safe)
    }

    static func requote(_ bytes: ArraySlice<UInt8>, safe: [Bool]) -> String {
        // The common case: nothing to change.
        if bytes.allSatisfy({ isUnreserved($0) || safe[Int($0)] }) { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex, isHex(bytes[index + 1]), isHex(bytes[index + 2]) {
                out += [byte, upperHex(bytes[index + 1]), upperHex(bytes[index + 2])]
                index += 3
                continue
            }
            if isUnreserved(byte) || safe[Int(byte)] {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func percentEncode(_ text: String, safe: String) -> String {
        let safeBytes = Set(safe.utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            if isUnreserved(byte) || safeBytes.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// application/x-www-form-urlencoded: space as "+", as yarl's query quoting.
    static func formEncode(_ text: String) -> String {
        percentEncode(text, safe: " /?:@").replacingSpaces()
    }

    package static func percentDecode(_ text: Substring) -> String {
        percentDecode(ArraySlice(text.utf8))
    }

    static func percentDecode(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "%")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.endIndex, isHex(bytes[index + 1]), isHex(bytes[index + 2]) {
                out.append(hexValue(bytes[index + 1]) << 4 | hexValue(bytes[index + 2]))
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func upperHex(_ byte: UInt8) -> UInt8 { (0x61...0x66).contains(byte) ? byte - 0x20 : byte }

    private static func hexValue(_ byte: UInt8) -> UInt8 {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        default: byte - 0x61 + 10
        }
    }

    /// RFC 3986 5.2.4: "/a/b/../c/./d" -> "/a/c/d".
    static func removeDotSegments(_ path: String) -> String {
        guard hasDotSegment(path.utf8) else { return path }
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".": if isLast { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default: output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }
}

extension HTTPURL {
    /// True when a segment of `path` is "." or "..".
    static func hasDotSegment(_ path: String.UTF8View) -> Bool {
        var segmentLength = 0
        var dots = 0
        for byte in path {
            if byte == UInt8(ascii: "/") {
                if segmentLength > 0 && segmentLength == dots && dots <= 2 { return true }
                segmentLength = 0
                dots = 0
            } else {
                segmentLength += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return segmentLength > 0 && segmentLength == dots && dots <= 2
    }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(unicodeScalars.map { $0 == " " ? "+" : Character($0) })
    }
}

/// A URL the client cannot use (aiohttp's `InvalidURL`): not absolute, not http(s), a bad host
/// or port. Its description is the URL, with the reason when there is one.
public struct InvalidURL: Error, Equatable, CustomStringConvertible, Sendable {
    /// The URL as given.
    public let url: String
    /// Why it cannot be used, or nil.
    public let reason: String?
    /// Makes the error for `url`, with an optional reason.
    public init(_ url: String, reason: String? = nil) {
        self.url = url
        self.reason = reason
    }
    public var description: String { reason.map { "\(url) (\($0))" } ?? url }
}
