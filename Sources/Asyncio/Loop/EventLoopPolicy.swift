// Event loop policy: how new loops are made (asyncio's get/set_event_loop_policy).

/// Makes the loops that `asyncio.newEventLoop()`, `getEventLoop()` and `asyncio.run` create.
public protocol EventLoopPolicy: Sendable {
    /// A new, idle loop. Throws `OSError` when the process is out of descriptors.
    func newEventLoop() throws -> EventLoop
}

/// Makes plain loops on real monotonic time.
public struct DefaultEventLoopPolicy: EventLoopPolicy {
    /// The default policy.
    public init() {}
    public func newEventLoop() throws -> EventLoop { try EventLoop() }
}

/// Makes loops that all read one virtual clock, so time measured across loops adds up.
public struct VirtualTimePolicy: EventLoopPolicy {
    /// The clock every new loop reads.
    public let clock: VirtualClock
    /// A policy whose loops read `clock`, by default a new virtual clock.
    public init(clock: VirtualClock = VirtualClock()) { self.clock = clock }
    public func newEventLoop() throws -> EventLoop { try EventLoop(clock: clock) }
}

/// The process-wide policy, guarded by its lock.
private final class PolicyBox: @unchecked Sendable {
    let lock = ThreadCondition()
    var policy: any EventLoopPolicy = DefaultEventLoopPolicy()
}

private let currentPolicy = PolicyBox()

extension asyncio {
    /// The process-wide policy.
    public static func getEventLoopPolicy() -> any EventLoopPolicy {
        currentPolicy.lock.locked { currentPolicy.policy }
    }

    /// Replaces the process-wide policy; nil restores the default.
    public static func setEventLoopPolicy(_ policy: (any EventLoopPolicy)?) {
        currentPolicy.lock.locked { currentPolicy.policy = policy ?? DefaultEventLoopPolicy() }
    }
}
