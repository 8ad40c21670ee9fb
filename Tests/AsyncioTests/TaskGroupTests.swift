// asyncio TaskGroup (CPython's test_taskgroups cases) and many children finishing out of order.
@testable import Asyncio
import Testing

@Suite struct TaskGroupTests {
    @Test func waitsForEveryChild() throws {
        try withVirtualLoop { loop, _ in
            let (sum, at) = try loop.runUntilComplete { () async throws -> (Int, Double) in
                var tasks: [LoopTask<Int>] = []
                try await asyncio.taskGroup { group in
                    for delay in 1...3 {
                        tasks.append(try group.createTask { () async throws -> Int in
                            try await asyncio.sleep(Double(delay))
                            return delay
                        })
                    }
                }
                return (try tasks.map { try $0.result() }.reduce(0, +), loop.time())
            }
            #expect(sum == 6 && at == 3)
        }
    }

    @Test func firstFailureCancelsSiblingsAndBodyAndAllErrorsAreGrouped() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            #expect {
                try loop.runUntilComplete {
                    try await asyncio.taskGroup { group in
                        try group.createTask { () async throws -> Void in
                            try await asyncio.sleep(1)
                            throw Boom(tag: "first")
                        }
                        try group.createTask { () async throws -> Void in
                            do { try await asyncio.sleep(10) } catch is CancelledError {
                                log.add("sibling cancelled at \(loop.time())")
                                throw Boom(tag: "second")   // a failure while cancelling is collected too
                            }
                        }
                        do { try await asyncio.sleep(10) } catch is CancelledError {
                            log.add("body cancelled at \(loop.time())")
                            throw CancelledError()
                        }
                    }
                }
            } throws: { error in
                guard let group = error as? ExceptionGroup else { return false }
                return group.errors.map { "\($0)" } == ["first", "second"]
                    && "\(group)" == "unhandled errors in a TaskGroup (2 sub-exceptions)"
            }
            #expect(log.entries.sorted() == ["body cancelled at 1.0", "sibling cancelled at 1.0"])
        }
    }

    @Test func createTaskAfterTheGroupFinishedIsAnError() throws {
        try withVirtualLoop { loop, _ in
            let message = try loop.runUntilComplete { () async throws -> String in
                var escaped: LoopTaskGroup?
                try await asyncio.taskGroup { group in escaped = group }
                do { try escaped!.createTask { 1 }; return "no error" } catch { return "\(error)" }
            }
            #expect(message == "TaskGroup is finished")
        }
    }

    @Test func createTaskWhileShuttingDownIsAnError() throws {
        try withVirtualLoop { loop, _ in
            let message = try loop.runUntilComplete { () async throws -> String in
                var message = ""
                do {
                    try await asyncio.taskGroup { group in
                        try group.createTask { () async throws -> Void in throw Boom() }
                        do { try await asyncio.sleep(10) } catch is CancelledError {
                            do { try group.createTask { 1 } } catch { message = "\(error)" }
                            throw CancelledError()
                        }
                    }
                } catch is ExceptionGroup {}
                return message
            }
            #expect(message == "TaskGroup is shutting down")
        }
    }

    @Test func outerCancelWithChildFailuresGivesTheGroupError() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask {
                try await asyncio.taskGroup { group in
                    try group.createTask { () async throws -> Void in
                        do { try await asyncio.sleep(10) } catch is CancelledError { throw Boom(tag: "on cancel") }
                    }
                    try await asyncio.sleep(10)
                }
            }
            try loop.callLater(1) { task.cancel() }
            #expect(throws: ExceptionGroup.self) { try loop.runUntilComplete(task) }
        }
    }

    @Test func outerCancelWithoutFailuresStaysACancel() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask {
                try await asyncio.taskGroup { group in
                    try group.createTask { try await asyncio.sleep(10) }
                    try await asyncio.sleep(10)
                }
            }
            try loop.callLater(1) { task.cancel() }
            #expect(throws: CancelledError.self) { try loop.runUntilComplete(task) }
            #expect(task.cancelled())
        }
    }

    @Test func eagerChildrenThatFinishAtOnceAreCountedAndTheirErrorsCollected() throws {
        try withVirtualLoop { loop, _ in
            loop.setTaskFactory(asyncio.eagerTaskFactory)
            let log = EventLog()
            #expect {
                try loop.runUntilComplete {
                    try await asyncio.taskGroup { group in
                        let quick = try group.createTask { () -> Int in log.add("eager child"); return 1 }
                        #expect(quick.done())
                        try group.createTask { () async throws -> Void in throw Boom(tag: "eager failure") }
                        log.add("body goes on")
                    }
                }
            } throws: { error in
                (error as? ExceptionGroup)?.errors.map { "\($0)" } == ["eager failure"]
            }
            #expect(log.entries == ["eager child", "body goes on"])
        }
    }

    @Test func aHundredThousandChildrenFinishingInRandomOrder() throws {
        try withVirtualLoop { loop, _ in
            let count = 100_000
            var generator = SystemRandomNumberGenerator()
            let delays = (0..<count).map { _ in Double.random(in: 0..<1, using: &generator) }
            let finished = try loop.runUntilComplete { () async throws -> Int in
                var tasks: [LoopTask<Void>] = []
                tasks.reserveCapacity(count)
                try await asyncio.taskGroup { group in
                    for delay in delays { tasks.append(try group.createTask { try await asyncio.sleep(delay) }) }
                }
                return tasks.filter { $0.done() && !$0.cancelled() }.count
            }
            #expect(finished == count)
        }
    }
}
