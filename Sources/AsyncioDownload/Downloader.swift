// Downloader: many downloads at once on one loop, with limits, retries, resume and checksums.
import Asyncio
import AsyncioHTTP
import FoundationEssentials
import Glibc
import HTTPTypes

/// How a `Downloader` works: where files go, how many at once, the limits, retries and resume.
public struct DownloadOptions: Sendable {
    /// The output folder (made if missing).
    public var directory: String
    /// Downloads at once (`-j`).
    public var jobs: Int
    /// Downloads at once per host (`--per-host`); 0: no limit but `jobs`.
    public var perHost: Int
    /// Requests started per second per host (`--rate`); nil: no limit.
    public var requestRate: Double?
    /// All downloads together, bytes per second (`--max-speed`); nil: no cap.
    public var maxBytesPerSecond: Double?
    /// Resume `.part` files and skip finished ones (`-c`).
    public var resume: Bool
    /// When and how often to retry a failed attempt.
    public var retry: RetryPolicy
    /// Seconds to connect.
    public var connectTimeout: Double
    /// The longest silence while reading, in seconds.
    public var readTimeout: Double
    /// The TLS context with the CAs to trust (nil: the system's).
    public var ssl: SSLContext?
    /// False to skip certificate verification (`--insecure`).
    public var verifyTLS: Bool

    /// Makes the options; the defaults are the tool's.
    public init(directory: String = ".", jobs: Int = 8, perHost: Int = 0, requestRate: Double? = nil,
                maxBytesPerSecond: Double? = nil, resume: Bool = false, retry: RetryPolicy = RetryPolicy(),
                connectTimeout: Double = 30, readTimeout: Double = 60, ssl: SSLContext? = nil, verifyTLS: Bool = true) {
        self.directory = directory
        self.jobs = jobs
        self.perHost = perHost
        self.requestRate = requestRate
        self.maxBytesPerSecond = maxBytesPerSecond
        self.resume = resume
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.ssl = ssl
        self.verifyTLS = verifyTLS
    }
}

/// How one download ended.
public enum DownloadOutcome: Sendable, Equatable {
    /// Saved under its name (and its sha256 matched, if given).
    case ok
    /// Not fetched: `-c` found the finished file already there.
    case skipped(String)
    /// Gave up, for the reason given; no file was saved under the name.
    case failed(String)
    /// Stopped by a cancel (Ctrl-C); its `.part` stays for `-c`.
    case interrupted
}

/// One download's result.
public struct DownloadResult: Sendable {
    /// The item this is the result of.
    public let item: DownloadItem
    /// The name it was saved as (nil if it failed before one was chosen).
    public let name: String?
    /// How it ended.
    public let outcome: DownloadOutcome
    /// Bytes received in this run (a resumed file counts only the new ones).
    public let received: Int
    /// Attempts made (1 without retries).
    public let attempts: Int
}

/// What a display is told, on the loop thread, as downloads go. `id` is the item's index.
public protocol DownloadObserver: AnyObject {
    /// A response is streaming into `name`: `size` bytes are there already (a resume), of `total`.
    func started(_ id: Int, name: String, size: Int, total: Int?)
    /// `size` bytes of the file are there now.
    func progressed(_ id: Int, size: Int)
    /// An attempt at `item` failed transiently; the next starts after `delay` seconds.
    func retrying(_ id: Int, _ item: DownloadItem, reason: String, delay: Double)
    /// The download ended, with `result`.
    func finished(_ id: Int, _ result: DownloadResult)
}

