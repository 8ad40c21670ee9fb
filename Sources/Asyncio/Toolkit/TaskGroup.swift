// asyncio's TaskGroup: structured children on the library's own tasks (not Swift's TaskGroup).

/// A group of tasks that the body of `asyncio.taskGroup` creates (asyncio.TaskGroup; named so it
/// never shadows Swift's `TaskGroup`). Built on loop tasks and done callbacks, so any number of
/// children may finish in any order at constant cost each.
public final class LoopTaskGroup: @unchecked Sendable {
    // Owned by the loop thread of the parent task.
    private let loop: EventLoop
    private let parent: AnyTask
    private var tasks = Set<AnyFuture>()
    private var errors: [any Error] = []
    private var exiting = false
    private var aborting = false
    private var parentCancelRequested = false
    private var allDone: Future<Void>?

    init(loop: EventLoop, parent: AnyTask) {
        self.loop = loop
        self.parent = parent
    }

    /// Creates a child task. Throws once the group is shutting down or finished.
    @discardableResult
    public func createTask<T: Sendable>(
        name: String? = nil,
        _ body: sending @escaping () async throws -> T,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> LoopTask<T> {
        try checkOpen()
        return adopt(try loop.createTask(name: name, body, fileID: fileID, line: line, function: function))
    }

    /// Creates a child task for each closure, in order (`for c in coros: tg.create_task(c)`,
    /// which `createTask` cannot do over an array of closures one by one).
    @discardableResult
    public func createTasks<T: Sendable>(
        _ bodies: sending [() async throws -> T],
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> [LoopTask<T>] {
        try bodies.map { body in
            try checkOpen()
            return adopt(try loop.createTaskMovingOut(body, fileID: fileID, line: line, function: function))
        }
    }

    private func checkOpen() throws {
        if exiting && tasks.isEmpty { throw EventLoopError.taskGroupFinished }
        if aborting { throw EventLoopError.taskGroupShuttingDown }
    }

    /// Makes `task` a child: watched until done (an eager task may be done already).
    private func adopt<T>(_ task: LoopTask<T>) -> LoopTask<T> {
        if task.done() {
            childDone(task)   // an eager task may finish inside createTask
        } else {
            task.addAwaitedBy(parent)
            tasks.insert(task)
            task.onDone(.named("TaskGroup._on_task_done")) { [self] in childDone($0) }
        }
        return task
    }

    private func abort() {
        aborting = true
        for task in tasks where !task.done() { task.cancel() }
    }

    private func childDone(_ task: AnyFuture) {
        task.discardAwaitedBy(parent)
        tasks.remove(task)
        if let allDone, tasks.isEmpty, !allDone.done() { try? allDone.setResult(()) }
        guard task.state == .finished, let error = task.error else { return }
        task.errorUnretrieved = false
        errors.append(error)
        if parent.done() {
            loop.callExceptionHandler(ExceptionContext(
                message: "Task has errored out but its parent task \(parent) is already completed",
                error: error, future: task))
            return
        }
        if !aborting && !parentCancelRequested {
            // Stop the body: cancel the parent, and with it whatever the body awaits.
            abort()
            parentCancelRequested = true
            parent.cancel()
        }
    }

    /// asyncio's `__aexit__` (3.13): wait for every child, then decide what the group throws.
    /// The group's own cancel of the parent is taken back (`uncancel`) only once the children
    /// are done, so `cancelling()` returns to its level at entry; an outside cancel that is still
    /// pending when the group fails is re-requested, so it is not lost.
    nonisolated(nonsending) func exit(bodyError: (any Error)?, site: AwaitSite? = nil) async throws {
        exiting = true
        var propagateCancel: (any Error)? = bodyError is CancelledError ? bodyError : nil
        if bodyError != nil && !aborting { abort() }
        while !tasks.isEmpty {
            let waiter = allDone ?? loop.createFuture(of: Void.self)
            allDone = waiter
            do {
                try await waiter.waitUntilDone(site: site)
                try waiter.result()
            } catch let error as CancelledError {
                if !aborting {
                    propagateCancel = error
                    abort()
                }
            }
            allDone = nil
        }
        if parentCancelRequested && parent.uncancel() == 0 { propagateCancel = nil }
        if let propagateCancel, errors.isEmpty { throw propagateCancel }
        if let bodyError, !(bodyError is CancelledError) { errors.append(bodyError) }
        if !errors.isEmpty {
            if parent.cancelling() > 0 {
                // Cancelled from outside as well: keep that cancel pending for the code after us.
                parent.uncancel()
                parent.cancel()
            }
            let group = ExceptionGroup(message: "unhandled errors in a TaskGroup", errors: errors)
            errors = []
            throw group
        }
    }
}

extension asyncio {
    /// Runs `body` with a task group (`async with asyncio.TaskGroup() as tg:`) and waits for every
    /// child. The first child failure other than cancellation cancels the other children and the
    /// body; all failures are thrown together as an `ExceptionGroup`. An outside cancel with
    /// child failures gives the group error, not `CancelledError`.
    @discardableResult
    nonisolated(nonsending) public static func taskGroup<T>(
        fileID: StaticString = #fileID, line: UInt = #line, _ body: (LoopTaskGroup) async throws -> T
    ) async throws -> T {
        let loop = try getRunningLoop()
        guard let parent = AnyTask.runningOnLoop(loop) else { throw EventLoopError.taskGroupOutsideTask }
        let group = LoopTaskGroup(loop: loop, parent: parent)
        let value: T
        do {
            value = try await body(group)
        } catch {
            try await group.exit(bodyError: error, site: AwaitSite("asyncio.taskGroup()", fileID, line))
            throw error
        }
        try await group.exit(bodyError: nil, site: AwaitSite("asyncio.taskGroup()", fileID, line))
        return value
    }
}
