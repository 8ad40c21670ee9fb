// EventLoop: asyncio's event loop as a Swift executor driven on one thread.
import CAsyncio
import Logging
import Synchronization

/// An asyncio event loop: a `SerialExecutor` and `TaskExecutor` that runs jobs, callbacks and
/// timers on the one thread that drives it (`runForever`, `runUntilComplete`, `asyncio.run`).
///
/// Tasks created on the loop run their nonisolated code on it. Most methods must be called from
/// the loop's thread, as in asyncio; `callSoonThreadsafe` is the door for other threads.
public final class EventLoop: SerialExecutor, TaskExecutor, @unchecked Sendable {
    // Owned by the loop thread (the thread that runs the loop, or created it while it is idle).
    // Only that thread touches them, so the dynamic exclusivity checks are turned off.
    let ready = ReadyQueue()
    @exclusivity(unchecked) var timers = TimerHeap()
    @exclusivity(unchecked) var timerSequence: UInt64 = 0
    @exclusivity(unchecked) var stopping = false
    /// While set, a job enqueued from the loop thread is kept aside to run in place at once.
    @exclusivity(unchecked) var inlineCapture = false
    @exclusivity(unchecked) var inlineItem: ReadyItem?
    @exclusivity(unchecked) var iterationsSincePoll = 0
    @exclusivity(unchecked) var liveTasks: AnyTask?
    /// The loop tasks whose bodies run, by Swift task (`AnyTask.runningOnLoop`).
    @exclusivity(unchecked) var runningTasks = TaskTable()
    /// The call graph's awaited-by edges beyond a future's first (`AnyFuture.firstAwaitedBy`).
    @exclusivity(unchecked) var moreAwaitedBy: [ObjectIdentifier: [AnyFuture]] = [:]
    @exclusivity(unchecked) var liveTaskCount = 0
    /// The watchdog's last reports (Watchdog.swift).
    var stallReports: [WatchdogReport] = []
    var exceptionHandler: ExceptionHandler?
    @exclusivity(unchecked) var taskFactory: (any TaskFactory)?
    @exclusivity(unchecked) var defaultExecutor: ThreadPoolExecutor?
    @exclusivity(unchecked) var defaultExecutorShutDown = false
    /// One read buffer for every stream transport of the loop (they read one at a time), made on
    /// first use and freed with the loop.
    private var readBufferStorage: UnsafeMutableRawBufferPointer?
    var readBuffer: UnsafeMutableRawBufferPointer {
        if let readBufferStorage { return readBufferStorage }
        let made = UnsafeMutableRawBufferPointer.allocate(byteCount: SocketTransport.maxRead, alignment: 16)
        readBufferStorage = made
        return made
    }
    /// Signal handlers and their pipe, once one was added.
    @exclusivity(unchecked) var signals: SignalState?
    /// The file descriptors watched by epoll, with their readers and writers.
    @exclusivity(unchecked) var selector: [Int32: FDRegistration] = [:]
    /// The descriptors the library opened on this loop and has not closed (EventLoop+Descriptors).
    @exclusivity(unchecked) var descriptors: [Int32: DescriptorKind] = [:]
    /// Work on other threads that this loop waits to hear back from (`wrapFuture`).
    @exclusivity(unchecked) var threadWorkPending = 0
    /// asyncio's debug mode: slow callbacks are logged.
    @exclusivity(unchecked) public var debug: Bool
    /// Callbacks that run longer than this many seconds are logged in debug mode.
    public var slowCallbackDuration = 0.1
    /// Where the loop logs: the default exception handler and debug-mode warnings.
    public var logger = Logger(label: "asyncio")
    /// Schedule fuzzing (testing only): permutes each iteration's ready batch. See `ScheduleFuzzer`.
    @exclusivity(unchecked) package var scheduleFuzzer: ScheduleFuzzer? = ScheduleFuzzer.forNewLoop()
    /// Testing only: called once per iteration, after timers and I/O made work ready and before
    /// that work runs (the cancellation-at-every-await harness cancels from here).
    @exclusivity(unchecked) package var iterationHook: (() -> Void)?

    // Shared with other threads.
    let inbox = Inbox()
    let poller: Poller
    let ownerThread: Atomic<UInt64>
    let runningFlag = Atomic<Bool>(false)
    /// Iterations begun, and whether the loop sleeps in its poll: the inspector's and the
    /// watchdog's threads read them to tell a blocked loop from an idle one (`LoopMonitor`).
    let iterations = Atomic<UInt64>(0)
    let sleepingInPoll = Atomic<Bool>(false)
    /// The kernel's id of the thread running the loop (0 before it first runs), for `ps`.
    let nativeThread = Atomic<Int32>(0)
    let closedFlag = Atomic<Bool>(false)
    /// Set once the inspector shows the loop: tasks created after it record their creation time.
    let recordsTaskAges = Atomic<Bool>(false)

    /// The loop's time source.
    public let clock: any EventLoopClock
    /// The task-executor face of the loop: nonisolated code of loop tasks runs through it.
    public let taskExecutor = LoopTaskExecutor()

    /// Creates a loop (asyncio's `new_event_loop()`). Pass a `VirtualClock` for tests. Throws
    /// `OSError` when the process cannot open the loop's epoll or eventfd descriptor (EMFILE).
    public init(clock: any EventLoopClock = MonotonicClock(), debug: Bool = false) throws {
        poller = try Poller()
        self.clock = clock
        self.debug = debug
        ownerThread = Atomic(casyncio_thread_id())
        taskExecutor.loop = self
        let inspect = Inspector.fromEnvironment
        if inspect.on { _ = try? startInspector(allowCancel: inspect.allowCancel) }
    }

