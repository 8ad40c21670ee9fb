// The loop's pluggable clock: real monotonic time, or a virtual clock that jumps to the next timer.
import Glibc
import Synchronization

/// The time source of an event loop. `loop.time()` reads it; the loop asks it how long to block.
public protocol EventLoopClock: AnyObject, Sendable {
    /// The current time in seconds (monotonic; the origin is arbitrary).
    func now() -> Double
    /// The loop has nothing ready and its next timer is due at `deadline` (nil: no timer).
    /// Returns how long the loop may block waiting for I/O or other threads: 0 to poll,
    /// nil to block until woken. A virtual clock advances itself here.
    func blockingTime(until deadline: Double?) -> Double?
    /// Like `blockingTime(until:)`, while work the loop waits for runs on other threads.
    func blockingTime(until deadline: Double?, waitingForThreads: Bool) -> Double?
}

extension EventLoopClock {
    /// Real clocks block until the deadline, threads or not.
    public func blockingTime(until deadline: Double?, waitingForThreads: Bool) -> Double? {
        blockingTime(until: deadline)
    }
}

/// Real time from `CLOCK_MONOTONIC` (what asyncio's `time.monotonic()` reads).
public final class MonotonicClock: EventLoopClock {
    /// A clock on `CLOCK_MONOTONIC`.
    public init() {}

    public func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    public func blockingTime(until deadline: Double?) -> Double? {
        guard let deadline else { return nil }
        return max(0, deadline - now())
    }
}

/// A virtual clock for tests and demos (trio's autojump MockClock, Tokio's paused time).
///
/// Whenever no task can run, the clock jumps straight to the next timer, so `sleep(3600)` returns
/// at once while `loop.time()` reports that an hour passed. While the loop waits for work on other
/// threads (`runInExecutor`, `toThread`, `wrapFuture`), time stands still: the loop blocks until
/// the work reports back, so a timeout around thread work cannot expire early. Time never moves
/// by itself otherwise; `advance(by:)` moves it by hand.
public final class VirtualClock: EventLoopClock {
    private let bits: Atomic<UInt64>

    /// Starts the clock at `start` seconds.
    public init(start: Double = 0) { bits = Atomic(start.bitPattern) }

    public func now() -> Double { Double(bitPattern: bits.load(ordering: .acquiring)) }

    /// Moves the clock forward by `seconds` (negative values are ignored).
    public func advance(by seconds: Double) {
        if seconds > 0 { set(now() + seconds) }
    }

    private func set(_ time: Double) { bits.store(time.bitPattern, ordering: .releasing) }

    public func blockingTime(until deadline: Double?) -> Double? {
        guard let deadline, deadline.isFinite else { return nil }   // a timer at infinity never comes
        if deadline > now() { set(deadline) }
        return 0
    }

    public func blockingTime(until deadline: Double?, waitingForThreads: Bool) -> Double? {
        if waitingForThreads { return deadline.map { $0 <= now() ? 0 : nil } ?? nil }
        return blockingTime(until: deadline)
    }
}