/// Downloads a list of URLs concurrently on the running loop (aria2c's and `curl --parallel`'s
/// job): `jobs` at once and `perHost` per host over one pooled `ClientSession`, requests spaced
/// by `requestRate`, bytes capped by `maxBytesPerSecond`. Each file is written to `NAME.part`,
/// fsynced and renamed into place; transient failures are retried with backoff (resuming with
/// `Range` where the server allows); `sha256` mismatches never reach the final name.
///
/// Cancelling the task that runs `run` (Ctrl-C under `asyncio.run`) stops every download at its
/// current await and keeps the `.part` files for `-c`; `run` throws `CancelledError`, and
/// `lastReport` has the report, with `interrupted` set.
/// Owned by the loop thread: its state (claims, limiters, slots) is only touched by tasks on it.
///
/// Ownership: the caller owns the downloader and its observer; the downloader refers to the
/// observer weakly (a display that refers back to its downloader makes no cycle). A run's
/// session, workers and jobs belong to `run` and are gone when it returns.
public final class Downloader: @unchecked Sendable {
    /// The options it runs with.
    public let options: DownloadOptions
    private weak var observer: (any DownloadObserver)?
    private let claims: NameClaims
    private let hostRate: HostRateLimiter
    private let bandwidth: BandwidthLimiter
    private var hostSlots: [String: Asyncio.Semaphore] = [:]
    private let syncs = SyncBatcher()
    /// With `-c`: the `.part` files with info in the folder, by URL (read on first use).
    private lazy var leftBehind: [String: [String]] = claims.leftBehindParts()

    /// Makes a downloader; `observer` (held weakly) is told how the downloads go.
    public init(options: DownloadOptions, observer: (any DownloadObserver)? = nil) {
        self.options = options
        self.observer = observer
        claims = NameClaims(folder: options.directory)
        hostRate = HostRateLimiter(rate: options.requestRate)
        bandwidth = BandwidthLimiter(bytesPerSecond: options.maxBytesPerSecond)
    }

    /// The results of a run, in the order of the items.
    public struct Report: Sendable {
        /// One result per item, in the items' order.
        public let results: [DownloadResult]
        /// True when the run was cancelled before every download ended.
        public let interrupted: Bool
        /// How long the run took, in seconds.
        public let seconds: Double
    }

    /// The report of the last `run`, also when it was cancelled.
    public private(set) var lastReport: Report?

    /// Downloads `items` and returns when all have ended. A cancel stops every download and
    /// throws `CancelledError` as asyncio code expects (timeouts and task groups rely on it);
    /// the report of what was done is then in `lastReport`.
    nonisolated(nonsending) public func run(_ items: [DownloadItem]) async throws -> Report {
        let loop = try asyncio.getRunningLoop()
        let start = loop.time()
        try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        let session = try ClientSession(
            connector: TCPConnector(limit: options.jobs, limitPerHost: options.perHost),
            headers: [.acceptEncoding: "identity"],
            timeout: ClientTimeout(total: nil, sockConnect: options.connectTimeout, sockRead: options.readTimeout),
            autoDecompress: false)
        // `jobs` workers take the items in order: tasks and memory stay bounded by `jobs`.
        let queue = WorkQueue(items)
        var interrupted = false
        do {
            try await asyncio.taskGroup { group in
                for _ in 0..<max(1, min(options.jobs, items.count)) {
                    try group.createTask { [self] in
                        while let (index, item) = queue.take() {
                            let result = await download(index, item, session)
                            queue.results[index] = result
                            observer?.finished(index, result)
                            if result.outcome == .interrupted { throw CancelledError() }
                        }
                    }
                }
            }
        } catch is CancelledError {
            interrupted = true
        }
        await session.close()
        let all = items.indices.map {
            queue.results[$0] ?? DownloadResult(item: items[$0], name: nil, outcome: .interrupted, received: 0, attempts: 0)
        }
        let report = Report(results: all, interrupted: interrupted, seconds: loop.time() - start)
        lastReport = report
        if interrupted { throw CancelledError() }
        return report
    }

    // MARK: One download

    /// The state of one download across its attempts (loop thread only).
    private final class Job: @unchecked Sendable {
        let id: Int
        let item: DownloadItem
        var name: String?
        var part: PartFile?
        var info: PartInfo?
        var received = 0
        var attempts = 0
        init(id: Int, item: DownloadItem) {
            self.id = id
            self.item = item
        }
    }

