// The untyped core shared by Future and Task: state, done callbacks, parked waiters, cancellation.

/// Identifies a done callback so it can be removed (Swift closures cannot be compared).
public struct CallbackToken: Hashable, Sendable {
    let id: UInt64
}

/// One party waiting for a future: a done callback, or a parked task to resume.
enum FutureWaiter {
    case callback(CallbackToken, (AnyFuture) throws -> Void)
    case resume(UnsafeContinuation<Void, Never>)
}

/// The states of asyncio's futures.
public enum FutureState: String, Sendable {
    case pending = "PENDING"
    case cancelled = "CANCELLED"
    case finished = "FINISHED"
}

/// What every future and task has, whatever its result type: state, callbacks, cancellation.
///
/// Futures are loop-affine, as in asyncio: their state is owned by the loop's thread, so use them
/// from there. Another thread hands work to the loop with `callSoonThreadsafe`.
public class AnyFuture: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// The loop this future belongs to.
    public let loop: EventLoop
    @exclusivity(unchecked) var state: FutureState = .pending
    @exclusivity(unchecked) var error: (any Error)?
    var cancelMessage: String?
    /// True when an error was set and nobody retrieved it yet.
    @exclusivity(unchecked) var errorUnretrieved = false
    @exclusivity(unchecked) private var firstWaiter: FutureWaiter?
    @exclusivity(unchecked) private var moreWaiters: [FutureWaiter] = []
    private static let tokens = TokenCounter()

    init(loop: EventLoop) { self.loop = loop }

    deinit {
        if errorUnretrieved, let error {
            let what = self is AnyTask ? "Task" : "Future"
            loop.reportFromDeinit(ExceptionContext(
                message: "\(what) exception was never retrieved", error: error))
        }
    }

    /// True when the future has a result, an error, or was cancelled.
    public func done() -> Bool { state != .pending }

    /// True when the future was cancelled.
    public func cancelled() -> Bool { state == .cancelled }

    /// The loop this future belongs to (asyncio's `get_loop()`).
    public func getLoop() -> EventLoop { loop }

    /// Cancels the future: it becomes done and its callbacks are scheduled. Returns false if it
    /// was already done.
    @discardableResult
    public func cancel(msg: String? = nil) -> Bool {
        errorUnretrieved = false
        if state != .pending { return false }
        state = .cancelled
        cancelMessage = msg
        scheduleCallbacks()
        return true
    }

    /// The error the future finished with, nil if it has a result.
    /// Throws `CancelledError` if cancelled and `InvalidStateError` if not done.
    public func exception() throws -> (any Error)? {
        switch state {
        case .pending: throw InvalidStateError("Exception is not set.")
        case .cancelled: throw makeCancelledError()
        case .finished:
            errorUnretrieved = false
            return error
        }
    }

    /// Adds an untyped done callback; always scheduled with `callSoon`, even when already done.
    /// The typed `addDoneCallback` of `Future` and `LoopTask` is built on it.
    @discardableResult
    func onDone(_ callback: @escaping (AnyFuture) throws -> Void) -> CallbackToken {
        let token = CallbackToken(id: Self.tokens.next())
        if state != .pending {
            loop.scheduleInternal { [self] in try callback(self) }
        } else {
            addWaiter(.callback(token, callback))
        }
        return token
    }

    /// Removes the done callback that `token` names. Returns how many were removed (0 or 1).
    @discardableResult
    public func removeDoneCallback(_ token: CallbackToken) -> Int {
        var removed = 0
        if case .callback(let t, _)? = firstWaiter, t == token {
            firstWaiter = nil
            removed = 1
        }
        let before = moreWaiters.count
        moreWaiters.removeAll { waiter in
            if case .callback(let t, _) = waiter { return t == token }
            return false
        }
        return removed + (before - moreWaiters.count)
    }

    // MARK: - Library internals

    func makeCancelledError() -> CancelledError { CancelledError(cancelMessage) }

    /// `result()` of the typed subclasses: the stored result, or the error or cancellation.
    @inline(__always)
    func resultOrThrow<T>(_ stored: T?) throws -> T {
        switch state {
        case .pending: throw InvalidStateError("Result is not set.")
        case .cancelled: throw makeCancelledError()
        case .finished:
            errorUnretrieved = false
            if let error { throw error }
            return stored!
        }
    }

    /// Parks the current task until this future is done; returns at once if it is
    /// (the `await` of the typed subclasses).
    @inline(__always)
    nonisolated(nonsending) func waitUntilDone() async throws {
        if state == .pending { try await park(on: self) }
    }

    func addWaiter(_ waiter: FutureWaiter) {
        if firstWaiter == nil && moreWaiters.isEmpty {
            firstWaiter = waiter
        } else {
            moreWaiters.append(waiter)
        }
    }

    /// Schedules every waiter, in the order added: callbacks through `callSoon`, parked tasks
    /// through the ready queue.
    func scheduleCallbacks() {
        if let first = firstWaiter {
            firstWaiter = nil
            schedule(first)
        }
        if !moreWaiters.isEmpty {
            let waiters = moreWaiters
            moreWaiters = []
            for waiter in waiters { schedule(waiter) }
        }
    }

    private func schedule(_ waiter: FutureWaiter) {
        switch waiter {
        case .callback(_, let callback):
            loop.scheduleInternal { [self] in try callback(self) }
        case .resume(let continuation):
            loop.scheduleResume(continuation)
        }
    }

    /// Marks the future finished with `error`. The caller has checked that it is pending.
    func finish(error: any Error) {
        self.error = error
        errorUnretrieved = true
        state = .finished
        scheduleCallbacks()
    }

    var stateDescription: String { state.rawValue.lowercased() }

    public var description: String { "<Future \(stateDescription)>" }

    public static func == (lhs: AnyFuture, rhs: AnyFuture) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A process-wide counter handing out unique ids.
final class TokenCounter: Sendable {
    private let value = Synchronization.Atomic<UInt64>(0)
    func next() -> UInt64 { value.wrappingAdd(1, ordering: .relaxed).newValue }
}

import Synchronization
