// The untyped core shared by Future and Task: state, done callbacks, parked waiters, cancellation.

/// Identifies a done callback so it can be removed (Swift closures cannot be compared).
public struct CallbackToken: Hashable, Sendable {
    let id: UInt64
}

/// How a done callback shows in a future's repr (`cb=[...]`): a name, as CPython shows its own
/// callbacks (`_run_until_complete_cb()`), or where a user's closure was written.
enum CallbackLabel {
    case named(StaticString)
    case closure(fileID: StaticString, line: UInt)

    var description: String {
        switch self {
        case .named(let name): "\(name)()"
        case .closure(let fileID, let line): "<closure>() at \(fileID):\(line)"
        }
    }
}

/// One party waiting for a future: a done callback, or a parked task to resume.
enum FutureWaiter {
    case callback(CallbackToken, CallbackLabel, (AnyFuture) throws -> Void)
    case wake(Waker)

    /// As CPython's `_format_callbacks` shows it; a parked task is its `Task.task_wakeup()`.
    var label: String {
        switch self {
        case .callback(_, let label, _): label.description
        case .wake: "Task.task_wakeup()"
        }
    }
}

/// The states of asyncio's futures.
public enum FutureState: String, Sendable {
    /// Not done yet.
    case pending = "PENDING"
    /// Cancelled before a result or an error was set.
    case cancelled = "CANCELLED"
    /// Done, with a result or an error.
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
    /// Futures and tasks that await this one other than by parking on it or gathering it (a
    /// shield, a task group's parent, `asyncio.wait`, `futureAddToAwaitedBy`): asyncio's
    /// `_asyncio_awaited_by`, for the call graph. The first in this field (no allocation
    /// for the usual one awaiter), more in the loop's `moreAwaitedBy`; each leaves when its wait
    /// ends.
    @exclusivity(unchecked) var firstAwaitedBy: AnyFuture?
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
    func onDone(_ label: CallbackLabel, _ callback: @escaping (AnyFuture) throws -> Void) -> CallbackToken {
        let token = CallbackToken(id: Self.tokens.next())
        if state != .pending {
            loop.scheduleInternal { [self] in try callback(self) }
        } else {
            addWaiter(.callback(token, label, callback))
        }
        return token
    }

    /// Removes the done callback that `token` names. Returns how many were removed (0 or 1).
    @discardableResult
    public func removeDoneCallback(_ token: CallbackToken) -> Int {
        var removed = 0
        if case .callback(let t, _, _)? = firstWaiter, t == token {
            firstWaiter = nil
            removed = 1
        }
        let before = moreWaiters.count
        moreWaiters.removeAll { waiter in
            if case .callback(let t, _, _) = waiter { return t == token }
            return false
        }
        return removed + (before - moreWaiters.count)
    }

    // MARK: - Library internals

    func makeCancelledError() -> CancelledError { CancelledError(cancelMessage) }

    /// `result()` of the typed subclasses: the stored result, or the error or cancellation.
    @inline(__always)
    func resultOrThrow<T>(as _: T.Type) throws -> T {
        switch state {
        case .pending: throw InvalidStateError("Result is not set.")
        case .cancelled: throw makeCancelledError()
        case .finished:
            errorUnretrieved = false
            if let error { throw error }
            return untypedResult! as! T
        }
    }

    /// The result, untyped: for a future or task known only as `AnyFuture` or `AnyTask` (what
    /// `currentTask()` and `allTasks()` give). Rethrows the error; `CancelledError` if
    /// cancelled; `InvalidStateError` if pending.
    public func anyResult() throws -> any Sendable { try resultOrThrow(as: (any Sendable).self) }

    /// The result the typed subclass (`Future<T>`, `LoopTask<T>`) stored, always a `T`.
    ///
    /// Stored as an existential rather than as a `T?` in the subclass: in the library's
    /// unspecialized generic code every copy or destruction of a `T?` asks the runtime for the
    /// metadata of `Optional<T>` (a hashed lookup, about 300 instructions, three times per future
    /// round trip), while `T`'s own metadata comes with the instance. A value of up to three
    /// words is kept inline; a larger one costs one box allocation when it is set.
    @exclusivity(unchecked) var untypedResult: (any Sendable)?

    /// Waits until done and returns the result untyped (`await task` on a task from
    /// `currentTask()` or `allTasks()`). Cancelling the waiting task cancels this future or
    /// task, as `value` does.
    nonisolated(nonsending) public var anyValue: any Sendable {
        get async throws {
            try await waitUntilDone()
            return try anyResult()
        }
    }

    /// Waits until done, for its effect (`await fut` as a statement in asyncio): rethrows the
    /// error, throws `CancelledError` if it was cancelled, and returns nothing, so no unused
    /// result warns. Cancelling the waiting task cancels this future or task, as `value` does.
    nonisolated(nonsending) public func wait(fileID: StaticString = #fileID, line: UInt = #line) async throws {
        try await waitUntilDone(site: AwaitSite("", fileID, line))
        _ = try anyResult()
    }

    /// Parks the current task until this future is done; returns at once if it is
    /// (the `await` of the typed subclasses).
    @inline(__always)
    nonisolated(nonsending) func waitUntilDone(site: AwaitSite? = nil) async throws {
        if state == .pending { try await park(on: self, site: site) }
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
        case .callback(_, _, let callback):
            loop.scheduleInternal { [self] in try callback(self) }
        case .wake(let waker):
            waker.wake()
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

    /// The `cb=[...]` part of the repr (CPython's `_format_callbacks`: first, `<n more>`, last).
    var callbacksDescription: String? {
        var labels: [String] = []
        if let firstWaiter { labels.append(firstWaiter.label) }
        labels += moreWaiters.map(\.label)
        switch labels.count {
        case 0: return nil
        case 1, 2: return "cb=[" + labels.joined(separator: ", ") + "]"
        default: return "cb=[\(labels[0]), <\(labels.count - 2) more>, \(labels[labels.count - 1])]"
        }
    }

    /// `result=...` or `exception=...` once finished (nil otherwise), as asyncio's repr shows it.
    var outcomeDescription: String? {
        guard state == .finished else { return nil }
        if let error { return "exception=\(reprError(error))" }
        return untypedResult.map { "result=\(reprValue($0))" }
    }

    /// asyncio's `_future_repr_info`: state, outcome, callbacks.
    var reprParts: [String] {
        [stateDescription] + [outcomeDescription, callbacksDescription].compactMap { $0 }
    }

    public var description: String { "<Future " + reprParts.joined(separator: " ") + ">" }

    public static func == (lhs: AnyFuture, rhs: AnyFuture) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// Python's `repr()` of an exception: `ValueError('x')`.
func reprError(_ error: any Error) -> String {
    "\(type(of: error))(\(reprValue("\(error)")))"
}

/// A process-wide counter handing out unique ids.
final class TokenCounter: Sendable {
    private let value = Synchronization.Atomic<UInt64>(0)
    func next() -> UInt64 { value.wrappingAdd(1, ordering: .relaxed).newValue }
}

import Synchronization
