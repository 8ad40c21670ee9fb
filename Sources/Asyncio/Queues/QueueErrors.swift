// The errors of queues: empty, full, shut down (asyncio.QueueEmpty, QueueFull, QueueShutDown).

/// `getNowait()` on an empty queue.
public struct QueueEmpty: Error, Equatable, Sendable { public init() {} }
/// `putNowait()` on a full queue.
public struct QueueFull: Error, Equatable, Sendable { public init() {} }
/// A put, or a get on an empty queue, after `shutdown()` (Python 3.13).
public struct QueueShutDown: Error, Equatable, Sendable { public init() {} }
