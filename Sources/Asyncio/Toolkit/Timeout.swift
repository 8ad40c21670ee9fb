// timeout / timeoutAt scopes and waitFor: deadlines that cancel the task and throw TimeoutError.

/// A deadline scope (asyncio.Timeout). When it expires it cancels the current task; on the way
/// out it turns that one cancellation into `TimeoutError`, and only that one (it compares the
/// task's cancel count), so an outside cancel still propagates as `CancelledError`.
///
/// As in asyncio the object outlives its scope: `let cm = try asyncio.timeout(5)`, then
/// `try await cm.run { … }` (`async with cm:`), then `cm.expired()`. A scope is entered once;
/// `reschedule` works only while it is entered, as CPython's raises `RuntimeError` otherwise.
public final class Timeout: @unchecked Sendable, CustomStringConvertible {
    // Owned by the loop thread of the task that entered the scope.
    enum State: String { case created, entered = "active", expiring, expired, exited = "finished" }

    private var deadline: Double?
    private var state = State.created
    /// The pending expiry: a timer, or a callback already queued when the deadline is not in
    /// the future. It captures the scope until cancelled (on exit), which ends that cycle.
    private var handle: Handle?
    private var task: AnyTask?
    private var cancellingAtEntry = 0

    /// A scope not entered yet, with a deadline at loop time `deadline` (nil: none).
    init(deadline: Double?) {
        self.deadline = deadline
    }

    /// The deadline in loop time, or nil for none.
    public func when() -> Double? { deadline }

    /// True once the deadline passed and the scope cancelled the task.
    public func expired() -> Bool { state == .expiring || state == .expired }

    /// `<Timeout [active] when=12.345>`, as asyncio prints it (the deadline only while entered).
    public var description: String {
        guard state == .entered else { return "<Timeout [\(state.rawValue)]>" }
        let when = deadline.map { "\(($0 * 1000).rounded() / 1000)" } ?? "None"
        return "<Timeout [\(state.rawValue)] when=\(when)>"
    }

    /// Moves the deadline (nil: no deadline). A deadline that is not in the future expires on
    /// the next iteration, before the task's own wake-up (asyncio schedules it with `call_soon`).
    /// Throws `EventLoopError` (asyncio's `RuntimeError`) unless the scope is entered.
    public func reschedule(_ when: Double?) throws {
        switch state {
        case .entered: break
        case .created: throw EventLoopError.timeoutNotEntered
        default: throw EventLoopError.timeoutStateFixed(state.rawValue)
        }
        schedule(when)
    }

    private func schedule(_ when: Double?) {
        deadline = when
        handle?.cancel()
        handle = nil
        guard let when, let task else { return }
        let loop = task.loop
        if when <= loop.time() {
            let soon = Handle(action: .call { [self] in onTimeout() })
            loop.enqueueItem(.handle(soon))
            handle = soon
        } else {
            handle = loop.scheduleTimer(at: when, action: .call { [self] in onTimeout() })
        }
    }

    /// Runs `body` inside the scope (`async with cm:`) and returns its value; throws
    /// `TimeoutError` if the deadline cancelled it.
    @discardableResult
    nonisolated(nonsending) public func run<T>(_ body: (Timeout) async throws -> T) async throws -> T {
        try enter()
        let value: T
        do {
            value = try await body(self)
        } catch {
            throw exit(with: error)!
        }
        if let error = exit(with: nil) { throw error }
        return value
    }

    /// `run` for a body that does not need the scope.
    @discardableResult
    nonisolated(nonsending) public func run<T>(_ body: () async throws -> T) async throws -> T {
        try await run { (_: Timeout) in try await body() }
    }

    private func enter() throws {
        guard state == .created else { throw EventLoopError.timeoutAlreadyEntered }
        let loop = try asyncio.getRunningLoop()
        guard let current = AnyTask.runningOnLoop(loop) else { throw EventLoopError.timeoutOutsideTask }
        task = current
        cancellingAtEntry = current.cancelling()
        state = .entered
        schedule(deadline)
    }

    private func onTimeout() {
        guard state == .entered else { return }
        task?.cancel()
        state = .expiring
        handle = nil
    }

    /// Leaves the scope. `error` is what the body threw, if anything; returns the error to throw.
    private func exit(with error: (any Error)?) -> (any Error)? {
        handle?.cancel()
        handle = nil
        switch state {
        case .expiring:
            state = .expired
            if let task, task.uncancel() <= cancellingAtEntry, error is CancelledError { return TimeoutError() }
            return error
        case .entered:
            state = .exited
            return error
        case .created, .expired, .exited:
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
        try await Timeout(deadline: when).run(body)
    }

    /// A scope with a deadline `delay` seconds from now (nil: none), not entered yet
    /// (`cm = asyncio.timeout(delay)`): enter it with `run`, and ask it `expired()` afterwards.
    public static func timeout(_ delay: Double?) throws -> Timeout {
        let loop = try getRunningLoop()
        return Timeout(deadline: delay.map { loop.time() + $0 })
    }

    /// A scope with a deadline at loop time `when`, not entered yet (`asyncio.timeout_at(when)`).
    public static func timeoutAt(_ when: Double?) -> Timeout { Timeout(deadline: when) }

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
