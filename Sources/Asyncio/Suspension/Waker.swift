// Waker: a parked waiter's one wake-up, fired at most once whatever fires it (target, cancel, close, error).

/// The wake-up of one parked waiter, handed to its wait target.
///
/// Exactly-once resumption is the primitive's property, not each target's: a parked waiter is
/// armed until the first of wake-up, cancel, close or error fires it; whoever comes second finds
/// it spent and does nothing. A loop task is its own slot (its parked continuation and a park
/// generation, so a waker kept by a target after that park ended can never resume a later one);
/// code that is not a loop task parks on a one-shot `ForeignWaiter`. Owned by the loop thread.
@usableFromInline
enum Waker {
    /// A loop task parked in park number `generation`.
    case task(AnyTask, UInt32)
    /// Code that is not a loop task of the target's loop.
    case foreign(ForeignWaiter)

    /// True while the waiter is parked and not yet woken.
    var isArmed: Bool {
        switch self {
        case .task(let task, let generation):
            task.parkGeneration == generation && task.parkedContinuation != nil
        case .foreign(let waiter):
            waiter.continuation != nil
        }
    }

    /// Takes the continuation if the waiter is still armed (it is spent from now on).
    @inline(__always)
    private func take() -> UnsafeContinuation<Void, Never>? {
        switch self {
        case .task(let task, let generation):
            guard task.parkGeneration == generation, let continuation = task.parkedContinuation else { return nil }
            task.parkedContinuation = nil
            return continuation
        case .foreign(let waiter):
            guard let continuation = waiter.continuation else { return nil }
            waiter.continuation = nil
            return continuation
        }
    }

    private var loop: EventLoop {
        switch self {
        case .task(let task, _): task.loop
        case .foreign(let waiter): waiter.loop
        }
    }

    /// Schedules the waiter's resumption through the loop's ready queue, unless it was already
    /// woken. Returns true if this call woke it.
    @discardableResult
    func wake() -> Bool {
        guard let continuation = take() else { return false }
        loop.scheduleResume(continuation)
        return true
    }

    /// Resumes the waiter right here (the loop is running a ready item), unless already woken.
    func wakeInPlace() {
        guard let continuation = take() else { return }
        loop.resumeInPlace(continuation)
    }
}

/// The slot of a waiter that is not a loop task (a child task, another thread): one park only.
/// Owned by the loop thread of the target it waits on.
@usableFromInline
final class ForeignWaiter: @unchecked Sendable {
    let loop: EventLoop
    /// Set once the waiter is parked; nil again once woken.
    var continuation: UnsafeContinuation<Void, Never>?
    /// Swift cancelled the waiting task (possibly before the waiter was parked).
    var cancelRequested = false

    init(loop: EventLoop) { self.loop = loop }
}
