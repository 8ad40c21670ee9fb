// TypedFuture: what Future<T> and LoopTask<T> have in common, for code that takes either.

/// A future or a task with a result of type `Value` (asyncio treats a Task as a Future).
public protocol TypedFuture<Value>: AnyFuture {
    /// The type of the result.
    associatedtype Value: Sendable
    /// The result; rethrows the error; `CancelledError` if cancelled; `InvalidStateError` if pending.
    func result() throws -> Value
    /// Waits until done and returns the result (`await fut` in asyncio).
    var value: Value { get async throws }
}
