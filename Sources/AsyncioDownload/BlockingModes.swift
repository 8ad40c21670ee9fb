// BlockingModes: the seed's two other ways to download a list: one after another, and in threads.
import Asyncio
import AsyncioHTTP
import FoundationEssentials
import Glibc

/// Seed 001's comparison as a tool's modes: the same list downloaded with the blocking
/// `HTTP.get` (the seed's `requests.get`) one after another (`sync`), or each in a thread with
/// `asyncio.toThread` (`threads`). Each body is read whole, then written to `NAME.part`, fsynced
/// and renamed, as the loop's downloads are. No retries, resume or limits: these are for
/// comparing with the loop (`Downloader`), as the seed compares.
public enum BlockingModes {
    /// One after another on the calling thread (no loop may run on it).
    public static func sync(_ items: [DownloadItem], directory: String, observer: ((Int, DownloadResult) -> Void)? = nil) throws -> Downloader.Report {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let claims = NameClaims(folder: directory)
        let start = MonotonicClock().now()
        var results: [DownloadResult] = []
        for (index, item) in items.enumerated() {
            let result = fetch(item, claims)
            observer?(index, result)
            results.append(result)
        }
        return Downloader.Report(results: results, interrupted: false, seconds: MonotonicClock().now() - start)
    }

    /// All at once, each in a thread of the loop's default pool (`asyncio.toThread`); names
    /// are claimed on the loop thread.
    nonisolated(nonsending) public static func threads(_ items: [DownloadItem], directory: String, observer: ((Int, DownloadResult) -> Void)? = nil) async throws -> Downloader.Report {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let loop = try asyncio.getRunningLoop()
        let start = loop.time()
        let tasks = try items.map { item in
            try asyncio.createTask { () async throws -> (DownloadItem, ClientResponse?, String?) in
                do {
                    return (item, try await asyncio.toThread { try HTTP.get(item.url) }, nil)
                } catch is CancelledError {
                    throw CancelledError()                 // a cancel is not a failed download
                } catch {
                    return (item, nil, RetryPolicy.classify(error).description)
                }
            }
        }
        // Cancelled while waiting (Ctrl-C): the downloads still waiting are cancelled too.
        defer { for task in tasks where !task.done() { task.cancel() } }
        let claims = NameClaims(folder: directory)
        var results: [DownloadResult] = []
        for (index, task) in tasks.enumerated() {
            let (item, response, failure) = try await task.value
            let result = response.map { save(item, $0, claims) }
                ?? DownloadResult(item: item, name: nil, outcome: .failed(failure ?? "no response"), received: 0, attempts: 1)
            observer?(index, result)
            results.append(result)
        }
        return Downloader.Report(results: results, interrupted: false, seconds: loop.time() - start)
    }

    private static func fetch(_ item: DownloadItem, _ claims: NameClaims) -> DownloadResult {
        do {
            return save(item, try HTTP.get(item.url), claims)
        } catch {
            return DownloadResult(item: item, name: nil, outcome: .failed(RetryPolicy.classify(error).description), received: 0, attempts: 1)
        }
    }

    /// Writes a whole response the way the loop's downloads end: `.part`, fsync, rename.
    private static func save(_ item: DownloadItem, _ response: ClientResponse, _ claims: NameClaims) -> DownloadResult {
        if let failure = RetryPolicy.failure(status: response.status, reason: response.reason, retryAfter: nil) {
            return DownloadResult(item: item, name: nil, outcome: .failed(failure.description), received: 0, attempts: 1)
        }
        let body = response.body ?? []
        if let expected = item.sha256 {
            let digest = SHA256()
            digest.update(body)
            let actual = digest.hexdigest()
            if actual != expected {
                return DownloadResult(item: item, name: nil, outcome: .failed("sha256 mismatch: expected \(expected), got \(actual)"),
                                      received: body.count, attempts: 1)
            }
        }
        let name: String
        let part: PartFile
        do {
            (name, part) = try claims.createPart(Downloader.wantedName(item, response), info: PartInfo(url: item.url))
        } catch {
            return DownloadResult(item: item, name: nil, outcome: .failed("\(error)"), received: body.count, attempts: 1)
        }
        do {
            try part.write(body[...])
            try part.finishBlocking()
        } catch {
            part.discard()
            return DownloadResult(item: item, name: name, outcome: .failed("\(error)"), received: body.count, attempts: 1)
        }
        return DownloadResult(item: item, name: name, outcome: .ok, received: body.count, attempts: 1)
    }
}
