// Runner and asyncio.run: run a main coroutine on a fresh loop from synchronous code, then shut down.
import CAsyncio
import Glibc

/// Runs async code on one loop from synchronous code, several times if wanted (asyncio.Runner).
///
/// The loop is made lazily. `close()` cancels the tasks left over, waits for them, reports their
/// errors to the exception handler, shuts down the default thread pool, and closes the loop. A
/// closed runner refuses to run.
public final class Runner {
    private var loop: EventLoop?
    private let debug: Bool?
    private let loopFactory: (() throws -> EventLoop)?
    private var closed = false
    private var madeCurrent = false

    /// - Parameters:
    ///   - debug: sets the loop's debug mode when given.
    ///   - loopFactory: makes the loop; by default a new loop that becomes the thread's current one.
    public init(debug: Bool? = nil, loopFactory: (() throws -> EventLoop)? = nil) {
        self.debug = debug
        self.loopFactory = loopFactory
    }

    deinit { close() }

    /// The runner's loop, made on first use. Throws `EventLoopError.runnerClosed` once closed.
    public func getLoop() throws -> EventLoop {
        if closed { throw EventLoopError.runnerClosed }
        if let loop { return loop }
        let made: EventLoop
        if let loopFactory {
            made = try loopFactory()
        } else {
            made = try asyncio.newEventLoop()
            asyncio.setEventLoop(made)
            madeCurrent = true
        }
        if let debug { made.debug = debug }
        loop = made
        return made
    }

    /// Runs `body` as a task on the runner's loop until it finishes, and returns its result.
    /// Throws if a loop already runs on this thread, or if the runner is closed. The task is
    /// named `name`; without one it takes the next default name (Task-N) as asyncio's does. (A
    /// library that runs a private loop names its task, so that it does not shift the numbers
    /// of the program's own tasks.)
    @discardableResult
    public func run<T: Sendable>(
        name: String? = nil,
        _ body: sending @escaping () async throws -> T,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> T {
        if casyncio_get_running_loop() != nil {
            throw EventLoopError.runFromRunningLoop("Runner.run()")
        }
        let loop = try getLoop()
        let task = try loop.createTask(name: name, body, fileID: fileID, line: line, function: function)
        // Ctrl-C cancels the main task, as asyncio does; a second one gets the default action.
        var interrupted = false
        let handlesInterrupt = casyncio_signal_is_default(SIGINT) == 1
        if handlesInterrupt {
            try loop.addSignalHandler(SIGINT) {
                if interrupted || task.done() {
                    loop.removeSignalHandler(SIGINT)
                    Glibc.kill(getpid(), SIGINT)
                    return
                }
                interrupted = true
                task.cancel()
            }
        }
        defer { if handlesInterrupt { loop.removeSignalHandler(SIGINT) } }
        do {
            return try loop.runUntilComplete(task)
        } catch is CancelledError where interrupted {
            throw KeyboardInterrupt()
        }
    }

    /// Cancels the remaining tasks and waits for them, then closes the loop. Idempotent.
    public func close() {
        if closed { return }
        closed = true
        guard let loop else { return }
        defer {
            try? loop.close()
            if madeCurrent { asyncio.setEventLoop(nil) }
            self.loop = nil
        }
        loop.cancelAllTasksForShutdown()
        _ = try? loop.runUntilComplete { try await loop.shutdownDefaultExecutor(timeout: 300) }
    }
}

extension EventLoop {
    /// asyncio.run's shutdown step: cancel every pending task, run until all are done, and
    /// report the ones that failed with an error other than cancellation.
    func cancelAllTasksForShutdown() {
        let pending = allTasks()
        if pending.isEmpty { return }
        for task in pending { task.cancel() }
        let allDone = createFuture(of: Void.self)
        var remaining = pending.count
        for task in pending {
            task.onDone(.named("_gathering_future._done_callback")) { _ in
                remaining -= 1
                if remaining == 0 { try? allDone.setResult(()) }
            }
        }
        _ = try? runUntilComplete(allDone)
        for task in pending where !task.cancelled() {
            if let error = try? task.exception() {
                callExceptionHandler(ExceptionContext(
                    message: "unhandled exception during asyncio.run() shutdown",
                    error: error, future: task))
            }
        }
    }
}

extension asyncio {
    /// Runs `main` on a new loop and closes the loop afterwards (asyncio.run). Blocks the calling
    /// thread. Throws if a loop already runs on this thread.
    ///
    /// From top-level `main.swift` code the closure literal is nonisolated, so it runs on the
    /// loop; `@MainActor` work that it awaits runs on the loop too while it drives the main thread.
    @discardableResult
    public static func run<T: Sendable>(
        debug: Bool? = nil,
        loopFactory: (() throws -> EventLoop)? = nil,
        _ main: sending @escaping () async throws -> T,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> T {
        if runningLoop != nil {
            throw EventLoopError.runFromRunningLoop("asyncio.run()")
        }
        let runner = Runner(debug: debug, loopFactory: loopFactory)
        defer { runner.close() }
        return try runner.run(main, fileID: fileID, line: line, function: function)
    }
}
