// Cancellation at every await of the toolkit: gather, wait, waitFor, timeout, shield, asCompleted, TaskGroup, threads.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct ToolkitSweepTests {
    /// A child that sleeps `delay` and counts how it ended.
    static func child(_ delay: Double, _ ended: Shared<[String]>, _ name: String) throws -> LoopTask<Int> {
        try asyncio.createTask {
            do {
                try await asyncio.sleep(delay)
                ended.value.append("\(name) done")
                return 1
            } catch {
                ended.value.append("\(name) \(type(of: error))")
                throw error
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func gather() throws {
        try CancellationSweep.run("gather") { run in
            let ended = Shared<[String]>([])
            let outcome = try await run.victim { () async throws -> Int in
                let children = try [Self.child(0.01, ended, "a"), Self.child(0.02, ended, "b")]
                return try await asyncio.gather(children).reduce(0, +)
            }
            try await asyncio.sleep(0.05)
            // Cancelling the gather cancels every child; either way each child ended once.
            run.require(ended.value.count == 2 || (outcome.summary == "cancelled" && ended.value.isEmpty),
                        "children ended \(ended.value) (\(outcome.summary))")
            if case .completed(let sum) = outcome { run.require(sum == 2, "sum \(sum)") }
        }
    }

    @Test(.timeLimit(.minutes(1))) func waitFirstCompleted() throws {
        try CancellationSweep.run("wait") { run in
            let ended = Shared<[String]>([])
            let children = try [Self.child(0.01, ended, "a"), Self.child(0.02, ended, "b")]
            let outcome = try await run.victim { () async throws -> Int in
                let (done, _) = try await asyncio.wait(children, returnWhen: .firstCompleted)
                return done.count
            }
            // wait never cancels what it waits for.
            _ = try await asyncio.gather(children)
            run.require(ended.value.sorted() == ["a done", "b done"], "children ended \(ended.value) (\(outcome.summary))")
        }
    }

    @Test(.timeLimit(.minutes(1))) func waitForATask() throws {
        try CancellationSweep.run("waitFor") { run in
            let ended = Shared<[String]>([])
            let inner = try Self.child(0.02, ended, "inner")
            let started = Shared(false)
            let outcome = try await run.victim { () async throws -> Int in
                started.value = true
                return try await asyncio.waitFor(inner, timeout: 0.01)
            }
            // On timeout or cancel, waitFor cancels the inner task and waits for it (unless it
            // was cancelled before it began: then the inner task was never its business).
            run.require(inner.done() || !started.value, "inner still running after waitFor ended (\(outcome.summary))")
            inner.cancel()
            _ = try? await inner.value
            if case .failed(let error) = outcome { run.require(error is TimeoutError, "failed with \(error)") }
        }
    }

    @Test(.timeLimit(.minutes(1))) func timeoutScope() throws {
        try CancellationSweep.run("timeout") { run in
            let outcome = try await run.victim { () async throws -> String in
                do {
                    try await asyncio.timeout(0.01) { try await asyncio.sleep(0.02) }
                    return "body finished"
                } catch is TimeoutError {
                    return "timed out"
                }
            }
            if case .completed(let how) = outcome { run.require(how == "timed out", how) }
            run.require(asyncio.currentTask()!.cancelling() == 0, "the scenario's task was cancelled")
        }
    }

    @Test(.timeLimit(.minutes(1))) func shieldedTask() throws {
        try CancellationSweep.run("shield") { run in
            let ended = Shared<[String]>([])
            let inner = try Self.child(0.01, ended, "inner")
            let outcome = try await run.victim { try await asyncio.shield(inner) }
            // The shielded task runs on, whatever happened to the waiter.
            run.require(try await inner.value == 1, "inner \(inner)")
            run.require(ended.value == ["inner done"], "inner ended \(ended.value) (\(outcome.summary))")
        }
    }

    @Test(.timeLimit(.minutes(1))) func asCompletedIteration() throws {
        try CancellationSweep.run("asCompleted") { run in
            let ended = Shared<[String]>([])
            let children = try [Self.child(0.02, ended, "a"), Self.child(0.01, ended, "b")]
            let outcome = try await run.victim { () async throws -> Int in
                var total = 0
                for next in try asyncio.asCompleted(children) { total += try await next.value }
                return total
            }
            _ = try await asyncio.gather(children)   // as_completed does not cancel its inputs
            if case .completed(let total) = outcome { run.require(total == 2, "total \(total)") }
        }
    }

    @Test(.timeLimit(.minutes(1))) func taskGroup() throws {
        try CancellationSweep.run("TaskGroup") { run in
            let ended = Shared<[String]>([])
            let outcome = try await run.victim { () async throws -> Void in
                _ = try await asyncio.taskGroup { group in
                    try group.createTask { try await asyncio.sleep(0.01); ended.value.append("a") }
                    try group.createTask { try await asyncio.sleep(0.02); ended.value.append("b") }
                }
            }
            // The group never returns before its children ended; a cancel cancels them.
            run.require(ended.value.count == 2 || outcome.summary == "cancelled", "children \(ended.value) (\(outcome.summary))")
            run.require(asyncio.currentTask()!.cancelling() == 0, "the scenario's task was cancelled")
        }
    }

    @Test(.timeLimit(.minutes(1))) func toThreadAndRunInExecutor() throws {
        try CancellationSweep.run("toThread") { run in
            let finished = LockedCount()
            let outcome = try await run.victim { () async throws -> Int in
                let a = try await asyncio.toThread { usleep(2_000); finished.add(1); return 1 }
                let b = try await run.loop.runInExecutor(nil) { usleep(2_000); finished.add(1); return 2 }.value
                return a + b
            }
            // Work that started runs to its end on its thread; the loop is not blocked meanwhile.
            try await run.loop.shutdownDefaultExecutor()
            if case .completed(let sum) = outcome { run.require(sum == 3 && finished.value == 2, "sum \(sum)") }
        }
    }
}
