// The loop's life: running, nesting rules, close, use after close, get/set/new_event_loop.
@testable import Asyncio
import Testing

@Suite struct LoopLifecycleTests {
    @Test func closeTwiceDoesNothingAndEveryUseAfterCloseSaysClosed() throws {
        let loop = try EventLoop(clock: VirtualClock())
        try loop.close()
        try loop.close()
        #expect(loop.isClosed())
        #expect(throws: EventLoopError.closed) { try loop.callSoon {} }
        #expect(throws: EventLoopError.closed) { try loop.callLater(1) {} }
        #expect(throws: EventLoopError.closed) { try loop.callAt(1) {} }
        #expect(throws: EventLoopError.closed) { try loop.callSoonThreadsafe {} }
        #expect(throws: EventLoopError.closed) { try loop.createTask { 1 } }
        #expect(throws: EventLoopError.closed) { try loop.runForever() }
        #expect(throws: EventLoopError.closed) { try loop.runUntilComplete { 1 } }
        #expect("\(EventLoopError.closed)" == "Event loop is closed")
    }

    @Test func closeWhileRunningIsAnError() throws {
        try withVirtualLoop { loop, _ in
            var caught: (any Error)?
            try loop.callSoon {
                do { try loop.close() } catch { caught = error }
                loop.stop()
            }
            try loop.runForever()
            #expect(caught as? EventLoopError == .closeWhileRunning)
            #expect(!loop.isClosed())
        }
    }

    @Test func runningARunningLoopAgainIsAnError() throws {
        try withVirtualLoop { loop, _ in
            var errors: [EventLoopError] = []
            try loop.callSoon {
                do { try loop.runForever() } catch { errors.append(error as! EventLoopError) }
                do { _ = try loop.runUntilComplete { 1 } } catch { errors.append(error as! EventLoopError) }
                loop.stop()
            }
            try loop.runForever()
            #expect(errors == [.alreadyRunning, .alreadyRunning])
        }
    }

    @Test func anotherLoopCannotRunInsideARunningOne() throws {
        try withVirtualLoop { loop, _ in
            let other = try EventLoop(clock: VirtualClock())
            defer { try? other.close() }
            var caught: (any Error)?
            try loop.callSoon {
                do { try other.runForever() } catch { caught = error }
                loop.stop()
            }
            try loop.runForever()
            #expect(caught as? EventLoopError == .anotherLoopRunning)
            #expect("\(EventLoopError.anotherLoopRunning)" == "Cannot run the event loop while another loop is running")
        }
    }

    @Test func runUntilCompleteStoppedEarlySaysSo() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: Int.self)
            try loop.callSoon { loop.stop() }
            #expect(throws: EventLoopError.stoppedBeforeFutureCompleted) { try loop.runUntilComplete(future) }
        }
    }

    @Test func runUntilCompleteReturnsTheResultOrRethrows() throws {
        try withVirtualLoop { loop, _ in
            #expect(try loop.runUntilComplete { () async throws -> Int in
                try await asyncio.sleep(1)
                return 42
            } == 42)
            #expect(throws: Boom()) { try loop.runUntilComplete { () async throws -> Int in throw Boom() } }
            let future = loop.createFuture(of: String.self)
            try loop.callLater(2) { try future.setResult("done") }
            #expect(try loop.runUntilComplete(future) == "done")
        }
    }

    @Test func noRunningLoopOutsideALoop() throws {
        #expect(throws: EventLoopError.noRunningEventLoop) { try asyncio.getRunningLoop() }
        #expect(throws: EventLoopError.noRunningEventLoop) { try asyncio.createTask { 1 } }
        #expect(throws: EventLoopError.noRunningEventLoop) { try asyncio.allTasks() }
        #expect("\(EventLoopError.noRunningEventLoop)" == "no running event loop")
        #expect(asyncio.currentTask() == nil)
    }

    @Test func getRunningLoopInsideIsTheLoop() throws {
        try withVirtualLoop { loop, _ in
            var seen: EventLoop?
            try loop.callSoon { seen = try asyncio.getRunningLoop(); loop.stop() }
            try loop.runForever()
            #expect(seen === loop)
            #expect(throws: EventLoopError.noRunningEventLoop) { try asyncio.getRunningLoop() }
        }
    }

    @Test func getEventLoopCreatesOnceAndSetEventLoopReplacesIt() throws {
        asyncio.setEventLoop(nil)
        defer { asyncio.setEventLoop(nil) }
        let first = try asyncio.getEventLoop()
        #expect(try asyncio.getEventLoop() === first)
        let other = try asyncio.newEventLoop()
        #expect(other !== first)
        #expect(try asyncio.getEventLoop() === first)   // new_event_loop does not make it current
        asyncio.setEventLoop(other)
        #expect(try asyncio.getEventLoop() === other)
        try first.close()
        try other.close()
    }

    @Test func eventLoopPolicyMakesTheNewLoops() throws {
        let clock = VirtualClock(start: 500)
        asyncio.setEventLoopPolicy(VirtualTimePolicy(clock: clock))
        defer { asyncio.setEventLoopPolicy(nil) }
        let loop = try asyncio.newEventLoop()
        defer { try? loop.close() }
        #expect(loop.time() == 500)
        #expect(asyncio.getEventLoopPolicy() is VirtualTimePolicy)
    }

    @Test func theLoopIsTheExecutorOfItsTasks() throws {
        try withVirtualLoop { loop, _ in
            let onLoop = try loop.runUntilComplete { () async -> Bool in
                loop.isIsolatingCurrentContext() == true
            }
            #expect(onLoop)
            loop.checkIsolated()   // the loop's thread owns it while idle: does not trap
        }
    }
}
