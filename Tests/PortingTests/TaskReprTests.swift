// What a task prints: CPython's fields, `closure` in the coroutine's slot with where it was made,
// and asyncio.wait's sets as Python prints them.
import Asyncio
import XCTest

final class TaskReprTests: XCTestCase {
    func testATaskSaysWhatItRunsAndWhereItWasCreated() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let (pending, finished, done, empty) = try loop.runUntilComplete { () async throws -> (String, String, String, String) in
            let line = #line + 1
            let sleeper = try asyncio.createTask(name: "sleeper") { try await asyncio.sleep(10) }
            let quick = try asyncio.createTask(name: "quick") { "返回值" }
            try await asyncio.sleep(0)
            let pending = "\(sleeper)"
            let (done, waiting) = try await asyncio.wait([sleeper, quick], returnWhen: .firstCompleted)
            sleeper.cancel()
            XCTAssertTrue(pending.contains("coro=<closure running, created in testATaskSaysWhatItRunsAndWhereItWasCreated() at PortingTests/TaskReprTests.swift:\(line)>"), pending)
            _ = waiting
            return (pending, "\(quick)", done.pythonDescription, Set<LoopTask<Int>>().pythonDescription)
        }
        XCTAssertTrue(pending.hasPrefix("<Task pending name='sleeper' coro=<closure running, created in "), pending)
        XCTAssertTrue(pending.hasSuffix(" wait_for=<Future pending cb=[Task.task_wakeup()]>>"), pending)
        XCTAssertTrue(finished.hasPrefix("<Task finished name='quick' coro=<closure done, created in "), finished)
        XCTAssertTrue(finished.hasSuffix("> result='返回值'>"), finished)
        XCTAssertEqual(done, "{\(finished)}")
        XCTAssertEqual(empty, "set()")
    }
}
