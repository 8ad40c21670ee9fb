// The loop and threads: runInExecutor, the default executor, wrapFuture, toThread, runCoroutineThreadsafe.

/// Misuse of the loop's default executor (Python raises RuntimeError).
public struct DefaultExecutorShutDown: Error, CustomStringConvertible, Sendable {
    public var description: String { "Executor shutdown has been called" }
}

extension EventLoop {
    /// Runs blocking `work` on `executor`, or on the loop's default thread pool, and returns an
    /// asyncio future for it (asyncio's `run_in_executor`). Cancelling the future (or the task
    /// awaiting it) cancels the work only if it has not started; started work runs on.
    @discardableResult
    public func runInExecutor<T: Sendable>(
        _ executor: ThreadPoolExecutor?, _ work: @escaping @Sendable () throws -> T
    ) throws -> Future<T> {
        try checkClosed()
        let pool = try executor ?? defaultExecutorForUse()
        return wrapFuture(try pool.submit(work))
    }

    /// Makes `executor` the pool that `runInExecutor(nil, ...)` and `toThread` use.
    public func setDefaultExecutor(_ executor: ThreadPoolExecutor) { defaultExecutor = executor }

    /// The default pool, made on first use (threads named `asyncio_N`).
    func defaultExecutorForUse() throws -> ThreadPoolExecutor {
        if defaultExecutorShutDown { throw DefaultExecutorShutDown() }
        if let defaultExecutor { return defaultExecutor }
        let pool = ThreadPoolExecutor(threadNamePrefix: "asyncio")
        defaultExecutor = pool
        return pool
    }

    /// Shuts the default pool down and waits up to `timeout` seconds for its threads, without
    /// blocking the loop (asyncio's `shutdown_default_executor`; `asyncio.run` calls it).
    nonisolated(nonsending) public func shutdownDefaultExecutor(timeout: Double? = nil) async throws {
        defaultExecutorShutDown = true
        guard let pool = defaultExecutor else { return }
        let helper = ThreadPoolExecutor(maxWorkers: 1, threadNamePrefix: "asyncio-shutdown")
        defer { helper.shutdown(wait: false) }
        let joined = wrapFuture(try helper.submit { pool.shutdown(wait: true) })
        do {
            try await asyncio.timeout(timeout) { try await joined.value }
        } catch is TimeoutError {
            logger.warning("The executor did not finishing joining its threads within \(timeout ?? 0) seconds.")
            pool.shutdown(wait: false)
        }
    }

    /// An asyncio future on this loop that follows `source` (asyncio's `wrap_future`):
    /// cancelling either side cancels the other (a running concurrent future cannot be cancelled).
    public func wrapFuture<T: Sendable>(_ source: ConcurrentFuture<T>) -> Future<T> {
        let destination = createFuture(of: T.self)
        destination.onDone(.named("_call_check_cancel")) { done in
            if done.cancelled() { source.cancel() }
        }
        threadWorkPending += 1
        source.addDoneCallback { [self] finished in
            _ = try? callSoonThreadsafe { [self] in
                threadWorkPending -= 1
                if destination.done() { return }
                if finished.cancelled() {
                    destination.cancel()
                } else {
                    do { try destination.setResult(try finished.result()) } catch { try destination.setException(error) }
                }
            }
        }
        return destination
    }
}

extension asyncio {
    /// An asyncio future on the running loop that follows `future` (asyncio.wrap_future).
    public static func wrapFuture<T: Sendable>(_ future: ConcurrentFuture<T>) throws -> Future<T> {
        try getRunningLoop().wrapFuture(future)
    }

    /// Runs blocking `work` on the loop's default thread pool and waits for it without blocking
    /// the loop (asyncio.to_thread). Task-local values are carried into the thread, as asyncio
    /// carries contextvars. Cancelling the waiting task does not stop work that has started.
    @discardableResult
    nonisolated(nonsending) public static func toThread<T: Sendable>(
        fileID: StaticString = #fileID, line: UInt = #line, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let loop = try getRunningLoop()
        let pool = try loop.defaultExecutorForUse()
        let future = ConcurrentFuture<T>()
        // A Swift task preferring the pool copies the task-local values and runs there.
        Task(executorPreference: pool) {
            guard future.setRunningOrNotifyCancel() else { return }
            do { try future.setResult(try work()) } catch { try? future.setException(error) }
        }
        let wrapped = loop.wrapFuture(future)
        try await wrapped.waitUntilDone(site: AwaitSite("asyncio.toThread()", fileID, line))
        return try wrapped.result()
    }

    /// Submits `body` as a task to `loop`, which runs on another thread, and returns a concurrent
    /// future for its result (asyncio.run_coroutine_threadsafe). Cancelling the concurrent future
    /// cancels the task.
    public static func runCoroutineThreadsafe<T: Sendable>(
        _ body: sending @escaping () async throws -> T, loop: EventLoop
    ) throws -> ConcurrentFuture<T> {
        let future = ConcurrentFuture<T>()
        let box = UncheckedBox(body)
        try loop.callSoonThreadsafe {
            do {
                let task = try loop.createTaskMovingOut(box.value)
                task.addDoneCallback { task in
                    if task.cancelled() {
                        future.cancel()
                    } else if future.setRunningOrNotifyCancel() {
                        do { try future.setResult(try task.result()) } catch { try? future.setException(error) }
                    }
                }
                future.addDoneCallback { cancelled in
                    if cancelled.cancelled() { _ = try? loop.callSoonThreadsafe { task.cancel() } }
                }
            } catch {
                if future.setRunningOrNotifyCancel() { try? future.setException(error) }
            }
        }
        return future
    }
}
