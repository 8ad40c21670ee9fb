// Generator-based coroutines on the loop: yieldFrom futures, tasks, coroutines and async code;
// as_completed, errors, and cancellation thrown in at the pending yieldFrom.
import Asyncio
import AsyncioGreenlets
import Testing

/// Runs `body` with a fresh loop on a virtual clock, and closes it afterwards.
func withVirtualLoop<R>(_ body: (EventLoop) throws -> R) throws -> R {
    let loop = try EventLoop(clock: VirtualClock())
    defer { try? loop.close() }
    return try body(loop)
}

/// An ordered record shared by the coroutines of one test (they all run on the loop's thread).
final class Trace: @unchecked Sendable {
    // Touched only from the loop's thread, where every coroutine of a test runs.
    var lines: [String] = []
}

@Suite struct GeneratorCoroutineTests {
    func hello(_ n: Int, _ seconds: Double, _ result: String, _ trace: Trace) -> GeneratorCoroutine<String> {
        asyncio.coroutine { co in
            trace.lines.append("Hello world 0\(n) begin")
            try co.yieldFrom { try await asyncio.sleep(seconds) }
            trace.lines.append("Hello again 0\(n) end")
            return result
        }
    }

    @Test func asCompletedOverGeneratorCoroutines() throws {
        let trace = Trace()
        let (elapsed, results) = try withVirtualLoop { loop in
            try loop.runUntilComplete { () async throws -> (Double, [String]) in
                let start = loop.time()
                var results: [String] = []
                for next in try asyncio.asCompleted([self.hello(1, 5, "a", trace), self.hello(2, 3, "b", trace), self.hello(3, 4, "c", trace)]) {
                    results.append(try await next.value)
                }
                return (loop.time() - start, results)
            }
        }
        #expect(results == ["b", "c", "a"])
        #expect(elapsed == 5)
        #expect(trace.lines.prefix(3) == ["Hello world 01 begin", "Hello world 02 begin", "Hello world 03 begin"])
    }

    @Test func yieldFromFuturesTasksAndOtherCoroutines() throws {
        let result = try withVirtualLoop { loop in
            try loop.runUntilComplete(asyncio.coroutine { co -> Int in
                let future = loop.createFuture(of: Int.self)
                try loop.callLater(1) { try? future.setResult(20) }
                let fromFuture = try co.yieldFrom(future)
                let task = try loop.createTask { () async throws -> Int in try await asyncio.sleep(1); return 300 }
                let fromTask = try co.yieldFrom(task)
                let inner = asyncio.coroutine { inner -> Int in
                    try inner.yieldFrom { try await asyncio.sleep(1) }
                    return 4000
                }
                let fromCoroutine = try co.yieldFrom(inner)
                return fromFuture + fromTask + fromCoroutine + Int(loop.time())
            })
        }
        #expect(result == 20 + 300 + 4000 + 3)
    }

    @Test func anAwaitedErrorIsThrownIntoTheBody() throws {
        let outcome = try withVirtualLoop { loop in
            try loop.runUntilComplete(asyncio.coroutine { co -> String in
                do {
                    try co.yieldFrom { () async throws -> Void in throw Boom(tag: "io") }
                    return "no error"
                } catch let error as Boom {
                    return "caught \(error.tag)"
                }
            })
        }
        #expect(outcome == "caught io")
        #expect(throws: Boom(tag: "out")) {
            try withVirtualLoop { loop in
                try loop.runUntilComplete(asyncio.coroutine { _ -> Int in throw Boom(tag: "out") })
            }
        }
    }

    @Test func cancellingTheTaskThrowsCancelledErrorAtTheYieldFrom() throws {
        let trace = Trace()
        try withVirtualLoop { loop in
            let state = try loop.runUntilComplete { () async throws -> String in
                let task = try asyncio.createTask(asyncio.coroutine { co -> Int in
                    defer { trace.lines.append("cleanup") }
                    do {
                        try co.yieldFrom { try await asyncio.sleep(3600) }
                    } catch is CancelledError {
                        trace.lines.append("cancelled at \(loop.time())")
                        throw CancelledError()
                    }
                    return 1
                })
                try await asyncio.sleep(1)
                task.cancel()
                do { _ = try await task.value } catch is CancelledError { return "task cancelled: \(task.cancelled())" }
                return "task finished"
            }
            #expect(state == "task cancelled: true")
        }
        #expect(trace.lines == ["cancelled at 1.0", "cleanup"])
    }

    @Test func aCoroutineMaySwallowCancellationAndReturn() throws {
        let value = try withVirtualLoop { loop in
            try loop.runUntilComplete { () async throws -> Int in
                let task = try asyncio.createTask(asyncio.coroutine { co -> Int in
                    do { try co.yieldFrom { try await asyncio.sleep(10) } } catch is CancelledError { return -1 }
                    return 1
                })
                try await asyncio.sleep(0)
                task.cancel()
                return try await task.value
            }
        }
        #expect(value == -1)
    }

    @Test func asyncCodeAwaitsACoroutineWithRun() throws {
        let value = try withVirtualLoop { loop in
            try loop.runUntilComplete { () async throws -> String in
                let coroutine = asyncio.coroutine { co -> String in
                    try co.yieldFrom { try await asyncio.sleep(2) }
                    return "slept until \(loop.time())"
                }
                return try await coroutine.run()
            }
        }
        #expect(value == "slept until 2.0")
    }

    @Test func ensureFutureAndAsyncioRun() throws {
        let loop = try EventLoop(clock: VirtualClock())
        asyncio.setEventLoop(loop)
        defer { asyncio.setEventLoop(nil); try? loop.close() }
        let task = try asyncio.ensureFuture(asyncio.coroutine { co -> Int in
            try co.yieldFrom { try await asyncio.sleep(1) }
            return 7
        })
        #expect(try loop.runUntilComplete(task) == 7)
        let viaRun = try asyncio.run(asyncio.coroutine { co -> Int in
            try co.yieldFrom { try await asyncio.sleep(0) }
            return 8
        })
        #expect(viaRun == 8)
    }
}
