// The one suspension primitive: park the current task on a wait target, with an abort hook for cancel().

/// Something a task can wait on: a future, a task, a timer. Every awaitable of the library parks
/// through `park(on:)`, so `cancel()` reaches a task wherever it waits.
protocol WaitTarget: AnyObject, Sendable {
    /// Stores the continuation; the target resumes it through the loop's ready queue when the
    /// wait ends. Called on the loop thread.
    func parkWaiter(_ continuation: UnsafeContinuation<Void, Never>)
    /// The waiting task was cancelled: end the wait early (the woken code sees the cancellation).
    /// Returns false when the wait can no longer be cancelled (the target is already done); the
    /// task then throws `CancelledError` when it wakes.
    func cancelWait(message: String?) -> Bool
    /// The loop that resumes the waiter.
    var waitLoop: EventLoop { get }
}

extension AnyFuture: WaitTarget {
    func parkWaiter(_ continuation: UnsafeContinuation<Void, Never>) { addWaiter(.resume(continuation)) }
    func cancelWait(message: String?) -> Bool { cancel(msg: message) }
    var waitLoop: EventLoop { loop }
}

/// Parks the current task until `target` wakes it.
///
/// In a loop task this follows asyncio's `Task.__step`: the task records what it waits on, so
/// `cancel()` can cancel that; a cancel requested while the task ran, or one that could not
/// cancel the target, is thrown as `CancelledError` when the task wakes. Outside a loop task
/// (a child task, another thread) the wait is handed to the target's loop, and Swift's own task
/// cancellation cancels the target.
nonisolated(nonsending) func park(on target: some WaitTarget) async throws {
    let loop = target.waitLoop
    if let task = AnyTask.runningOnLoop(loop) {
        if target === task { throw EventLoopError.taskAwaitsItself(task.description) }
        try task.throwIfDeadlinePassed()
        task.waitTarget = target
        await withUnsafeContinuation { continuation in
            target.parkWaiter(continuation)
            if task.mustCancel, task.shieldDepth == 0, target.cancelWait(message: task.pendingCancelMessage) {
                task.mustCancel = false
            }
        }
        task.waitTarget = nil
        try task.throwIfCancelRequested()
        try task.throwIfDeadlinePassed()
    } else {
        try await parkUntracked(on: target, loop: loop)
    }
}

/// Parks code that is not a loop task of `loop` (a child task, another thread, another loop).
private func parkUntracked(on target: any WaitTarget, loop: EventLoop) async throws {
    let box = UncheckedBox(target)
    await withTaskCancellationHandler {
        await withUnsafeContinuation { continuation in
            loop.runOnLoopThread { box.value.parkWaiter(continuation) }
        }
    } onCancel: {
        loop.runOnLoopThread { _ = box.value.cancelWait(message: nil) }
    }
}

/// Yields once to the loop: the task goes to the back of the ready queue (`sleep(0)`).
@inline(__always)
nonisolated(nonsending) func yieldToLoop(_ loop: EventLoop) async throws {
    if let task = AnyTask.runningOnLoop(loop) {
        await withUnsafeContinuation { continuation in loop.ready.push(.resume(continuation)) }
        try task.throwIfCancelRequested()
        try task.throwIfDeadlinePassed()
    } else {
        await withUnsafeContinuation { continuation in loop.scheduleResume(continuation) }
        try Task.checkCancellation()
    }
}

/// Carries a loop-thread-owned reference across to the loop thread.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
