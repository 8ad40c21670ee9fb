// Arrays of coroutine closures, the untyped current task, loops as keys and ensure_future: as
// asyncio code writes them.
import Asyncio
import XCTest

final class TaskIdiomTests: XCTestCase {
    /// `tasks = [asyncio.create_task(c) for c in coros]` over closures that are not `@Sendable`.
    func testArraysOfClosuresBecomeTasks() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let results = try loop.runUntilComplete { () async throws -> [Int] in
            var coros: [() async throws -> Int] = []
            for n in 1...3 { coros.append { try await asyncio.sleep(0); return n * 10 } }
            let tasks = try asyncio.createTasks(coros)
            // Made inside the group's closure: an array captured from outside it cannot be sent.
            let children = try await asyncio.taskGroup { group in
                var more: [() async throws -> Int] = [{ 7 }, { 8 }]
                more.append { 9 }
                return try group.createTasks(more)
            }
            return try await asyncio.gather(tasks) + children.map { try $0.result() }
        }
        XCTAssertEqual(results, [10, 20, 30, 7, 8, 9])
    }

    func testTheCurrentTaskCanBeAwaitedUntyped() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let value = try loop.runUntilComplete { () async throws -> Int in
            let outer = try asyncio.createTask { () async throws -> AnyTask in
                guard let me = asyncio.currentTask() else { throw ValueError("no current task") }
                return me
            }
            let child = try asyncio.createTask { () async throws -> Int in
                try await asyncio.sleep(0)
                return 41
            }
            let me = try await outer.value
            XCTAssertTrue(me === outer)
            // Every task of the loop, awaited untyped (`for t in asyncio.all_tasks(): await t`).
            let others = try asyncio.allTasks().filter { $0 !== asyncio.currentTask() }
            var total = 0
            for task in others { if let n = try await task.anyValue as? Int { total += n } }
            return total + (try child.anyResult() as? Int ?? 0) - 40
        }
        XCTAssertEqual(value, 42)
    }

    func testLoopsAreHashableAndEnsureFutureChecksTheLoop() throws {
        let first = try EventLoop(), second = try EventLoop()
        defer { try? first.close(); try? second.close() }
        var byLoop: [EventLoop: String] = [first: "one", second: "two"]
        byLoop[first] = "first"
        XCTAssertEqual(byLoop.count, 2)
        XCTAssertEqual(byLoop[first], "first")
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(Set([first, first, second]).count, 2)
        let future = first.createFuture(of: Int.self)
        XCTAssertTrue(try asyncio.ensureFuture(future, loop: first) === future)
        XCTAssertThrowsError(try asyncio.ensureFuture(future, loop: second)) { error in
            XCTAssertEqual("\(error)", "The future belongs to a different loop than the one specified as the loop argument")
        }
        let task = try asyncio.ensureFuture({ 5 }, loop: second)
        XCTAssertTrue(task.loop === second)
        XCTAssertEqual(try second.runUntilComplete(task), 5)
    }
}
