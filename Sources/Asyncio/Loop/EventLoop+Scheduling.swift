// Scheduling callbacks: callSoon, callLater, callAt, callSoonThreadsafe, and the library's own hooks.

extension EventLoop {
    /// Schedules `callback` to run on the next iteration, after the callbacks already queued
    /// (asyncio's `call_soon`). A callback that throws is reported to the exception handler and
    /// the loop goes on. Throws `EventLoopError.closed` on a closed loop, and in debug mode
    /// `EventLoopError.wrongThread` when called from another thread while the loop runs.
    @discardableResult
    public func callSoon(_ callback: @escaping () throws -> Void) throws -> Handle {
        try checkClosed()
        try checkThread()
        let handle = Handle(action: .call(callback))
        enqueueItem(.handle(handle))
        return handle
    }

    /// Schedules `callback` from any thread and wakes the loop (asyncio's `call_soon_threadsafe`).
    @discardableResult
    public func callSoonThreadsafe(_ callback: @escaping @Sendable () throws -> Void) throws -> Handle {
        try checkClosed()
        let handle = Handle(action: .call(callback))
        enqueueItem(.handle(handle), fromAnyThread: true)
        return handle
    }

    /// Schedules `callback` to run after `delay` seconds of loop time (asyncio's `call_later`).
    /// A negative delay means "as soon as possible", in deadline order with the other timers.
    @discardableResult
    public func callLater(_ delay: Double, _ callback: @escaping () throws -> Void) throws -> TimerHandle {
        try callAt(time() + delay, callback)
    }

    /// Schedules `callback` at loop time `when` (asyncio's `call_at`). Timers with the same
    /// deadline run in the order they were scheduled.
    @discardableResult
    public func callAt(_ when: Double, _ callback: @escaping () throws -> Void) throws -> TimerHandle {
        try checkClosed()
        try checkThread()
        return scheduleTimer(at: when, action: .call(callback))
    }

    // MARK: - Library internals

    func scheduleTimer(at when: Double, action: HandleAction) -> TimerHandle {
        timerSequence &+= 1
        let handle = TimerHandle(loop: self, when: when, sequence: timerSequence, action: action)
        if isOnLoopThread {
            timers.insert(handle)
        } else {
            let box = UncheckedBox(handle)
            runOnLoopThread { [self] in timers.insert(box.value) }
        }
        return handle
    }

    /// A scheduled timer was cancelled: sweep the heap when cancelled timers dominate it.
    func timerCancelled() {
        timers.cancelledCount += 1
        if timers.cancelledCount > 100 && timers.cancelledCount * 2 > timers.count {
            timers.sweepCancelled()
        }
    }

    /// Schedules a library callback (done callbacks), even on a closed loop's queue.
    func scheduleInternal(_ callback: @escaping () throws -> Void) {
        enqueueItem(.handle(Handle(action: .call(callback))))
    }

    /// Schedules a parked task's wake-up.
    func scheduleResume(_ continuation: UnsafeContinuation<Void, Never>) {
        enqueueItem(.resume(continuation))
    }

    /// Runs `body` now when the loop runs on this thread, else schedules it there (any thread).
    func runOnLoopThread(_ body: @escaping @Sendable () -> Void) {
        if isRunningOnThisThread {
            body()
        } else {
            enqueueItem(.handle(Handle(action: .call(body))), fromAnyThread: true)
        }
    }
}
