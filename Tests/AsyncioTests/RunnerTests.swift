// asyncio.run and Runner: nesting rules, lazy loop, shutdown sequence, closed runner.
@testable import Asyncio
import Testing

private func virtualLoop() throws -> EventLoop { try EventLoop(clock: VirtualClock()) }

@Suite struct RunnerTests {
    @Test func runReturnsTheResultAndClosesItsLoop() throws {
        let holder = EventLog()
        nonisolated(unsafe) var made: EventLoop?
        let value = try asyncio.run(loopFactory: { made = try virtualLoop(); return made! }) { () async throws -> Int in
            try await asyncio.sleep(5)
            holder.add("ran")
            return 9
        }
        #expect(value == 9)
        #expect(holder.entries == ["ran"])
        #expect(made!.isClosed())
    }

    @Test func runRethrowsTheMainError() throws {
        #expect(throws: Boom()) {
            try asyncio.run(loopFactory: virtualLoop) { () async throws -> Void in throw Boom() }
        }
    }

    @Test func runInsideARunningLoopIsAnError() throws {
        let message = try asyncio.run(loopFactory: virtualLoop) { () async -> String in
            do {
                try asyncio.run(loopFactory: virtualLoop) { () }
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message == "asyncio.run() cannot be called from a running event loop")
    }

    @Test func shutdownCancelsLeftoverTasksAndReportsTheirErrors() throws {
        let log = EventLog()
        let reported = ReportedErrors()
        try asyncio.run(loopFactory: {
            let loop = try virtualLoop()
            reported.install(on: loop)
            return loop
        }) { () async throws -> Void in
            try asyncio.createTask(name: "sleeper") { () async throws -> Void in
                do { try await asyncio.sleep(3600) } catch is CancelledError { log.add("sleeper cancelled") ; throw CancelledError() }
            }
            try asyncio.createTask(name: "fails on cancel") { () async throws -> Void in
                do { try await asyncio.sleep(3600) } catch is CancelledError { throw Boom(tag: "late") }
            }
            try await asyncio.sleep(1)
            log.add("main done")
        }
        #expect(log.entries == ["main done", "sleeper cancelled"])
        #expect(reported.messages == ["unhandled exception during asyncio.run() shutdown | late"])
    }

    @Test func runMakesItsLoopCurrentAndClearsItAfter() throws {
        asyncio.setEventLoop(nil)
        let sameLoop = try asyncio.run { () async throws -> Bool in
            try asyncio.getRunningLoop() === asyncio.getEventLoop()
        }
        #expect(sameLoop)
        let fresh = try asyncio.getEventLoop()   // the run's loop was unset: a new one is made
        #expect(!fresh.isClosed())
        try fresh.close()
        asyncio.setEventLoop(nil)
    }

    @Test func runnerRunsSeveralTimesOnOneLazyLoop() throws {
        let runner = Runner(loopFactory: virtualLoop)
        let loop = try runner.getLoop()
        #expect(try runner.getLoop() === loop)
        let first = try runner.run { () async throws -> Double in
            try await asyncio.sleep(2)
            return try asyncio.getRunningLoop().time()
        }
        let second = try runner.run { () async throws -> Double in
            try await asyncio.sleep(3)
            return try asyncio.getRunningLoop().time()
        }
        #expect(first == 2 && second == 5)
        runner.close()
        runner.close()
        #expect(loop.isClosed())
        #expect(throws: EventLoopError.runnerClosed) { try runner.run { 1 } }
        #expect(throws: EventLoopError.runnerClosed) { try runner.getLoop() }
        #expect("\(EventLoopError.runnerClosed)" == "Runner is closed")
    }

    @Test func runnerRunFromARunningLoopIsAnError() throws {
        nonisolated(unsafe) let runner = Runner(loopFactory: virtualLoop)   // used on this thread only
        defer { runner.close() }
        let message = try asyncio.run(loopFactory: virtualLoop) { () async -> String in
            do { _ = try runner.run { 1 }; return "no error" } catch { return "\(error)" }
        }
        #expect(message == "Runner.run() cannot be called from a running event loop")
    }

    @Test func runnerDebugFlagReachesTheLoop() throws {
        let runner = Runner(debug: true, loopFactory: virtualLoop)
        defer { runner.close() }
        #expect(try runner.getLoop().debug)
    }
}
