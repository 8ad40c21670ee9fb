// trio-style moveOnAfter / failAfter: level-triggered deadlines.
@testable import Asyncio
import Testing

@Suite struct DeadlineScopeTests {
    @Test func moveOnAfterReturnsNilAtTheDeadline() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let value = try loop.runUntilComplete { () async throws -> Int? in
                try await asyncio.moveOnAfter(2) { () async throws -> Int in
                    try await asyncio.sleep(10)
                    log.add("not reached")
                    return 1
                }
            }
            #expect(value == nil && loop.time() == 2 && log.entries.isEmpty)
        }
    }

    @Test func cancellationIsLevelTriggered() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let value = try loop.runUntilComplete { () async throws -> Int? in
                try await asyncio.moveOnAfter(1) { () async throws -> Int in
                    do { try await asyncio.sleep(10) } catch is DeadlineCancelled { log.add("first at \(loop.time())") }
                    do { try await asyncio.sleep(0) } catch is DeadlineCancelled { log.add("again at \(loop.time())") }
                    try await asyncio.sleep(5)
                    return 1
                }
            }
            #expect(value == nil)
            #expect(log.entries == ["first at 1.0", "again at 1.0"])
        }
    }

    @Test func failAfterThrowsTimeoutErrorAndReturnsInTime() throws {
        try withVirtualLoop { loop, _ in
            #expect(throws: TimeoutError.self) {
                try loop.runUntilComplete { try await asyncio.failAfter(1) { try await asyncio.sleep(3) } }
            }
            let quick = try loop.runUntilComplete {
                try await asyncio.failAfter(5) { () async throws -> String in try await asyncio.sleep(1); return "quick" }
            }
            #expect(quick == "quick")
        }
    }

    @Test func theOuterExpiredScopeCatchesItsOwnCancellation() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let outer = try loop.runUntilComplete { () async throws -> String? in
                try await asyncio.moveOnAfter(1) { () async throws -> String in
                    let inner = try await asyncio.moveOnAfter(10) { () async throws -> String in
                        try await asyncio.sleep(100)
                        return "inner finished"
                    }
                    log.add("after inner: \(inner ?? "nil")")
                    return "outer finished"
                }
            }
            #expect(outer == nil && loop.time() == 1)
            #expect(log.entries.isEmpty)
        }
    }

    @Test func anAsyncioCancelInsideADeadlineScopeStaysACancel() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { try await asyncio.moveOnAfter(10) { try await asyncio.sleep(100) } }
            try loop.callLater(1) { task.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
        }
    }
}
