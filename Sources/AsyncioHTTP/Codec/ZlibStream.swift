// gzip and deflate content codings on the system zlib: a streaming decoder and a one-shot encoder.
import CZlib

/// Undoes `Content-Encoding: gzip` or `deflate` chunk by chunk, as the body arrives. Memory is
/// zlib's window plus one output chunk. As aiohttp, "deflate" accepts both the zlib format
/// (RFC 1950, what the name means) and raw deflate (what some servers send).
///
/// Used from one thread at a time (the connection that owns it).
final class ZlibDecoder {
    private var stream = z_stream()
    private let coding: String
    private var started = false
    private var finished = false
    /// One chunk of output, reused for every call.
    private var output = [UInt8](repeating: 0, count: 64 * 1024)

    /// A decoder for `coding` ("gzip", "x-gzip" or "deflate"); nil for codings it does not know.
    init?(coding: String) {
        guard ["gzip", "x-gzip", "deflate"].contains(coding) else { return nil }
        self.coding = coding
    }

    deinit { if started { inflateEnd(&stream) } }

    private func start(_ first: UInt8) throws {
        // gzip: 16 + 15 (gzip header); deflate: 15 (zlib header) or -15 (raw) by the first byte.
        let windowBits: Int32 = coding == "deflate" ? ((first & 0x0F) == 8 ? 15 : -15) : 31
        guard czlib_inflate_init2(&stream, windowBits) == Z_OK else {
            throw BadHttpMessage(.contentEncoding, "Can not decode content-encoding: \(coding)")
        }
        started = true
    }

    /// Decodes `input`, passing each piece of output to `sink`.
    func decode(_ input: ArraySlice<UInt8>, _ sink: ([UInt8]) throws -> Void) throws {
        guard !input.isEmpty else { return }
        if finished { return }   // bytes after the end of the compressed stream are ignored, as zlib's Python API does
        if !started { try start(input[input.startIndex]) }
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress!)
            stream.avail_in = UInt32(source.count)
            repeat {
                let status = output.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress!
                    stream.avail_out = UInt32(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = output.count - Int(stream.avail_out)
                if status == Z_STREAM_END { finished = true }
                guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && produced == 0) else {
                    throw BadHttpMessage(.contentEncoding, "Can not decode content-encoding: \(coding)")
                }
                if produced > 0 { try sink(Array(output[0..<produced])) }
                if finished || produced == 0 { break }
            } while stream.avail_in > 0 || stream.avail_out == 0
            stream.next_in = nil
        }
    }

    /// The body ended: throws if the compressed stream was cut short.
    func finish() throws {
        if started && !finished {
            throw BadHttpMessage(.contentEncoding, "Can not decode content-encoding: \(coding)")
        }
    }
}

/// Compresses a whole body with gzip (the server's `gzip` on request).
func gzipCompress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    guard czlib_deflate_init2(&stream, level, 31) == Z_OK else { return input }
    defer { deflateEnd(&stream) }
    var result = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
    var input = input
    input.withUnsafeMutableBufferPointer { source in
        result.withUnsafeMutableBufferPointer { target in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            stream.next_out = target.baseAddress
            stream.avail_out = UInt32(target.count)
            _ = deflate(&stream, Z_FINISH)
        }
    }
    result.removeLast(Int(stream.avail_out))
    return result
}
