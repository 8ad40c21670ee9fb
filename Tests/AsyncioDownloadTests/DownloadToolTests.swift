// The `download` command as a person runs it: exit codes, the pipe output, -i lists, Ctrl-C
// then -c, the seed's comparison; against nginx on loopback.
@testable import AsyncioDownload
import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite(.enabled(if: TestCertificates.shared != nil && onPath("nginx") && onPath("curl") && onPath("python3")), .timeLimit(.minutes(2)))
struct DownloadToolTests {
    let nginx: NginxDownloads
    let folder: ScratchFolder
    let tool: String
    init() throws {
        nginx = try NginxDownloads()
        folder = try ScratchFolder()
        tool = try #require(productExecutable("download"), "build the products first (swift build)").path
    }

    @Test func usageErrorsExitWithTwo() throws {
        defer { folder.remove() }
        for arguments in [[], ["--rate", "fast", "http://h/"], ["-j", "0", "http://h/"], ["-i", folder.path + "/missing.txt"], ["--bogus"]] {
            let (output, status) = try run(tool, arguments)
            #expect(status == 2, "\(arguments): \(output)")
            #expect(output.contains("Usage: download") || output.contains("download: "), "\(arguments): \(output)")
        }
        let (help, status) = try run(tool, ["--help"])
        #expect(status == 0 && help.contains("--per-host") && help.contains("130 interrupted"))
    }

    @Test func onAPipeOneLinePerFileAndASummaryWithoutControlCharacters() throws {
        defer { folder.remove() }
        let list = folder.path + "/list.txt"
        let digest = SHA256()
        digest.update(pattern(1_000))
        try """
            # two files, a missing one, and a bad checksum
            \(nginx.url("http", "/small.bin"))\tfirst.bin\tsha256=\(digest.hexdigest())
            \(nginx.url("http", "/medium.bin"))
            \(nginx.url("http", "/missing.bin"))
            \(nginx.url("http", "/small.bin"))\tbad.bin\tsha256=\(String(repeating: "1", count: 64))
            """.write(toFile: list, atomically: true, encoding: .utf8)
        let out = folder.path + "/out"
        let (output, status) = try run(tool, ["-i", list, "-o", out, "-j", "2", "--retries", "0"])
        #expect(status == 1)
        #expect(!output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "control characters in \(output.debugDescription)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.contains("ok      first.bin  1000 B") && lines.contains("ok      medium.bin  293.0 KiB"), "\(lines)")
        #expect(lines.contains("failed  \(nginx.url("http", "/missing.bin")): HTTP 404 Not Found"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("2 ok, 2 failed, 0 skipped; ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("  \(nginx.url("http", "/small.bin")): sha256 mismatch") }, "\(lines)")
        #expect((try FileManager.default.contentsOfDirectory(atPath: out)).sorted() == ["first.bin", "medium.bin"])
    }

