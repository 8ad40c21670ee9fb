// ThreadPoolExecutor: run blocking work on a pool of threads and get concurrent futures back.
import CAsyncio
import Glibc

/// The pool's initializer failed: its work can no longer run (concurrent.futures' BrokenThreadPool).
public struct BrokenThreadPool: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Misuse of an executor (Python raises RuntimeError).
public enum ExecutorError: Error, Equatable, CustomStringConvertible, Sendable {
    case shutDown
    public var description: String { "cannot schedule new futures after shutdown" }
}

/// A pool of threads running submitted work (concurrent.futures.ThreadPoolExecutor).
///
/// Threads start on demand up to `maxWorkers`; a new thread takes the item it was started for at
/// once, so that future is already running when `submit` returns. Work beyond `maxWorkers` waits
/// pending in FIFO order. An error thrown by the work lands in its future and never kills a
/// worker. The pool is also a `TaskExecutor`, so Swift tasks can run their code on it.
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {
    // Every stored `var` is guarded by `condition`'s lock.
    private let condition = ThreadCondition()
    private var queue: [WorkItem] = []
    private var queueHead = 0
    private var threads: [pthread_t] = []
    private var idleWorkers = 0
    private var isShutDown = false
    private var broken: String?
    /// The most threads the pool starts.
    public let maxWorkers: Int
    private let threadNamePrefix: String
    private let initializer: (@Sendable () throws -> Void)?

    struct WorkItem {
        let future: AnyConcurrentFuture
        /// Runs the work; the future is already marked running.
        let body: @Sendable () -> Void
        /// True when `submit` marked the future running (a new thread takes it at once).
        var startedRunning = false

        func run() {
            if startedRunning || future.setRunningOrNotifyCancel() { body() }
        }
    }

    /// - Parameters:
    ///   - maxWorkers: the most threads; by default min(32, CPUs + 4), as Python.
    ///   - threadNamePrefix: names the threads `prefix_0`, `prefix_1`, ...
    ///   - initializer: runs first on every new thread; if it throws, the pool is broken.
    public init(maxWorkers: Int? = nil, threadNamePrefix: String = "", initializer: (@Sendable () throws -> Void)? = nil) {
        self.maxWorkers = max(1, maxWorkers ?? min(32, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 4))
        self.threadNamePrefix = threadNamePrefix.isEmpty ? "ThreadPool" : threadNamePrefix
        self.initializer = initializer
    }

    /// Schedules `work` and returns its future. Throws `ExecutorError.shutDown` after `shutdown`
    /// and `BrokenThreadPool` once an initializer failed.
    public func submit<T: Sendable>(_ work: @escaping @Sendable () throws -> T) throws -> ConcurrentFuture<T> {
        let future = ConcurrentFuture<T>()
        let item = WorkItem(future: future) {
            do { try future.setResult(try work()) } catch { try? future.setException(error) }
        }
        try enqueue(item)
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
        let (toCancel, toJoin): ([WorkItem], [pthread_t]) = condition.locked {
            isShutDown = true
            var dropped: [WorkItem] = []
            if cancelFutures {
                dropped = Array(queue[queueHead...])
                queue.removeAll()
                queueHead = 0
            }
            condition.broadcast()
            return (dropped, wait ? threads : [])
        }
        for item in toCancel { item.future.cancel() }
        if wait {
            for thread in toJoin { pthread_join(thread, nil) }
        } else {
            // Nobody will join them: they end on their own once the queue is empty.
            for thread in condition.locked({ threads }) { pthread_detach(thread) }
        }
        condition.locked { threads.removeAll() }
    }

    // MARK: - TaskExecutor

    /// Runs jobs of Swift tasks that prefer this executor on the pool's threads.
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let item = WorkItem(future: ConcurrentFuture<Void>(), body: { unowned.runSynchronously(on: executor) }, startedRunning: true)
        do { try enqueue(item) } catch { unowned.runSynchronously(on: executor) }
    }

    // MARK: - Workers

    private func enqueue(_ item: WorkItem) throws {
        let startThread: Bool = try condition.locked {
            if let broken { throw BrokenThreadPool(message: broken) }
            if isShutDown { throw ExecutorError.shutDown }
            if idleWorkers == 0 && threads.count < maxWorkers { return true }
            queue.append(item)
            condition.broadcast()
            return false
        }
        if startThread {
            var first = item
            first.startedRunning = first.startedRunning || item.future.setRunningOrNotifyCancel()
            startWorker(firstItem: first)
        }
    }

    private func startWorker(firstItem: WorkItem) {
        let index: Int = condition.locked { threads.count }
        let context = Unmanaged.passRetained(WorkerStart(pool: self, firstItem: firstItem, index: index)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
            start.pool.workerMain(firstItem: start.firstItem, index: start.index)
            return nil
        }, context)
        if status != 0 {
            Unmanaged<WorkerStart>.fromOpaque(context).release()
            condition.locked { queue.append(firstItem); condition.broadcast() }
            return
        }
        condition.locked { threads.append(thread) }
    }

    private func workerMain(firstItem: WorkItem, index: Int) {
        let name = String("\(threadNamePrefix)_\(index)".prefix(15))
        casyncio_set_thread_name(name)
        if let initializer {
            do { try initializer() } catch {
                markBroken("A thread initializer failed, the thread pool is not usable anymore", first: firstItem)
                return
            }
        }
        var next: WorkItem? = firstItem
        while let item = next {
            item.run()
            next = condition.locked { () -> WorkItem? in
                idleWorkers += 1
                defer { idleWorkers -= 1 }
                _ = condition.wait(timeout: nil) { queueHead < queue.count || isShutDown || broken != nil }
                guard queueHead < queue.count, broken == nil else { return nil }
                let item = queue[queueHead]
                queueHead += 1
                if queueHead == queue.count { queue.removeAll(keepingCapacity: true); queueHead = 0 }
                return item
            }
        }
    }

    private func markBroken(_ message: String, first: WorkItem) {
        let pending: [WorkItem] = condition.locked {
            broken = message
            let items = [first] + queue[queueHead...]
            queue.removeAll()
            queueHead = 0
            condition.broadcast()
            return items
        }
        for item in pending where item.startedRunning || item.future.setRunningOrNotifyCancel() {
            try? item.future.setException(BrokenThreadPool(message: message))
        }
    }
}

/// What a new worker thread starts with.
private final class WorkerStart {
    let pool: ThreadPoolExecutor
    let firstItem: ThreadPoolExecutor.WorkItem
    let index: Int
    init(pool: ThreadPoolExecutor, firstItem: ThreadPoolExecutor.WorkItem, index: Int) {
        self.pool = pool
        self.firstItem = firstItem
        self.index = index
    }
}

extension concurrent.futures {
    /// `concurrent.futures.ThreadPoolExecutor`.
    public typealias ThreadPoolExecutor = Asyncio.ThreadPoolExecutor
    /// `concurrent.futures.Future`.
    public typealias Future<T: Sendable> = ConcurrentFuture<T>
}