    deinit {
        if !closedFlag.load(ordering: .relaxed) { poller.close() }
        readBufferStorage?.deallocate()
        runningTasks.deallocate()
    }

    /// The loop's current time (asyncio's `loop.time()`).
    public func time() -> Double { clock.now() }

    /// True while the loop runs.
    public func isRunning() -> Bool { runningFlag.load(ordering: .acquiring) }

    /// True once the loop was closed.
    public func isClosed() -> Bool { closedFlag.load(ordering: .acquiring) }

    /// True on the thread that runs (or owns) the loop.
    @inline(__always)
    var isOnLoopThread: Bool { casyncio_thread_id() == ownerThread.load(ordering: .relaxed) }

    func checkClosed() throws {
        if closedFlag.load(ordering: .relaxed) { throw EventLoopError.closed }
    }

    /// In debug mode, refuses a non-thread-safe call from another thread while the loop runs.
    func checkThread() throws {
        if debug && isRunning() && !isOnLoopThread { throw EventLoopError.wrongThread }
    }

    // MARK: - Executor

    /// Receives jobs isolated to the loop (actors whose executor is the loop).
    public func enqueue(_ job: consuming ExecutorJob) {
        enqueueItem(.serialJob(UnownedJob(job)))
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        precondition(isOnLoopThread, "asyncio: expected to run on the event loop's thread")
    }

    public func isIsolatingCurrentContext() -> Bool? { isOnLoopThread }

    /// True on the thread that is running the loop right now.
    @inline(__always)
    var isRunningOnThisThread: Bool { runningFlag.load(ordering: .acquiring) && isOnLoopThread }

    /// Queues a ready item: straight into the ring from the loop's thread, else through the inbox.
    /// `fromAnyThread` callers (thread-safe entry points) use the ring only while the loop runs
    /// on this thread: an idle loop may be starting to run on another thread.
    @inline(__always)
    func enqueueItem(_ item: ReadyItem, fromAnyThread: Bool = false) {
        if fromAnyThread ? isRunningOnThisThread : isOnLoopThread {
            if inlineCapture && inlineItem == nil {
                inlineItem = item
            } else {
                ready.push(item)
            }
        } else if inbox.push(item) {
            poller.wake()
        }
    }

    /// Runs one ready item.
    @inline(__always)
    func run(_ item: ReadyItem) {
        switch item {
        case .taskJob(let job):
            job.runSynchronously(on: taskExecutor.asUnownedTaskExecutor())
        case .serialJob(let job):
            job.runSynchronously(isolatedTo: asUnownedSerialExecutor(),
                                 taskExecutor: taskExecutor.asUnownedTaskExecutor())
        case .handle(let handle):
            if debug { runTimed(handle) } else { handle.run(on: self) }
        case .resume(let continuation):
            resumeInPlace(continuation)
        }
    }

    /// Resumes a parked task and runs the job that the resume enqueues right here, so a wake-up
    /// costs one trip through the ready queue, like asyncio's `Task.__step`.
    @usableFromInline
    func resumeInPlace(_ continuation: UnsafeContinuation<Void, Never>) {
        inlineCapture = true
        continuation.resume()
        inlineCapture = false
        if let item = inlineItem {
            inlineItem = nil
            run(item)
        }
    }

    /// Starts capturing: the next job enqueued from this thread is kept aside (eager task
    /// start). Returns the outer capture state for `endCaptureAndRun`.
    func beginCapture() -> (Bool, ReadyItem?) {
        let outer = (inlineCapture, inlineItem)
        inlineCapture = true
        inlineItem = nil
        return outer
    }

    /// Stops capturing, runs the captured job in place, and restores the outer capture state.
    func endCaptureAndRun(restoring outer: (Bool, ReadyItem?)) {
        inlineCapture = false
        let captured = inlineItem
        inlineItem = nil
        if let captured { run(captured) }
        (inlineCapture, inlineItem) = outer
    }

    private func runTimed(_ handle: Handle) {
        let start = clock.now()
        handle.run(on: self)
        let elapsed = clock.now() - start
        if elapsed >= slowCallbackDuration {
            logger.warning("Executing \(handle) took \(formatSeconds(elapsed)) seconds")
        }
    }
}

/// The loop's task-executor face. Jobs of nonisolated code in loop tasks arrive here and run
/// without actor isolation, which costs one queue trip per suspension.
public final class LoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    /// Set once by the loop's initializer, before any job can arrive.
    @exclusivity(unchecked) unowned(unsafe) var loop: EventLoop?

    init() {}

    /// Hands `job` to the loop, which runs it on its thread; callable from any thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        loop.unsafelyUnwrapped.enqueueItem(.taskJob(UnownedJob(job)))
    }
}

/// Seconds with three decimals, as asyncio prints them ("0.120").
func formatSeconds(_ seconds: Double) -> String {
    let millis = Int((seconds * 1000).rounded())
    let fraction = String(millis % 1000)
    return "\(millis / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

/// Loops are equal when they are the same loop, as in Python (where they hash by identity), so
/// they can key dictionaries and go in sets, as futures and tasks can.
extension EventLoop: Hashable {
    public static func == (a: EventLoop, b: EventLoop) -> Bool { a === b }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
