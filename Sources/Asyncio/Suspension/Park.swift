// The one suspension primitive: park the current task on a wait target, with an abort hook for cancel().

/// Something a task can wait on: a future, a task, a timer, a descriptor's readiness. Every
/// awaitable of the library parks through `park(on:)`, so `cancel()` reaches a task wherever it
/// waits.
///
/// A target never resumes a continuation itself: it keeps the `Waker` it was given and fires it
/// (`wake()`), which does nothing once the waiter was woken by someone else.
protocol WaitTarget: AnyObject, Sendable {
    /// Registers interest: keep `waker` and fire it when the wait ends (at once if it already
    /// has). Called on the loop thread.
    func parkWaiter(_ waker: Waker)
    /// The waiting task was cancelled while its waker is armed: unregister interest and fire the
    /// waker (the woken code sees the cancellation). Returns false when the wait can no longer be
    /// cancelled (a target that is already done); the task then throws `CancelledError` when it
    /// wakes.
    func cancelWait(message: String?) -> Bool
    /// The loop that resumes the waiter.
    var waitLoop: EventLoop { get }
}

extension AnyFuture: WaitTarget {
    func parkWaiter(_ waker: Waker) {
        if state == .pending { addWaiter(.wake(waker)) } else { waker.wake() }
    }
    func cancelWait(message: String?) -> Bool { cancel(msg: message) }
    var waitLoop: EventLoop { loop }
}

/// Parks the current task until `target` wakes it.
///
/// In a loop task this follows asyncio's `Task.__step`: the task records what it waits on, so
/// `cancel()` can cancel that; a cancel requested while the task ran, or one that could not
/// cancel the target, is thrown as `CancelledError` when the task wakes (unless the target is a
/// future that itself ended with a `CancelledError`: that one wins, as in asyncio). Outside a
/// loop task (a child task, another thread) the wait is handed to the target's loop, and Swift's
/// own task cancellation cancels the target. Awaiting a target of another loop from a thread that
/// runs a loop throws at once.
/// `site` says where and in what the task awaits, for the call graph (kept while it is parked).
nonisolated(nonsending) func park(on target: some WaitTarget, site: AwaitSite? = nil) async throws {
    let loop = target.waitLoop
    if let task = AnyTask.runningOnLoop(loop) {
        if target === task { throw EventLoopError.taskAwaitsItself(task.description) }
        task.bridgeSwiftCancel()
        try task.throwIfDeadlinePassed()
        task.waitTarget = target
        task.awaitSite = site   // kept after the wake: what it last awaited, for the watchdog
        await withUnsafeContinuation { continuation in
            task.parkGeneration &+= 1
            task.parkedContinuation = continuation
            target.parkWaiter(.task(task, task.parkGeneration))
            if task.mustCancel, task.shieldDepth == 0, task.abortWait(message: task.pendingCancelMessage) {
                task.mustCancel = false
            }
        }
        task.waitTarget = nil
        try task.throwIfCancelledOnWake(from: target)
        try task.throwIfDeadlinePassed()
    } else {
        if let running = asyncio.runningLoop, running !== loop {
            throw EventLoopError.attachedToDifferentLoop(
                task: AnyTask.current.map { "\($0)" }, future: "\(target)")
        }
        try await parkUntracked(on: target, loop: loop)
    }
}

/// Parks code that is not a loop task of `loop` (a child task, another thread). Arming and
/// cancelling both happen on the loop's thread, in whichever order they arrive. Not inlined into
/// `park`: its cancellation handler and continuation would widen the async frame of every park.
@inline(never)
private func parkUntracked(on target: any WaitTarget, loop: EventLoop) async throws {
    let box = UncheckedBox(target)
    let waiter = ForeignWaiter(loop: loop)
    await withTaskCancellationHandler {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let slot = UncheckedBox(continuation)
            loop.runOnLoopThread {
                waiter.continuation = slot.value
                box.value.parkWaiter(.foreign(waiter))
                if waiter.cancelRequested, waiter.continuation != nil { _ = box.value.cancelWait(message: nil) }
            }
        }
    } onCancel: {
        loop.runOnLoopThread {
            waiter.cancelRequested = true
            if waiter.continuation != nil { _ = box.value.cancelWait(message: nil) }
        }
    }
}

/// Yields once to the loop: the task goes to the back of the ready queue (`sleep(0)`).
@inline(__always)
nonisolated(nonsending) func yieldToLoop(_ loop: EventLoop) async throws {
    if let task = AnyTask.runningOnLoop(loop) {
        await withUnsafeContinuation { continuation in loop.ready.push(.resume(continuation)) }
        task.bridgeSwiftCancel()
        try task.throwIfCancelRequested()
        try task.throwIfDeadlinePassed()
    } else {
        await withUnsafeContinuation { continuation in loop.scheduleResume(continuation) }
        try Task.checkCancellation()
    }
}

extension AnyTask {
    /// Ends the current park early through its target (cancel, a deadline). False when the task
    /// is not parked, its wake-up already fired, or the target can no longer be cancelled.
    func abortWait(message: String?) -> Bool {
        guard parkedContinuation != nil, let target = waitTarget else { return false }
        return target.cancelWait(message: message)
    }

    /// After a wake-up: a cancel that could not reach the target is thrown now. As asyncio's
    /// `__step`: when the target is a future that ended with a `CancelledError`, that error (and
    /// its message) is what the task sees, so the pending cancel is dropped; either way the
    /// future's outcome counts as retrieved.
    @inline(__always)
    func throwIfCancelledOnWake(from target: some WaitTarget) throws {
        guard mustCancel, shieldDepth == 0 else { return }
        if let future = target as? AnyFuture, future.done() {
            future.errorUnretrieved = false
            if future.cancelled() || future.error is CancelledError {
                mustCancel = false
                return
            }
        }
        mustCancel = false
        throw CancelledError(pendingCancelMessage)
    }
}

/// Carries a loop-thread-owned reference across to the loop thread.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