    nonisolated(nonsending) private func download(_ id: Int, _ item: DownloadItem, _ session: ClientSession) async -> DownloadResult {
        let job = Job(id: id, item: item)
        func result(_ outcome: DownloadOutcome) -> DownloadResult {
            job.part?.close()
            return DownloadResult(item: item, name: job.name, outcome: outcome, received: job.received, attempts: job.attempts)
        }
        if options.resume, let skipped = resumeOrSkip(job) { return result(skipped) }
        var parsedHost: String?
        while true {
            job.attempts += 1
            do {
                let host = try parsedHost ?? HTTPURL(item.url).host
                parsedHost = host
                try await slot(host).withPermit {
                    try await hostRate.wait(host: host)
                    try await attempt(job, session)
                }
                return result(.ok)
            } catch is CancelledError {
                return result(.interrupted)
            } catch {
                job.part?.close()
                let failure = RetryPolicy.classify(error)
                guard case .transient(let reason, let retryAfter) = failure, job.attempts <= options.retry.retries else {
                    return result(.failed(failure.description))
                }
                let delay = options.retry.delay(retry: job.attempts, retryAfter: retryAfter, random: Double.random(in: 0...1))
                observer?.retrying(id, item, reason: reason, delay: delay)
                do { try await asyncio.sleep(delay) } catch { return result(.interrupted) }
            }
        }
    }

    private func slot(_ host: String) throws -> Asyncio.Semaphore {
        if let existing = hostSlots[host] { return existing }
        let made = try Asyncio.Semaphore(options.perHost > 0 ? options.perHost : Int(Int32.max))
        hostSlots[host] = made
        return made
    }

    /// With `-c`: the name the item would get, a `.part` of it fetched from the same URL to
    /// resume, or a finished file there to skip.
    private func resumeOrSkip(_ job: Job) -> DownloadOutcome? {
        // A .part fetched from this URL, under whatever name it got (a numbered one, the
        // server's Content-Disposition), comes first; then the name the item would get.
        let wanted = job.item.name.flatMap(FileNames.sanitize) ?? FileNames.fromURL(job.item.url)
        let parts = leftBehind[job.item.url] ?? []
        guard let name = parts.first(where: { $0 == wanted }) ?? parts.first(where: { !claims.isClaimed($0) }) ?? wanted else {
            return nil
        }
        let part = PartFile(finalPath: claims.path(name))
        if let info = part.adoptExisting(url: job.item.url), claims.claimExact(name) {
            job.name = name
            job.part = part
            job.info = info
            return nil
        }
        // A .part with no info (its process was killed): nothing to resume with, so it is
        // fetched again from the start under the same name.
        if NameClaims.exists(part.partPath), !NameClaims.exists(part.infoPath), claims.claimExact(name) {
            job.name = name
            job.part = part
            return nil
        }
        if FileManager.default.fileExists(atPath: claims.path(name)),
           !FileManager.default.fileExists(atPath: part.partPath), claims.claimExact(name) {
            job.name = name
            guard let expected = job.item.sha256 else { return .skipped("already there") }
            // With a checksum, the file there must be the one asked for; another is left alone.
            let digest = SHA256()
            do { try PartFile.hash(claims.path(name), into: digest) } catch { return .failed("\(error)") }
            let actual = digest.hexdigest()
            return actual == expected ? .skipped("already there, sha256 matches")
                : .failed("already there with another sha256 (\(actual)); not overwritten")
        }
        return nil
    }