    @Test func ctrlCKeepsThePartAndContinueFinishesItByteForByte() throws {
        defer { folder.remove() }
        let url = nginx.url("http", "/slow/large.bin")
        // Started from a background job, SIGINT arrives ignored, and the tool (like asyncio.run)
        // leaves an ignored SIGINT alone: start it with SIGINT's default, as a terminal would.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import os, signal, sys
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            os.execv(sys.argv[1], sys.argv[1:])
            """, tool, "-o", folder.path, url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // Wait until some of the file is there, then Ctrl-C.
        let deadline = Date().addingTimeInterval(20)
        while (folder.contents("large.bin.part")?.count ?? 0) < 100_000 && Date() < deadline { usleep(10_000) }
        process.interrupt()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(output)")
        #expect(output.contains("stopped large.bin") && output.contains("1 stopped (resume with -c)"), "\(output)")
        #expect(folder.names() == ["large.bin.part", "large.bin.part.info"])
        let (resumed, status) = try run(tool, ["-c", "-o", folder.path, url])
        #expect(status == 0, "\(resumed)")
        #expect(folder.contents("large.bin") == (try nginx.curl(nginx.url("http", "/large.bin"))))
        #expect(folder.names() == ["large.bin"])
        let (again, skipped) = try run(tool, ["-c", "-o", folder.path, url])
        #expect(skipped == 0 && again.contains("skipped large.bin: already there"), "\(again)")
    }

    @Test func theSeedsComparisonRunsTheListThreeWays() throws {
        defer { folder.remove() }
        let urls = ["small.bin", "medium.bin", "large.bin"].map { nginx.url("http", "/" + $0) }
        let (output, status) = try run(tool, ["--compare", "-o", folder.path] + urls)
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("同步耗时: ") && lines[1].hasPrefix("异步耗时: ") && lines[2].hasPrefix("异步耗时: "), "\(output)")
        for mode in ["sync", "threads", "async"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/" + mode).sorted()
            #expect(files == ["large.bin", "medium.bin", "small.bin"], "\(mode)")
            #expect(FileManager.default.contents(atPath: folder.path + "/\(mode)/large.bin").map(Array.init) == pattern(6_000_000))
        }
        for mode in ["sync", "threads"] {
            let (modeOutput, modeStatus) = try run(tool, ["--mode", mode, "-o", folder.path + "/m-" + mode] + urls)
            #expect(modeStatus == 0 && modeOutput.contains("3 ok, 0 failed"), "\(modeOutput)")
        }
    }

    /// The live display as a person sees it: run in a tmux pane, captured every 0.2 s until the
    /// summary is on screen. (One shell runs tmux and the captures: a tmux server started
    /// directly from a Foundation `Process` ends when that process does.)
    @Test(.enabled(if: onPath("tmux"))) func theTerminalShowsLiveBarsAndThenTheSummary() throws {
        defer { folder.remove() }
        let socket = "download-test-\(getpid())"
        let captures = folder.path + "/captures"
        try FileManager.default.createDirectory(atPath: captures, withIntermediateDirectories: true)
        let command = [tool, "-o", folder.path + "/out", nginx.url("http", "/slow/large.bin"), nginx.url("http", "/slow/medium.bin")]
            .map { "'\($0)'" }.joined(separator: " ") + "; sleep 30"
        let script = """
            tmux -L \(socket) new-session -d -x 110 -y 20 "$1" || exit 1
            for i in $(seq 100 250); do
                sleep 0.2
                tmux -L \(socket) capture-pane -p > \(captures)/$i.txt
                grep -q '^2 ok' \(captures)/$i.txt && break
            done
            tmux -L \(socket) kill-server
            """
        let (output, status) = try run("/bin/sh", ["-c", script, "sh", command])
        #expect(status == 0, "\(output)")
        let screens = try FileManager.default.contentsOfDirectory(atPath: captures).sorted().map {
            try String(contentsOfFile: captures + "/" + $0, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        func percent(_ lines: [String]) -> Int? {
            guard let line = lines.first(where: { $0.hasPrefix("large.bin") }),
                  let match = line.firstMatch(of: /\] +(\d+)%/) else { return nil }
            return Int(match.1)
        }
        let live = screens.filter { percent($0) != nil }
        #expect(live.count >= 2, "\(screens)")
        guard let first = live.first, let later = live.last, let last = screens.last else { return }
        // One live line per active download with its bar, bytes, rate and ETA; a total line.
        let bar = try #require(first.first { $0.hasPrefix("large.bin") })
        #expect(bar.contains("] ") && bar.contains("%") && bar.contains("/s") && bar.contains("ETA"), "\(bar)")
        #expect(later.contains { $0.hasPrefix("large.bin") && $0.contains("[#") }, "\(later)")
        #expect(first.contains { $0.hasPrefix("[0/2] ") || $0.hasPrefix("[1/2] ") }, "\(first)")
        #expect(percent(later)! > percent(first)!, "the bar did not advance: \(first) then \(later)")
        // At the end: a line per file, the summary, and no live lines left over.
        #expect(last.contains("ok      large.bin  5.7 MiB") && last.contains("ok      medium.bin  293.0 KiB"), "\(last)")
        #expect(last.contains { $0.hasPrefix("2 ok, 0 failed, 0 skipped; 6.0 MiB in ") }, "\(last)")
        #expect(!last.contains { $0.contains("[#") || $0.hasPrefix("[") }, "\(last)")
    }
}
