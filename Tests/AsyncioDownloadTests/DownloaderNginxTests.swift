// The Downloader and the `download` command against nginx (Debian's) on loopback, over HTTP and
// HTTPS: files byte-identical to what curl downloads, resume with real Range requests, Ctrl-C
// then -c, the pipe output, exit codes.
@testable import AsyncioDownload
import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

/// nginx serving a folder on an HTTP and an HTTPS port (the test CA's localhost certificate);
/// /slow/ is the same folder sent at 2 MB/s.
final class NginxDownloads: @unchecked Sendable {
    // Used from the test's thread; the loop reads only the immutable fields.
    let nginx: NginxPeer
    let httpPort: Int
    let httpsPort: Int
    let root: String
    let certificates: TestCertificates

    init() throws {
        certificates = try #require(TestCertificates.shared)
        httpPort = try freePort()
        httpsPort = try freePort()
        root = certificates.folder + "/downloads-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (name, size) in Self.files { try Data(pattern(size)).write(to: URL(fileURLWithPath: root + "/" + name)) }
        nginx = try NginxPeer(folder: certificates.folder, servers: """
            server {
                listen 127.0.0.1:\(httpPort);
                listen 127.0.0.1:\(httpsPort) ssl;
                server_name localhost;
                ssl_certificate \(certificates.serverCert);
                ssl_certificate_key \(certificates.serverKey);
                root \(root);
                location /slow/ { alias \(root)/; limit_rate 2m; }
            }
        """)
        try waitForListener(port: httpPort)
        try waitForListener(port: httpsPort)
    }

    static let files = [("small.bin", 1_000), ("medium.bin", 300_000), ("large.bin", 6_000_000), ("empty.bin", 0)]

