// The Downloader against a server that fails on purpose (Tests/DownloadPeers/fault_server.py):
// cut bodies, wrong lengths, 429 with Retry-After, 503s, redirects, stalls, ignored Range,
// changed files, checksums; each file ends byte-identical or fails with its reason.
@testable import AsyncioDownload
import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite(.enabled(if: DownloadTestPaths.hasPython3), .timeLimit(.minutes(2)))
struct DownloaderFaultTests {
    let server: FaultServer
    let folder: ScratchFolder
    init() throws {
        server = try FaultServer()
        folder = try ScratchFolder()
    }

    func options(_ change: (inout DownloadOptions) -> Void = { _ in }) -> DownloadOptions {
        var options = DownloadOptions(directory: folder.path, jobs: 4, retry: fastRetries, readTimeout: 1)
        change(&options)
        return options
    }

    @Test func transientFaultsAreRetriedUntilTheFileIsWhole() throws {
        defer { folder.remove() }
        let token = UUID().uuidString
        let cases: [(String, Int)] = [
            ("/drop/\(token)/300000", 300_000), ("/short/\(token)/200000", 200_000), ("/503/\(token)/2/50000", 50_000),
            ("/redirect/3/70000", 70_000), ("/stall/\(token)/100000", 100_000),
        ]
        let items = cases.enumerated().map { DownloadItem(url: server.url($0.element.0), name: "f\($0.offset).bin") }
        let recorder = Recorder()
        let report = try runDownloads(items, options(), observer: recorder)
        #expect(report.results.map(\.outcome) == Array(repeating: .ok, count: cases.count))
        for (index, (_, size)) in cases.enumerated() {
            #expect(folder.contents("f\(index).bin") == pattern(size), "f\(index).bin")
        }
        #expect(folder.names() == (0..<cases.count).map { "f\($0).bin" })   // no .part or .info left
        // Retried: the drop, the short body, two 503s, the stall; not the redirects.
        #expect(report.results.map(\.attempts) == [2, 2, 3, 1, 2])
        let reasons = recorder.retries.map(\.1)
        #expect(reasons.contains { $0.contains("HTTP 503") } && reasons.contains { $0.contains("ServerTimeoutError") })
        // The cut bodies resumed with Range: less than twice the file was received.
        #expect(report.results[0].received < 2 * 300_000 && report.results[0].received >= 300_000)
    }

    @Test func retryAfterIsHonoured() throws {
        defer { folder.remove() }
        let recorder = Recorder()
        let report = try runDownloads([DownloadItem(url: server.url("/429/\(UUID().uuidString)/1000"))], options(), observer: recorder)
        #expect(report.results.map(\.outcome) == [.ok])
        #expect(recorder.retries.map(\.2) == [1.0])                       // the server's Retry-After: 1
        #expect(recorder.retries.first?.1 == "HTTP 429 Too Many Requests")
        #expect(folder.contents("1000") == pattern(1000))
    }

