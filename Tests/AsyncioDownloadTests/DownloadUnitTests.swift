// The downloader's pieces alone: the -i list, names, retry decisions, Content-Range, SHA-256.
@testable import AsyncioDownload
import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct DownloadUnitTests {
    @Test func inputListsHaveNamesChecksumsAndComments() throws {
        let hash = String(repeating: "ab", count: 32)
        let items = try DownloadItem.parseList("""
            # a comment
            http://h/a.bin

            http://h/b.bin\tb-renamed.bin\tsha256=\(hash.uppercased())\r
              http://h/c.bin\tsha256=\(hash)
            """)
        #expect(items == [DownloadItem(url: "http://h/a.bin"), DownloadItem(url: "http://h/b.bin", name: "b-renamed.bin", sha256: hash),
                          DownloadItem(url: "http://h/c.bin", sha256: hash)])
        #expect(throws: InputListError(line: 2, message: "sha256= needs 64 hex digits, got 3 characters")) {
            try DownloadItem.parseList("http://h/a\nhttp://h/b\tsha256=abc")
        }
        #expect(throws: InputListError(line: 1, message: "more than one output name: y")) { try DownloadItem.parseList("http://h/a\tx\ty") }
    }

    @Test func namesComeFromTheURLOrContentDispositionAndAreSafe() {
        #expect(FileNames.fromURL("https://h/a/b/file%20name.tar.gz?x=1#f") == "file name.tar.gz")
        #expect(FileNames.fromURL("https://h/") == nil && FileNames.fromURL("https://h") == nil)
        #expect(FileNames.fromURL("http://h/..%2F..%2Fetc%2Fpasswd") == "passwd")
        #expect(FileNames.fromContentDisposition("attachment; filename=\"report.pdf\"") == "report.pdf")
        #expect(FileNames.fromContentDisposition("attachment; filename=plain.txt") == "plain.txt")
        #expect(FileNames.fromContentDisposition("attachment; filename=\"x.bin\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf") == "报告.pdf")
        #expect(FileNames.fromContentDisposition("attachment; filename=\"../../.bashrc\"") == "bashrc")
        #expect(FileNames.fromContentDisposition("inline") == nil)
        #expect(FileNames.sanitize("a\u{7}b\nc") == "abc" && FileNames.sanitize("..") == nil)
        #expect(FileNames.numbered("a.tar.gz", 1) == "a.1.tar.gz" && FileNames.numbered("README", 2) == "README.2")
    }

    @Test func takenNamesGetNumbersAndNothingIsOverwritten() throws {
        let folder = try ScratchFolder()
        defer { folder.remove() }
        _ = FileManager.default.createFile(atPath: folder.path + "/a.txt", contents: Data("old".utf8))
        _ = FileManager.default.createFile(atPath: folder.path + "/b.txt.part", contents: Data())
        let claims = NameClaims(folder: folder.path)
        #expect(claims.claimFree("a.txt") == "a.1.txt")
        #expect(claims.claimFree("a.txt") == "a.2.txt")
        #expect(claims.claimFree("b.txt") == "b.1.txt")
        #expect(claims.claimFree("c.txt") == "c.txt" && claims.claimFree("c.txt") == "c.1.txt")
        #expect(claims.claimExact("a.txt") && !claims.claimExact("a.txt"))
        // A name that is another download's .part, or whose .part is claimed, is taken.
        #expect(claims.claimFree("x") == "x" && claims.claimFree("x.part") == "x.1.part")
        #expect(claims.claimFree("y.part") == "y.part" && claims.claimFree("y") == "y.1")
        #expect(claims.isTaken("y.part.part") == true)
    }

    @Test func onlyTransientFailuresAreRetried() {
        func transient(_ failure: AttemptFailure?) -> Bool { if case .transient = failure { true } else { false } }
        for status in [408, 429, 500, 502, 503, 504] {
            #expect(transient(RetryPolicy.failure(status: status, reason: "", retryAfter: nil)), "\(status)")
        }
        for status in [400, 401, 403, 404, 410] {
            #expect(!transient(RetryPolicy.failure(status: status, reason: "", retryAfter: nil)), "\(status)")
        }
        #expect(RetryPolicy.failure(status: 200, reason: "OK", retryAfter: nil) == nil)
        #expect(RetryPolicy.failure(status: 404, reason: "Not Found", retryAfter: nil)?.description == "HTTP 404 Not Found")
    }

    @Test func backoffDoublesWithJitterAndRetryAfterWins() {
        let policy = RetryPolicy(retries: 5, baseDelay: 0.5, maxDelay: 10)
        #expect(policy.delay(retry: 1, retryAfter: nil, random: 1) == 0.5)
        #expect(policy.delay(retry: 3, retryAfter: nil, random: 1) == 2)
        #expect(policy.delay(retry: 3, retryAfter: nil, random: 0.25) == 0.5)
        #expect(policy.delay(retry: 10, retryAfter: nil, random: 1) == 10)
        #expect(policy.delay(retry: 1, retryAfter: 3, random: 0) == 3)
        #expect(policy.delay(retry: 1, retryAfter: 3600, random: 0) == 10)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.parseRetryAfter("7", now: now) == 7)
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:40 GMT", now: now) == 20)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    }

    @Test func contentRangesParse() {
        let range = ContentRange("bytes 100-199/200")
        #expect(range?.start == 100 && range?.end == 199 && range?.total == 200)
        #expect(ContentRange("bytes 0-9/*")?.total == nil)
        #expect(ContentRange("bytes 9-0/10") == nil && ContentRange("items 0-1/2") == nil && ContentRange("bytes 0-1/x") == nil)
    }

    @Test func sha256MatchesKnownDigests() {
        let digest = SHA256()
        #expect(digest.hexdigest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        digest.update(Array("ab".utf8))
        digest.update(Array("c".utf8))
        #expect(digest.hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// --rate: starts to one host are spaced 1/rate apart, other hosts do not wait (virtual clock).
    @Test func requestStartsToAHostAreSpacedByTheRate() throws {
        let starts = try withLeakChecks(clock: VirtualClock()) { loop, _ in
            try loop.runUntilComplete { () async throws -> [String] in
                let limiter = HostRateLimiter(rate: 4)
                let start = loop.time()
                let tasks = try ["a", "a", "b", "a"].map { host in
                    try asyncio.createTask { () async throws -> String in
                        try await limiter.wait(host: host)
                        return "\(host)@\(loop.time() - start)"
                    }
                }
                return try await asyncio.gather(tasks)
            }
        }
        #expect(starts == ["a@0.0", "a@0.25", "b@0.0", "a@0.5"])
    }

    /// --max-speed: bytes past the bucket's quarter second wait at the rate (virtual clock).
    @Test func theBandwidthCapMakesBytesWaitAtTheRate() throws {
        let times = try withLeakChecks(clock: VirtualClock()) { loop, _ in
            try loop.runUntilComplete { () async throws -> [Double] in
                let limiter = BandwidthLimiter(bytesPerSecond: 1_000)
                let start = loop.time()
                try await limiter.consume(250)                   // the bucket's quarter second: no wait
                let first = loop.time() - start
                try await limiter.consume(500)                   // 500 in debt: half a second
                let second = loop.time() - start
                try await limiter.consume(1_000)                 // a second more
                return [first, second, loop.time() - start]
            }
        }
        #expect(times == [0, 0.5, 1.5])
        #expect(!BandwidthLimiter(bytesPerSecond: nil).isLimited && !BandwidthLimiter(bytesPerSecond: 0).isLimited)
    }
}

@Suite struct PipeLinesTests {
    @Test func aRetryLineNamesTheURLAsAFailureLineDoes() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let loop = try EventLoop()
        defer { try? loop.close() }
        let display = ProgressDisplay(style: .lines, count: 2, loop: loop, descriptor: fds[1])
        let started = DownloadItem(url: "http://h/a.bin"), unstarted = DownloadItem(url: "http://h/b.bin")
        display.started(0, name: "a.bin", size: 0, total: 10)
        display.retrying(0, started, reason: "HTTP 503 Service Unavailable", delay: 0.5)
        display.retrying(1, unstarted, reason: "Connect call failed", delay: 1)
        display.close()
        close(fds[1])
        var bytes = [UInt8](repeating: 0, count: 4096)
        let count = read(fds[0], &bytes, bytes.count)
        let lines = String(decoding: bytes[..<max(count, 0)], as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines == ["retry   http://h/a.bin in 0.50 s: HTTP 503 Service Unavailable", "retry   http://h/b.bin in 1.00 s: Connect call failed"])
    }
}

@Suite struct TerminalColumnsTests {
    @Test func wideCharactersTakeTwoColumnsAndMarksNone() {
        #expect(TerminalColumns.width("abc") == 3)
        #expect(TerminalColumns.width("图片1.png") == 9)                 // two CJK characters
        #expect(TerminalColumns.width("ｆｕｌｌ") == 8)                    // fullwidth forms
        #expect(TerminalColumns.width("e\u{301}") == 1)                  // e + combining acute
        #expect(TerminalColumns.width("🙂x") == 3)
    }

    @Test func namesAreCutAndPaddedByColumns() {
        #expect(TerminalColumns.fitted("a.bin", columns: 8) == "a.bin   ")
        // 12 CJK characters are 24 columns: cut to 11 (22 columns), "…", and one space.
        let long = String(repeating: "图", count: 12) + ".png"
        let fitted = TerminalColumns.fitted(long, columns: 24)
        #expect(fitted == String(repeating: "图", count: 11) + "… ")
        #expect(TerminalColumns.width(fitted) == 24)
    }
}
