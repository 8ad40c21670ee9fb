// Python discards results silently; the same lines here must compile without a warning (this
// target makes warnings errors) and still do what asyncio does.
import Asyncio
import XCTest

final class DiscardedResultsTests: XCTestCase {
    func testResultsPythonDiscardsNeedNoUnderscore() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let log = LogBox()
        try loop.runUntilComplete { 1 }                                // loop.run_until_complete(main())
        try loop.runUntilComplete {
            try await asyncio.gather({ log.add("a"); return 1 }, { log.add("b"); return "b" })
            try await asyncio.gather([{ log.add("c"); return 1 }, { log.add("d"); return 2 }])
            let task = try asyncio.createTask { log.add("task"); return 42 }
            try await asyncio.wait([task])                           // await asyncio.wait(tasks)
            try await asyncio.toThread { 5 }                         // await asyncio.to_thread(f)
            try await asyncio.timeout(1) { 6 }
            try await asyncio.waitFor(timeout: 1) { 7 }
            try await asyncio.shield(task)
            try await asyncio.sleep(0, result: 8)
            try await asyncio.taskGroup { group in try group.createTask { log.add("child") } }
            try loop.runInExecutor(nil) { 9 }                     // fire and forget
        }
        try asyncio.run { log.add("run") }                          // asyncio.run(main())
        XCTAssertEqual(log.entries.sorted(), ["a", "b", "c", "child", "d", "run", "task"])
    }

    func testAwaitingAFutureOrTaskForItsEffect() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let outcome = try loop.runUntilComplete { () async throws -> [String] in
            var seen: [String] = []
            let future = loop.createFuture(of: Int.self)
            try loop.callSoon { try? future.setResult(3) }
            try await future.wait()                                  // await fut
            seen.append("future \(try future.result())")
            let failing = try asyncio.createTask { () async throws -> Int in throw ValueError("boom") }
            do { try await failing.wait() } catch let error as ValueError { seen.append("task raised \(error)") }
            let sleeper = try asyncio.createTask { try await asyncio.sleep(10) }
            try loop.callSoon { sleeper.cancel() }
            do { try await sleeper.wait() } catch is CancelledError { seen.append("cancelled") }
            return seen
        }
        XCTAssertEqual(outcome, ["future 3", "task raised boom", "cancelled"])
    }
}

/// A log the closures of one loop append to (loop thread only).
final class LogBox: @unchecked Sendable {
    private(set) var entries: [String] = []
    func add(_ entry: String) { entries.append(entry) }
}
