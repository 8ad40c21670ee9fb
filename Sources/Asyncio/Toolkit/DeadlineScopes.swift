// trio-style level-triggered deadlines: moveOnAfter / failAfter, as an extra beside asyncio's timeout.

/// Thrown at every await inside a deadline scope once its deadline passed (trio's Cancelled).
/// The scope that owns it turns it into `nil` (`moveOnAfter`) or `TimeoutError` (`failAfter`).
public struct DeadlineCancelled: Error, CustomStringConvertible, Sendable {
    let scope: DeadlineScope
    public var description: String { "deadline scope expired" }
}

/// One level-triggered deadline on a task. Owned by the task's loop thread.
final class DeadlineScope: @unchecked Sendable {
    var expired = false
    var timer: TimerHandle?
}

extension AnyTask {
    /// The outermost expired deadline scope around the current await, if any.
    var expiredDeadlineScope: DeadlineScope? {
        deadlineScopes.first { $0.expired }
    }

    /// Throws `DeadlineCancelled` while an enclosing deadline scope is expired.
    func throwIfDeadlinePassed() throws {
        if !deadlineScopes.isEmpty, let scope = expiredDeadlineScope { throw DeadlineCancelled(scope: scope) }
    }
}

extension asyncio {
    /// Runs `body`; once `seconds` have passed, every await inside it throws until it returns,
    /// and the call returns nil (trio's `move_on_after`). Unlike `timeout`, the cancellation is
    /// level-triggered: code that catches it and awaits again is cancelled again.
    nonisolated(nonsending) public static func moveOnAfter<T>(
        _ seconds: Double, _ body: () async throws -> T
    ) async throws -> T? {
        do {
            return try await withDeadlineScope(seconds, body)
        } catch let error as DeadlineCancelled where error.scope.expired && error.scope.timer == nil {
            return nil
        }
    }

    /// Like `moveOnAfter`, but throws `TimeoutError` when the deadline passed (trio's `fail_after`).
    nonisolated(nonsending) public static func failAfter<T>(
        _ seconds: Double, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await withDeadlineScope(seconds, body)
        } catch let error as DeadlineCancelled where error.scope.expired && error.scope.timer == nil {
            throw TimeoutError()
        }
    }

    /// Runs `body` in a new deadline scope of the current task. A `DeadlineCancelled` of this
    /// scope leaves with `scope.timer == nil`, which the callers use to recognise their own.
    nonisolated(nonsending) private static func withDeadlineScope<T>(
        _ seconds: Double, _ body: () async throws -> T
    ) async throws -> T {
        let loop = try getRunningLoop()
        guard let task = AnyTask.runningOnLoop(loop) else { throw EventLoopError.timeoutOutsideTask }
        let scope = DeadlineScope()
        scope.timer = loop.scheduleTimer(at: loop.time() + seconds, action: .call {
            scope.expired = true
            if task.deadlineScopes.contains(where: { $0 === scope }) { _ = task.abortWait(message: "deadline") }
        })
        task.deadlineScopes.append(scope)
        defer {
            task.deadlineScopes.removeAll { $0 === scope }
            scope.timer?.cancel()
            scope.timer = nil
        }
        do {
            return try await body()
        } catch let error as DeadlineCancelled where error.scope === scope {
            scope.timer = nil
            throw error
        }
    }
}
