// ThreadPoolExecutor: run blocking work on a pool of threads and get concurrent futures back.
import CAsyncio
import Glibc

/// The pool's initializer failed: its work can no longer run (concurrent.futures' BrokenThreadPool).
public struct BrokenThreadPool: Error, CustomStringConvertible, Sendable {
    /// The message, as CPython's `str(exc)`.
    public let message: String
    public var description: String { message }
}

/// Misuse of an executor (Python raises RuntimeError).
public enum ExecutorError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `submit` after `shutdown`.
    case shutDown
    public var description: String { "cannot schedule new futures after shutdown" }
}

/// A pool of threads running submitted work (concurrent.futures.ThreadPoolExecutor).
///
/// Threads start on demand up to `maxWorkers`; a new thread takes the item it was started for at
/// once, so that future is already running when `submit` returns. Work beyond `maxWorkers` waits
/// pending in FIFO order. An error thrown by the work lands in its future and never kills a
/// worker. The pool is also a `TaskExecutor`, so Swift tasks can run their code on it.
///
/// Work is never lost at exit: as CPython joins executor threads when the interpreter exits, the
/// process waits, when `main` returns or `exit` is called, for the work already submitted to
/// every pool. A pool that is dropped without `shutdown` runs what was submitted, then its
/// threads end.
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {
    /// The state the workers share; they hold it, not the pool, so a dropped pool can end.
    let core: ThreadPoolCore
    /// The most threads the pool starts.
    public var maxWorkers: Int { core.maxWorkers }

    /// - Parameters:
    ///   - maxWorkers: the most threads; by default min(32, CPUs + 4), as Python.
    ///   - threadNamePrefix: names the threads `prefix_0`, `prefix_1`, ...
    ///   - initializer: runs first on every new thread; if it throws, the pool is broken.
    public init(maxWorkers: Int? = nil, threadNamePrefix: String = "", initializer: (@Sendable () throws -> Void)? = nil) {
        core = ThreadPoolCore(
            maxWorkers: max(1, maxWorkers ?? min(32, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 4)),
            threadNamePrefix: threadNamePrefix.isEmpty ? "ThreadPool" : threadNamePrefix,
            initializer: initializer, joinedAtExit: true)
    }

    /// A pool whose threads the process does not wait for at exit (CPython's daemon threads),
    /// for the library's own helpers (a thread blocked in `waitpid` for a child).
    init(daemonNamed threadNamePrefix: String) {
        core = ThreadPoolCore(maxWorkers: 1, threadNamePrefix: threadNamePrefix, initializer: nil, joinedAtExit: false)
    }

    deinit { core.shutdown(wait: false, cancelFutures: false) }

    /// Schedules `work` and returns its future. Throws `ExecutorError.shutDown` after `shutdown`
    /// and `BrokenThreadPool` once an initializer failed.
    public func submit<T: Sendable>(_ work: @escaping @Sendable () throws -> T) throws -> ConcurrentFuture<T> {
        let future = ConcurrentFuture<T>()
        let item = ThreadPoolCore.WorkItem(future: future) {
            do { try future.setResult(try work()) } catch { try? future.setException(error) }
        }
        try core.enqueue(item)
        return future
    }

    /// Runs `work` over `items` on the pool and returns the results in the items' order
    /// (Executor.map); rethrows the first error in that order.
    public func map<Item: Sendable, T: Sendable>(_ items: [Item], timeout: Double? = nil,
                                                 _ work: @escaping @Sendable (Item) throws -> T) throws -> [T] {
        let futures = try items.map { item in try submit { try work(item) } }
        let deadline = timeout.map { MonotonicClock().now() + $0 }
        return try futures.map { future in
            try future.result(timeout: deadline.map { max(0, $0 - MonotonicClock().now()) })
        }
    }

    /// Stops accepting work. `cancelFutures` cancels the work not started yet; `wait` blocks until
    /// the running and queued work is done and the threads have ended.
    public func shutdown(wait: Bool = true, cancelFutures: Bool = false) {
        core.shutdown(wait: wait, cancelFutures: cancelFutures)
    }

    // MARK: - TaskExecutor

    /// Runs jobs of Swift tasks that prefer this executor on the pool's threads.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let item = ThreadPoolCore.WorkItem(future: nil, body: { unowned.runSynchronously(on: executor) },
                                           startedRunning: true)
        do { try core.enqueue(item) } catch { unowned.runSynchronously(on: executor) }
    }
}

extension concurrent.futures {
    /// `concurrent.futures.ThreadPoolExecutor`.
    public typealias ThreadPoolExecutor = Asyncio.ThreadPoolExecutor
    /// `concurrent.futures.Future`.
    public typealias Future<T: Sendable> = ConcurrentFuture<T>
}
