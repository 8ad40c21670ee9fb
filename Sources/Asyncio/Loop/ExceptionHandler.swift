// The loop's exception handler: where errors nobody awaits end up, without stopping the loop.
import Logging

/// What went wrong, as asyncio's exception-handler context dictionary. The handle and future it
/// refers to are owned by the loop's thread, where the handler runs.
public struct ExceptionContext: @unchecked Sendable, CustomStringConvertible {
    /// A human-readable description.
    public var message: String
    /// The error, if there is one.
    public var error: (any Error)?
    /// The callback handle that failed, if any.
    public var handle: Handle?
    /// The future or task concerned, if any.
    public var future: AnyFuture?

    /// A context with `message` and whichever of the error, handle and future apply.
    public init(message: String, error: (any Error)? = nil, handle: Handle? = nil, future: AnyFuture? = nil) {
        self.message = message
        self.error = error
        self.handle = handle
        self.future = future
    }

    public var description: String {
        var lines = [message]
        if let error { lines.append("exception: \(String(reflecting: error))") }
        if let handle { lines.append("handle: \(handle)") }
        if let future { lines.append("\(future is AnyTask ? "task" : "future"): \(future)") }
        return lines.joined(separator: "\n")
    }
}

/// A custom exception handler: receives the loop and the context.
public typealias ExceptionHandler = (EventLoop, ExceptionContext) -> Void

extension EventLoop {
    /// Installs `handler` in place of the default one; nil restores the default.
    public func setExceptionHandler(_ handler: ExceptionHandler?) { exceptionHandler = handler }

    /// The custom handler, or nil when the default one is in use.
    public func getExceptionHandler() -> ExceptionHandler? { exceptionHandler }

    /// Logs the context through swift-log at error level (asyncio's default handler).
    public func defaultExceptionHandler(_ context: ExceptionContext) {
        logger.error("\(context)")
    }

    /// Hands `context` to the installed handler, or the default one. A loop never stops
    /// because of an error reported here.
    public func callExceptionHandler(_ context: ExceptionContext) {
        if let exceptionHandler {
            exceptionHandler(self, context)
        } else {
            defaultExceptionHandler(context)
        }
    }

    /// Reports from a deinitializer, which may run anywhere: on the loop when it still runs.
    func reportFromDeinit(_ context: ExceptionContext) {
        if closedFlag.load(ordering: .relaxed) {
            defaultExceptionHandler(context)
        } else {
            let box = UncheckedBox(context)
            scheduleInternal { [self] in callExceptionHandler(box.value) }
        }
    }
}
