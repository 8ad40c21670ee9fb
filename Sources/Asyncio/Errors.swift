// The error types asyncio programs catch: CancelledError, InvalidStateError, TimeoutError, and loop misuse.

/// Thrown into a task at its current `await` when the task is cancelled (asyncio.CancelledError).
///
/// A task may catch it and carry on; it becomes a cancelled task only when the error leaves its body.
public struct CancelledError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message passed to `cancel(msg:)`, if any.
    public var message: String?
    /// An error with `message`, as `CancelledError(msg)`.
    public init(_ message: String? = nil) { self.message = message }
    public var description: String { message ?? "" }
}

/// An operation was attempted on a future or task in the wrong state (asyncio.InvalidStateError).
public struct InvalidStateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message, as CPython's `str(exc)`.
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A deadline passed (asyncio.TimeoutError, which is Python's built-in TimeoutError).
public struct TimeoutError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What timed out, when the library says (Python's `TimeoutError('SSL shutdown timed out')`).
    public let message: String?
    /// An error saying what timed out, or nothing.
    public init(_ message: String? = nil) { self.message = message }
    public var description: String { message ?? "TimeoutError" }
}

/// A value outside what an operation accepts (Python's ValueError), e.g. `sleep(.nan)`.
///
/// A class, so that errors Python derives from ValueError are subclasses here too:
/// `catch let error as ValueError` also catches `LimitOverrunError`, as `except ValueError` does.
/// Immutable, hence safe to share between threads.
open class ValueError: Error, CustomStringConvertible, Equatable, @unchecked Sendable {
    /// The message, as `str(exc)` prints it.
    public let message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    open var description: String { message }

    /// Same class and same message.
    public static func == (lhs: ValueError, rhs: ValueError) -> Bool {
        type(of: lhs) == type(of: rhs) && lhs.message == rhs.message
    }
}

/// A number too large for what it is given to (Python's OverflowError): a port outside 0-65535.
public struct OverflowError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message, as CPython's `str(exc)`.
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    /// "connect(): port must be 0-65535." and the like, as CPython's socket module words it.
    init(portFor operation: String) { message = "\(operation)(): port must be 0-65535." }
    public var description: String { message }
}

/// Misuse of the event loop or a runner (Python raises RuntimeError for these). The description
/// is CPython's message, so ported programs print the same text.
public enum EventLoopError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `getRunningLoop()` or `createTask` with no loop running on this thread.
    case noRunningEventLoop
    /// Any use of a loop after `close()`.
    case closed
    /// `runForever`/`runUntilComplete` on a loop that is already running.
    case alreadyRunning
    /// `close()` while the loop runs.
    case closeWhileRunning
    /// Running a loop on a thread where another loop is running.
    case anotherLoopRunning
    /// `asyncio.run` or `Runner.run` called from a running loop.
    case runFromRunningLoop(String)
    /// `Runner.run` after `Runner.close`.
    case runnerClosed
    /// `runUntilComplete` returned because `stop()` was called first.
    case stoppedBeforeFutureCompleted
    /// A task awaited itself.
    case taskAwaitsItself(String)
    /// A task (or other code on a loop's thread) awaited a future or task of another loop.
    case attachedToDifferentLoop(task: String?, future: String)
    /// A Task does not support `setResult`/`setException`.
    case taskResultNotSettable
    /// In debug mode: a non-thread-safe call from a thread other than the running loop's.
    case wrongThread
    /// `timeout`/`timeoutAt` used outside a loop task.
    case timeoutOutsideTask
    /// `captureCallGraph()` with no future and no running loop.
    case callGraphOutsideLoop
    /// `Timeout.reschedule` before the scope was entered.
    case timeoutNotEntered
    /// A `Timeout` entered a second time.
    case timeoutAlreadyEntered
    /// `Timeout.reschedule` once the scope expired or was left (its state: "expiring",
    /// "expired", "finished").
    case timeoutStateFixed(String)
    /// A lock, event, condition, semaphore, barrier or queue used from a second loop.
    case boundToDifferentLoop(String)
    /// `createTask` on a task group that has finished.
    case taskGroupFinished
    /// `createTask` on a task group that is cancelling its children.
    case taskGroupShuttingDown
    /// `asyncio.taskGroup` used outside a loop task.
    case taskGroupOutsideTask

    public var description: String {
        switch self {
        case .noRunningEventLoop: "no running event loop"
        case .closed: "Event loop is closed"
        case .alreadyRunning: "This event loop is already running"
        case .closeWhileRunning: "Cannot close a running event loop"
        case .anotherLoopRunning: "Cannot run the event loop while another loop is running"
        case .runFromRunningLoop(let what): "\(what) cannot be called from a running event loop"
        case .runnerClosed: "Runner is closed"
        case .stoppedBeforeFutureCompleted: "Event loop stopped before Future completed."
        case .taskAwaitsItself(let name): "Task cannot await on itself: \(name)"
        case .attachedToDifferentLoop(let task?, let future): "Task \(task) got Future \(future) attached to a different loop"
        case .attachedToDifferentLoop(nil, let future): "Future \(future) attached to a different loop"
        case .taskResultNotSettable: "Task does not support set_result/set_exception operations"
        case .timeoutOutsideTask: "Timeout should be used inside a task"
        case .callGraphOutsideLoop:
            "capture_call_graph() is called outside of a running event loop and no *future* to introspect was provided"
        case .timeoutNotEntered: "Timeout has not been entered"
        case .timeoutAlreadyEntered: "Timeout has already been entered"
        case .timeoutStateFixed(let state): "Cannot change state of \(state) Timeout"
        case .taskGroupFinished: "TaskGroup is finished"
        case .taskGroupShuttingDown: "TaskGroup is shutting down"
        case .taskGroupOutsideTask: "TaskGroup should be used inside a task"
        case .boundToDifferentLoop(let what): "<\(what)> is bound to a different event loop"
        case .wrongThread: "Non-thread-safe operation invoked on an event loop other than the current one"
        }
    }
}
