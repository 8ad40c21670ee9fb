// Future<T>: asyncio's low-level awaitable whose result is set by hand.

/// An awaitable result that some code sets later (asyncio.Future).
///
/// Create one with `loop.createFuture(of:)`; set it with `setResult`/`setException`; await it with
/// `try await future.value`. Loop-affine: use it from its loop's thread.
public class Future<T: Sendable>: AnyFuture, TypedFuture, @unchecked Sendable {
    /// Creates a pending future on `loop` (prefer `loop.createFuture(of:)`).
    public override init(loop: EventLoop) { super.init(loop: loop) }

    /// Sets the result and schedules the done callbacks. Throws `InvalidStateError` if done.
    public func setResult(_ value: T) throws {
        guard state == .pending else { throw InvalidStateError("invalid state: \(state.rawValue): \(self)") }
        untypedResult = value
        state = .finished
        scheduleCallbacks()
    }

    /// Sets an error and schedules the done callbacks. Throws `InvalidStateError` if done.
    public func setException(_ error: any Error) throws {
        guard state == .pending else { throw InvalidStateError("invalid state: \(state.rawValue): \(self)") }
        finish(error: error)
    }

    /// The result; rethrows the future's error. Throws `CancelledError` if cancelled and
    /// `InvalidStateError` if not done yet.
    public func result() throws -> T { try resultOrThrow(as: T.self) }

    /// Adds a callback run with this future once it is done. It is always scheduled with
    /// `callSoon`, even when already done. Returns a token for `removeDoneCallback`.
    @discardableResult
    public func addDoneCallback(
        _ callback: @escaping (Future<T>) throws -> Void, fileID: StaticString = #fileID, line: UInt = #line
    ) -> CallbackToken {
        onDone(.closure(fileID: fileID, line: line)) { try callback($0 as! Future<T>) }
    }

    /// Waits until the future is done and returns its result (`await future` in asyncio).
    /// Does not suspend when the future is already done. Cancelling the waiting task cancels
    /// the future.
    nonisolated(nonsending) public var value: T {
        get async throws {
            try await waitUntilDone()
            return try result()
        }
    }
}

/// Python-style repr of a value: strings quoted, Void and nil as None.
func reprValue(_ value: Any) -> String {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        guard let wrapped = mirror.children.first?.value else { return "None" }
        return reprValue(wrapped)
    }
    if let string = value as? String { return "'\(string)'" }
    if value is Void { return "None" }
    return "\(value)"
}
