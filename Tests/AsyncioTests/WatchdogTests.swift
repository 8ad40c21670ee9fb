// The blocked-loop watchdog names the task that blocks the loop and shows the blocking frame.
import Asyncio
import Foundation
import Logging
import Testing

/// Blocks the calling thread for `seconds`, retrying after a signal (as Python's time.sleep).
@inline(never)
func blockTheThreadInWatchdogTest(_ seconds: Double) {
    var left = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var rest = timespec()
    while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
}

@Suite(.serialized) struct WatchdogTests {
    /// A new loop with the watchdog on, and the log lines it writes.
    private func watchedLoop(threshold: Double) throws -> (EventLoop, EventLog) {
        let loop = try EventLoop()
        let sink = EventLog()
        loop.logger = Logger(label: "test") { _ in CapturingLogHandler(sink: sink) }
        loop.watchdog(threshold: threshold)
        return (loop, sink)
    }

    @Test(.timeLimit(.minutes(1))) func aTaskThatBlocksTheLoopIsNamedWithTheBlockingFrame() throws {
        let (loop, sink) = try watchedLoop(threshold: 0.1)
        defer { loop.stopWatchdog() }
        try loop.runUntilComplete {
            let culprit = try asyncio.createTask(name: "culprit") {
                try await asyncio.sleep(0.01)
                blockTheThreadInWatchdogTest(0.3)
            }
            try await culprit.wait()
            for _ in 0..<300 where sink.entries.isEmpty { try await asyncio.sleep(0.01) }
        }
        try loop.close()
        #expect(sink.entries.count == 1, "\(sink.entries)")
        let report = try #require(loop.watchdogReports.last)
        #expect(report.duration >= 0.25 && report.duration < 2)
        #expect(report.task?.name == "culprit")
        #expect(report.task?.origin.file == "AsyncioTests/WatchdogTests.swift")
        #expect(report.task?.lastAwait?.hasPrefix("asyncio.sleep() at AsyncioTests/WatchdogTests.swift:") == true)
        #expect(report.stack.contains { $0.contains("nanosleep") }, "\(report.stack)")
        #expect(report.stack.contains { $0.contains("blockTheThreadInWatchdogTest") }, "\(report.stack)")
        let entry = try #require(sink.entries.first)
        #expect(entry.hasPrefix("warning: the event loop was blocked for 0.") && entry.contains(" seconds (watchdog threshold 0.100) by task"))
        #expect(entry.contains("by task 'culprit' created at File \"AsyncioTests/WatchdogTests.swift\""))
    }

    @Test(.timeLimit(.minutes(1))) func aStallOverFiveSecondsIsLoggedWhileItLastsAndKeptWithItsTask() throws {
        let (loop, sink) = try watchedLoop(threshold: 0.1)
        defer { loop.stopWatchdog() }
        try loop.runUntilComplete {
            let culprit = try asyncio.createTask(name: "long-culprit") { blockTheThreadInWatchdogTest(5.4) }
            try await culprit.wait()
            for _ in 0..<100 where loop.watchdogReports.isEmpty { try await asyncio.sleep(0.01) }
        }
        try loop.close()
        // One log line, written while the loop was still blocked (no task name then) ...
        #expect(sink.entries.count == 1, "\(sink.entries)")
        #expect(sink.entries.first?.contains("has been blocked for 5.") == true && sink.entries.first?.contains("and still is") == true, "\(sink.entries)")
        // ... and the final report kept, with its task and whole duration (the live page shows it).
        let report = try #require(loop.watchdogReports.last)
        #expect(loop.watchdogReports.count == 1)
        #expect(!report.ongoing)
        #expect(report.task?.name == "long-culprit")
        #expect(report.duration >= 5.3 && report.duration < 7, "\(report.duration)")
    }

    @Test(.timeLimit(.minutes(1))) func aLoopBusyWithShortCallbacksIsNotReported() throws {
        let (loop, sink) = try watchedLoop(threshold: 0.25)
        defer { loop.stopWatchdog() }
        try loop.runUntilComplete {
            let start = loop.time()
            while loop.time() - start < 0.4 {
                let until = loop.time() + 0.001
                while loop.time() < until {}   // 1 ms of work, then back to the loop
                try await asyncio.sleep(0)
            }
        }
        try loop.close()
        #expect(sink.entries.isEmpty, "\(sink.entries)")
        #expect(loop.watchdogReports.isEmpty)
    }
}
