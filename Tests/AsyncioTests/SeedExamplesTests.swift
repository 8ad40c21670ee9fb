// The main job's output equals real asyncio's: `seeds` is diffed against the Python reference run.
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct SeedExamplesTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// An executable of this package, which sits beside the test bundle in the build folder.
    static func executable(_ name: String) -> URL? { productExecutable(name) }

    /// Runs a program and returns its standard output.
    static func output(of executable: String, _ arguments: [String]) throws -> (String, Int32) {
        try runToEnd(executable, arguments)
    }

    /// The Python that runs the reference: the peers' virtual environment (with requests, aiohttp
    /// and greenlet, from Scripts/test-peers.sh).
    static var referencePython: String {
        packageRoot.appendingPathComponent(".build/python-peers/bin/python").path
    }

    /// What may differ: a task's repr names the coroutine in Python and the creating function in
    /// Swift; object addresses; the download examples' server port and file names (from
    /// `time.time()`); and the order of lines in sections marked "(any order)", whose lines come
    /// from threads (they are compared sorted).
    static func normalized(_ text: String) -> [String] {
        var lines: [String] = []
        var unordered: [String] = []
        var inUnorderedSection = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw).replacing(#/coro=<(?:[^<>]|<locals>)*>/#, with: "coro=<…>")
                .replacing(#/ at 0x[0-9a-f]+/#, with: " at 0x…")
                .replacing(#/127\.0\.0\.1:\d+/#, with: "127.0.0.1:…")
                .replacing(#/\./images/[0-9.e+-]+\.png/#, with: "./images/….png")
            if line.hasPrefix("=== seed") || line.isEmpty {
                lines += unordered.sorted()
                unordered = []
                inUnorderedSection = line.contains("(any order)")
                lines.append(line)
            } else if inUnorderedSection {
                unordered.append(line)
            } else {
                lines.append(line)
            }
        }
        return lines + unordered.sorted()
    }

    @Test(.timeLimit(.minutes(1))) func seedExamplesPrintWhatRealAsyncioPrints() throws {
        let seeds = try #require(Self.executable("seeds"), "build the products first (swift build)")
        let (swiftOutput, swiftStatus) = try Self.output(of: seeds.path, [])
        let reference = Self.packageRoot.appendingPathComponent("Tests/Reference/seeds_reference.py").path
        let (pythonOutput, pythonStatus) = try Self.output(of: Self.referencePython, [reference])
        #expect(swiftStatus == 0 && pythonStatus == 0)
        let actual = Self.normalized(swiftOutput)
        let expected = Self.normalized(pythonOutput)
        #expect(actual.count == expected.count)
        #expect(actual.filter { $0.hasPrefix("=== seed") }.count == 52)
        for (index, pair) in zip(actual, expected).enumerated() where !Self.sameLine(pair.0, pair.1) {
            Issue.record("line \(index + 1): swift «\(pair.0)», asyncio «\(pair.1)»")
        }
    }

    /// Lines are equal, or both are elapsed times of blocking work on real threads ("耗时: 4",
    /// whole units of 50 ms of real time on both sides) that differ by at most one unit: the
    /// virtual clock makes every other time exact, but threads sleep for real, and a loaded
    /// machine (seen with eight busy loops) delays them by a unit. The download examples print
    /// real seconds as the seed does ("同步耗时: 0.91…"); those may differ by 0.1 s.
    static func sameLine(_ swift: String, _ python: String) -> Bool {
        if swift == python { return true }
        let elapsed = #/^(.*耗时:) (\d+)$/#
        if let a = swift.wholeMatch(of: elapsed), let b = python.wholeMatch(of: elapsed), a.1 == b.1,
           let x = Int(a.2), let y = Int(b.2) {
            return abs(x - y) <= 1
        }
        let seconds = #/^(.*耗时:) (\d+\.\d+)$/#
        guard let a = swift.wholeMatch(of: seconds), let b = python.wholeMatch(of: seconds), a.1 == b.1,
              let x = Double(a.2), let y = Double(b.2) else { return false }
        return abs(x - y) <= 0.1
    }

    @Test func elapsedTimesOfThreadsMayDifferByOneUnitAndNothingElseMay() {
        #expect(Self.sameLine("总耗时: 4", "总耗时: 5") && Self.sameLine("耗时: 1", "耗时: 0"))
        #expect(!Self.sameLine("总耗时: 4", "总耗时: 6") && !Self.sameLine("总耗时: 4", "耗时: 4"))
        #expect(!Self.sameLine("4", "5") && !Self.sameLine("main开始", "main结束"))
        #expect(Self.sameLine("同步耗时: 0.93", "同步耗时: 0.9071") && !Self.sameLine("异步耗时: 0.31", "异步耗时: 0.9"))
        #expect(!Self.sameLine("同步耗时: 0.93", "异步耗时: 0.93"))
    }

    @Test(.timeLimit(.minutes(1))) func runFromTopLevelCodeRunsMainActorWorkAndNeverHangs() throws {
        let check = try #require(Self.executable("TopLevelCheck"), "build the products first (swift build)")
        let (output, status) = try Self.output(of: "/usr/bin/timeout", ["20", check.path])
        #expect(status == 0)
        #expect(output == """
            nonisolated closure awaiting @MainActor work: 2
            @MainActor closure: 4
            task created from a @MainActor main: child

            """)
    }
}