    deinit {
        nginx.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    func url(_ scheme: String, _ path: String) -> String {
        "\(scheme)://\(scheme == "https" ? "localhost" : "127.0.0.1"):\(scheme == "https" ? httpsPort : httpPort)\(path)"
    }

    /// What curl downloads from `url` (with the test CA for https).
    func curl(_ url: String) throws -> [UInt8] {
        let output = root + "/../curl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let (_, status) = try run("/usr/bin/env", ["curl", "-sS", "--cacert", certificates.caFile, "-o", output, url])
        guard status == 0 else { throw PeerError("curl \(url) exited with \(status)") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }
}

/// Runs a program to its end; returns its standard output and exit status.
func run(_ program: String, _ arguments: [String]) throws -> (String, Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}

@Suite(.enabled(if: TestCertificates.shared != nil && onPath("nginx") && onPath("curl")), .timeLimit(.minutes(2)))
struct DownloaderNginxTests {
    let nginx: NginxDownloads
    let folder: ScratchFolder
    init() throws {
        nginx = try NginxDownloads()
        folder = try ScratchFolder()
    }

    @Test(arguments: ["http", "https"])
    func filesAreWhatCurlDownloads(scheme: String) throws {
        defer { folder.remove() }
        let ssl = try SSLContext.createDefaultContext(cafile: nginx.certificates.caFile)
        let items = NginxDownloads.files.map { DownloadItem(url: nginx.url(scheme, "/" + $0.0)) }
        let report = try runDownloads(items, DownloadOptions(directory: folder.path, jobs: 3, ssl: ssl))
        #expect(report.results.map(\.outcome) == Array(repeating: .ok, count: items.count))
        for (name, _) in NginxDownloads.files {
            #expect(folder.contents(name) == (try nginx.curl(nginx.url(scheme, "/" + name))), "\(name)")
        }
        #expect(folder.names() == NginxDownloads.files.map(\.0).sorted())
    }

    @Test func httpsVerifiesCertificatesByDefault() throws {
        defer { folder.remove() }
        let report = try runDownloads([DownloadItem(url: nginx.url("https", "/small.bin"))], DownloadOptions(directory: folder.path, retry: fastRetries))
        guard case .failed(let why) = report.results[0].outcome else {
            Issue.record("downloaded from a server with an unknown CA: \(report.results[0].outcome)")
            return
        }
        #expect(why.contains("certificate verify failed"), "\(why)")
        #expect(report.results[0].attempts == 1)            // not transient: no retries
        #expect(folder.names().isEmpty)
        // --insecure: no verification.
        let insecure = try runDownloads([DownloadItem(url: nginx.url("https", "/small.bin"))],
                                        DownloadOptions(directory: folder.path, verifyTLS: false))
        #expect(insecure.results.map(\.outcome) == [.ok])
        #expect(folder.contents("small.bin") == pattern(1_000))
    }

    @Test func aPartResumesWithARangeRequest() throws {
        defer { folder.remove() }
        // A first run stopped by a cancel after some bytes: its .part and info stay.
        let url = nginx.url("http", "/slow/large.bin")
        let interrupted = try withLeakChecks { loop, _ in
            try loop.runUntilComplete { () async throws -> Downloader.Report in
                let recorder = Recorder()
                let downloader = Downloader(options: DownloadOptions(directory: folder.path), observer: recorder)
                let running = try asyncio.createTask { try await downloader.run([DownloadItem(url: url)]) }
                while recorder.progressCalls < 20 { try await asyncio.sleep(0.01) }
                running.cancel()
                await #expect(throws: CancelledError.self) { try await running.value }
                return try #require(downloader.lastReport)
            }
        }
        #expect(interrupted.interrupted && interrupted.results.map(\.outcome) == [.interrupted])
        #expect(folder.names() == ["large.bin.part", "large.bin.part.info"])
        let partial = try #require(folder.contents("large.bin.part")).count
        #expect(partial > 0 && partial < 6_000_000)
        let report = try runDownloads([DownloadItem(url: url)], DownloadOptions(directory: folder.path, resume: true))
        #expect(report.results.map(\.outcome) == [.ok])
        #expect(report.results[0].received == 6_000_000 - partial)
        #expect(folder.contents("large.bin") == (try nginx.curl(nginx.url("http", "/large.bin"))))
        #expect(folder.names() == ["large.bin"])
    }

    /// --per-host 1: one download at a time to the host, where -j 2 alone runs two.
    @Test(arguments: [1, 0]) func perHostLimitsTheDownloadsAtOnce(perHost: Int) throws {
        defer { folder.remove() }
        final class Overlap: DownloadObserver, @unchecked Sendable {
            // Loop thread only.
            var active: Set<Int> = []
            var most = 0
            func started(_ id: Int, name: String, size: Int, total: Int?) {
                active.insert(id)
                most = max(most, active.count)
            }
            func progressed(_ id: Int, size: Int) {}
            func retrying(_ id: Int, _ item: DownloadItem, reason: String, delay: Double) {}
            func finished(_ id: Int, _ result: DownloadResult) { active.remove(id) }
        }
        let overlap = Overlap()
        let items = (0..<2).map { DownloadItem(url: nginx.url("http", "/slow/medium.bin"), name: "m\($0).bin") }
        let report = try withLeakChecks { loop, _ in
            try loop.runUntilComplete {
                try await Downloader(options: DownloadOptions(directory: folder.path, jobs: 2, perHost: perHost), observer: overlap).run(items)
            }
        }
        #expect(report.results.map(\.outcome) == [.ok, .ok])
        #expect(overlap.most == (perHost == 1 ? 1 : 2))
    }

    /// 1,000 files with -j 64: all arrive whole; open descriptors stay within what 64
    /// connections and 64 open files need; memory does not grow with the number done.
    @Test func aThousandFilesWithSixtyFourAtOnce() throws {
        defer { folder.remove() }
        for i in 0..<1_000 { try Data(pattern(10_000 + i)).write(to: URL(fileURLWithPath: nginx.root + "/many-\(i).bin")) }
        final class Watcher: DownloadObserver, @unchecked Sendable {
            // Loop thread only.
            var maxDescriptors = 0
            var residentAt: [Int: Int] = [:]
            var done = 0
            func started(_ id: Int, name: String, size: Int, total: Int?) {
                maxDescriptors = max(maxDescriptors, Descriptors.snapshot().count)
            }
            func progressed(_ id: Int, size: Int) {}
            func retrying(_ id: Int, _ item: DownloadItem, reason: String, delay: Double) {}
            func finished(_ id: Int, _ result: DownloadResult) {
                done += 1
                if done == 300 || done == 1_000 { residentAt[done] = residentBytes() }
            }
        }
        let watcher = Watcher()
        let baseline = Descriptors.snapshot().count
        let items = (0..<1_000).map { DownloadItem(url: nginx.url("http", "/many-\($0).bin")) }
        let report = try withLeakChecks { loop, _ in
            try loop.runUntilComplete { try await Downloader(options: DownloadOptions(directory: folder.path, jobs: 64), observer: watcher).run(items) }
        }
        #expect(report.results.allSatisfy { $0.outcome == .ok })
        for i in stride(from: 0, to: 1_000, by: 37) { #expect(folder.contents("many-\(i).bin") == pattern(10_000 + i)) }
        #expect(folder.names().count == 1_000)
        if Descriptors.testsRunSerially {        // in parallel, other tests open descriptors meanwhile
            #expect(watcher.maxDescriptors - baseline <= 2 * 64 + 8, "\(watcher.maxDescriptors - baseline) descriptors over the baseline")
        }
        let growth = (watcher.residentAt[1_000] ?? 0) - (watcher.residentAt[300] ?? 0)
        #expect(!Descriptors.testsRunSerially || growth < 16 << 20, "resident memory grew \(growth >> 20) MiB from 300 to 1,000 files")
    }
}

/// The process's resident memory, from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}
