// waitFor, timeout scopes, shield and asCompleted (CPython's test_waitfor / test_timeouts cases).
@testable import Asyncio
import Testing

@Suite struct TimeoutTests {
    @Test func waitForTimesOutAfterTheInnerFinishedCancelling() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let inner = try loop.createTask { () async throws -> Int in
                do { try await asyncio.sleep(10) } catch let error as CancelledError {
                    try await asyncio.sleep(0.5)      // cleanup takes time
                    log.add("inner cleaned up at \(loop.time())")
                    throw error
                }
                return 1
            }
            #expect(throws: TimeoutError.self) {
                try loop.runUntilComplete { () async throws -> Int in
                    defer { log.add("timeout seen at \(loop.time())") }
                    return try await asyncio.waitFor(inner, timeout: 1)
                }
            }
            #expect(inner.cancelled())
            #expect(log.entries == ["inner cleaned up at 1.5", "timeout seen at 1.5"])
        }
    }

    @Test func waitForReturnsInTimeAndWhenTheInnerSwallowsTheCancel() throws {
        try withVirtualLoop { loop, _ in
            let inTime = try loop.runUntilComplete {
                try await asyncio.waitFor(timeout: 3) { () async throws -> String in
                    try await asyncio.sleep(2)
                    return "in time"
                }
            }
            let swallowed = try loop.runUntilComplete {
                try await asyncio.waitFor(timeout: 1) { () async throws -> String in
                    do { try await asyncio.sleep(5) } catch is CancelledError { return "swallowed" }
                    return "slept"
                }
            }
            #expect(inTime == "in time")
            #expect(swallowed == "swallowed")
        }
    }

    @Test func waitForWithNoTimeLeftNeverStartsTheBody() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            #expect(throws: TimeoutError.self) {
                try loop.runUntilComplete {
                    try await asyncio.waitFor(timeout: 0) { () async throws -> Int in log.add("started"); return 1 }
                }
            }
            #expect(log.entries.isEmpty)
            let done = loop.createFuture(of: Int.self)
            try done.setResult(4)
            #expect(try loop.runUntilComplete { try await asyncio.waitFor(done, timeout: -1) } == 4)
        }
    }

    @Test func callerCancelledWhileTheInnerCompletedStillSeesCancelledError() throws {
        // gh-86296: the result and the cancel arrive in the same iteration.
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: Int.self)
            let caller = try loop.createTask { try await asyncio.waitFor(future, timeout: 10) }
            try loop.callLater(1) {
                try future.setResult(1)
                caller.cancel()
            }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(caller) }
        }
    }

    @Test func timeoutScopeExpiresWithTimeoutError() throws {
        try withVirtualLoop { loop, _ in
            let (expired, when) = try loop.runUntilComplete { () async throws -> (Bool, Double?) in
                var scope: Timeout?
                do {
                    try await asyncio.timeout(2) { cm in
                        scope = cm
                        try await asyncio.sleep(10)
                    }
                } catch is TimeoutError {}
                return (scope!.expired(), scope!.when())
            }
            #expect(expired && when == 2 && loop.time() == 2)
        }
    }

    @Test func timeoutNotReachedDoesNotExpireAndRescheduleMovesTheDeadline() throws {
        try withVirtualLoop { loop, _ in
            let result = try loop.runUntilComplete { () async throws -> String in
                try await asyncio.timeout(1) { cm in
                    try cm.reschedule(loop.time() + 5)
                    try await asyncio.sleep(3)
                    return cm.expired() ? "expired" : "alive at \(loop.time()), deadline \(cm.when()!)"
                }
            }
            #expect(result == "alive at 3.0, deadline 5.0")
            #expect(try loop.runUntilComplete { try await asyncio.timeout(nil) { try await asyncio.sleep(100); return 1 } } == 1)
        }
    }

    @Test func nestedScopesWithOneDeadlineOnlyTheOuterThrows() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            #expect(throws: TimeoutError.self) {
                try loop.runUntilComplete { () async throws -> Void in
                    let deadline = loop.time() + 0.01
                    try await asyncio.timeoutAt(deadline) { (_: Timeout) in
                        do {
                            try await asyncio.timeoutAt(deadline) { (_: Timeout) in try await asyncio.sleep(10) }
                        } catch is CancelledError {
                            log.add("inner saw CancelledError")
                            throw CancelledError()
                        }
                    }
                }
            }
            #expect(log.entries == ["inner saw CancelledError"])
        }
    }

    @Test func anOutsideCancelInsideATimeoutStaysACancel() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { try await asyncio.timeout(10) { try await asyncio.sleep(100) } }
            try loop.callLater(1) { task.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(task.cancelled())
        }
    }

    @Test func timeoutOutsideATaskIsAnError() throws {
        let loop = try EventLoop(clock: VirtualClock())
        defer { try? loop.close() }
        // A Swift child task runs on the loop but is not a loop task.
        #expect(throws: EventLoopError.timeoutOutsideTask) {
            try loop.runUntilComplete { () async throws -> Int in
                async let child = asyncio.timeout(1) { 1 }
                return try await child
            }
        }
    }

    @Test func shieldKeepsTheInnerRunningWhenTheWaiterIsCancelled() throws {
        try withVirtualLoop { loop, _ in
            let inner = try loop.createTask { () async throws -> Int in try await asyncio.sleep(3); return 9 }
            let waiter = try loop.createTask { try await asyncio.shield(inner) }
            try loop.callLater(1) { waiter.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(waiter) }
            #expect(!inner.done())
            #expect(try loop.runUntilComplete(inner) == 9)
            let cancelledInner = try loop.createTask { try await asyncio.sleep(3) }
            let second = try loop.createTask { try await asyncio.shield(cancelledInner) }
            try loop.callLater(1) { cancelledInner.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(second) }
        }
    }

    @Test func cancellationShieldDefersTheCancelToTheNextAwait() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let task = try loop.createTask { () async throws -> Void in
                try await asyncio.withCancellationShield {
                    try await asyncio.sleep(5)
                    log.add("shielded sleep done at \(loop.time())")
                }
                do { try await asyncio.sleep(0) } catch is CancelledError {
                    log.add("cancel delivered after the shield")
                    throw CancelledError()
                }
            }
            try loop.callLater(1) { task.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(log.entries == ["shielded sleep done at 5.0", "cancel delivered after the shield"])
        }
    }

    @Test func asCompletedYieldsResultsInCompletionOrder() throws {
        try withVirtualLoop { loop, _ in
            let results = try loop.runUntilComplete { () async throws -> [String] in
                var results: [String] = []
                let bodies: [() async throws -> String] = [5, 3, 4].map { delay in
                    { try await asyncio.sleep(Double(delay)); return "哈哈\(delay)" }
                }
                for next in try asyncio.asCompleted(bodies) {
                    results.append(try await next.value + "@\(loop.time())")
                }
                return results
            }
            #expect(results == ["哈哈3@3.0", "哈哈4@4.0", "哈哈5@5.0"])
        }
    }

    @Test func asCompletedTasksYieldsTheOriginalTasks() throws {
        try withVirtualLoop { loop, _ in
            let names = try loop.runUntilComplete { () async throws -> [String] in
                let tasks = try [2, 1].map { delay in
                    try asyncio.createTask(name: "t\(delay)") { try await asyncio.sleep(Double(delay)) }
                }
                var names: [String] = []
                for try await task in try asyncio.asCompleted(tasks).tasks {
                    #expect(tasks.contains(task))
                    names.append(task.getName())
                }
                return names
            }
            #expect(names == ["t1", "t2"])
        }
    }

    @Test func asCompletedTimesOut() throws {
        try withVirtualLoop { loop, _ in
            let outcome = try loop.runUntilComplete { () async throws -> [String] in
                let tasks = try [1, 10].map { delay in try asyncio.createTask { try await asyncio.sleep(Double(delay)) } }
                var outcome: [String] = []
                for next in try asyncio.asCompleted(tasks, timeout: 5) {
                    do { try await next.value; outcome.append("done@\(loop.time())") } catch is TimeoutError {
                        outcome.append("timeout@\(loop.time())")
                    }
                }
                // as_completed does not cancel what is left on a timeout (asyncio neither).
                outcome.append(tasks[1].done() ? "slow done" : "slow pending")
                tasks[1].cancel()
                _ = try? await tasks[1].value
                return outcome
            }
            #expect(outcome == ["done@1.0", "timeout@5.0", "slow pending"])
        }
    }
}
