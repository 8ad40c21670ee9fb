// The `asyncio` namespace: module-level functions spelled as in Python (`asyncio.run`, `asyncio.sleep`).
import CAsyncio

/// asyncio's module-level API. Call it as in Python: `asyncio.run(main)`, `try await asyncio.sleep(1)`.
public enum asyncio {
    /// The loop running on this thread. Throws `EventLoopError.noRunningEventLoop` if none.
    public static func getRunningLoop() throws -> EventLoop {
        guard let loop = runningLoop else { throw EventLoopError.noRunningEventLoop }
        return loop
    }

    /// The loop running on this thread, or nil (asyncio's `_get_running_loop`).
    static var runningLoop: EventLoop? {
        guard let pointer = casyncio_get_running_loop() else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// The running loop; else this thread's current loop; else a new loop, which becomes the
    /// current one (asyncio's `get_event_loop`). Calls return the same loop until it is replaced.
    /// Throws `OSError` when a new loop is needed and cannot be made.
    public static func getEventLoop() throws -> EventLoop {
        if let loop = runningLoop { return loop }
        if let pointer = casyncio_get_current_loop() {
            return Unmanaged<EventLoop>.fromOpaque(pointer).takeUnretainedValue()
        }
        let loop = try newEventLoop()
        setEventLoop(loop)
        return loop
    }

    /// Makes `loop` this thread's current loop (nil clears it).
    public static func setEventLoop(_ loop: EventLoop?) {
        let old = casyncio_get_current_loop()
        casyncio_set_current_loop(loop.map { Unmanaged.passRetained($0).toOpaque() })
        if let old { Unmanaged<EventLoop>.fromOpaque(old).release() }
    }

    /// A new loop from the current policy (asyncio's `new_event_loop`). It is not made current.
    public static func newEventLoop() throws -> EventLoop { try getEventLoopPolicy().newEventLoop() }

    /// Creates a task on the running loop (asyncio's `create_task`). Throws
    /// `EventLoopError.noRunningEventLoop` when no loop runs on this thread.
    @discardableResult
    public static func createTask<T: Sendable>(
        name: String? = nil,
        _ body: sending @escaping () async throws -> T,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        try getRunningLoop().createTask(name: name, body, fileID: fileID, line: line, function: function)
    }

    /// Wraps each closure in a task on the running loop, in order (`[asyncio.create_task(c) for
    /// c in coros]`); see `EventLoop.createTasks`.
    @discardableResult
    public static func createTasks<T: Sendable>(
        _ bodies: sending [() async throws -> T],
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> [LoopTask<T>] {
        try getRunningLoop().createTasks(bodies, fileID: fileID, line: line, function: function)
    }

    /// Wraps `body` in a task on `loop`, else on the running loop, else on `getEventLoop()`
    /// (asyncio's `ensure_future` of a coroutine).
    @discardableResult
    public static func ensureFuture<T: Sendable>(
        _ body: sending @escaping () async throws -> T, loop: EventLoop? = nil,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        try (loop ?? getEventLoop()).createTask(body, fileID: fileID, line: line, function: function)
    }

    /// A future or task as it is (asyncio's `ensure_future` of a future); `ValueError` when
    /// `loop` is given and the future belongs to another loop.
    @discardableResult
    public static func ensureFuture<F: AnyFuture>(_ future: F, loop: EventLoop? = nil) throws -> F {
        if let loop, future.loop !== loop {
            throw ValueError("The future belongs to a different loop than the one specified as the loop argument")
        }
        return future
    }

    /// The task whose code is running, or nil outside a loop task (asyncio's `current_task`).
    public static func currentTask() -> AnyTask? {
        guard let loop = runningLoop else { return nil }
        return AnyTask.runningOnLoop(loop)
    }

    /// The running loop's tasks that are not done (asyncio's `all_tasks`).
    public static func allTasks() throws -> [AnyTask] { try getRunningLoop().allTasks() }

    /// The eager task factory (asyncio's `eager_task_factory`).
    public static let eagerTaskFactory = EagerTaskFactory()
}
