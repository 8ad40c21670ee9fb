// Debug-mode and leftover-task reports: wrong-thread calls, tasks stranded by close().
@testable import Asyncio
import Foundation
import Testing

@Suite struct DebugModeTests {
    /// Runs `call` on another thread while `loop` runs, and returns what it threw (or "ok").
    private func callFromAnotherThread(on loop: EventLoop, _ call: @escaping @Sendable () throws -> Void) throws -> String {
        let outcome = EventLog()
        try loop.callLater(10) { outcome.add("timeout"); loop.stop() }   // safety net, real clock
        try loop.callSoon {
            Thread.detachNewThread {
                let result: String
                do { try call(); result = "ok" } catch { result = "\(error)" }
                _ = try? loop.callSoonThreadsafe { outcome.add(result); loop.stop() }
            }
        }
        try loop.runForever()
        return outcome.entries.first ?? "nothing"
    }

    @Test func debugModeRefusesNonThreadSafeCallsFromOtherThreads() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        loop.debug = true
        let message = "Non-thread-safe operation invoked on an event loop other than the current one"
        #expect(try callFromAnotherThread(on: loop) { try loop.callSoon {} } == message)
        #expect(try callFromAnotherThread(on: loop) { try loop.callLater(1) {} } == message)
        #expect(try callFromAnotherThread(on: loop) { _ = try loop.createTask { 1 } } == message)
        #expect(try callFromAnotherThread(on: loop) { try loop.callSoonThreadsafe {} } == "ok")
    }

    @Test func withoutDebugModeCallSoonFromAnotherThreadStillReachesTheLoop() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let ran = EventLog()
        #expect(try callFromAnotherThread(on: loop) { try loop.callSoon { ran.add("ran") } } == "ok")
        loop.stop()
        try loop.runForever()
        #expect(ran.entries == ["ran"])
    }

    @Test func closeReportsTasksThatCanNeverFinish() throws {
        let loop = try EventLoop(clock: VirtualClock())
        let reported = ReportedErrors()
        reported.install(on: loop)
        let stuck = try loop.createTask(name: "stuck") { try await loop.createFuture(of: Int.self).value }
        try loop.runUntilComplete { try await asyncio.sleep(1) }
        #expect(!stuck.done())
        try loop.close()
        #expect(reported.messages == ["Task was destroyed but it is pending!"])
        #expect(loop.allTasks().isEmpty)
    }
}
