// timeout / timeoutAt scopes and waitFor: deadlines that cancel the task and throw TimeoutError.

/// A deadline scope (asyncio.Timeout). When it expires it cancels the current task; on the way
/// out it turns that one cancellation into `TimeoutError`, and only that one (it compares the
/// task's cancel count), so an outside cancel still propagates as `CancelledError`.
public final class Timeout: @unchecked Sendable {
    // Owned by the loop thread of the task that entered the scope.
    enum State { case entered, expiring, expired, exited }

    private var deadline: Double?
    private var state = State.entered
    /// The pending expiry: a timer, or a callback already queued when the deadline is not in
    /// the future. It captures the scope until cancelled (on exit), which ends that cycle.
    private var handle: Handle?
    private let task: AnyTask
    private let cancellingAtEntry: Int

    init(deadline: Double?, task: AnyTask) {
        self.deadline = deadline
        self.task = task
        cancellingAtEntry = task.cancelling()
        reschedule(deadline)
    }

    /// The deadline in loop time, or nil for none.
    public func when() -> Double? { deadline }

    /// True once the deadline passed and the scope cancelled the task.
    public func expired() -> Bool { state == .expiring || state == .expired }

    /// Moves the deadline (nil: no deadline). A deadline that is not in the future expires on
    /// the next iteration, before the task's own wake-up (asyncio schedules it with `call_soon`).
    public func reschedule(_ when: Double?) {
        guard state == .entered else { return }
        deadline = when
        handle?.cancel()
        handle = nil
        guard let when else { return }
        let loop = task.loop
        if when <= loop.time() {
            let soon = Handle(action: .call { [self] in onTimeout() })
            loop.enqueueItem(.handle(soon))
            handle = soon
        } else {
            handle = loop.scheduleTimer(at: when, action: .call { [self] in onTimeout() })
        }
    }

    private func onTimeout() {
        guard state == .entered else { return }
        task.cancel()
        state = .expiring
        handle = nil
    }

    /// Leaves the scope. `error` is what the body threw, if anything; returns the error to throw.
    func exit(with error: (any Error)?) -> (any Error)? {
        handle?.cancel()
        handle = nil
        switch state {
        case .expiring:
            state = .expired
            if task.uncancel() <= cancellingAtEntry, error is CancelledError { return TimeoutError() }
            return error
        case .entered:
            state = .exited
            return error
        case .expired, .exited:
            return error
        }
    }
}

extension asyncio {
    /// Runs `body` with a deadline `delay` seconds from now (asyncio.timeout); nil means none.
    /// Throws `TimeoutError` if the deadline cancelled the body. The body gets the scope, to read
    /// or move the deadline.
    @discardableResult
    nonisolated(nonsending) public static func timeout<T>(
        _ delay: Double?, _ body: (Timeout) async throws -> T
    ) async throws -> T {
        let loop = try getRunningLoop()
        return try await timeoutAt(delay.map { loop.time() + $0 }, body)
    }

    /// `timeout` for a body that does not need the scope.
    @discardableResult
    nonisolated(nonsending) public static func timeout<T>(
        _ delay: Double?, _ body: () async throws -> T
    ) async throws -> T {
        try await timeout(delay) { (_: Timeout) in try await body() }
    }

    /// Runs `body` with a deadline at loop time `when` (asyncio.timeout_at).
    @discardableResult
    nonisolated(nonsending) public static func timeoutAt<T>(
        _ when: Double?, _ body: (Timeout) async throws -> T
    ) async throws -> T {
        let loop = try getRunningLoop()
        guard let task = AnyTask.runningOnLoop(loop) else { throw EventLoopError.timeoutOutsideTask }
        let scope = Timeout(deadline: when, task: task)
        let value: T
        do {
            value = try await body(scope)
        } catch {
            throw scope.exit(with: error)!
        }
        if let error = scope.exit(with: nil) { throw error }
        return value
    }

    /// `timeoutAt` for a body that does not need the scope.
    @discardableResult
    nonisolated(nonsending) public static func timeoutAt<T>(
        _ when: Double?, _ body: () async throws -> T
    ) async throws -> T {
        try await timeoutAt(when) { (_: Timeout) in try await body() }
    }

    /// Awaits `body` for at most `timeout` seconds (asyncio.wait_for, 3.12 semantics): on timeout
    /// the body is cancelled, waited for, and `TimeoutError` thrown; if the body swallows the
    /// cancel and returns, its value is returned. The body runs in the current task.
    @discardableResult
    nonisolated(nonsending) public static func waitFor<T>(
        timeout: Double?, _ body: () async throws -> T
    ) async throws -> T {
        if let timeout, timeout <= 0 { throw TimeoutError() }   // the body never starts
        return try await self.timeout(timeout) { (_: Timeout) in try await body() }
    }

    /// Awaits a task or future for at most `timeout` seconds (asyncio.wait_for): on timeout it is
    /// cancelled and waited for, then `TimeoutError` is thrown.
    @discardableResult
    nonisolated(nonsending) public static func waitFor<F: TypedFuture>(
        _ future: F, timeout: Double?
    ) async throws -> F.Value {
        if let timeout, timeout <= 0 {
            if future.done() { return try future.result() }
            future.cancel()
            while !future.done() {
                do { try await future.waitUntilDone() } catch is CancelledError where future.done() {}
            }
            do { return try future.result() } catch is CancelledError { throw TimeoutError() }
        }
        return try await self.timeout(timeout) { (_: Timeout) in try await future.value }
    }
}
