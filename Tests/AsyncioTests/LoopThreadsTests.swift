// The loop and threads: runInExecutor, toThread, wrapFuture, runCoroutineThreadsafe, the 8-thread stress.
@testable import Asyncio
import Foundation
import Testing

enum Trace {
    @TaskLocal static var requestID = "none"
}

@Suite struct LoopThreadsTests {
    @Test func runInExecutorKeepsTheLoopFree() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let log = EventLog()
        let value = try loop.runUntilComplete { () async throws -> String in
            let ticker = try asyncio.createTask { () async throws -> Void in
                for _ in 0..<3 { log.add("tick"); try await asyncio.sleep(0.005) }
            }
            let result = try await loop.runInExecutor(nil) { () -> String in usleep(60_000); return "something" }.value
            try await ticker.value
            return result
        }
        #expect(value == "something")
        #expect(log.entries == ["tick", "tick", "tick"])
    }

    @Test func toThreadRunsOnAnotherThreadWithTheTaskLocals() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let loopThread = "\(pthread_self())"
        let (thread, requestID) = try loop.runUntilComplete { () async throws -> (String, String) in
            try await Trace.$requestID.withValue("r-42") {
                try await asyncio.toThread { ("\(pthread_self())", Trace.requestID) }
            }
        }
        #expect(thread != loopThread)
        #expect(requestID == "r-42")
    }

    @Test func wrapFutureCancelsBothWays() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        try loop.runUntilComplete {
            let pending = ConcurrentFuture<Int>()
            let wrapped = loop.wrapFuture(pending)
            wrapped.cancel()
            try await asyncio.sleep(0)
            #expect(pending.cancelled())                 // asyncio side -> concurrent side

            let other = ConcurrentFuture<Int>()
            let wrappedOther = loop.wrapFuture(other)
            other.cancel()
            do { _ = try await wrappedOther.value; Issue.record("not cancelled") } catch is CancelledError {}
            #expect(wrappedOther.cancelled())            // concurrent side -> asyncio side

            let done = ConcurrentFuture<Int>()
            let wrappedDone = loop.wrapFuture(done)
            Thread.detachNewThread { try? done.setResult(9) }
            let nine = try await wrappedDone.value
            #expect(nine == 9)
        }
    }

    @Test func cancellingTheAwaiterLeavesStartedThreadWorkRunning() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let finished = ConcurrentFuture<String>()
        let task = try loop.createTask {
            try await asyncio.toThread { () -> Void in
                usleep(50_000)
                try? finished.setResult("thread finished")
            }
        }
        try loop.callLater(0.01) { task.cancel() }
        #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
        #expect(try finished.result(timeout: 10) == "thread finished")
    }

    @Test func runCoroutineThreadsafeFromAnotherThread() throws {
        let loop = try EventLoop()
        let stopped = ConcurrentFuture<Void>()
        Thread.detachNewThread {
            try? loop.runForever()
            try? stopped.setResult(())
        }
        defer {
            _ = try? loop.callSoonThreadsafe { loop.stop() }
            _ = try? stopped.result(timeout: 10)
            try? loop.close()
        }
        let future = try asyncio.runCoroutineThreadsafe({ () async throws -> Int in
            try await asyncio.sleep(0.01)
            return 21 * 2
        }, loop: loop)
        #expect(try future.result(timeout: 10) == 42)

        let failing = try asyncio.runCoroutineThreadsafe({ () async throws -> Int in throw Boom() }, loop: loop)
        #expect(throws: Boom()) { try failing.result(timeout: 10) }

        let started = ConcurrentFuture<Void>()
        let cancelledInside = ConcurrentFuture<Bool>()
        let long = try asyncio.runCoroutineThreadsafe({ () async throws -> Int in
            try? started.setResult(())
            do { try await asyncio.sleep(3600) } catch is CancelledError {
                try? cancelledInside.setResult(true)
                throw CancelledError()
            }
            return 0
        }, loop: loop)
        try started.result(timeout: 10)
        long.cancel()
        #expect(try cancelledInside.result(timeout: 10))
    }

    @Test func eightThreadsHammeringTheLoopLoseNothing() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let threads = 8, perThread = 5_000
        let counter = LockedCount()
        let coroutineSum = LockedCount()
        try loop.runUntilComplete { () async throws -> Void in
            let allSubmitted = ConcurrentFuture<Void>()
            let remaining = LockedCount(threads)
            for thread in 0..<threads {
                Thread.detachNewThread {
                    var futures: [ConcurrentFuture<Int>] = []
                    for index in 0..<perThread {
                        _ = try? loop.callSoonThreadsafe { counter.add(1) }
                        if index % 10 == 0, let future = try? asyncio.runCoroutineThreadsafe({ () async -> Int in thread }, loop: loop) {
                            futures.append(future)
                        }
                    }
                    let sum = futures.reduce(0) { $0 + ((try? $1.result(timeout: 30)) ?? -1_000_000) }
                    coroutineSum.add(sum)
                    if remaining.add(-1) == 0 { try? allSubmitted.setResult(()) }
                }
            }
            try await loop.wrapFuture(allSubmitted).value
            try await asyncio.sleep(0)
        }
        #expect(counter.value == threads * perThread)
        let expectedSum = (0..<threads).map { $0 * (perThread / 10) }.reduce(0, +)
        #expect(coroutineSum.value == expectedSum)
    }

    @Test func virtualTimeStandsStillWhileThreadWorkIsPending() throws {
        try withVirtualLoop { loop, _ in
            let (value, elapsed) = try loop.runUntilComplete { () async throws -> (String, Double) in
                let start = loop.time()
                let value = try await asyncio.timeout(1) {
                    try await asyncio.toThread { () -> String in usleep(50_000); return "done in time" }
                }
                return (value, loop.time() - start)
            }
            #expect(value == "done in time")
            #expect(elapsed == 0)
            try loop.runUntilComplete { try await loop.shutdownDefaultExecutor(timeout: 5) }
            #expect(loop.time() == 0)
        }
    }

    @Test func runShutsTheDefaultExecutorDown() throws {
        nonisolated(unsafe) var made: EventLoop?
        try asyncio.run(loopFactory: { made = try EventLoop(); return made! }) {
            _ = try await asyncio.toThread { 1 }
        }
        #expect(made!.isClosed())
        #expect(made!.defaultExecutor == nil)
    }
}