    /// One request: resumes from the `.part` when there is a validator to resume with, streams
    /// the body into it, checks length and checksum, and puts the file in place.
    nonisolated(nonsending) private func attempt(_ job: Job, _ session: ClientSession) async throws {
        var headers = HTTPFields()
        var offset = 0
        if let part = job.part, part.size > 0, let ifRange = job.info?.ifRange {
            offset = part.size
            headers[.range] = "bytes=\(offset)-"
            headers[.ifRange] = ifRange
        }
        let response = try await session.request("GET", job.item.url, headers: headers, ssl: options.ssl, verifySSL: options.verifyTLS)
        defer { response.release() }
        if response.status == 416, offset > 0, let length = job.info?.length, length == offset {
            try await complete(job, digestOf: nil)            // the .part was whole already
            return
        }
        if response.status == 416 {
            job.part?.discard()
            throw AttemptFailure.transient("HTTP 416: the .part does not fit the file; starting over", retryAfter: nil)
        }
        if let failure = RetryPolicy.failure(status: response.status, reason: response.reason, retryAfter: response.headers[.retryAfter]) {
            throw failure
        }
        var total = response.contentLength
        if response.status == 206 {
            // The rest of the same version, or start over: a server that ignores If-Range but
            // says which version it sends must not get two versions glued together.
            let etag = response.headers[.eTag]
            guard let range = ContentRange(response.headers[.contentRange] ?? ""), range.start == offset,
                  etag == nil || job.info?.etag == nil || etag == job.info?.etag,
                  range.total == nil || job.info?.length == nil || range.total == job.info?.length else {
                job.part?.discard()
                job.info = nil
                throw AttemptFailure.transient("HTTP 206 for another range or version than asked; starting over", retryAfter: nil)
            }
            total = range.total
        } else {
            offset = 0                                         // a 200: the whole file (the server ignored Range)
            total = response.contentLength
        }
        let info = PartInfo(url: job.item.url, etag: response.headers[.eTag], lastModified: response.headers[.lastModified], length: total)
        job.info = info
        let part: PartFile
        if let existing = job.part {
            part = existing
            try part.open(at: offset, info: info)
        } else {
            (job.name, part) = try claims.createPart(Self.wantedName(job.item, response), info: info)
            job.part = part
        }
        let digest = job.item.sha256 == nil ? nil : SHA256()
        if let digest, offset > 0 { try part.hashExisting(into: digest) }
        observer?.started(job.id, name: job.name ?? "", size: offset, total: total)
        while case let chunk = try await response.content.readanySlice(), !chunk.isEmpty {
            try part.write(chunk)
            digest?.update(chunk)
            job.received += chunk.count
            observer?.progressed(job.id, size: part.size)
            try await bandwidth.consume(chunk.count)
        }
        if let total, part.size != total {
            throw AttemptFailure.transient("wrong length: \(part.size) of \(total) bytes", retryAfter: nil)
        }
        try await complete(job, digestOf: digest)
    }

    /// Checks the checksum (a mismatch deletes the `.part`), then fsyncs and renames.
    nonisolated(nonsending) private func complete(_ job: Job, digestOf digest: SHA256?) async throws {
        guard let part = job.part else { return }
        if let expected = job.item.sha256 {
            let actual: String
            if let digest {
                actual = digest.hexdigest()
            } else {
                let whole = SHA256()
                try part.hashExisting(into: whole)
                actual = whole.hexdigest()
            }
            if actual != expected {
                part.discard()
                throw AttemptFailure.permanent("sha256 mismatch: expected \(expected), got \(actual)")
            }
        }
        try await part.finish(syncs)
    }

    /// The name for a first response: the user's, the server's Content-Disposition, the URL's,
    /// or "index.html" (`NameClaims` makes it free in the folder: "name.1.ext" when taken).
    static func wantedName(_ item: DownloadItem, _ response: ClientResponse) -> String {
        item.name.flatMap(FileNames.sanitize)
            ?? response.headers[.contentDisposition].flatMap(FileNames.fromContentDisposition)
            ?? FileNames.fromURL(item.url) ?? "index.html"
    }
}

/// The items of a run, handed to its workers in order, and their results. Loop thread only.
private final class WorkQueue: @unchecked Sendable {
    let items: [DownloadItem]
    var next = 0
    var results: [DownloadResult?]
    init(_ items: [DownloadItem]) {
        self.items = items
        results = Array(repeating: nil, count: items.count)
    }
    func take() -> (Int, DownloadItem)? {
        guard next < items.count else { return nil }
        next += 1
        return (next - 1, items[next - 1])
    }
}

/// A `Content-Range: bytes START-END/TOTAL` value (TOTAL may be `*`).
struct ContentRange: Equatable {
    let start: Int
    let end: Int
    let total: Int?

    init?(_ value: String) {
        guard value.hasPrefix("bytes ") else { return nil }
        let spec = value.dropFirst(6).split(separator: "/", maxSplits: 1)
        let bounds = spec.first?.split(separator: "-", maxSplits: 1) ?? []
        guard spec.count == 2, bounds.count == 2, let start = Int(bounds[0]), let end = Int(bounds[1]), start <= end else { return nil }
        self.start = start
        self.end = end
        total = spec[1] == "*" ? nil : Int(spec[1])
        if spec[1] != "*" && total == nil { return nil }
    }
}
