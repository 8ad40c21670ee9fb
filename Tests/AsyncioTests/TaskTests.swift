// Tasks: scheduling order, names, results, current/all tasks, eager start, strong references, stacks.
@testable import Asyncio
import Foundation
import Testing

@Suite struct TaskTests {
    @Test(.assertsFIFOOrder) func firstStepRunsAfterCallbacksAlreadyQueued() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            try loop.callSoon { log.add("callback 1") }
            let task = try loop.createTask { log.add("task") }
            try loop.callSoon { log.add("callback 2") }
            #expect(log.entries.isEmpty)
            try loop.runUntilComplete(task)
            #expect(log.entries == ["callback 1", "task", "callback 2"])
        }
    }

    @Test func defaultNamesCountUpAndNamesCanChange() throws {
        try inChildProcess("TaskTests") { try withVirtualLoop { loop, _ in
            AnyTask.resetNameCounter()
            let first = try loop.createTask { 1 }
            let second = try loop.createTask { 2 }
            let named = try loop.createTask(name: "n1") { 3 }
            #expect(first.getName() == "Task-1")
            #expect(second.getName() == "Task-2")
            #expect(named.getName() == "n1")
            named.setName("renamed")
            #expect(named.getName() == "renamed")
            _ = try loop.runUntilComplete(named)
        } }
    }

    /// The name counter is process-wide (as asyncio's): the test runs in a child process.
    @Test func mainTaskOfRunIsTask1() throws { try inChildProcess("TaskTests") {
        AnyTask.resetNameCounter()
        let names = try asyncio.run(loopFactory: { try EventLoop(clock: VirtualClock()) }) { () async throws -> [String] in
            let a = try asyncio.createTask { try await asyncio.sleep(1) }
            let b = try asyncio.createTask { try await asyncio.sleep(1) }
            try await a.value
            try await b.value
            return [asyncio.currentTask()!.getName(), a.getName(), b.getName()]
        }
        #expect(names == ["Task-1", "Task-2", "Task-3"])
    } }

    @Test func resultAndExceptionOfFinishedTasks() throws {
        try withVirtualLoop { loop, _ in
            let good = try loop.createTask { () async throws -> Int in
                try await asyncio.sleep(1)
                return 15
            }
            let bad = try loop.createTask { () async throws -> Int in throw Boom() }
            #expect(throws: InvalidStateError.self) { try good.result() }
            #expect(try loop.runUntilComplete(good) == 15)
            #expect(try good.exception() == nil)
            #expect(throws: Boom()) { try loop.runUntilComplete(bad) }
            #expect(try bad.exception() as? Boom == Boom())
            #expect(bad.done() && !bad.cancelled())
        }
    }

    @Test func currentTaskAndAllTasks() throws {
        try withVirtualLoop { loop, _ in
            let seen = EventLog()
            let main = try loop.createTask(name: "main") { () async throws -> Void in
                let sleeper = try asyncio.createTask(name: "sleeper") { try await asyncio.sleep(10) }
                let quick = try asyncio.createTask(name: "quick") { () }
                try await quick.value
                seen.add(asyncio.currentTask()?.getName() ?? "nil")
                for name in try asyncio.allTasks().map({ $0.getName() }).sorted() { seen.add(name) }
                sleeper.cancel()
            }
            try loop.runUntilComplete(main)
            #expect(seen.entries == ["main", "main", "sleeper"])
            #expect(loop.allTasks().isEmpty || loop.allTasks().allSatisfy { $0.getName() == "sleeper" })
        }
    }

    @Test func currentTaskInsideCallbackIsNil() throws {
        try withVirtualLoop { loop, _ in
            var current: AnyTask? = nil
            var ran = false
            try loop.callSoon { current = asyncio.currentTask(); ran = true; loop.stop() }
            try loop.runForever()
            #expect(ran && current == nil)
        }
    }

    @Test func aTaskNobodyKeepsStillRunsToTheEnd() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            try loop.runUntilComplete {
                try asyncio.createTask {
                    try await asyncio.sleep(1)
                    log.add("finished")
                }
                try await asyncio.sleep(2)
            }
            #expect(log.entries == ["finished"])
        }
    }

    @Test func eagerTasksRunTheirFirstStepInsideCreateTask() throws {
        try withVirtualLoop { loop, _ in
            loop.setTaskFactory(asyncio.eagerTaskFactory)
            let log = EventLog()
            try loop.runUntilComplete {
                log.add("before")
                let done = try asyncio.createTask { () -> Int in log.add("eager body"); return 7 }
                #expect(done.done())                 // never suspended: already done
                #expect(try done.result() == 7)
                let sleeper = try asyncio.createTask { () async throws -> Void in
                    log.add("sleeper starts")
                    try await asyncio.sleep(1)
                    log.add("sleeper ends")
                }
                log.add("after")
                try await sleeper.value
            }
            #expect(log.entries == ["before", "eager body", "sleeper starts", "after", "sleeper ends"])
        }
    }

    @Test func lazyTasksDoNotRunInsideCreateTask() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            try loop.runUntilComplete {
                let task = try asyncio.createTask { log.add("body") }
                log.add("created")
                #expect(!task.done())
                try await task.value
            }
            #expect(log.entries == ["created", "body"])
        }
    }

    @Test func aTaskAwaitingItselfIsAnError() throws {
        try withVirtualLoop { loop, _ in
            let holder = loop.createFuture(of: LoopTask<Void>.self)
            let task = try loop.createTask { () async throws -> Void in
                let me = try await holder.value
                try await me.value
            }
            try holder.setResult(task)
            #expect {
                try loop.runUntilComplete(task)
            } throws: { error in
                guard case .taskAwaitsItself? = error as? EventLoopError else { return false }
                return true
            }
        }
    }

    @Test func taskErrorNobodyRetrievedIsReported() throws {
        try withVirtualLoop { loop, _ in
            let reported = ReportedErrors()
            reported.install(on: loop)
            try loop.runUntilComplete {
                try asyncio.createTask { () async throws -> Void in throw Boom(tag: "unseen") }
                try await asyncio.sleep(1)
            }
            loop.stop()
            try loop.runForever()
            #expect(reported.messages == ["Task exception was never retrieved | unseen"])
        }
    }

    @Test func getStackShowsWhereAPendingTaskWasCreated() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask { try await asyncio.sleep(10) }
            let line = #line - 1
            let stack = task.getStack()
            #expect(stack.count == 1)
            #expect(stack[0].file.hasSuffix("TaskTests.swift") && stack[0].line == line)
            var printed: [String] = []
            task.printStack { printed.append($0) }
            #expect(printed.count == 2 && printed[0].hasPrefix("Stack for <Task pending"))
            #expect(task.getStack(limit: 0).isEmpty)
            task.cancel()
            _ = try? loop.runUntilComplete(task)
            #expect(task.getStack().isEmpty)
        }
    }

    @Test func descriptionFollowsAsyncio() throws {
        try withVirtualLoop { loop, _ in
            let task = try loop.createTask(name: "t") { "miao" }
            #expect("\(task)".hasPrefix("<Task pending name='t' coro=<"))
            _ = try loop.runUntilComplete(task)
            #expect("\(task)".hasPrefix("<Task finished name='t' coro=<"))
            #expect("\(task)".hasSuffix(" result='miao'>"))
        }
    }

    @Test func awaitingATaskOfAnotherLoopIsAnErrorAndTheThreadsafeWayWorks() throws {
        // A task of loop A may not await a task of loop B (asyncio raises RuntimeError: futures
        // belong to one loop and its thread); runCoroutineThreadsafe + wrapFuture is the way.
        let loopB = try EventLoop()
        let started = EventLog()
        Thread.detachNewThread {
            _ = try? loopB.runUntilComplete { () async throws -> Void in
                started.add("running")
                try await asyncio.sleep(3600)   // cancelled at the end of the test
            }
            try? loopB.close()
        }
        while started.entries.isEmpty { usleep(1000) }
        let remote = Future<LoopTask<Int>>(loop: loopB)
        try loopB.callSoonThreadsafe {
            try remote.setResult(try loopB.createTask { () async throws -> Int in
                try await asyncio.sleep(3600)   // pending while A awaits it (a done one is just read)
                return 3
            })
        }
        while !remote.done() { usleep(1000) }
        let loopA = try EventLoop()
        defer { try? loopA.close() }
        let (message, value) = try loopA.runUntilComplete { () async throws -> (String, Int) in
            var message = ""
            do { _ = try await remote.result().value } catch let error as EventLoopError { message = "\(error)" }
            let handedOver = try asyncio.runCoroutineThreadsafe({ () async throws -> Int in
                try await asyncio.sleep(0.05)
                return 4
            }, loop: loopB)
            return (message, try await asyncio.wrapFuture(handedOver).value)
        }
        #expect(message.hasSuffix("attached to a different loop"))
        #expect(value == 4)
        try loopB.callSoonThreadsafe { for task in loopB.allTasks() { task.cancel() } }
    }
}
