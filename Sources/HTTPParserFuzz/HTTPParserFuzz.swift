// The HTTP parser's fuzz target (libFuzzer, built with -DFUZZING) and, built normally, a tool
// that prints what the parser makes of input files (the differential check against httptools).
import AsyncioHTTP
import HTTPTypes

/// Parses `bytes` as requests (first byte even) or responses (odd), fed in two pieces split at
/// a point taken from the input, and checks the parser's own invariants.
func fuzzOne(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let kind: HTTPParser.Kind = first & 1 == 0 ? .request : .response
    let body = Array(bytes.dropFirst())
    let split = body.isEmpty ? 0 : Int(first >> 1) % (body.count + 1)
    let whole = describe(kind, [body])
    let pieces = describe(kind, [Array(body[..<split]), Array(body[split...])])
    // Feeding in pieces must not change the result (a line too long may say how much it saw).
    if whole.ok != pieces.ok || (whole.ok && whole.text != pieces.text) {
        fatalError("whole and split parses differ:\n\(whole.text)\n---\n\(pieces.text)")
    }
}

/// What the parser made of `chunks`: the messages (as text) or the error.
func describe(_ kind: HTTPParser.Kind, _ chunks: [[UInt8]], eof: Bool = true) -> (ok: Bool, text: String) {
    let parser = HTTPParser(kind)
    var lines: [String] = []
    var body: [UInt8] = []
    let sink: (HTTPParserEvent) throws -> Void = { event in
        switch event {
        case .head(let head):
            let fields = head.headers.map { "[\(json($0.name.rawName)),\(json($0.value))]" }.joined(separator: ",")
            let start = kind == .request ? "\"method\":\(json(head.method)),\"url\":\(json(head.target))" : "\"status\":\(head.status)"
            lines.append("{\(start),\"version\":\"1.\(head.minorVersion)\",\"headers\":[\(fields)],\"keep_alive\":\(head.keepAlive)")
            body = []
        case .body(let bytes):
            body += bytes
        case .end:
            if !lines.isEmpty, !lines[lines.count - 1].hasSuffix("}") {
                lines[lines.count - 1] += ",\"body\":\"\(body.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined())\"}"
            }
        }
    }
    do {
        for chunk in chunks { try parser.feed(chunk, sink) }
        if eof {
            try parser.feedEOF(sink)
            // A head without its end (an interim response) is closed here for the listing.
            lines = lines.map { $0.hasSuffix("}") ? $0 : $0 + ",\"body\":\"\"}" }
        } else {
            lines = lines.filter { $0.hasSuffix("}") }   // only the messages that ended
        }
        return (true, "[" + lines.joined(separator: ",") + "]")
    } catch {
        return (false, "\(error)")
    }
}

func json(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

#if FUZZING
/// libFuzzer's entry with our own main (SwiftPM names an executable's entry `<module>_main`).
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The input callback libFuzzer's own main looks for.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzOne(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_cdecl("HTTPParserFuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return llvmFuzzerRunDriver(&count, &arguments) { fuzzerTestOneInput($0, $1) }
}
#else
import Glibc

/// `HTTPParserFuzz request|response FILE...`: one JSON line per file, {"ok":..,"messages"|"error":..},
/// for the bytes alone (no EOF: httptools, the other side of the differential check, has none);
/// `HTTPParserFuzz replay FILE...`: runs the fuzz target's checks on each file (a corpus).
@main struct HTTPParserTool {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let mode = arguments.first else {
            print("usage: HTTPParserFuzz request|response|replay FILE...")
            exit(2)
        }
        for path in arguments.dropFirst() {
            let bytes = readFile(path)
            if mode == "replay" {
                fuzzOne(bytes)
                continue
            }
            let (ok, text) = describe(mode == "request" ? .request : .response, [bytes], eof: false)
            print(ok ? "{\"ok\":true,\"messages\":\(text)}" : "{\"ok\":false,\"error\":\(json(text))}")
        }
    }

    static func readFile(_ path: String) -> [UInt8] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }
}
#endif
