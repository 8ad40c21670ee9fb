// wait: block until some or all of a set of futures are done, without cancelling or throwing on timeout.

/// When `asyncio.wait` returns (asyncio's FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED).
public enum ReturnWhen: Sendable {
    /// When any future is done (`FIRST_COMPLETED`).
    case firstCompleted
    /// When any future ends with an error, or when all are done (`FIRST_EXCEPTION`).
    case firstException
    /// When all futures are done (`ALL_COMPLETED`).
    case allCompleted
}

extension asyncio {
    /// Waits until the futures or tasks are done as `returnWhen` says, or `timeout` seconds pass,
    /// and returns the ones that are done and the ones still pending (asyncio.wait).
    ///
    /// Never throws on timeout and never cancels anything; cancelling the waiting task leaves
    /// the futures running. Throws `ValueError` for an empty collection.
    @discardableResult
    nonisolated(nonsending) public static func wait<F: AnyFuture>(
        _ futures: [F], timeout: Double? = nil, returnWhen: ReturnWhen = .allCompleted,
        fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> (done: Set<F>, pending: Set<F>) {
        let unique = Set(futures)
        guard let loop = unique.first?.loop else { throw ValueError("Set of Tasks/Futures is empty.") }
        let waiter = loop.createFuture(of: Void.self)
        var timeoutHandle: TimerHandle?
        if let timeout {
            timeoutHandle = loop.scheduleTimer(at: loop.time() + timeout, action: .call {
                if !waiter.done() { try waiter.setResult(()) }
            })
        }
        var remaining = unique.count
        var tokens: [(AnyFuture, CallbackToken)] = []
        for future in unique {
            tokens.append((future, future.onDone(.named("wait._on_completion")) { done in
                remaining -= 1
                let failed = done.state == .finished && done.error != nil
                if remaining <= 0 || returnWhen == .firstCompleted || (returnWhen == .firstException && failed) {
                    timeoutHandle?.cancel()
                    if !waiter.done() { try waiter.setResult(()) }
                }
            }))
        }
        // The waiting task awaits each of them, for the call graph.
        let current = AnyTask.runningOnLoop(loop)
        if let current { for future in unique { future.addAwaitedBy(current) } }
        defer {
            timeoutHandle?.cancel()
            for (future, token) in tokens { future.removeDoneCallback(token) }
            if let current { for future in unique { future.discardAwaitedBy(current) } }
        }
        try await waiter.waitUntilDone(site: AwaitSite("asyncio.wait()", fileID, line))
        try waiter.result()
        var done = Set<F>(), pending = Set<F>()
        for future in unique {
            if future.done() { done.insert(future) } else { pending.insert(future) }
        }
        return (done, pending)
    }
}
