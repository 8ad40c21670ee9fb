// The download examples' network: this library's HTTP server on loopback, serving generated PNGs slowly.
import Asyncio
import AsyncioHTTP
import CZlib
import Foundation
import HTTPTypes

/// Stands in for the seeds' image hosts and web sites: an `Application` served on a free
/// loopback port by its own thread and event loop (on the real clock, whatever the examples'
/// policy), so that blocking calls on threads and loops of the examples reach it alike.
///
/// Each of its image paths answers a real PNG (generated noise, about 350 KiB, made when the
/// server starts; the Python reference's server follows the same recipe) after `delay` seconds, the
/// time a far server takes. A path of a site ("/www.…") answers a small HTML page, and without
/// its trailing slash a 301 to it, as real sites redirect `https://www.baidu.com` to
/// `https://www.baidu.com/`. Anything else is a 404.
final class ImageServer: Sendable {
    /// Seconds each answer waits: the network the seed's timings show (0.83 s for three images).
    static let delay = 0.3

    let port: Int
    private let loop: EventLoop
    private let stopped: DispatchSemaphore

    private init(port: Int, loop: EventLoop, stopped: DispatchSemaphore) {
        self.port = port
        self.loop = loop
        self.stopped = stopped
    }

    /// The seed's three image links (their paths; the query is ignored, as image hosts do).
    static let images = ["/th/id/OIP-C.nRlAFygdctTCHmIWN7GxRwHaEK?pid=ImgDet&rs=1", "/files/pic/pic9/202009/apic27858.jpg",
                         "/th/id/OIP-C.n0_p3rYRuofABd3XudbZnAHaEo?pid=ImgDet&rs=1"]

    /// Starts the server thread and returns once it listens.
    static func start() throws -> ImageServer {
        let ready = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let started = Locked<Result<(Int, EventLoop), any Error>?>(nil)
        let thread = Thread {
            do {
                let loop = try EventLoop()
                // Its tasks are named, so the examples' tasks keep their default names.
                let app = makeApplication()
                let serving = try loop.createTask(name: "image server") { try await app.serve(host: "127.0.0.1", port: 0) }
                let server = try loop.runUntilComplete(serving)
                started.set(.success((server.port, loop)))
                ready.signal()
                try loop.runForever()
                try loop.runUntilComplete(loop.createTask(name: "image server shutdown") { await server.shutdown(timeout: 1) })
                try loop.close()
            } catch {
                started.set(.failure(error))
                ready.signal()
            }
            stopped.signal()
        }
        thread.start()
        ready.wait()
        let (port, loop) = try started.get()!.get()
        return ImageServer(port: port, loop: loop, stopped: stopped)
    }

    /// The URL of `path` on this server.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Stops serving and waits for the server thread to end.
    func stop() {
        let loop = self.loop
        _ = try? loop.callSoonThreadsafe { loop.stop() }
        stopped.wait()
    }

    private static func makeApplication() -> Application {
        let app = Application()
        let paths = images.map { String($0.prefix { $0 != "?" }) }
        let pngs = Dictionary(uniqueKeysWithValues: paths.map { ($0, PNG.noise(seed: $0)) })
        app.get("/{path:.*}") { request in
            try await asyncio.sleep(delay)
            let path = request.path
            if path.hasPrefix("/www.") {
                if !path.hasSuffix("/") {
                    var headers = HTTPFields()
                    headers[.location] = path + "/"
                    return Response(status: 301, headers: headers)
                }
                return Response(text: "<html><body>\(path.dropFirst().dropLast())</body></html>",
                                contentType: "text/html; charset=utf-8")
            }
            guard let png = pngs[path] else { throw HTTPException(404) }
            return Response(body: png, contentType: "image/png")
        }
        return app
    }
}

/// A value shared between the server thread and the thread that waits for it to start.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ new: Value) { lock.withLock { value = new } }
    func get() -> Value { lock.withLock { value } }
}

/// Real PNG files of generated pixels.
enum PNG {
    static let width = 400
    static let height = 300

    /// A `width` x `height` RGB image of noise drawn from `seed` (deflated noise stays its size).
    static func noise(seed: String) -> [UInt8] {
        var state = seed.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + width * 3))
        for _ in 0..<height {
            raw.append(0)                                           // filter: none
            for _ in 0..<(width * 3) {
                state = state &* 1_664_525 &+ 1_013_904_223
                raw.append(UInt8(truncatingIfNeeded: state >> 24))
            }
        }
        var header: [UInt8] = []
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]                                   // 8-bit RGB, deflate, no interlace
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", header) + chunk("IDAT", deflate(raw)) + chunk("IEND", [])
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        let crc = typed.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        return bigEndian(UInt32(data.count)) + typed + bigEndian(crc)
    }

    private static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { target in
            data.withUnsafeBufferPointer { compress2(target.baseAddress, &size, $0.baseAddress, uLong($0.count), 6) }
        }
        precondition(status == Z_OK, "zlib's compress2 failed: \(status)")
        return Array(out.prefix(Int(size)))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
