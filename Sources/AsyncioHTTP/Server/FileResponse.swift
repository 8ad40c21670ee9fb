// FileResponse: a static file (aiohttp.web's FileResponse): Range, ETag/If-None-Match, types, gzip.
import Asyncio
import Glibc
import HTTPTypes

/// A file from disk (aiohttp's `web.FileResponse`): Content-Type by extension, `ETag` and
/// `Last-Modified`, 304 for a matching `If-None-Match`, one `Range` (206, or 416 with
/// `Content-Range: bytes */size`), and with `compress` a gzip body for clients that accept it
/// (text-like types, no Range). Read in chunks of `chunkSize` with flow control; a missing file
/// or a directory is 404.
public final class FileResponse: StreamResponse, @unchecked Sendable {
    /// The file's path.
    public let path: String
    /// The most bytes read and sent at a time.
    public let chunkSize: Int
    /// True to gzip the body for clients that accept it.
    public let compress: Bool

    /// Makes a response for the file at `path`; it is opened when the response is sent.
    public init(path: String, chunkSize: Int = 256 * 1024, compress: Bool = false, status: Int = 200, headers: HTTPFields = [:]) {
        self.path = path
        self.chunkSize = chunkSize
        self.compress = compress
        super.init(status: status, headers: headers)
    }

    nonisolated(nonsending) public override func send(to request: Request) async throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw HTTPException(404) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw HTTPException(404) }
        let size = Int(info.st_size)
        let modifiedNanos = Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
        let etag = "\"\(String(modifiedNanos, radix: 16))-\(String(size, radix: 16))\""
        headers[.eTag] = etag
        headers[.lastModified] = HTTPDate.format(Int(info.st_mtim.tv_sec))
        headers[.acceptRanges] = "bytes"
        if headers[.contentType] == nil { headers[.contentType] = MediaTypes.forPath(path) }
        if let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").contains(where: { $0.trimmingSpaces() == etag || $0.trimmingSpaces() == "W/" + etag || $0.trimmingSpaces() == "*" }) {
            status = 304
            try await Response(status: 304, headers: headers).send(to: request)
            return
        }
        var start = 0
        var count = size
        if let range = request.headers[.range], status == 200 {
            switch Self.parseRange(range, size: size) {
            case .some(.some(let bounds)):
                start = bounds.lowerBound
                count = bounds.count
                status = 206
                headers[.contentRange] = "bytes \(bounds.lowerBound)-\(bounds.upperBound - 1)/\(size)"
            case .some(.none):
                var rangeHeaders = headers
                rangeHeaders[.contentRange] = "bytes */\(size)"
                try await Response(status: 416, headers: rangeHeaders).send(to: request)
                return
            case .none:
                break   // a Range header that does not parse is ignored (RFC 9110 14.2)
            }
        }
        let type = headers[.contentType] ?? ""
        if compress && status == 200 && request.accepts("gzip") && size <= 32 * 1024 * 1024
            && (type.hasPrefix("text/") || type.contains("json") || type.contains("javascript") || type.contains("xml") || type.contains("svg")) {
            let whole = try Self.read(fd, offset: 0, count: size)
            let response = Response(body: whole, status: 200, headers: headers)
            response.enableCompression()
            try await response.send(to: request)
            return
        }
        contentLength = count
        try await prepare(request)
        if request.method != "HEAD" {
            var offset = start
            let end = start + count
            while offset < end {
                let piece = try Self.read(fd, offset: offset, count: min(chunkSize, end - offset))
                if piece.isEmpty { break }   // the file shrank meanwhile
                try await write(piece)
                offset += piece.count
            }
        }
        try await writeEOF()
    }

    private static func read(_ fd: Int32, offset: Int, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw OSError(code: errno, strerror: String(cString: strerror(errno))) }
            if got == 0 { break }
            done += got
        }
        buffer.removeLast(count - done)
        return buffer
    }

    /// One byte range of `size`: nil when the header does not parse (ignore it), .some(nil)
    /// when it parses but cannot be satisfied (416).
    static func parseRange(_ header: String, size: Int) -> Range<Int>?? {
        guard header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst(6).trimmingSpaces()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int(last), suffix >= 0 else { return nil }
            if suffix == 0 || size == 0 { return .some(nil) }
            return .some(max(0, size - suffix)..<size)
        }
        guard let from = Int(first), from >= 0 else { return nil }
        let to: Int
        if last.isEmpty { to = size - 1 } else {
            guard let value = Int(last), value >= from else { return nil }
            to = min(value, size - 1)
        }
        if from >= size { return .some(nil) }
        return .some(from..<(to + 1))
    }
}

/// Content-Type by file extension (the common part of Python's mimetypes table).
enum MediaTypes {
    static let byExtension: [String: String] = [
        "html": "text/html", "htm": "text/html", "css": "text/css", "js": "text/javascript", "mjs": "text/javascript",
        "json": "application/json", "txt": "text/plain", "md": "text/markdown", "csv": "text/csv", "xml": "application/xml",
        "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
        "webp": "image/webp", "ico": "image/vnd.microsoft.icon", "pdf": "application/pdf", "wasm": "application/wasm",
        "zip": "application/zip", "gz": "application/gzip", "tar": "application/x-tar", "mp4": "video/mp4",
        "mp3": "audio/mpeg", "woff": "font/woff", "woff2": "font/woff2", "bin": "application/octet-stream",
    ]

    static func forPath(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: ".") else { return "application/octet-stream" }
        let type = byExtension[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
        return type.hasPrefix("text/") ? type + "; charset=utf-8" : type
    }
}
