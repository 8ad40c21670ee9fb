// Cancellation at every await of the sync primitives: one holder, permits and notifications conserved.
@testable import Asyncio
import AsyncioTestSupport
import Testing

@Suite struct SyncSweepTests {
    /// Tasks that hold `lock` for a while, counting holders (`most` must stay 1).
    static func holders(_ lock: Lock, _ count: Int, inside: Shared<Int>, most: Shared<Int>) throws -> [LoopTask<Void>] {
        try (0..<count).map { _ in
            try asyncio.createTask {
                try await lock.withLock {
                    inside.value += 1
                    defer { inside.value -= 1 }
                    most.value = max(most.value, inside.value)
                    try await asyncio.sleep(0.01)
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func lockAcquire() throws {
        try CancellationSweep.run("Lock.acquire") { run in
            let lock = Lock()
            let inside = Shared(0), most = Shared(0)
            try await lock.acquire()
            let before = try Self.holders(lock, 2, inside: inside, most: most)
            try run.loop.callLater(0.005) { try lock.release() }
            let outcome = try await run.victim {
                try await lock.withLock {
                    inside.value += 1
                    defer { inside.value -= 1 }
                    most.value = max(most.value, inside.value)
                    try await asyncio.sleep(0.01)
                }
            }
            let after = try Self.holders(lock, 2, inside: inside, most: most)
            _ = try await asyncio.gather(before + after, returnExceptions: true)
            run.require(most.value == 1, "\(most.value) holders at once")
            run.require(!lock.locked() && lock.lot.isEmpty, "lock left \(lock) after \(outcome.summary)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func semaphoreAcquire() throws {
        try CancellationSweep.run("Semaphore.acquire") { run in
            let semaphore = try BoundedSemaphore(2)
            let inside = Shared(0), most = Shared(0)
            @Sendable func use() async throws {
                try await semaphore.withPermit {
                    inside.value += 1
                    defer { inside.value -= 1 }
                    most.value = max(most.value, inside.value)
                    try await asyncio.sleep(0.01)
                }
            }
            let before = try (0..<3).map { _ in try asyncio.createTask { try await use() } }
            _ = try await run.victim { try await use() }
            let after = try (0..<3).map { _ in try asyncio.createTask { try await use() } }
            _ = try await asyncio.gather(before + after, returnExceptions: true)
            run.require(most.value <= 2, "\(most.value) permits in use at once")
            run.require(semaphore.value == 2, "\(semaphore.value) permits left of 2")
        }
    }

    @Test(.timeLimit(.minutes(1))) func conditionWait() throws {
        try CancellationSweep.run("Condition.wait") { run in
            let condition = Condition()
            let woken = Shared<[String]>([])
            let other = try asyncio.createTask {
                try await condition.withLock {
                    try await condition.wait()
                    woken.value.append("other")
                }
            }
            let afterOne = Shared<[String]>([])
            try run.loop.callLater(0.005) {
                _ = try asyncio.createTask { try await condition.withLock { try condition.notify(1) } }
            }
            try run.loop.callLater(0.01) { afterOne.value = woken.value }
            try run.loop.callLater(0.015) {
                _ = try asyncio.createTask { try await condition.withLock { try condition.notifyAll() } }
            }
            let outcome = try await run.victim {
                try await condition.withLock {
                    try await condition.wait()
                    woken.value.append("victim")
                }
            }
            _ = try await other.value
            // One notify wakes one waiter; a cancelled victim that was notified passes it on.
            run.require(afterOne.value.count == 1 || (afterOne.value.isEmpty && outcome.summary == "cancelled"),
                        "one notify woke \(afterOne.value) (\(outcome.summary))")
            run.require(woken.value.contains("other"), "the other waiter never woke")
            run.require(!condition.locked(), "the condition's lock is still held")
        }
    }

    @Test(.timeLimit(.minutes(1))) func eventWait() throws {
        try CancellationSweep.run("Event.wait") { run in
            let event = Event()
            try run.loop.callLater(0.005) { event.set() }
            let outcome = try await run.victim { try await event.wait() }
            if case .completed = outcome { run.require(event.isSet(), "woke with the event unset") }
        }
    }

    @Test(.timeLimit(.minutes(1))) func barrierWait() throws {
        try CancellationSweep.run("Barrier.wait") { run in
            let barrier = try Barrier(parties: 3)
            let others = try (0..<2).map { _ in try asyncio.createTask { try await barrier.wait() } }
            let outcome = try await run.victim { try await barrier.wait() }
            try await asyncio.sleep(0.001)
            if case .cancelled = outcome, !others.allSatisfy({ $0.done() }) {
                // The victim left before the barrier tripped (if it was cancelled after, the
                // others went through): they wait for a third party; one more comes.
                run.require(barrier.nWaiting == 2, "\(barrier.nWaiting) waiting after the victim left")
                _ = try await asyncio.createTask { try await barrier.wait() }.value
            }
            let indices = try await asyncio.gather(others).sorted()
            run.require(Set(indices).count == 2, "indices \(indices)")
            run.require(barrier.nWaiting == 0 && !barrier.broken, "barrier left with \(barrier.nWaiting) waiting")
        }
    }
}
