// Creating futures and tasks on a loop, the task factory, and the loop's registry of live tasks.

/// Makes the tasks of a loop (asyncio's task factory). Install one with `loop.setTaskFactory`.
public protocol TaskFactory: Sendable {
    /// Creates and starts a task running `body`. Build it with `loop.startTask`.
    func createTask<T: Sendable>(
        on loop: EventLoop, name: String?, origin: TaskOrigin,
        body: sending @escaping () async throws -> T
    ) -> LoopTask<T>
}

/// Starts each task's first step inside `createTask` when the loop is running (asyncio 3.12's
/// `eager_task_factory`): a body that never suspends returns an already-done task.
public struct EagerTaskFactory: TaskFactory {
    /// The eager factory.
    public init() {}
    public func createTask<T: Sendable>(
        on loop: EventLoop, name: String?, origin: TaskOrigin,
        body: sending @escaping () async throws -> T
    ) -> LoopTask<T> {
        loop.startTask(name: name, origin: origin, eager: true, body)
    }
}

extension EventLoop {
    /// Creates a pending future bound to this loop (asyncio's `create_future`).
    public func createFuture<T: Sendable>(of type: T.Type = T.self) -> Future<T> {
        Future<T>(loop: self)
    }

    /// Wraps `body` in a task scheduled on this loop (asyncio's `loop.create_task`). Its first
    /// step runs after the callbacks already queued, unless the task factory starts it eagerly.
    @discardableResult
    public func createTask<T: Sendable>(
        name: String? = nil,
        _ body: sending @escaping () async throws -> T,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        try checkClosed()
        try checkThread()
        let origin = TaskOrigin(file: fileID, line: line, function: function)
        if let taskFactory {
            return taskFactory.createTask(on: self, name: name, origin: origin, body: body)
        }
        return startTask(name: name, origin: origin, eager: false, body)
    }

    /// Creates a task from a closure that the caller received as `sending` (alone, in a pack or
    /// in a sent array) and gives up here. Packs and arrays of `sending` closures cannot be sent
    /// one by one; each is moved into exactly one task, which is what `sending` promised.
    func createTaskMovingOut<T: Sendable>(
        _ body: @escaping () async throws -> T,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        let box = UncheckedBox(body)
        return try createTask(name: nil, { try await box.value() }, fileID: fileID, line: line, function: function)
    }

    /// Wraps each closure in a task, in order (`[asyncio.create_task(c) for c in coros]`):
    /// `let tasks = try loop.createTasks(coros)` for an array of closures, which
    /// `coros.map { try loop.createTask($0) }` cannot send one by one. The array is given up.
    @discardableResult
    public func createTasks<T: Sendable>(
        _ bodies: sending [() async throws -> T],
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> [LoopTask<T>] {
        try bodies.map { try createTaskMovingOut($0, fileID: fileID, line: line, function: function) }
    }

    /// Builds, registers and starts a task; `eager` runs its first step now if the loop runs
    /// on this thread. For task factories.
    public func startTask<T: Sendable>(
        name: String?, origin: TaskOrigin, eager: Bool,
        _ body: sending @escaping () async throws -> T
    ) -> LoopTask<T> {
        let task = LoopTask<T>(loop: self, name: name, origin: origin)
        register(task)
        if eager && isRunning() && isOnLoopThread {
            let outer = beginCapture()
            task.start(body)
            endCaptureAndRun(restoring: outer)
        } else {
            task.start(body)
        }
        return task
    }

    /// Installs a task factory (nil restores the default, lazy start).
    public func setTaskFactory(_ factory: (any TaskFactory)?) { taskFactory = factory }

    /// The installed task factory, if any.
    public func getTaskFactory() -> (any TaskFactory)? { taskFactory }

    /// The tasks of this loop that are not done yet.
    public func allTasks() -> [AnyTask] {
        var tasks: [AnyTask] = []
        tasks.reserveCapacity(liveTaskCount)
        var node = liveTasks
        while let task = node {
            if !task.done() { tasks.append(task) }
            node = task.nextLive
        }
        return tasks
    }

    /// Keeps a task alive until it is done (no vanishing tasks).
    func register(_ task: AnyTask) {
        task.nextLive = liveTasks
        liveTasks?.previousLive = task
        liveTasks = task
        liveTaskCount += 1
    }

    func unregister(_ task: AnyTask) {
        if let previous = task.previousLive {
            previous.nextLive = task.nextLive
        } else if liveTasks === task {
            liveTasks = task.nextLive
        } else {
            return
        }
        task.nextLive?.previousLive = task.previousLive
        task.nextLive = nil
        task.previousLive = nil
        liveTaskCount -= 1
    }
}
