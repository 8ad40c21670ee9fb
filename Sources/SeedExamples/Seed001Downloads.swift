// Seed 001's downloads for real: requests.get in threads and a client session, against ImageServer.
import Asyncio
import AsyncioHTTP
import Foundation

/// Runs a download example on the real clock (the HTTP calls wait on sockets, which the virtual
/// clock would skip past into their timeouts) with the image server up, in a fresh folder
/// holding `./images`, as the seed's program writes its files there.
func onImageServer(_ body: (ImageServer) throws -> Void) throws {
    let policy = asyncio.getEventLoopPolicy()
    asyncio.setEventLoopPolicy(nil)
    defer { asyncio.setEventLoopPolicy(policy) }
    let server = try ImageServer.start()
    defer { server.stop() }
    let files = FileManager.default
    let folder = files.temporaryDirectory.appendingPathComponent("seed001-\(getpid())")
    try files.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
    let previous = files.currentDirectoryPath
    _ = files.changeCurrentDirectoryPath(folder.path)
    defer {
        _ = files.changeCurrentDirectoryPath(previous)
        try? files.removeItem(at: folder)
    }
    try body(server)
}

/// `requests.get`'s answer as the seed prints it: `<Response [200]>`, with its final `url`.
struct RequestsResponse: Sendable, CustomStringConvertible {
    let statusCode: Int
    let url: String
    let content: [UInt8]
    var description: String { "<Response [\(statusCode)]>" }
}

/// The seed's `requests.get(url)`: a blocking GET that follows redirects and reads the body.
@Sendable func requestsGet(_ url: String) throws -> RequestsResponse {
    let response = try HTTP.get(url)
    return RequestsResponse(statusCode: response.status, url: response.url.description, content: response.body ?? [])
}

/// The seed's three sites (`https://www.baidu.com` and so on), on the local server.
func siteURLs(_ server: ImageServer) -> [String] {
    ["/www.baidu.com", "/www.taobao.com", "/www.jd.com"].map(server.url)
}

/// 案例1: `loop.run_in_executor(None, requests.get, url)` in a coroutine per URL.
func scrapeWithExecutorExample(_ server: ImageServer) throws {
    try asyncio.run {
        @Sendable func scrapeAPI(_ url: String) async throws -> RequestsResponse {
            let loop = try asyncio.getEventLoop()
            let future = try loop.runInExecutor(nil) { try requestsGet(url) }   // 将requests.get()包装为可等待对象
            return try await future.value
        }
        let tasks = try siteURLs(server).map { url in try asyncio.createTask { try await scrapeAPI(url) } }
        let (done, _) = try await asyncio.wait(tasks)
        print(done.pythonDescription)
    }
}

/// 案例2: `asyncio.to_thread(requests.get, url)` as tasks; prints each final URL.
func toThreadExample(_ server: ImageServer) throws {
    try asyncio.run {
        let tasks = try siteURLs(server).map { url in try asyncio.createTask { try await asyncio.toThread { try requestsGet(url) } } }
        let (done, _) = try await asyncio.wait(tasks)
        for task in done.sorted(by: { $0.getName() < $1.getName() }) { print(try task.result().url) }
    }
}

/// 或者: a coroutine that awaits `to_thread(requests.get, url)`.
func scrapeWithToThreadExample(_ server: ImageServer) throws {
    try asyncio.run {
        @Sendable func scrapeAPI(_ url: String) async throws -> RequestsResponse {
            try await asyncio.toThread { try requestsGet(url) }
        }
        let tasks = try siteURLs(server).map { url in try asyncio.createTask { try await scrapeAPI(url) } }
        let (done, _) = try await asyncio.wait(tasks)
        for task in done.sorted(by: { $0.getName() < $1.getName() }) { print(try task.result().url) }
    }
}

/// The seed's three image links, on the local server.
func imageURLs(_ server: ImageServer) -> [String] { ImageServer.images.map(server.url) }

/// Python's `time.time()`.
func pythonTime() -> Double { Date().timeIntervalSince1970 }

/// Writes one image as the seed does, to `./images/<time.time()>.png`, and says so.
func saveImage(_ image: [UInt8]) {
    let name = "./images/\(pythonTime()).png"
    guard FileManager.default.createFile(atPath: name, contents: Data(image)) else {
        print("OSError: could not write \(name)")
        return
    }
    print("下载\(name)完成")
}

/// The seed's `download_image(url)`: `requests.get`, then the file.
@Sendable func downloadImage(_ url: String) {
    print("开始爬取\(url)...")
    var image: [UInt8] = []
    do {
        let response = try requestsGet(url)
        if response.statusCode == 200 { image = response.content }
    } catch {
        print("爬取\(Array(url)[20])...是出现错误")
    }
    saveImage(image)
}

/// 协程的意义: three images one after another, then in three threads at once; prints both times.
func syncVersusAsyncExample(_ server: ImageServer) throws {
    let urls = imageURLs(server)
    let start = pythonTime()
    for url in urls { downloadImage(url) }
    print("同步耗时:", pythonTime() - start)
    try asyncio.run {
        let start = pythonTime()
        let tasks = try urls.map { url in try asyncio.createTask { try await asyncio.toThread { downloadImage(url) } } }
        _ = try await asyncio.wait(tasks)
        print("异步耗时:", pythonTime() - start)
    }
}

/// The same three images on the loop alone: one client session, a task per image.
func sessionDownloadExample(_ server: ImageServer) throws {
    try asyncio.run {
        let start = pythonTime()
        try await ClientSession.with { session in
            let tasks = try imageURLs(server).map { url in
                try asyncio.createTask { () async throws -> Void in
                    print("开始爬取\(url)...")
                    let image = try await session.get(url) { response in try await response.read() }
                    saveImage(image)
                }
            }
            _ = try await asyncio.wait(tasks)
        }
        print("异步耗时:", pythonTime() - start)
    }
}
