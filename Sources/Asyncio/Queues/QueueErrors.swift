// The errors of queues: empty, full, shut down (asyncio.QueueEmpty, QueueFull, QueueShutDown).

/// `getNowait()` on an empty queue.
public struct QueueEmpty: Error, Equatable, Sendable {
    /// The error, as `QueueEmpty()`.
    public init() {}
}
/// `putNowait()` on a full queue.
public struct QueueFull: Error, Equatable, Sendable {
    /// The error, as `QueueFull()`.
    public init() {}
}
/// A put, or a get on an empty queue, after `shutdown()` (Python 3.13).
public struct QueueShutDown: Error, Equatable, Sendable {
    /// The error, as `QueueShutDown()`.
    public init() {}
}
