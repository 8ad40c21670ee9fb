// shield and withCancellationShield: keep a cancellation of the waiting task from reaching the work.

extension asyncio {
    /// Awaits `inner` so that cancelling the waiting task does not cancel it (asyncio.shield):
    /// the waiter gets `CancelledError`, the inner task runs on. If the inner task is cancelled
    /// by someone else, the waiter gets `CancelledError` too.
    @discardableResult
    nonisolated(nonsending) public static func shield<F: TypedFuture>(_ inner: F) async throws -> F.Value {
        if inner.done() { return try inner.result() }
        let outer = inner.loop.createFuture(of: F.Value.self)
        inner.addAwaitedBy(outer)
        let token = inner.onDone(.named("shield._inner_done_callback")) { _ in
            inner.discardAwaitedBy(outer)
            if outer.cancelled() {
                if inner.state == .finished { inner.errorUnretrieved = false }
                return
            }
            if inner.cancelled() {
                outer.cancel()
            } else {
                do { try outer.setResult(try inner.result()) } catch { try outer.setException(error) }
            }
        }
        outer.onDone(.named("shield._outer_done_callback")) { _ in
            if !inner.done() {
                inner.removeDoneCallback(token)
                inner.discardAwaitedBy(outer)
            }
        }
        return try await outer.value
    }

    /// Runs `body` as a task on the running loop and shields it: `try await asyncio.shield { ... }`.
    @discardableResult
    nonisolated(nonsending) public static func shield<T: Sendable>(
        _ body: sending @escaping () async throws -> T
    ) async throws -> T {
        try await shield(try getRunningLoop().createTask(body))
    }

    /// Runs `body` in the current task with asyncio cancellation held back: a `cancel()` that
    /// arrives meanwhile (or Swift's own `Task.cancel()`, bridged) is counted but not thrown
    /// into `body`; it is delivered at the first await after the shield. What Swift 6.4 will
    /// call `withTaskCancellationShield`, for loop tasks. Swift's own `Task.isCancelled` is not
    /// masked: a Swift task already cancelled stays so inside.
    nonisolated(nonsending) public static func withCancellationShield<T>(
        _ body: () async throws -> T
    ) async throws -> T {
        guard let loop = runningLoop, let task = AnyTask.runningOnLoop(loop) else { return try await body() }
        task.shieldDepth += 1
        defer { task.shieldDepth -= 1 }
        return try await body()
    }
}
