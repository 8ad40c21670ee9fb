// Concurrent futures and ThreadPoolExecutor: states, cancellation, shutdown modes, map, errors.
@testable import Asyncio
import Foundation
import Testing

@Suite struct ThreadPoolTests {
    @Test func concurrentFutureStatesAndTransitions() throws {
        let future = ConcurrentFuture<Int>()
        #expect(!future.running() && !future.done() && !future.cancelled())
        #expect(throws: TimeoutError.self) { try future.result(timeout: 0.01) }
        #expect(future.setRunningOrNotifyCancel())
        #expect(future.running())
        #expect(!future.cancel())                       // running: cannot cancel
        try future.setResult(5)
        #expect(future.done())
        #expect(try future.result() == 5)
        #expect(try future.exception() == nil)
        #expect(throws: InvalidStateError.self) { try future.setResult(6) }
        let calls = EventLog()
        future.addDoneCallback { calls.add("done \((try? $0.result()) ?? -1)") }   // already done: at once
        #expect(calls.entries == ["done 5"])

        let pending = ConcurrentFuture<Int>()
        pending.addDoneCallback { calls.add("cancelled \($0.cancelled())") }
        #expect(pending.cancel() && pending.cancel())
        #expect(!pending.setRunningOrNotifyCancel())
        #expect(throws: CancelledError.self) { try pending.result() }
        #expect(calls.entries == ["done 5", "cancelled true"])
    }

    @Test func workBeyondMaxWorkersWaitsPendingAndEveryResultArrives() throws {
        let pool = ThreadPoolExecutor(maxWorkers: 5)
        defer { pool.shutdown() }
        let gate = ConcurrentFuture<Void>()
        let futures = try (0..<10).map { value in
            try pool.submit { () throws -> Int in
                _ = try gate.result(timeout: 10)
                return value
            }
        }
        #expect(futures.map { "\($0)".hasSuffix(" state=running>") } == Array(repeating: true, count: 5)
            + Array(repeating: false, count: 5))
        #expect(futures[5...].allSatisfy { "\($0)".hasPrefix("<Future at 0x") && "\($0)".hasSuffix(" state=pending>") })
        try gate.setResult(())
        #expect(try futures.map { try $0.result(timeout: 10) } == Array(0..<10))
    }

    @Test func anErrorLandsInItsFutureAndTheWorkerLivesOn() throws {
        let pool = ThreadPoolExecutor(maxWorkers: 1)
        defer { pool.shutdown() }
        let failing = try pool.submit { () throws -> Int in throw Boom() }
        #expect(throws: Boom()) { try failing.result(timeout: 10) }
        #expect(try failing.exception(timeout: 10) as? Boom == Boom())
        #expect(try pool.submit { 7 }.result(timeout: 10) == 7)
    }

    @Test func mapKeepsTheOrderOfItsInputs() throws {
        let pool = ThreadPoolExecutor(maxWorkers: 4)
        defer { pool.shutdown() }
        let results = try pool.map([5, 1, 4, 2, 3]) { value -> Int in
            usleep(UInt32(value * 2000))
            return value * 10
        }
        #expect(results == [50, 10, 40, 20, 30])
    }

    @Test func shutdownModes() throws {
        let pool = ThreadPoolExecutor(maxWorkers: 1)
        let gate = ConcurrentFuture<Void>()
        let running = try pool.submit { () throws -> String in _ = try gate.result(timeout: 10); return "ran" }
        let queued = try pool.submit { "queued ran" }
        let release = Thread { usleep(20_000); try? gate.setResult(()) }
        release.start()
        pool.shutdown(wait: true, cancelFutures: true)
        #expect(try running.result() == "ran")
        #expect(queued.cancelled())
        #expect(throws: ExecutorError.shutDown) { _ = try pool.submit { 1 } }
        #expect("\(ExecutorError.shutDown)" == "cannot schedule new futures after shutdown")

        let waiting = ThreadPoolExecutor(maxWorkers: 2)
        let slow = try waiting.submit { () -> Int in usleep(20_000); return 1 }
        waiting.shutdown(wait: true)
        #expect(slow.done())   // wait: the work finished before shutdown returned
        #expect(try slow.result() == 1)
    }

    /// A Swift task that prefers the pool has its job queued behind a busy worker when the pool
    /// shuts down with `cancelFutures`: the submitted call queued with it is cancelled, the job
    /// still runs (it has no future to cancel; dropping it would leave the task suspended forever).
    @Test func aQueuedSwiftTaskJobSurvivesShutdownWithCancelledFutures() throws {
        let pool = ThreadPoolExecutor(maxWorkers: 1)
        let gate = ConcurrentFuture<Void>()
        let busy = try pool.submit { () throws -> Void in _ = try gate.result(timeout: 10) }
        let swiftTaskRan = ConcurrentFuture<String>()
        Task(executorPreference: pool) { try? swiftTaskRan.setResult("job ran") }
        let queued = try pool.submit { "queued ran" }
        // The job is queued once the runtime has enqueued it: wait until the worker has two
        // items behind it (the job and the submitted call) before shutting down.
        for _ in 0..<1000 where pool.core.pendingCount < 2 { usleep(1000) }
        #expect(pool.core.pendingCount == 2)
        pool.shutdown(wait: false, cancelFutures: true)
        try gate.setResult(())
        #expect(try swiftTaskRan.result(timeout: 10) == "job ran")
        #expect(queued.cancelled())
        _ = try busy.result(timeout: 10)
    }

    @Test func aFailingInitializerBreaksThePool() throws {
        let pool = ThreadPoolExecutor(maxWorkers: 1, initializer: { throw Boom() })
        defer { pool.shutdown() }
        let future = try pool.submit { 1 }
        #expect(throws: BrokenThreadPool.self) { try future.result(timeout: 10) }
        #expect(throws: BrokenThreadPool.self) { _ = try pool.submit { 2 } }
    }

    @Test func waitAndAsCompletedForConcurrentFutures() throws {
        let pool = ThreadPoolExecutor(maxWorkers: 3)
        defer { pool.shutdown() }
        let futures = try [30, 10, 20].map { ms in try pool.submit { () -> Int in usleep(UInt32(ms * 1000)); return ms } }
        let (done, notDone) = concurrent.futures.wait(futures, returnWhen: .firstCompleted)
        #expect(done.count >= 1 && done.count + notDone.count == 3)
        var order: [Int] = []
        var completions = concurrent.futures.asCompleted(futures, timeout: 10)
        while let next = try completions.next() { order.append(try next.result()) }
        #expect(order.sorted() == [10, 20, 30] && order.count == 3)
        let (all, none) = concurrent.futures.wait(futures)
        #expect(all.count == 3 && none.isEmpty)
        let never = ConcurrentFuture<Int>()
        var timed = concurrent.futures.asCompleted([never], timeout: 0.02)
        #expect(throws: TimeoutError.self) { _ = try timed.next() }
    }
}
