// The shared state of a thread pool and its worker threads, and the wait for them at process exit.
import CAsyncio
import Glibc

/// What a `ThreadPoolExecutor`'s workers share: the queue of work, the thread count and the
/// shutdown state. Workers hold the core, not the executor, so an executor nobody references can
/// end (its `deinit` shuts the core down and the workers leave once the queue is empty).
final class ThreadPoolCore: @unchecked Sendable {
    // Every stored `var` is guarded by `condition`'s lock.
    private let condition = ThreadCondition()
    private var queue: [WorkItem] = []
    private var queueHead = 0
    private var liveWorkers = 0
    private var startedWorkers = 0
    private var idleWorkers = 0
    private var isShutDown = false
    private var broken: String?
    let maxWorkers: Int
    private let threadNamePrefix: String
    private let initializer: (@Sendable () throws -> Void)?
    /// False for the library's daemon helpers: the process does not wait for them at exit.
    private let joinedAtExit: Bool

    struct WorkItem {
        /// The submitted call's future; nil for a job of a Swift task that prefers the pool as its
        /// executor: a job has no future to cancel, and must run whatever happens to the pool.
        let future: AnyConcurrentFuture?
        /// Runs the work; the future is already marked running.
        let body: @Sendable () -> Void
        /// True when `submit` marked the future running (a new thread takes it at once).
        var startedRunning = false

        /// Marks the future running; false when it was cancelled first (a job always runs).
        func markRunning() -> Bool { future?.setRunningOrNotifyCancel() ?? true }

        func run() {
            if startedRunning || markRunning() { body() }
        }
    }

    init(maxWorkers: Int, threadNamePrefix: String, initializer: (@Sendable () throws -> Void)?, joinedAtExit: Bool) {
        self.maxWorkers = maxWorkers
        self.threadNamePrefix = threadNamePrefix
        self.initializer = initializer
        self.joinedAtExit = joinedAtExit
        if joinedAtExit { ExitJoin.shared.register(self) }
    }

    /// How many items wait in the queue (for tests).
    var pendingCount: Int { condition.locked { queue.count - queueHead } }

    /// Queues `item`, starting a thread for it when none is idle and the pool is not full.
    func enqueue(_ item: WorkItem) throws {
        let startThread: Bool = try condition.locked {
            if let broken { throw BrokenThreadPool(message: broken) }
            if isShutDown { throw ExecutorError.shutDown }
            if idleWorkers == 0 && startedWorkers < maxWorkers {
                startedWorkers += 1
                liveWorkers += 1
                return true
            }
            queue.append(item)
            condition.broadcast()
            return false
        }
        if startThread {
            var first = item
            first.startedRunning = first.startedRunning || item.markRunning()
            startWorker(firstItem: first)
        }
    }

    /// Stops accepting work; see `ThreadPoolExecutor.shutdown`.
    func shutdown(wait: Bool, cancelFutures: Bool) {
        let toCancel: [WorkItem] = condition.locked {
            isShutDown = true
            var dropped: [WorkItem] = []
            if cancelFutures {
                // Submitted calls are cancelled; Swift tasks' jobs stay for the workers to run.
                let pending = queue[queueHead...]
                dropped = pending.filter { $0.future != nil }
                queue = pending.filter { $0.future == nil }
                queueHead = 0
            }
            condition.broadcast()
            return dropped
        }
        for item in toCancel { item.future?.cancel() }
        if wait && !ThreadPoolCore.isWorkerThread(of: self) {
            condition.locked { _ = condition.wait(timeout: nil) { liveWorkers == 0 } }
        }
    }

    // MARK: - Workers

    /// The core whose worker is running on this thread, if any.
    private static func isWorkerThread(of core: ThreadPoolCore) -> Bool {
        casyncio_get_worker_pool() == Unmanaged.passUnretained(core).toOpaque()
    }

    private func startWorker(firstItem: WorkItem) {
        let index: Int = condition.locked { startedWorkers - 1 }
        if joinedAtExit { ExitJoin.shared.workerStarted() }
        let item = UncheckedBox(firstItem)   // handed to the new thread, which alone uses it
        let started = startDetachedThread { [self] in workerMain(firstItem: item.value, index: index) }
        if !started {
            condition.locked {
                liveWorkers -= 1
                startedWorkers -= 1
                queue.append(firstItem)
                condition.broadcast()
            }
            if joinedAtExit { ExitJoin.shared.workerEnded() }
        }
    }

    private func workerMain(firstItem: WorkItem, index: Int) {
        casyncio_set_worker_pool(Unmanaged.passUnretained(self).toOpaque())
        defer {
            condition.locked {
                liveWorkers -= 1
                condition.broadcast()
            }
            if joinedAtExit { ExitJoin.shared.workerEnded() }
        }
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
        for item in pending {
            guard let future = item.future else {
                item.body()   // a Swift task's job runs here, as `enqueue` runs one the pool refuses
                continue
            }
            if item.startedRunning || future.setRunningOrNotifyCancel() {
                try? future.setException(BrokenThreadPool(message: message))
            }
        }
    }
}

/// The process-wide wait for pool threads at exit (CPython's `concurrent.futures.thread._python_exit`):
/// every live pool is shut down, so idle workers leave, and the exit waits until the workers that
/// still run submitted work have finished it.
final class ExitJoin: @unchecked Sendable {
    static let shared = ExitJoin()
    // Guarded by `condition`'s lock.
    private let condition = ThreadCondition()
    private var pools: [Weak] = []
    private var liveWorkers = 0
    private var hookInstalled = false

    private struct Weak { weak var core: ThreadPoolCore? }

    func register(_ core: ThreadPoolCore) {
        let install: Bool = condition.locked {
            pools.removeAll { $0.core == nil }
            pools.append(Weak(core: core))
            defer { hookInstalled = true }
            return !hookInstalled
        }
        if install { atexit { ExitJoin.shared.joinAll() } }
    }

    func workerStarted() { condition.locked { liveWorkers += 1 } }

    func workerEnded() {
        condition.locked {
            liveWorkers -= 1
            condition.broadcast()
        }
    }

    /// Runs at exit on the exiting thread.
    private func joinAll() {
        let live = condition.locked { pools.compactMap(\.core) }
        for core in live { core.shutdown(wait: false, cancelFutures: false) }
        condition.locked { _ = condition.wait(timeout: nil) { liveWorkers == 0 } }
    }
}