    @Test func permanentFailuresAreNotRetriedAndExhaustedRetriesFail() throws {
        defer { folder.remove() }
        let report = try runDownloads([DownloadItem(url: server.url("/404")), DownloadItem(url: server.url("/always503")),
                                       DownloadItem(url: "http://127.0.0.1:1/refused"), DownloadItem(url: "not a url")], options())
        #expect(report.results.map(\.outcome) == [
            .failed("HTTP 404 Not Found"), .failed("HTTP 503 Service Unavailable"),
            report.results[2].outcome, report.results[3].outcome,
        ])
        #expect(report.results.map(\.attempts) == [1, 4, 4, 1])
        guard case .failed(let refused) = report.results[2].outcome, case .failed(let invalid) = report.results[3].outcome else {
            Issue.record("not failures: \(report.results.map(\.outcome))")
            return
        }
        #expect(refused.contains("ClientConnectorError") && refused.contains("127.0.0.1:1"), "\(refused)")
        #expect(invalid.hasPrefix("invalid URL"))
        #expect(report.exitCode == 1)
        #expect(folder.names().isEmpty)
        #expect(report.summary().contains("0 ok, 4 failed, 0 skipped"))
        #expect(report.summary().contains("  \(server.url("/404")): HTTP 404 Not Found"))
    }

    @Test func aChecksumMismatchLeavesNoFileAndAMatchPasses() throws {
        defer { folder.remove() }
        let digest = SHA256()
        digest.update(pattern(10_000))
        let good = digest.hexdigest()
        let report = try runDownloads([
            DownloadItem(url: server.url("/file/10000"), name: "good.bin", sha256: good),
            DownloadItem(url: server.url("/file/10000"), name: "bad.bin", sha256: String(repeating: "0", count: 64)),
        ], options())
        #expect(report.results[0].outcome == .ok)
        #expect(report.results[1].outcome == .failed("sha256 mismatch: expected \(String(repeating: "0", count: 64)), got \(good)"))
        #expect(report.results[1].attempts == 1)
        #expect(folder.names() == ["good.bin"])
    }

    @Test func namesComeFromContentDispositionAndNeverOverwrite() throws {
        defer { folder.remove() }
        _ = FileManager.default.createFile(atPath: folder.path + "/5000", contents: Data("mine".utf8))
        let report = try runDownloads([DownloadItem(url: server.url("/cd/5000")), DownloadItem(url: server.url("/file/5000")),
                                       DownloadItem(url: server.url("/file/5000"))], options { $0.jobs = 1 })
        #expect(report.results.map(\.name) == ["report.bin", "5000.1", "5000.2"])
        #expect(folder.contents("5000") == Array("mine".utf8))
        #expect(folder.contents("report.bin") == pattern(5000) && folder.contents("5000.2") == pattern(5000))
    }

    /// -c: a .part with its info resumes with Range when the validator still matches; a server
    /// that ignores Range, or a file that changed (If-Range fails), starts over cleanly.
    @Test(arguments: ["/file/400000", "/norange/400000", "/changed/TOKEN/400000"])
    func resumeContinuesOrRestartsCleanly(path: String) throws {
        defer { folder.remove() }
        let url = server.url(path.replacingOccurrences(of: "TOKEN", with: UUID().uuidString))
        let half = Array(pattern(400_000).prefix(150_000))
        _ = FileManager.default.createFile(atPath: folder.path + "/x.bin.part", contents: Data(half))
        let info = PartInfo(url: url, etag: "\"v1-400000\"", lastModified: nil, length: 400_000)
        try JSONEncoder().encode(info).write(to: URL(fileURLWithPath: folder.path + "/x.bin.part.info"))
        let report = try runDownloads([DownloadItem(url: url, name: "x.bin")], options { $0.resume = true })
        #expect(report.results.map(\.outcome) == [.ok])
        #expect(folder.contents("x.bin") == pattern(400_000))
        #expect(folder.names() == ["x.bin"])
        #expect(report.results[0].received == (path.hasPrefix("/file") ? 250_000 : 400_000))
    }

    @Test func resumeSkipsAFinishedFileAndIgnoresAPartOfAnotherURL() throws {
        defer { folder.remove() }
        _ = FileManager.default.createFile(atPath: folder.path + "/done.bin", contents: Data("finished".utf8))
        _ = FileManager.default.createFile(atPath: folder.path + "/other.bin.part", contents: Data("xx".utf8))
        try JSONEncoder().encode(PartInfo(url: "http://elsewhere/other.bin", etag: "\"e\"")).write(to: URL(fileURLWithPath: folder.path + "/other.bin.part.info"))
        let report = try runDownloads([DownloadItem(url: server.url("/file/100"), name: "done.bin"),
                                       DownloadItem(url: server.url("/file/100"), name: "other.bin")], options { $0.resume = true })
        #expect(report.results[0].outcome == .skipped("already there"))
        #expect(report.results[1].outcome == .ok && report.results[1].name == "other.1.bin")
        #expect(folder.contents("done.bin") == Array("finished".utf8))
        #expect(folder.contents("other.bin.part") == Array("xx".utf8))
    }

    @Test func theThreadsModeCancelledCancelsItsDownloads() throws {
        defer { folder.remove() }
        let token = UUID().uuidString
        let items = (0..<3).map { DownloadItem(url: server.url("/stall/\(token)-\($0)/100000")) }
        let loop = try EventLoop()
        let (outcome, left) = try loop.runUntilComplete { () async throws -> (String, Int) in
            var outcome = "report"
            do {
                _ = try await asyncio.timeout(0.5) { try await BlockingModes.threads(items, directory: folder.path) }
            } catch is TimeoutError {
                outcome = "timeout"
            }
            for _ in 0..<3 { try await asyncio.sleep(0) }
            return (outcome, loop.allTasks().count)
        }
        server.process.stop()                       // the blocked HTTP.get calls end with the server
        try loop.runUntilComplete { try await loop.shutdownDefaultExecutor() }
        try loop.close()
        #expect(outcome == "timeout")
        #expect(left == 1, "tasks still waiting on their threads: \(left - 1)")
        #expect(folder.names() == [])
    }

    @Test func resumeFindsAPartUnderTheNameItGot() throws {
        defer { folder.remove() }
        // Left behind by an earlier run: the server's Content-Disposition name, and a numbered
        // name (the plain one was taken then, and still is).
        let cd = server.url("/cd/300000"), numbered = server.url("/file/300000")
        _ = FileManager.default.createFile(atPath: folder.path + "/300000", contents: Data("mine".utf8))
        for (name, url) in [("report.bin", cd), ("300000.1", numbered)] {
            _ = FileManager.default.createFile(atPath: folder.path + "/\(name).part", contents: Data(pattern(300_000).prefix(100_000)))
            try JSONEncoder().encode(PartInfo(url: url, etag: "\"v1-300000\"", lastModified: nil, length: 300_000))
                .write(to: URL(fileURLWithPath: folder.path + "/\(name).part.info"))
        }
        let report = try runDownloads([DownloadItem(url: cd), DownloadItem(url: numbered)], options { $0.resume = true })
        #expect(report.results.map(\.name) == ["report.bin", "300000.1"])
        #expect(report.results.map(\.received) == [200_000, 200_000], "resumed, not fetched again")
        #expect(folder.names() == ["300000", "300000.1", "report.bin"])
        #expect(folder.contents("report.bin") == pattern(300_000) && folder.contents("300000.1") == pattern(300_000))
    }

    @Test func resumeChecksTheSha256OfAFinishedFile() throws {
        defer { folder.remove() }
        _ = FileManager.default.createFile(atPath: folder.path + "/right.bin", contents: Data("finished".utf8))
        _ = FileManager.default.createFile(atPath: folder.path + "/wrong.bin", contents: Data("another file".utf8))
        let digest = SHA256()
        digest.update(Array("finished".utf8))
        let right = digest.hexdigest()
        let report = try runDownloads([DownloadItem(url: server.url("/file/100"), name: "right.bin", sha256: right),
                                       DownloadItem(url: server.url("/file/100"), name: "wrong.bin", sha256: right)],
                                      options { $0.resume = true })
        #expect(report.results[0].outcome == .skipped("already there, sha256 matches"))
        digest.update(Array("another file".utf8))
        #expect(report.results[1].outcome == .failed("already there with another sha256 (\(digest.hexdigest())); not overwritten"))
        #expect(report.results.map(\.attempts) == [0, 0])
        #expect(folder.contents("wrong.bin") == Array("another file".utf8) && folder.names() == ["right.bin", "wrong.bin"])
    }

    @Test func resumeRestartsAPartWithoutInfoUnderItsName() throws {
        defer { folder.remove() }
        _ = FileManager.default.createFile(atPath: folder.path + "/k.bin.part", contents: Data("left by a killed run".utf8))
        let report = try runDownloads([DownloadItem(url: server.url("/file/3000"), name: "k.bin")], options { $0.resume = true })
        #expect(report.results.map(\.outcome) == [.ok] && report.results[0].received == 3_000)
        #expect(folder.names() == ["k.bin"] && folder.contents("k.bin") == pattern(3_000))
    }

    @Test func aBodyLongerThanItsLengthIsCutAtTheLength() throws {
        defer { folder.remove() }
        let report = try runDownloads([DownloadItem(url: server.url("/toolong/10000"), name: "t.bin")], options())
        #expect(report.results.map(\.outcome) == [.ok])
        #expect(folder.contents("t.bin") == Array(pattern(10_000).prefix(9_900)))
    }
}
