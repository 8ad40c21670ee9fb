// gather and wait: order, first error, returned errors, cancellation, timeouts, empty input.
@testable import Asyncio
import Testing

@Suite struct GatherWaitTests {
    @Test func gatherReturnsMixedTypesInArgumentOrder() throws {
        try withVirtualLoop { loop, _ in
            let (number, text, elapsed) = try loop.runUntilComplete { () async throws -> (Int, String, Double) in
                let start = loop.time()
                let (a, b) = try await asyncio.gather(
                    { () async throws -> Int in try await asyncio.sleep(2); return 1 },
                    { () async throws -> String in try await asyncio.sleep(1); return "x" })
                return (a, b, loop.time() - start)
            }
            #expect(number == 1 && text == "x" && elapsed == 2)
        }
    }

    @Test func gatherOfACollectionKeepsOrder() throws {
        try withVirtualLoop { loop, _ in
            let results = try loop.runUntilComplete { () async throws -> [Int] in
                let tasks = try [3, 1, 2].map { delay in
                    try asyncio.createTask { () async throws -> Int in
                        try await asyncio.sleep(Double(delay))
                        return delay * 10
                    }
                }
                return try await asyncio.gather(tasks)
            }
            #expect(results == [30, 10, 20])
        }
    }

    @Test func firstErrorPropagatesAndTheOthersKeepRunning() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let slow = try loop.createTask { () async throws -> Int in
                try await asyncio.sleep(3)
                log.add("slow finished at \(loop.time())")
                return 3
            }
            let failing = try loop.createTask { () async throws -> Int in
                try await asyncio.sleep(1)
                throw Boom()
            }
            #expect(throws: Boom()) {
                try loop.runUntilComplete { () async throws -> [Int] in
                    defer { log.add("gather ended at \(loop.time())") }
                    return try await asyncio.gather([slow, failing])
                }
            }
            #expect(!slow.cancelled())
            #expect(try loop.runUntilComplete(slow) == 3)
            #expect(log.entries == ["gather ended at 1.0", "slow finished at 3.0"])
        }
    }

    @Test func returnExceptionsPutsErrorsAndCancellationsInTheResults() throws {
        try withVirtualLoop { loop, _ in
            let results = try loop.runUntilComplete { () async throws -> [String] in
                let ok = try asyncio.createTask { () async throws -> Int in try await asyncio.sleep(2); return 7 }
                let bad = try asyncio.createTask { () async throws -> Int in throw Boom() }
                let gone = try asyncio.createTask { () async throws -> Int in try await asyncio.sleep(5); return 0 }
                try loop.callLater(1) { gone.cancel() }
                return try await asyncio.gather([ok, bad, gone], returnExceptions: true).map { result in
                    switch result {
                    case .success(let value): "\(value)"
                    case .failure(let error): "\(type(of: error))"
                    }
                }
            }
            #expect(results == ["7", "Boom", "CancelledError"])
        }
    }

    @Test func cancellingTheGatherCancelsEveryChild() throws {
        try withVirtualLoop { loop, _ in
            var children: [LoopTask<Void>] = []
            for _ in 0..<3 { children.append(try loop.createTask { try await asyncio.sleep(100) }) }
            let capture = children
            let waiter = try loop.createTask { _ = try await asyncio.gather(capture) }
            try loop.callLater(1) { waiter.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(waiter) }
            for child in children {
                _ = try? loop.runUntilComplete(child)
                #expect(child.cancelled())
            }
        }
    }

    @Test func emptyGatherReturnsAtOnce() throws {
        try withVirtualLoop { loop, _ in
            let results = try loop.runUntilComplete { () async throws -> [Int] in
                try await asyncio.gather([LoopTask<Int>]())
            }
            #expect(results.isEmpty)
        }
    }

    @Test func waitFirstCompletedReturnsDoneAndPendingSets() throws {
        try withVirtualLoop { loop, _ in
            let (done, pending, at) = try loop.runUntilComplete { () async throws -> (Int, Int, Double) in
                let tasks = try [2.0, 3.0, 4.0].map { delay in try asyncio.createTask { try await asyncio.sleep(delay) } }
                let (done, pending) = try await asyncio.wait(tasks, returnWhen: .firstCompleted)
                let at = loop.time()
                for task in pending { task.cancel() }
                _ = try await asyncio.wait(Array(pending))
                return (done.count, pending.count, at)
            }
            #expect(done == 1 && pending == 2 && at == 2)
        }
    }

    @Test func waitFirstExceptionStopsAtTheFirstFailure() throws {
        try withVirtualLoop { loop, _ in
            let (done, pending, at) = try loop.runUntilComplete { () async throws -> (Int, Int, Double) in
                let quiet = try asyncio.createTask { try await asyncio.sleep(1) }
                let failing = try asyncio.createTask { () async throws -> Void in try await asyncio.sleep(2); throw Boom() }
                let slow = try asyncio.createTask { try await asyncio.sleep(5) }
                let (done, pending) = try await asyncio.wait([quiet, failing, slow], returnWhen: .firstException)
                _ = try? failing.result()
                slow.cancel()
                let at = loop.time()
                _ = try? await slow.value
                return (done.count, pending.count, at)
            }
            #expect(done == 2 && pending == 1 && at == 2)
        }
    }

    @Test func waitWithTimeoutNeitherThrowsNorCancels() throws {
        try withVirtualLoop { loop, _ in
            let slow = try loop.createTask { () async throws -> Int in try await asyncio.sleep(10); return 5 }
            let (done, pending) = try loop.runUntilComplete { () async throws -> (Int, Int) in
                let (done, pending) = try await asyncio.wait([slow], timeout: 1)
                return (done.count, pending.count)
            }
            #expect(done == 0 && pending == 1 && loop.time() == 1)
            #expect(!slow.cancelled())
            #expect(try loop.runUntilComplete(slow) == 5)
        }
    }

    @Test func waitAllCompletedIsTheDefaultAndEmptyInputIsAnError() throws {
        try withVirtualLoop { loop, _ in
            let count = try loop.runUntilComplete { () async throws -> Int in
                let tasks = try (1...3).map { delay in try asyncio.createTask { try await asyncio.sleep(Double(delay)) } }
                let (done, pending) = try await asyncio.wait(tasks)
                #expect(pending.isEmpty)
                return done.count
            }
            #expect(count == 3 && loop.time() == 3)
            #expect(throws: ValueError("Set of Tasks/Futures is empty.")) {
                try loop.runUntilComplete { _ = try await asyncio.wait([LoopTask<Int>]()) }
            }
        }
    }

    @Test func cancellingTheWaiterLeavesTheFuturesRunning() throws {
        try withVirtualLoop { loop, _ in
            let child = try loop.createTask { try await asyncio.sleep(5) }
            let waiter = try loop.createTask { _ = try await asyncio.wait([child]) }
            try loop.callLater(1) { waiter.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(waiter) }
            #expect(!child.done())
            try loop.runUntilComplete(child)
            #expect(!child.cancelled())
        }
    }
}
