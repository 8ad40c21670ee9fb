// Running generator-based coroutines: the decorator, tasks, as_completed, run_until_complete, run.
import Asyncio

extension asyncio {
    /// Makes a generator-based coroutine (what `@asyncio.coroutine` did to a generator function).
    public static func coroutine<T>(
        stackSize: Int = Greenlet.defaultStackSize, _ body: @escaping (CoroutineContext) throws -> T
    ) -> GeneratorCoroutine<T> {
        GeneratorCoroutine(stackSize: stackSize, body)
    }

    /// Wraps a generator-based coroutine in a task on the running loop.
    @discardableResult
    public static func createTask<T: Sendable>(
        name: String? = nil, _ coroutine: sending GeneratorCoroutine<T>,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        try getRunningLoop().createTask(name: name, coroutine, fileID: fileID, line: line, function: function)
    }

    /// Wraps a generator-based coroutine in a task on the running loop, or on `getEventLoop()`
    /// when none runs (asyncio's `ensure_future`).
    @discardableResult
    public static func ensureFuture<T: Sendable>(
        _ coroutine: sending GeneratorCoroutine<T>,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        try getEventLoop().createTask(coroutine, fileID: fileID, line: line, function: function)
    }

    /// Runs the coroutines as tasks and yields them in the order they finish (`as_completed`).
    public static func asCompleted<T: Sendable>(
        _ coroutines: sending [GeneratorCoroutine<T>], timeout: Double? = nil
    ) throws -> AsCompleted<LoopTask<T>> {
        let loop = try getRunningLoop()
        let tasks = try CoroutineBox(coroutines).value.map { coroutine in
            let moved = CoroutineBox(coroutine)
            return try loop.createTask { try await moved.value.run() }
        }
        return try asCompleted(tasks, timeout: timeout)
    }

    /// Runs a generator-based coroutine as the main task of a new loop (asyncio's `run`).
    public static func run<T: Sendable>(
        debug: Bool? = nil, _ coroutine: sending GeneratorCoroutine<T>,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> T {
        try run(debug: debug, { try await coroutine.run() }, fileID: fileID, line: line, function: function)
    }
}

extension EventLoop {
    /// Wraps a generator-based coroutine in a task on this loop.
    @discardableResult
    public func createTask<T: Sendable>(
        name: String? = nil, _ coroutine: sending GeneratorCoroutine<T>,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        try createTask(name: name, { try await coroutine.run() }, fileID: fileID, line: line, function: function)
    }

    /// Runs the loop until the coroutine, wrapped in a task, is done; returns its result.
    public func runUntilComplete<T: Sendable>(_ coroutine: sending GeneratorCoroutine<T>) throws -> T {
        try runUntilComplete(createTask(coroutine))
    }
}

/// Coroutines moved into tasks one by one: each goes to exactly one task, on the loop's thread,
/// which is what the caller's `sending` promised for the whole array.
private struct CoroutineBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
