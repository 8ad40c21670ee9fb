// ConcurrentFuture<T>: the thread-safe future of concurrent.futures, for work on other threads.

/// The states of a concurrent future.
public enum ConcurrentFutureState: String, Sendable {
    /// Not started yet.
    case pending = "PENDING"
    /// Running; it can no longer be cancelled.
    case running = "RUNNING"
    /// Cancelled before it ran.
    case cancelled = "CANCELLED"
    /// Done, with a result or an error.
    case finished = "FINISHED"
}

/// The untyped part of a concurrent future: state, error, callbacks and waiters, all guarded by
/// one lock, so any thread may use it (concurrent.futures.Future).
public class AnyConcurrentFuture: @unchecked Sendable, Hashable, CustomStringConvertible {
    // Every stored property is guarded by `condition`'s lock.
    let condition = ThreadCondition()
    var state = ConcurrentFutureState.pending
    var error: (any Error)?
    var callbacks: [@Sendable (AnyConcurrentFuture) -> Void] = []
    var completionWatchers: [CompletionWatcher] = []

    init() {}

    /// True if cancelled.
    public func cancelled() -> Bool { condition.locked { state == .cancelled } }
    /// True while the work runs.
    public func running() -> Bool { condition.locked { state == .running } }
    /// True once finished or cancelled.
    public func done() -> Bool { condition.locked { state == .cancelled || state == .finished } }

    /// Cancels the future if it has not started running. Returns false if it runs or finished.
    @discardableResult
    public func cancel() -> Bool {
        let (cancelledNow, transitioned): (Bool, Bool) = condition.locked {
            switch state {
            case .running, .finished: return (false, false)
            case .cancelled: return (true, false)
            case .pending:
                state = .cancelled
                condition.broadcast()
                return (true, true)
            }
        }
        if transitioned { complete() }
        return cancelledNow
    }

    /// Marks the future running; false (and nothing runs) if it was cancelled. For executors.
    public func setRunningOrNotifyCancel() -> Bool {
        condition.locked {
            if state == .cancelled { return false }
            precondition(state == .pending, "setRunningOrNotifyCancel on a \(state) future")
            state = .running
            return true
        }
    }

    /// The future's error, waiting up to `timeout` seconds (nil: no limit). Throws `TimeoutError`
    /// or `CancelledError`.
    public func exception(timeout: Double? = nil) throws -> (any Error)? {
        try condition.locked {
            try waitDone(timeout: timeout)
            return error
        }
    }

    /// Adds a callback called with the future when it completes, on the completing thread; at
    /// once, on this thread, if it is already done.
    public func addDoneCallbackUntyped(_ callback: @escaping @Sendable (AnyConcurrentFuture) -> Void) {
        let now: Bool = condition.locked {
            if state == .cancelled || state == .finished { return true }
            callbacks.append(callback)
            return false
        }
        if now { callback(self) }
    }

    /// With the lock held: waits for completion; throws if it timed out or was cancelled.
    func waitDone(timeout: Double?) throws {
        let done = condition.wait(timeout: timeout) { state == .cancelled || state == .finished }
        if !done { throw TimeoutError() }
        if state == .cancelled { throw CancelledError() }
    }

    /// Finishes with `error`. Throws `InvalidStateError` if already done.
    public func setException(_ error: any Error) throws {
        try finish { self.error = error }
    }

    /// Sets the terminal state under the lock, then runs callbacks and notifies watchers.
    func finish(_ store: () -> Void) throws {
        try condition.locked {
            guard state == .pending || state == .running else {
                throw InvalidStateError("\(state.rawValue): <Future state=\(state.rawValue.lowercased())>")
            }
            store()
            state = .finished
            condition.broadcast()
        }
        complete()
    }

    private func complete() {
        let (toCall, watchers) = condition.locked {
            defer { callbacks = []; completionWatchers = [] }
            return (callbacks, completionWatchers)
        }
        for watcher in watchers { watcher.completed(self) }
        for callback in toCall { callback(self) }
    }

    public var description: String {
        let current = condition.locked { state }
        let address = String(UInt(bitPattern: ObjectIdentifier(self).hashValue), radix: 16)
        return "<Future at 0x\(address) state=\(current.rawValue.lowercased())>"
    }

    public static func == (lhs: AnyConcurrentFuture, rhs: AnyConcurrentFuture) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// A concurrent future with a result of type `T`.
public final class ConcurrentFuture<T: Sendable>: AnyConcurrentFuture, @unchecked Sendable {
    private var value: T?

    /// A pending future.
    public override init() {}

    /// Sets the result. Throws `InvalidStateError` if already done.
    public func setResult(_ value: T) throws {
        try finish { self.value = value }
    }

    /// The result, waiting up to `timeout` seconds (nil: no limit). Rethrows the work's error;
    /// throws `TimeoutError` or `CancelledError`.
    public func result(timeout: Double? = nil) throws -> T {
        try condition.locked {
            try waitDone(timeout: timeout)
            if let error { throw error }
            return value!
        }
    }

    /// Adds a callback called with this future when it completes (on the completing thread), or
    /// at once if it is already done.
    public func addDoneCallback(_ callback: @escaping @Sendable (ConcurrentFuture<T>) -> Void) {
        addDoneCallbackUntyped { callback($0 as! ConcurrentFuture<T>) }
    }
}
