// Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier (CPython's test_locks cases).
@testable import Asyncio
import Testing

@Suite struct SyncPrimitiveTests {
    @Test(.assertsFIFOOrder) func lockIsFIFOAndUncontendedAcquireDoesNotSuspend() throws {
        try withVirtualLoop { loop, _ in
            let lock = Lock()
            let log = EventLog()
            try loop.runUntilComplete {
                try loop.callSoon { log.add("callback") }
                try await lock.acquire()                      // no suspension
                log.add("acquired first")
                let waiters = try (1...3).map { index in
                    try asyncio.createTask { try await lock.withLock { log.add("task \(index)") } }
                }
                try await asyncio.sleep(1)
                try lock.release()
                for waiter in waiters { try await waiter.value }
            }
            #expect(log.entries == ["acquired first", "callback", "task 1", "task 2", "task 3"])
            #expect(!lock.locked())
        }
    }

    @Test func lockIsNotReentrantAndReleasingAnUnlockedLockIsAnError() throws {
        try withVirtualLoop { loop, _ in
            let lock = Lock()
            #expect(throws: SyncPrimitiveError.lockNotAcquired) { try lock.release() }
            #expect(throws: TimeoutError.self) {
                try loop.runUntilComplete {
                    try await lock.acquire()
                    try await asyncio.waitFor(timeout: 1) { try await lock.acquire() }
                }
            }
            #expect("\(SyncPrimitiveError.lockNotAcquired)" == "Lock is not acquired.")
        }
    }

    @Test func aWokenWaiterCancelledBeforeRunningPassesTheLockOn() throws {
        try withVirtualLoop { loop, _ in
            let lock = Lock()
            let log = EventLog()
            try loop.runUntilComplete {
                try await lock.acquire()
                let first = try asyncio.createTask { try await lock.withLock { log.add("first") } }
                let second = try asyncio.createTask { try await lock.withLock { log.add("second") } }
                try await asyncio.sleep(1)
                try lock.release()        // wakes first ...
                first.cancel()            // ... which is cancelled before it runs
                _ = try? await first.value
                try await second.value
            }
            #expect(log.entries == ["second"])
            #expect(!lock.locked())
        }
    }

    @Test func aLockIsBoundToOneLoop() throws {
        let lock = Lock()
        let a = try EventLoop(clock: VirtualClock()), b = try EventLoop(clock: VirtualClock())
        defer { try? a.close(); try? b.close() }
        try a.runUntilComplete {
            try await lock.acquire()
            let blocked = try asyncio.createTask { try await lock.acquire() }
            try await asyncio.sleep(1)
            blocked.cancel()
        }
        #expect {
            try b.runUntilComplete { try await lock.acquire() }
        } throws: { error in
            "\(error)" == "<Lock> is bound to a different event loop"
        }
    }

    @Test(.assertsFIFOOrder) func eventWakesEveryWaiter() throws {
        try withVirtualLoop { loop, _ in
            let event = Event()
            let log = EventLog()
            try loop.runUntilComplete {
                let waiters = try (1...3).map { index in
                    try asyncio.createTask { try await event.wait(); log.add("woke \(index) at \(loop.time())") }
                }
                try await asyncio.sleep(2)
                #expect(!event.isSet())
                event.set()
                for waiter in waiters { try await waiter.value }
                try await event.wait()                     // already set: returns at once
                event.clear()
                #expect(!event.isSet())
            }
            #expect(log.entries == ["woke 1 at 2.0", "woke 2 at 2.0", "woke 3 at 2.0"])
        }
    }

    @Test(.assertsFIFOOrder) func conditionNotifyWakesNAndWaitNeedsTheLock() throws {
        try withVirtualLoop { loop, _ in
            let condition = Condition()
            let log = EventLog()
            try loop.runUntilComplete {
                do { try await condition.wait(); Issue.record("wait without the lock") } catch let error as SyncPrimitiveError {
                    #expect(error == .waitWithoutLock)
                }
                #expect(throws: SyncPrimitiveError.notifyWithoutLock) { try condition.notify() }
                let waiters = try (1...3).map { index in
                    try asyncio.createTask {
                        try await condition.withLock {
                            try await condition.wait()
                            log.add("woke \(index)")
                        }
                    }
                }
                try await asyncio.sleep(1)
                try await condition.withLock { try condition.notify(2) }
                try await asyncio.sleep(1)
                log.add("after notify(2)")
                try await condition.withLock { try condition.notifyAll() }
                for waiter in waiters { try await waiter.value }
            }
            #expect(log.entries == ["woke 1", "woke 2", "after notify(2)", "woke 3"])
        }
    }

    @Test func conditionWaitForAndCancelReacquiresTheLock() throws {
        try withVirtualLoop { loop, _ in
            let condition = Condition()
            let box = EventLog()
            try loop.runUntilComplete {
                var ready = false
                let waiter = try asyncio.createTask {
                    try await condition.withLock {
                        try await condition.waitFor { box.entries.contains("go") }
                        box.add("predicate true")
                    }
                }
                let cancelled = try asyncio.createTask { () async throws -> Void in
                    try await condition.withLock {
                        do { try await condition.wait() } catch is CancelledError {
                            box.add("cancelled, holds lock: \(condition.locked())")
                            throw CancelledError()
                        }
                    }
                }
                try await asyncio.sleep(1)
                cancelled.cancel()
                _ = try? await cancelled.value
                ready = true
                box.add("go")
                try await condition.withLock { try condition.notifyAll() }
                try await waiter.value
                #expect(ready)
            }
            #expect(box.entries == ["cancelled, holds lock: true", "go", "predicate true"])
        }
    }

    @Test func semaphoreIsStrictlyFIFO() throws {
        try withVirtualLoop { loop, _ in
            let semaphore = try Semaphore(1)
            let log = EventLog()
            try loop.runUntilComplete {
                try await semaphore.acquire()
                let waiter = try asyncio.createTask { try await semaphore.withPermit { log.add("waiter") } }
                try await asyncio.sleep(1)
                try semaphore.release()           // the permit is the waiter's ...
                #expect(semaphore.locked())
                let newcomer = try asyncio.createTask { try await semaphore.withPermit { log.add("newcomer") } }
                try await waiter.value
                try await newcomer.value
            }
            #expect(log.entries == ["waiter", "newcomer"])
            #expect(throws: ValueError("Semaphore initial value must be >= 0")) { try Semaphore(-1) }
        }
    }

    @Test func boundedSemaphoreRefusesOverRelease() throws {
        try withVirtualLoop { loop, _ in
            let semaphore = try BoundedSemaphore(2)
            try loop.runUntilComplete {
                try await semaphore.acquire()
                try semaphore.release()
                #expect(throws: ValueError("BoundedSemaphore released too many times")) { try semaphore.release() }
            }
        }
    }

    @Test func barrierGivesEachPartyAnIndexAndAbortBreaksIt() throws {
        try withVirtualLoop { loop, _ in
            let barrier = try Barrier(parties: 3)
            let indices = try loop.runUntilComplete { () async throws -> [Int] in
                let tasks = try (1...3).map { delay in
                    try asyncio.createTask { () async throws -> Int in
                        try await asyncio.sleep(Double(delay))
                        return try await barrier.wait()
                    }
                }
                return try await asyncio.gather(tasks).sorted()
            }
            #expect(indices == [0, 1, 2] && loop.time() == 3)
            #expect(barrier.nWaiting == 0 && !barrier.broken)
            let outcome = try loop.runUntilComplete { () async throws -> String in
                let waiter = try asyncio.createTask { try await barrier.wait() }
                try await asyncio.sleep(1)
                #expect(barrier.nWaiting == 1)
                try await barrier.abort()
                do { _ = try await waiter.value; return "no error" } catch let error as BrokenBarrierError { return error.message }
            }
            #expect(outcome == "Abort or reset of barrier")
            #expect(barrier.broken)
            #expect(throws: ValueError.self) { try Barrier(parties: 0) }
        }
    }

    @Test func barrierResetBreaksTheCurrentWaiters() throws {
        try withVirtualLoop { loop, _ in
            let barrier = try Barrier(parties: 2)
            let outcome = try loop.runUntilComplete { () async throws -> String in
                let waiter = try asyncio.createTask { try await barrier.wait() }
                try await asyncio.sleep(1)
                try await barrier.reset()
                do { _ = try await waiter.value; return "no error" } catch is BrokenBarrierError { return "broken" }
            }
            #expect(outcome == "broken")
            #expect(!barrier.broken)
        }
    }
}
