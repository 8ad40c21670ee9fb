// What the downloader's tests share: the fault server, a scratch folder, a recording observer,
// and a run of the Downloader on a loop with leak checks.
@testable import AsyncioDownload
import Asyncio
import AsyncioTestSupport
import Foundation

enum DownloadTestPaths {
    /// The package's folder (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static var hasPython3: Bool { onPath("python3") }

}

/// Tests/DownloadPeers/fault_server.py, started for one test.
final class FaultServer: @unchecked Sendable {
    // Used from the test's thread; `port` is read from the loop thread after start.
    let process: PeerProcess
    let port: Int

    init() throws {
        let script = DownloadTestPaths.packageRoot.appendingPathComponent("Tests/DownloadPeers/fault_server.py").path
        process = try PeerProcess("/usr/bin/env", ["python3", script, "120"])
        let line = try process.waitForLine(timeout: 20) { $0.hasPrefix("PORT ") }
        guard let port = Int(line.dropFirst(5)) else { throw PeerError("no port in \(line)") }
        self.port = port
    }

    deinit { process.stop() }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
}

/// The bytes the servers' `pattern(n)` makes.
func pattern(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(($0 * 7 + 3) % 251) } }

/// A new empty folder under the system's temporary folder, removed by `remove()`.
struct ScratchFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("download-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
    func contents(_ name: String) -> [UInt8]? { FileManager.default.contents(atPath: path + "/" + name).map { Array($0) } }
    func names() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

/// Everything a Downloader reports, in order. Loop thread only.
final class Recorder: DownloadObserver, @unchecked Sendable {
    var started: [(Int, String, Int, Int?)] = []
    var retries: [(Int, String, Double)] = []
    var finished: [Int: DownloadResult] = [:]
    var progressCalls = 0
    func started(_ id: Int, name: String, size: Int, total: Int?) { started.append((id, name, size, total)) }
    func progressed(_ id: Int, size: Int) { progressCalls += 1 }
    func retrying(_ id: Int, _ item: DownloadItem, reason: String, delay: Double) { retries.append((id, reason, delay)) }
    func finished(_ id: Int, _ result: DownloadResult) { finished[id] = result }
}

/// Quick retries for tests (Retry-After still up to `maxDelay`).
let fastRetries = RetryPolicy(retries: 3, baseDelay: 0.01, maxDelay: 2)

/// Runs a Downloader over `items` on a new loop with leak checks (descriptors back to their
/// baseline, the downloader and the loop freed).
func runDownloads(_ items: [DownloadItem], _ options: DownloadOptions, observer: Recorder? = nil,
                  _ context: String = #function) throws -> Downloader.Report {
    try withLeakChecks(context) { loop, tracker in
        try loop.runUntilComplete { () async throws -> Downloader.Report in
            let downloader = Downloader(options: options, observer: observer)
            tracker.track(downloader, "Downloader")
            return try await downloader.run(items)
        }
    }
}
