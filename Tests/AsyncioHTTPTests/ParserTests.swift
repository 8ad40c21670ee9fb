// The HTTP/1.1 parser: framing, limits and strictness, fed whole and byte by byte.
import HTTPTypes
import Testing
@testable import AsyncioHTTP

/// What a parser produced: the heads, the body bytes of each message, and how many ended.
struct Parsed {
    var heads: [HTTPMessageHead] = []
    var bodies: [[UInt8]] = []
    var ended = 0
}

/// Feeds `input` to a new parser in pieces of `step` bytes (0: all at once), then EOF.
func parse(_ kind: HTTPParser.Kind, _ input: [UInt8], step: Int = 0, eof: Bool = true,
           limits: HTTPParserLimits = HTTPParserLimits(), head: Bool = false) throws -> Parsed {
    let parser = HTTPParser(kind, limits: limits)
    parser.responseToHead = head
    var parsed = Parsed()
    let sink: (HTTPParserEvent) throws -> Void = { event in
        switch event {
        case .head(let head):
            parsed.heads.append(head)
            parsed.bodies.append([])
        case .body(let bytes): parsed.bodies[parsed.bodies.count - 1] += bytes
        case .end: parsed.ended += 1
        }
    }
    if step == 0 {
        try parser.feed(input, sink)
    } else {
        var index = 0
        while index < input.count {
            try parser.feed(Array(input[index..<min(index + step, input.count)]), sink)
            index += step
        }
    }
    if eof { try parser.feedEOF(sink) }
    return parsed
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The parse error `input` gives, fed whole and byte by byte (both must agree).
func parseError(_ kind: HTTPParser.Kind, _ input: String, eof: Bool = true,
                limits: HTTPParserLimits = HTTPParserLimits()) -> BadHttpMessage? {
    var errors: [BadHttpMessage?] = []
    for step in [0, 1] {
        do {
            _ = try parse(kind, bytes(input), step: step, eof: eof, limits: limits)
            errors.append(nil)
        } catch let error as BadHttpMessage {
            errors.append(error)
        } catch {
            errors.append(BadHttpMessage("unexpected \(error)"))
        }
    }
    // Whole and byte by byte agree on the error (a line too long reports the length seen so far).
    let agree = errors[0]?.kind == errors[1]?.kind && (errors[0]?.kind == .lineTooLong || errors[0] == errors[1])
    return agree ? errors[0] : BadHttpMessage("whole and byte-by-byte disagree: \(errors)")
}

@Suite struct ParserTests {
    @Test(arguments: [0, 1, 3, 7])
    func responsesWithEachFraming(step: Int) throws {
        let input = bytes(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  spaced value \t\r\n\r\nhello"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
            + "HTTP/1.0 200 OK\r\n\r\nuntil the end")
        let parsed = try parse(.response, input, step: step)
        #expect(parsed.heads.map(\.status) == [200, 200, 204, 200])
        #expect(parsed.bodies.map { String(decoding: $0, as: UTF8.self) } == ["hello", "abc0123456789", "", "until the end"])
        #expect(parsed.ended == 4)
        #expect(parsed.heads[0].headers[HTTPField.Name("X-A")!] == "spaced value")
        #expect(parsed.heads.map(\.framing) == [.length(5), .chunked, .none, .untilClose])
        #expect(parsed.heads.map(\.keepAlive) == [true, true, true, false])
        #expect(parsed.heads[3].minorVersion == 0)
    }

    @Test func headResponseHasNoBodyWhateverItsHeaders() throws {
        let parsed = try parse(.response, bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"), eof: false, head: true)
        #expect(parsed.ended == 1)
        #expect(parsed.heads[0].framing == .none)
    }

    @Test func interimResponsesComeBeforeTheFinalOne() throws {
        let parsed = try parse(.response, bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        #expect(parsed.heads.map(\.status) == [100, 103, 200])
        #expect(parsed.bodies.last == bytes("ok"))
    }

    @Test func requestsPipelined() throws {
        let parsed = try parse(.request, bytes(
            "GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nxyz"
            + "PUT /c HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\n\r\n"), step: 2)
        #expect(parsed.heads.map(\.method) == ["GET", "POST", "PUT"])
        #expect(parsed.heads.map(\.target) == ["/a?x=1", "/b", "/c"])
        #expect(parsed.bodies == [[], bytes("xyz"), bytes("q")])
        #expect(parsed.heads.map(\.keepAlive) == [true, true, true])
        #expect(parsed.heads[1].expectsContinue)
    }

    @Test func connectionHeaderDecidesKeepAlive() throws {
        let parsed = try parse(.request, bytes("GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\nGET / HTTP/1.0\r\n\r\n"))
        #expect(parsed.heads.map(\.keepAlive) == [false, false])
    }

    @Test func framingErrors() {
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")?.message == "Duplicate Content-Length")
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")?.message
            == "Transfer-Encoding can't be present with Content-Length")
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n")?.kind == .invalidHeader)
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")?.message
            == "Not enough data for satisfy content length header.")
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")?.kind == .transferEncoding)
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")?.message == "Invalid chunk size: 'zz'")
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n")?.kind == .transferEncoding)
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n")?.kind == .transferEncoding)
        #expect(parseError(.request, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")?.message == "Request has invalid `Transfer-Encoding`")
        #expect(parseError(.request, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") != nil)
    }

    @Test func syntaxErrors() {
        #expect(parseError(.response, "HTTP/1.1 2OO OK\r\n\r\n")?.message == "Bad status line 'HTTP/1.1 2OO OK'")
        #expect(parseError(.response, "HTTP/2.0 200 OK\r\n\r\n")?.kind == .badStatusLine)
        #expect(parseError(.response, "ICY 200 OK\r\n\r\n")?.kind == .badStatusLine)
        #expect(parseError(.request, "GET /a b HTTP/1.1\r\n\r\n")?.kind == .badStatusLine)
        #expect(parseError(.request, "G(T / HTTP/1.1\r\n\r\n")?.kind == .badStatusLine)
        #expect(parseError(.request, "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n")?.message == "Invalid HTTP header: 'Bad Name: x'")
        #expect(parseError(.request, "GET / HTTP/1.1\r\nName : x\r\n\r\n")?.kind == .invalidHeader)
        #expect(parseError(.request, "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n")?.kind == .invalidHeader)
        #expect(parseError(.request, "GET / HTTP/1.1\r\nA: b\u{1}c\r\n\r\n")?.kind == .invalidHeader)
        #expect(parseError(.request, "GET / HTTP/1.1\r\nNoColon\r\n\r\n")?.kind == .invalidHeader)
        #expect(parseError(.request, "GET / HTTP/1.1\nHost: x\n\n")?.message.hasPrefix("Bare LF") == true)
        #expect(parseError(.request, "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n")?.message.hasPrefix("Bare CR") == true)
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nContent-Le", eof: true)?.message
            == "Connection closed in the middle of a message head")
    }

    @Test func limitsBoundWhatIsBuffered() {
        let limits = HTTPParserLimits(maxLineSize: 100, maxHeaders: 5)
        let long = String(repeating: "a", count: 101)
        #expect(parseError(.request, "GET /\(long) HTTP/1.1\r\n\r\n", limits: limits)?.kind == .lineTooLong)
        #expect(parseError(.request, "GET / HTTP/1.1\r\nX: \(long)\r\n\r\n", limits: limits)?.code == 431)
        let many = (0..<6).map { "H\($0): v\r\n" }.joined()
        #expect(parseError(.request, "GET / HTTP/1.1\r\n\(many)\r\n", limits: limits)?.message == "Too many headers: more than 5")
        // A line with no end yet fails as soon as it passes the limit, not when it ends.
        #expect(parseError(.request, "GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 200), eof: false, limits: limits)?.kind == .lineTooLong)
        #expect(parseError(.response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "0", count: 200), eof: false, limits: limits)?.kind == .lineTooLong)
    }

    @Test func aFailedParserStaysFailed() throws {
        let parser = HTTPParser(.request)
        #expect(throws: BadHttpMessage.self) { try parser.feed(bytes("BAD\r\n")) { _ in } }
        #expect(throws: BadHttpMessage.self) { try parser.feed(bytes("GET / HTTP/1.1\r\n\r\n")) { _ in } }
    }

    @Test func gzipAndDeflateDecodeInPieces() throws {
        let original = bytes(String(repeating: "the quick brown fox jumps over the lazy dog ", count: 2000))
        let compressed = gzipCompress(original)
        #expect(compressed.count < original.count / 10)
        for step in [1, 13, compressed.count] {
            let decoder = try #require(ZlibDecoder(coding: "gzip"))
            var out: [UInt8] = []
            var index = 0
            while index < compressed.count {
                try decoder.decode(compressed[index..<min(index + step, compressed.count)]) { out += $0 }
                index += step
            }
            try decoder.finish()
            #expect(out == original)
        }
        let truncated = try #require(ZlibDecoder(coding: "gzip"))
        try truncated.decode(compressed[0..<(compressed.count / 2)]) { _ in }
        #expect(throws: BadHttpMessage.self) { try truncated.finish() }
        let garbage = try #require(ZlibDecoder(coding: "deflate"))
        #expect(throws: BadHttpMessage.self) { try garbage.decode(bytes("not deflate at all")[...]) { _ in } }
    }

    @Test func urls() throws {
        let url = try HTTPURL("HTTP://User:p%40ss@Example.COM:8080/a/./b/../c d?q=1 2#frag")
        #expect(url.scheme == "http" && url.host == "example.com" && url.port == 8080)
        #expect(url.user == "User" && url.password == "p@ss")
        #expect(url.requestTarget == "/a/c%20d?q=1%202")
        #expect(url.authority == "example.com:8080")
        #expect(try HTTPURL("https://[::1]/").authority == "[::1]")
        #expect(try HTTPURL("https://h").path == "/")
        #expect(try HTTPURL("https://h:443/").isDefaultPort)
        #expect(try url.resolving("/x?y").description == "http://User:p%40ss@example.com:8080/x?y")
        #expect(try url.resolving("e/f").requestTarget == "/a/e/f")
        #expect(try url.resolving("//other.org/p").origin == "http://other.org")
        #expect(try url.resolving("https://s.org/").origin == "https://s.org")
        #expect(url.addingQuery([("k", "a b&c"), ("é", "/")]).query == "q=1%202&k=a+b%26c&%C3%A9=/")
        #expect(throws: InvalidURL.self) { try HTTPURL("ftp://h/") }
        #expect(throws: InvalidURL.self) { try HTTPURL("/relative") }
        #expect(throws: InvalidURL.self) { try HTTPURL("http://h:99999/") }
        #expect(throws: InvalidURL.self) { try HTTPURL("http:///path") }
        #expect(throws: InvalidURL.self) { try HTTPURL("http://a b/") }
        #expect(throws: InvalidURL.self) { try HTTPURL("http://h:8o/") }
        // Dot segments only where a whole segment is "." or ".."; dots inside names stay.
        #expect(try HTTPURL("http://h/a.b/..c/.../x.").path == "/a.b/..c/.../x.")
        #expect(try HTTPURL("http://h/a/b/..").path == "/a/")
        #expect(try HTTPURL("http://h/a/.").path == "/a/")
        // Valid escapes are kept (hex uppercased), a lone % is encoded, fragments are not sent.
        #expect(try HTTPURL("http://h/%7e%zz%").requestTarget == "/%7E%25zz%25")
        #expect(try HTTPURL("http://h/p?a=%2f&b=ü#x").requestTarget == "/p?a=%2F&b=%C3%BC")
        #expect(try HTTPURL("http://u%20v@h/").user == "u v")
        #expect(base64(bytes("Aladdin:open sesame")) == "QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    }
}
