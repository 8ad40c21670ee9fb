// Cancellation at every await of a run of downloads: nothing left open, the downloader freed,
// no final name holding a partial file, and a -c run afterwards finishes every file whole.
@testable import AsyncioDownload
import Asyncio
import AsyncioHTTP
import AsyncioTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(3))) struct DownloaderSweepTests {
    @Test func cancelledAtAnyAwaitThenResumed() throws {
        let files = try ScratchFolder()
        defer { files.remove() }
        let sizes = [("a.bin", 200_000), ("b.bin", 50_000), ("c.bin", 1)]
        for (name, size) in sizes { try Data(pattern(size)).write(to: URL(fileURLWithPath: files.path + "/" + name)) }
        let report = try CancellationSweep.run("Downloader.run + resume", realTime: true, maxRuns: 80) { run in
            let app = Application()
            app.addStatic("/", directory: files.path)
            let server = try await app.serve(host: "127.0.0.1", port: 0)
            run.atTeardown { await server.shutdown(timeout: 1) }
            let out = try ScratchFolder()
            run.atTeardown { out.remove() }
            let items = sizes.map { DownloadItem(url: "http://127.0.0.1:\(server.port)/\($0.0)") }
            let downloader = Downloader(options: DownloadOptions(directory: out.path, jobs: 2, retry: fastRetries))
            run.track(downloader, "Downloader")
            let outcome = try await run.victim { try await downloader.run(items) }
            if case .completed(let report) = outcome {
                run.require(report.results.allSatisfy { $0.outcome == .ok }, "\(report.results.map(\.outcome))")
            }
            // A finished name always holds the whole file; whatever was cut off is a .part.
            for (name, size) in sizes where FileManager.default.fileExists(atPath: out.path + "/" + name) {
                run.require(out.contents(name) == pattern(size), "\(name) is not whole")
            }
            let resumed = try await Downloader(options: DownloadOptions(directory: out.path, resume: true)).run(items)
            run.require(resumed.results.allSatisfy { $0.outcome == .ok || $0.outcome == .skipped("already there") },
                        "resume: \(resumed.results.map(\.outcome))")
            run.require(out.names() == sizes.map(\.0), "left in the folder: \(out.names())")
            for (name, size) in sizes { run.require(out.contents(name) == pattern(size), "\(name) after resume") }
        }
        print(report)
        #expect(report.count("cancelled") >= 3)
    }
}
