// asyncio cancellation: edge-triggered CancelledError at the current await, counts, swallowing.
@testable import Asyncio
import Testing

@Suite struct CancellationTests {
    @Test func cancelThrowsAtTheCurrentAwaitWithTheMessage() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let task = try loop.createTask { () async throws -> Void in
                do {
                    try await asyncio.sleep(3600)
                } catch let error as CancelledError {
                    log.add("caught \(error.message ?? "nil") at \(loop.time())")
                    throw error
                }
            }
            try loop.callLater(1) { #expect(task.cancel(msg: "bye")) }
            #expect(throws: CancelledError("bye")) { try loop.runUntilComplete(task) }
            #expect(task.cancelled())
            #expect(task.cancelling() == 1)
            #expect(log.entries == ["caught bye at 1.0"])
            #expect(throws: CancelledError("bye")) { try task.result() }
        }
    }

    @Test func cancelOfADoneTaskReturnsFalse() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { 1 }
            _ = try loop.runUntilComplete(task)
            #expect(!task.cancel())
            #expect(task.cancelling() == 0)
        }
    }

    @Test func cancelBeforeTheFirstStepMeansTheBodyNeverRuns() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let task = try loop.createTask { log.add("ran") }
            #expect(task.cancel())
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(log.entries.isEmpty)
            #expect(task.cancelled())
        }
    }

    @Test func aTaskMaySwallowTheCancelAndFinishNormally() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { () async throws -> String in
                do { try await asyncio.sleep(10) } catch is CancelledError { return "swallowed" }
                return "slept"
            }
            try loop.callLater(1) { task.cancel() }
            #expect(try loop.runUntilComplete(task) == "swallowed")
            #expect(!task.cancelled())
            #expect(task.cancelling() == 1)
        }
    }

    @Test func cancelIsEdgeTriggered() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let task = try loop.createTask { () async throws -> Void in
                do { try await asyncio.sleep(10) } catch is CancelledError { log.add("first") }
                try await asyncio.sleep(5)          // not cancelled again: sleeps fully
                log.add("slept at \(loop.time())")
            }
            try loop.callLater(1) { task.cancel() }
            try loop.runUntilComplete(task)
            #expect(log.entries == ["first", "slept at 6.0"])
        }
    }

    @Test func repeatedCancelReturnsTrueEachTimeAndCounts() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { try await asyncio.sleep(10) }
            #expect(task.cancel())
            #expect(task.cancel())
            #expect(task.cancel())
            #expect(task.cancelling() == 3)
            #expect(task.uncancel() == 2)
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
        }
    }

    @Test func uncancelToZeroDropsAnUndeliveredCancel() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { () async throws -> String in
                let me = asyncio.currentTask()!
                me.cancel()                          // running: delivered at the next await
                #expect(me.uncancel() == 0)          // ... unless taken back
                try await asyncio.sleep(1)
                return "not cancelled"
            }
            #expect(try loop.runUntilComplete(task) == "not cancelled")
        }
    }

    @Test func cancelWhileRunningLandsAtTheNextAwait() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let task = try loop.createTask { () async throws -> Void in
                asyncio.currentTask()!.cancel(msg: "self")
                log.add("still running")
                do { try await asyncio.sleep(100) } catch let error as CancelledError {
                    log.add("cancelled at \(loop.time()): \(error.message ?? "")")
                    throw error
                }
            }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(log.entries == ["still running", "cancelled at 0.0: self"])
        }
    }

    @Test func aTaskThatCancelsItselfAndReturnsIsCancelled() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { () -> Int in
                asyncio.currentTask()!.cancel()
                return 1
            }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(task.cancelled())
        }
    }

    @Test func cancelWakesATaskParkedOnAFutureAndCancelsTheFuture() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: Int.self)
            let task = try loop.createTask { try await future.value }
            try loop.callLater(1) { task.cancel(msg: "m") }
            #expect(throws: CancelledError("m")) { try loop.runUntilComplete(task) }
            #expect(future.cancelled())
        }
    }

    @Test(.assertsFIFOOrder) func cancelWakesATaskAtABareYield() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let task = try loop.createTask { () async throws -> Void in
                while true {
                    try await asyncio.sleep(0)
                    log.add("tick")
                }
            }
            try loop.callSoon { try loop.callSoon { task.cancel() } }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(log.entries.count >= 1 && log.entries.count <= 3)
        }
    }

    @Test func cancellingTheAwaiterCancelsTheAwaitedTask() throws {
        try withVirtualLoop { loop, _ in
            let inner = try loop.createTask { try await asyncio.sleep(100) }
            let outer = try loop.createTask { try await inner.value }
            try loop.callLater(1) { outer.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(outer) }
            #expect(inner.cancelled())
        }
    }

    @Test func whenTheAwaitedTaskSwallowsTheCancelTheAwaiterGetsItsValue() throws {
        try withVirtualLoop { loop, _ in
            let inner = try loop.createTask { () async throws -> String in
                do { try await asyncio.sleep(100) } catch is CancelledError { return "inner value" }
                return "slept"
            }
            let outer = try loop.createTask { try await inner.value }
            try loop.callLater(1) { outer.cancel() }
            #expect(try loop.runUntilComplete(outer) == "inner value")
            #expect(!outer.cancelled())
            #expect(outer.cancelling() == 1)
        }
    }

    @Test func swiftTaskCancelIsBridgedIntoAsyncioCancel() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let task = try loop.createTask { () async throws -> Void in
                withUnsafeCurrentTask { $0?.cancel() }   // Swift's own cancel of this task
                do { try await asyncio.sleep(10) } catch is CancelledError { log.add("asyncio cancel"); throw CancelledError() }
            }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(log.entries == ["asyncio cancel"])
        }
    }

    @Test(.assertsFIFOOrder) func sleepZeroIsOneBareYieldAndNaNIsAnError() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let a = try loop.createTask { () async throws -> Void in
                log.add("a1"); try await asyncio.sleep(0); log.add("a2"); try await asyncio.sleep(-5); log.add("a3")
            }
            let b = try loop.createTask { () async throws -> Void in
                log.add("b1"); try await asyncio.sleep(0); log.add("b2"); try await asyncio.sleep(0); log.add("b3")
            }
            try loop.runUntilComplete { try await a.value; try await b.value }
            #expect(log.entries == ["a1", "b1", "a2", "b2", "a3", "b3"])
            #expect(loop.time() == 0)
            #expect(throws: ValueError.self) {
                try loop.runUntilComplete { try await asyncio.sleep(.nan) }
            }
            #expect(try loop.runUntilComplete { try await asyncio.sleep(1, result: "r") } == "r")
        }
    }

    @Test func cancelledSleepDropsItsTimer() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { try await asyncio.sleep(1000) }
            try loop.callLater(1) { task.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            loop.stop()
            try loop.runForever()
            #expect(loop.timers.first == nil || loop.timers.first!.isCancelled)
            #expect(loop.time() == 1)
        }
    }
}
