// Handle and TimerHandle: a callback scheduled on the loop, which can be cancelled before it runs.

/// What a scheduled entry does when it runs. Owned by the loop thread.
@usableFromInline
enum HandleAction {
    /// Call a user or library callback.
    case call(() throws -> Void)
    /// Wake a parked waiter (sleep and readiness waits: no closure per wait).
    case wake(Waker)
    /// Nothing left to do (cancelled or already run).
    case none
}

/// A callback scheduled with `callSoon` (asyncio.Handle). Cancel it to keep it from running.
///
/// State is owned by the loop's thread: cancel a handle from the loop's thread (for another
/// thread, schedule the cancel with `callSoonThreadsafe`).
public class Handle: @unchecked Sendable, CustomStringConvertible {
    @usableFromInline @exclusivity(unchecked) var action: HandleAction
    @usableFromInline @exclusivity(unchecked) var isCancelled = false

    @usableFromInline
    init(action: HandleAction) {
        self.action = action
    }

    /// Keeps the callback from running. Cancelling twice, or after it ran, does nothing.
    public func cancel() {
        if isCancelled { return }
        isCancelled = true
        action = .none
    }

    /// True once `cancel()` was called.
    public func cancelled() -> Bool { isCancelled }

    /// Runs the action on `loop`, unless cancelled. Called by the loop.
    @usableFromInline
    func run(on loop: EventLoop) {
        if isCancelled { return }
        switch action {
        case .call(let callback):
            do { try callback() } catch {
                loop.callExceptionHandler(ExceptionContext(
                    message: "Exception in callback \(self)", error: error, handle: self))
            }
        case .wake(let waker):
            action = .none
            waker.wakeInPlace()
        case .none: break
        }
    }

    public var description: String { "<Handle\(isCancelled ? " cancelled" : "")>" }
}

/// A callback scheduled for a point in loop time with `callLater`/`callAt` (asyncio.TimerHandle).
public final class TimerHandle: Handle, @unchecked Sendable {
    /// The loop time at which the callback is due.
    public let when: Double
    @usableFromInline let sequence: UInt64
    @usableFromInline @exclusivity(unchecked) var scheduled = true
    /// The loop whose heap holds the timer (a cancel tells it).
    let loop: EventLoop
    /// Message of the cancellation that ended a `sleep` early.
    var cancelMessage: String?

    @usableFromInline
    init(loop: EventLoop, when: Double, sequence: UInt64, action: HandleAction) {
        self.when = when
        self.sequence = sequence
        self.loop = loop
        super.init(action: action)
    }

    /// The loop time at which the callback is due (asyncio's `TimerHandle.when()`).
    public func whenScheduled() -> Double { when }

    public override func cancel() {
        if isCancelled { return }
        super.cancel()
        if scheduled { loop.timerCancelled() }
    }

    /// A timer runs once: after that it lets its callback go, so an owner that keeps the
    /// handle (to cancel it later) is not kept alive by a callback that captured the owner.
    @usableFromInline
    override func run(on loop: EventLoop) {
        super.run(on: loop)
        action = .none
    }

    public override var description: String {
        "<TimerHandle when=\(when)\(isCancelled ? " cancelled" : "")>"
    }
}
