// Running the loop: one iteration, runForever, runUntilComplete, stop and close.
import CAsyncio

extension EventLoop {
    /// Runs until `stop()` is called (asyncio's `run_forever`).
    public func runForever() throws {
        try checkClosed()
        try checkNotRunning()
        let thread = casyncio_thread_id()
        ownerThread.store(thread, ordering: .relaxed)
        nativeThread.store(casyncio_native_thread_id(), ordering: .relaxed)
        runningFlag.store(true, ordering: .releasing)
        casyncio_set_running_loop(Unmanaged.passUnretained(self).toOpaque())
        if casyncio_is_main_thread() == 1 { poller.watchMainQueue() }
        if debug && clock is MonotonicClock { watchdog(threshold: slowCallbackDuration) }
        if LoopWatchdog.active.load(ordering: .relaxed) { casyncio_unblock_stack_signal() }
        defer {
            poller.unwatchMainQueue()
            casyncio_set_running_loop(nil)
            stopping = false
            runningFlag.store(false, ordering: .releasing)
        }
        while true {
            runOnce()
            if stopping { break }
        }
    }

    func checkNotRunning() throws {
        if isRunning() { throw EventLoopError.alreadyRunning }
        if casyncio_get_running_loop() != nil { throw EventLoopError.anotherLoopRunning }
    }

    /// Stops the loop after the current iteration. Called before `runForever`, the loop runs
    /// exactly one iteration.
    public func stop() { stopping = true }

    /// Closes the loop: pending callbacks and timers are dropped, and every later use throws
    /// `EventLoopError.closed`. Tasks still pending can never run again: each is reported to the
    /// exception handler ("Task was destroyed but it is pending!"). Closing twice does nothing;
    /// closing a running loop throws.
    public func close() throws {
        if isRunning() { throw EventLoopError.closeWhileRunning }
        if closedFlag.load(ordering: .relaxed) { return }
        for task in allTasks() {
            callExceptionHandler(ExceptionContext(message: "Task was destroyed but it is pending!", future: task))
            unregister(task)
        }
        if let signals { for signal in Array(signals.handlers.keys) { removeSignalHandler(signal) } }
        // Drop every registration: their callbacks hold transports and servers, which hold the
        // loop; nothing can run them any more.
        for registration in selector.values {
            registration.reader?.cancel()
            registration.writer?.cancel()
        }
        selector = [:]
        closeLeftoverDescriptors()
        closedFlag.store(true, ordering: .releasing)
        defaultExecutor?.shutdown(wait: false)
        defaultExecutor = nil
        ready.removeAll()
        timers.removeAll()
        _ = inbox.drain()
        poller.close()
    }

    /// One iteration, as asyncio's `_run_once`: wait for work (not at all if some is ready),
    /// take work from other threads, move expired timers to the ready queue, then run exactly
    /// the items that were ready when the iteration began.
    func runOnce() {
        iterations.store(iterations.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        if ready.isEmpty && !stopping {
            dropCancelledTimersAtFront()
            // Look for ready I/O first: a virtual clock may only jump when the loop is idle.
            var sawIO = false
            if !selector.isEmpty {
                poller.wait(timeout: 0) { fd, events in
                    sawIO = true
                    dispatchIO(fd, events)
                }
            }
            // (The poll may also have run main-queue work that made tasks ready.)
            if !sawIO && ready.isEmpty && !inbox.mayHaveItems {
                let timeout = clock.blockingTime(until: timers.first?.when, waitingForThreads: threadWorkPending > 0)
                sleepingInPoll.store(true, ordering: .relaxed)
                poller.wait(timeout: timeout, onIO: dispatchIO)
                sleepingInPoll.store(false, ordering: .relaxed)
            }
            iterationsSincePoll = 0
        } else if selector.count > (signals == nil ? 0 : 1) {
            poller.wait(timeout: 0, onIO: dispatchIO)     // I/O is polled every iteration, as asyncio
        } else if poller.watchesMainQueue || signals != nil {
            iterationsSincePoll &+= 1                     // rare events: every 64 busy iterations
            if iterationsSincePoll >= 64 {
                iterationsSincePoll = 0
                poller.wait(timeout: 0, onIO: dispatchIO)
            }
        }
        if inbox.mayHaveItems {
            for item in inbox.drain() { ready.push(item) }
        }
        // Due within the clock's resolution (1 ns). Past 2^24 s that step is lost to rounding,
        // so a timer due exactly now must count as due (`>`), or a virtual clock spins forever.
        let end = timers.isEmpty ? 0 : clock.now() + 1e-9
        while let timer = timers.first {
            if timer.isCancelled {
                _ = timers.popFirst()
                timer.scheduled = false
                timers.cancelledCount -= 1
                continue
            }
            if timer.when > end { break }
            _ = timers.popFirst()
            timer.scheduled = false
            ready.push(.handle(timer))
        }
        let batch = ready.count
        if scheduleFuzzer != nil { scheduleFuzzer!.shuffle(ready, count: batch) }
        iterationHook?()    // what it wakes runs next iteration, after the batch, as from a callback
        var todo = batch
        while todo > 0 {
            todo -= 1
            run(ready.pop())
        }
    }

    private func dropCancelledTimersAtFront() {
        while let timer = timers.first, timer.isCancelled {
            _ = timers.popFirst()
            timer.scheduled = false
            timers.cancelledCount -= 1
        }
    }

    /// Runs until `future` is done and returns its result (asyncio's `run_until_complete`).
    @discardableResult
    public func runUntilComplete<T>(_ future: Future<T>) throws -> T {
        try runUntilDone(future)
        return try future.result()
    }

    /// Runs until `task` is done and returns its result.
    @discardableResult
    public func runUntilComplete<T>(_ task: LoopTask<T>) throws -> T {
        try runUntilDone(task)
        return try task.result()
    }

    /// Wraps `body` in a task, runs the loop until it is done, and returns its result
    /// (`loop.run_until_complete(coro())`).
    @discardableResult
    public func runUntilComplete<T: Sendable>(
        _ body: sending @escaping () async throws -> T,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> T {
        try checkClosed()
        try checkNotRunning()
        let task = try createTask(body, fileID: fileID, line: line, function: function)
        return try runUntilComplete(task)
    }

    func runUntilDone(_ future: AnyFuture) throws {
        try checkClosed()
        try checkNotRunning()
        let token = future.onDone(.named("_run_until_complete_cb")) { [unowned self] _ in self.stop() }
        defer { future.removeDoneCallback(token) }
        try runForever()
        if !future.done() { throw EventLoopError.stoppedBeforeFutureCompleted }
    }
}
