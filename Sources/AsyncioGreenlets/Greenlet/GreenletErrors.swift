// The errors greenlets raise and the exit request thrown into them.

/// Thrown into a greenlet to make it end (greenlet's `GreenletExit`). A body that lets it
/// escape ends normally: its parent receives the `GreenletExit` value as the return value.
public struct GreenletExit: Error, Sendable, Equatable {
    /// The exit request.
    public init() {}
}

/// A misuse of a greenlet.
public enum GreenletError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The greenlet belongs to another thread (a greenlet runs on the thread that started it).
    case wrongThread
    /// The stack could not be mapped (`errno` from mmap or madvise).
    case stackAllocationFailed(errno: Int32)
    /// Setting this parent would make a cycle.
    case parentCycle

    public var description: String {
        switch self {
        case .wrongThread: "cannot switch to a different thread"
        case .stackAllocationFailed(let code): "cannot map a greenlet stack (errno \(code))"
        case .parentCycle: "cyclic parent chain"
        }
    }
}
