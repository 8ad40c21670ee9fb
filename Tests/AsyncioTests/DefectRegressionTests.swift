// One test per defect of the trust issue (#10), each the smallest repro: they failed before the fix.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct DefectRegressionTests {
    /// Defect 1: a socket wait cancelled in the iteration its descriptor became ready was resumed
    /// twice (the readiness wake-up was already queued when the cancel resumed it again).
    @Test(.timeLimit(.minutes(1)), .assertsFIFOOrder) func aReadinessWaitCancelledAsItBecomesReadyResumesOnce() throws {
        for order in 0..<3 {
            try withVirtualLoop { loop, _ in
                let (a, b) = socketPair()
                defer { close(a); close(b) }
                let outcome = try loop.runUntilComplete { () async throws -> String in
                    let task = try asyncio.createTask { try await loop.sockRecv(a, 16) }
                    try await asyncio.sleep(0)
                    var byte: UInt8 = 1
                    _ = write(b, &byte, 1)
                    for _ in 0..<order { try await asyncio.sleep(0) }   // ready, queued, or run
                    task.cancel()
                    do { return "got \(try await task.value)" } catch is CancelledError { return "cancelled" }
                }
                #expect(outcome == (order < 2 ? "cancelled" : "got [1]"))
                // The byte is still there unless the task read it: nothing was lost to the cancel.
                var byte: UInt8 = 0
                #expect(read(a, &byte, 1) == (order < 2 ? 1 : -1))
                #expect(loop.selector.isEmpty)
            }
        }
    }

    /// Defect 3: main holds the lock, three waiters park; cancelling waiter 1 and releasing in
    /// the same callback let waiters 2 and 3 both in (CPython's test_cancel_release_race).
    @Test(.timeLimit(.minutes(1)), .assertsFIFOOrder) func aCancelAndAReleaseInOneCallbackAdmitOneHolder() throws {
        try withVirtualLoop { loop, _ in
            let holders = try loop.runUntilComplete { () async throws -> [String] in
                let lock = Lock()
                try await lock.acquire()
                let inside = Shared(0), most = Shared(0), order = Shared<[String]>([])
                func waiter(_ name: String) -> LoopTask<Void> {
                    try! asyncio.createTask {
                        try await lock.acquire()
                        inside.value += 1
                        most.value = max(most.value, inside.value)
                        order.value.append(name)
                        try await asyncio.sleep(0)
                        inside.value -= 1
                        try lock.release()
                    }
                }
                let tasks = [waiter("1"), waiter("2"), waiter("3")]
                try await asyncio.sleep(0)
                try loop.callSoon {
                    tasks[0].cancel()
                    try lock.release()
                }
                _ = try await asyncio.gather(tasks, returnExceptions: true)
                return order.value + ["most \(most.value)"]
            }
            #expect(holders == ["2", "3", "most 1"])
        }
    }

    /// Defect 5: awaiting a future of another loop hung; asyncio raises at once.
    @Test(.timeLimit(.minutes(1))) func awaitingAFutureOfAnotherLoopThrows() throws {
        try withVirtualLoop { loop, _ in
            let other = try EventLoop()
            defer { try? other.close() }
            let foreign = other.createFuture(of: Int.self)
            let message = try loop.runUntilComplete { () async throws -> String in
                do { _ = try await foreign.value; return "no error" } catch let error as EventLoopError { return "\(error)" }
            }
            #expect(message.hasPrefix("Task <Task pending name='"))
            #expect(message.hasSuffix("got Future <Future pending> attached to a different loop"))
        }
    }

    /// Defect 6: sleeps past 2^24 s spun forever on the virtual clock (a 1e-9 step lost to
    /// rounding); infinity sleeps until cancelled.
    @Test(.timeLimit(.minutes(1))) func longAndInfiniteSleepsWorkOnTheVirtualClock() throws {
        try withVirtualLoop { loop, clock in
            let times = try loop.runUntilComplete { () async throws -> [Double] in
                var times: [Double] = []
                for delay in [1.7e7, 1e12, 1e300] {
                    try await asyncio.sleep(delay)
                    times.append(loop.time())
                }
                let forever = try asyncio.createTask { try await asyncio.sleep(.infinity) }
                do { try await asyncio.waitFor(forever, timeout: 5) } catch is TimeoutError { times.append(-1) }
                return times
            }
            #expect(times.count == 4 && times[3] == -1)
            #expect(times[0] == 1.7e7)
            #expect(times[2] >= 1e300)
            #expect(clock.now().isFinite)
        }
    }

    /// Defect 8: a second cancel reaching a task in gather after a child finished cancelled gave a
    /// spurious "Future exception was never retrieved" and the second message.
    @Test(.timeLimit(.minutes(1)), .assertsFIFOOrder) func aSecondCancelDuringGatherKeepsTheFirstMessageAndReportsNothing() throws {
        try withVirtualLoop { loop, _ in
            let reported = ReportedErrors()
            reported.install(on: loop)
            let outcome = try loop.runUntilComplete { () async throws -> String in
                let child = try asyncio.createTask { try await asyncio.sleep(10) }
                let outer = try asyncio.createTask { () async throws -> Void in _ = try await asyncio.gather([child]) }
                try await asyncio.sleep(0)
                child.cancel(msg: "first")
                try await asyncio.sleep(0)        // the child ends cancelled; gather has not noticed
                outer.cancel(msg: "second")
                do { try await outer.value; return "no error" } catch let error as CancelledError {
                    return error.message ?? "nil"
                }
            }
            #expect(outcome == "first")
            #expect(reported.messages.isEmpty)
        }
    }

    /// Defect 9: timeout(0), or a deadline already past, around a body that yields must expire:
    /// asyncio schedules the timeout with call_soon, before the task's wake-up.
    @Test(.timeLimit(.minutes(1)), .assertsFIFOOrder) func aTimeoutAlreadyDueExpiresAroundABareYield() throws {
        try withVirtualLoop { loop, _ in
            let outcome = try loop.runUntilComplete { () async throws -> [String] in
                var outcome: [String] = []
                for deadline in [0.0, -1.0] {
                    var scope: Timeout?
                    do {
                        try await asyncio.timeout(deadline) { (cm: Timeout) in
                            scope = cm
                            try await asyncio.sleep(0)
                        }
                        outcome.append("completed")
                    } catch is TimeoutError {
                        outcome.append("TimeoutError expired=\(scope!.expired())")
                    }
                }
                return outcome
            }
            #expect(outcome == ["TimeoutError expired=true", "TimeoutError expired=true"])
        }
    }

    /// Defect 10: after a child failed, the parent's cancel count stayed raised (3.13's
    /// test_cancelling_level_preserved).
    @Test(.timeLimit(.minutes(1))) func aFailedGroupLeavesTheCancelCountWhereItWas() throws {
        try withVirtualLoop { loop, _ in
            let level = try loop.runUntilComplete { () async throws -> Int in
                do {
                    _ = try await asyncio.taskGroup { tg in
                        try tg.createTask { () async throws -> Void in
                            try await asyncio.sleep(0)
                            throw Boom()
                        }
                    }
                } catch is ExceptionGroup {}
                return asyncio.currentTask()!.cancelling()
            }
            #expect(level == 0)
        }
    }

    /// Defect 10: an outside cancel that arrives while the group fails is not lost (3.13's
    /// test_error_and_cancel): the code after the group is cancelled at its next await.
    @Test(.timeLimit(.minutes(1))) func anOutsideCancelDuringAFailingGroupIsKept() throws {
        try withVirtualLoop { loop, _ in
            let log = try loop.runUntilComplete { () async throws -> [String] in
                let log = Shared<[String]>([])
                let event = Event()
                let inner = try asyncio.createTask { () async throws -> Void in
                    do {
                        try await asyncio.taskGroup { tg in
                            try tg.createTask { () async throws -> Void in
                                event.set()
                                try await asyncio.sleep(0)
                                throw Boom()
                            }
                            try await asyncio.sleep(1)
                            log.value.append("sleep in group not cancelled")
                        }
                    } catch is ExceptionGroup {
                        log.value.append("group error, cancelling \(asyncio.currentTask()!.cancelling())")
                    }
                    try await asyncio.sleep(1)
                    log.value.append("sleep after group not cancelled")
                }
                try await event.wait()
                log.value.append("before cancel \(inner.cancelling())")
                inner.cancel()
                do { try await inner.value } catch is CancelledError { log.value.append("inner cancelled \(inner.cancelled())") }
                return log.value
            }
            #expect(log == ["before cancel 0", "group error, cancelling 1", "inner cancelled true"])
        }
    }

    /// Defect 14: pool work still running when the process exits was lost; CPython joins the
    /// executor's threads at exit. The child submits slow work and returns from the test: the
    /// work's line must come after the test runner's summary, i.e. from the exit join.
    @Test(.timeLimit(.minutes(1))) func poolWorkStillRunningAtExitFinishesBeforeTheProcessEnds() throws {
        let output = try inChildProcess("DefectRegressionTests") {
            let pool = ThreadPoolExecutor(maxWorkers: 1)
            let started = ConcurrentFuture<Void>()
            _ = try pool.submit { () -> Void in
                try? started.setResult(())
                usleep(300_000)
                FileHandle.standardOutput.write(Data("pool work done\n".utf8))
            }
            try started.result(timeout: 10)
        }
        guard let output else { return }   // in the child
        let summary = try #require(output.range(of: "Test run with 1 test"))
        let work = try #require(output.range(of: "pool work done"), "the work was lost at exit:\n\(output)")
        #expect(work.lowerBound > summary.lowerBound)
    }

    /// Defect 15: a task's repr left out its done callbacks; CPython shows `cb=[...]` with each
    /// callback, and its own callbacks by name.
    @Test(.timeLimit(.minutes(1))) func aTaskReprShowsItsDoneCallbacks() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask(name: "t") { () async throws -> Int in try await asyncio.sleep(1); return 1 }
            #expect(!"\(task)".contains("cb=["))
            let line = #line + 1
            task.addDoneCallback { _ in }
            #expect("\(task)".hasSuffix(" cb=[<closure>() at AsyncioTests/DefectRegressionTests.swift:\(line)]>"), "\(task)")
            task.addDoneCallback { _ in }
            task.addDoneCallback { _ in }
            #expect("\(task)".hasSuffix(" cb=[<closure>() at AsyncioTests/DefectRegressionTests.swift:\(line), <1 more>, <closure>() at AsyncioTests/DefectRegressionTests.swift:\(line + 3)]>"), "\(task)")
            _ = try loop.runUntilComplete(task)
            #expect(!"\(task)".contains("cb=["))
        }
    }

    /// Defect 17: `asCompleted` with a timeout kept its loop alive: a timer that had run kept
    /// its callback, which held the owner that kept the timer. A timer lets go once it runs.
    @Test(.timeLimit(.minutes(1))) func aTimerThatRanOrWasCancelledLetsGoOfItsCallback() throws {
        final class Owner { var timer: TimerHandle? }
        let tracker = LifetimeTracker()
        try withVirtualLoop { loop, _ in
            for cancelIt in [false, true] {
                let owner = Owner()
                tracker.track(owner, cancelIt ? "cancelled timer's owner" : "fired timer's owner")
                owner.timer = try loop.callLater(1) { _ = owner }
                if cancelIt { owner.timer?.cancel() }
            }
            try loop.runUntilComplete { try await asyncio.sleep(2) }
        }
        try tracker.checkAllFreed("timers")
    }

    /// Defect 18: `createConnection` (and `createDatagramEndpoint`) returned after one turn of the
    /// loop, trusting `connectionMade` to have run first. Under schedule fuzzing the caller ran
    /// first, wrote on a protocol that had no transport yet, and (the HTTP client) lost the
    /// connection without closing it. They now wait for the transport to say `connectionMade` ran.
    @Test(.timeLimit(.minutes(1))) func createConnectionReturnsOnlyAfterConnectionMadeInAnyOrder() throws {
        final class Made: ConnectionProtocol, DatagramProtocol {
            var made = false
            func connectionMade(_ transport: any Transport) { made = true }
            func dataReceived(_ data: [UInt8]) {}
            func datagramReceived(_ data: [UInt8], from address: SocketAddress?) {}
        }
        for seed in UInt64(1)...60 {
            let seen = try withLeakChecks { loop, _ in
                loop.scheduleFuzzer = ScheduleFuzzer(seed: seed)
                return try loop.runUntilComplete { () async throws -> [Bool] in
                    let server = try await loop.createServer({ Made() }, host: "127.0.0.1", port: 0)
                    let port = SocketAddressOf(server.sockets[0]).port!
                    let (transport, stream) = try await loop.createConnection({ Made() }, host: "127.0.0.1", port: port)
                    let streamMade = stream.made
                    let (endpoint, datagram) = try await loop.createDatagramEndpoint(
                        { Made() }, localAddress: try SocketAddress(host: "127.0.0.1", port: 0))
                    let datagramMade = datagram.made
                    transport.close()
                    endpoint.close()
                    server.close()
                    try await server.waitClosed()
                    try await asyncio.sleep(0.01)
                    return [streamMade, datagramMade]
                }
            }
            #expect(seen == [true, true], "seed \(seed)")
        }
    }
}
