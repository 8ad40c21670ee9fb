// The loop's callbacks and timers: per-iteration rule, deadline order, stop, errors in callbacks.
@testable import Asyncio
import Testing

@Suite struct LoopCallbackTests {
    @Test(.assertsFIFOOrder) func callbacksQueuedDuringAnIterationRunInTheNextOne() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            try loop.callSoon {
                log.add("a")
                try loop.callSoon { log.add("child") }
            }
            try loop.callSoon { log.add("b") }
            loop.stop()
            try loop.runForever()           // one iteration: exactly what was ready
            #expect(log.entries == ["a", "b"])
            loop.stop()
            try loop.runForever()
            #expect(log.entries == ["a", "b", "child"])
        }
    }

    @Test func stopBeforeRunForeverRunsExactlyOneIteration() throws {
        try withVirtualLoop { loop, _ in
            var iterations = 0
            func again() throws {
                iterations += 1
                try loop.callSoon(again)
            }
            try loop.callSoon(again)
            loop.stop()
            try loop.runForever()
            #expect(iterations == 1)
            #expect(!loop.isRunning())
        }
    }

    @Test(.assertsFIFOOrder) func stopFinishesTheCurrentIteration() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            try loop.callSoon { log.add("a"); loop.stop() }
            try loop.callSoon { log.add("b") }
            try loop.runForever()
            #expect(log.entries == ["a", "b"])
        }
    }

    @Test(.assertsFIFOOrder) func negativeDelaysRunInDeadlineOrder() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            try loop.callLater(-1) { log.add("-1") }
            try loop.callLater(-2) { log.add("-2") }
            try loop.callAt(loop.time() - 3) { log.add("-3") }
            try loop.callLater(0) { log.add("0"); loop.stop() }
            try loop.runForever()
            #expect(log.entries == ["-3", "-2", "-1", "0"])
        }
    }

    @Test(.assertsFIFOOrder) func equalDeadlinesFireInSchedulingOrder() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let when = loop.time() + 5
            for index in 0..<50 { try loop.callAt(when) { log.add("\(index)") } }
            try loop.callAt(when + 1) { loop.stop() }
            try loop.runForever()
            #expect(log.entries == (0..<50).map(String.init))
        }
    }

    @Test func timersFireAtTheirLoopTime() throws {
        try withVirtualLoop { loop, _ in
            let start = loop.time()
            var seen: [Double] = []
            try loop.callLater(2) { seen.append(loop.time() - start) }
            try loop.callLater(1) { seen.append(loop.time() - start) }
            try loop.callLater(3) { loop.stop() }
            try loop.runForever()
            #expect(seen == [1, 2])
        }
    }

    @Test func cancelledHandlesDoNotRun() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let soon = try loop.callSoon { log.add("soon") }
            let later = try loop.callLater(1) { log.add("later") }
            #expect(later.when == loop.time() + 1)
            soon.cancel()
            later.cancel()
            #expect(soon.cancelled() && later.cancelled())
            try loop.callLater(2) { loop.stop() }
            try loop.runForever()
            #expect(log.entries.isEmpty)
        }
    }

    @Test func manyCancelledTimersAreSweptAndTheRestStillFire() throws {
        try withVirtualLoop { loop, _ in
            var fired = 0
            var handles: [TimerHandle] = []
            for index in 0..<1000 { handles.append(try loop.callLater(Double(index % 7) + 1) { fired += 1 }) }
            for (index, handle) in handles.enumerated() where index % 4 != 0 { handle.cancel() }
            #expect(loop.timers.count < 1000)   // the sweep ran
            try loop.callLater(10) { loop.stop() }
            try loop.runForever()
            #expect(fired == 250)
        }
    }

    @Test func callbackErrorsGoToTheExceptionHandlerAndTheLoopGoesOn() throws {
        try withVirtualLoop { loop, _ in
            let reported = ReportedErrors()
            reported.install(on: loop)
            let log = EventLog()
            try loop.callSoon { throw Boom() }
            try loop.callSoon { log.add("after") }
            try loop.callLater(1) { loop.stop() }
            try loop.runForever()
            #expect(log.entries == ["after"])
            #expect(reported.messages.count == 1)
            #expect(reported.messages[0].hasPrefix("Exception in callback"))
            #expect(reported.messages[0].hasSuffix("| boom"))
        }
    }

    @Test func defaultExceptionHandlerLogsThroughSwiftLog() throws {
        try withVirtualLoop { loop, _ in
            let sink = EventLog()
            loop.logger = Logger(label: "test") { _ in CapturingLogHandler(sink: sink) }
            try loop.callSoon { throw Boom(tag: "kaput") }
            loop.stop()
            try loop.runForever()
            #expect(sink.entries.count == 1)
            #expect(sink.entries[0].hasPrefix("error: Exception in callback"))
            #expect(sink.entries[0].contains("kaput"))
        }
    }

    @Test func debugModeLogsSlowCallbacks() throws {
        try withVirtualLoop { loop, clock in
            let sink = EventLog()
            loop.logger = Logger(label: "test") { _ in CapturingLogHandler(sink: sink) }
            loop.debug = true
            try loop.callSoon { clock.advance(by: 0.12) }
            try loop.callSoon { clock.advance(by: 0.01) }
            loop.stop()
            try loop.runForever()
            #expect(sink.entries.count == 1)
            #expect(sink.entries[0].hasPrefix("warning: Executing <Handle> took 0.120 seconds"))
        }
    }

    @Test func callSoonThreadsafeWakesABlockedLoop() throws {
        let loop = try EventLoop()   // real clock: the loop blocks in epoll with nothing to do
        defer { try? loop.close() }
        let log = EventLog()
        // Safety net: if the wake-up were lost, this stops the loop after 10 s and the test fails.
        try loop.callLater(10) { log.add("timeout"); loop.stop() }
        try loop.callSoon {
            Thread.detachNewThread {
                usleep(20_000)
                _ = try? loop.callSoonThreadsafe { log.add("from thread"); loop.stop() }
            }
        }
        try loop.runForever()
        #expect(log.entries == ["from thread"])
    }
}

import Foundation
import Logging
