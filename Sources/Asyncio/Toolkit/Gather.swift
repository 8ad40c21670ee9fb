// gather: run awaitables concurrently and collect their results in argument order.

/// The future a gather waits on (asyncio's `_GatheringFuture`): cancelling it cancels every child.
/// Owned by the loop thread, like every future.
final class GatheringFuture: Future<Void>, @unchecked Sendable {
    let children: [AnyFuture]
    var cancelRequested = false
    private var finishedCount = 0
    private let returnExceptions: Bool

    init(loop: EventLoop, children: [AnyFuture], returnExceptions: Bool) {
        self.children = children
        self.returnExceptions = returnExceptions
        super.init(loop: loop)
        // No awaited-by edges here (they cost the gather row 4%): the call graph finds a gather's
        // children through the task parked on it.
        for child in children { child.onDone(.named("gather._done_callback")) { [self] in self.childDone($0) } }
    }

    override func cancel(msg: String? = nil) -> Bool {
        errorUnretrieved = false
        if done() { return false }
        var cancelledAny = false
        for child in children where child.cancel(msg: msg) { cancelledAny = true }
        if cancelledAny { cancelRequested = true }
        return cancelledAny
    }

    /// asyncio's `_done_callback`: the first error (or cancelled child) ends the gather unless
    /// errors are returned; otherwise it ends when the last child does.
    private func childDone(_ child: AnyFuture) {
        if child.state == .finished { child.errorUnretrieved = false }
        if done() { return }
        if !returnExceptions {
            if child.cancelled() {
                try? setException(child.makeCancelledError())
                return
            }
            if let error = child.error {
                try? setException(error)
                return
            }
        }
        finishedCount += 1
        if finishedCount == children.count {
            if cancelRequested {
                try? setException(child.makeCancelledError())
            } else {
                try? setResult(())
            }
        }
    }
}

/// The outcome of one gathered child, as `gather(returnExceptions: true)` reports it.
func outcome<F: TypedFuture>(of child: F) -> Result<F.Value, any Error> {
    Result { try child.result() }
}

extension asyncio {
    /// Waits for all `children`, with gather's error and cancellation rules.
    nonisolated(nonsending) static func gatherAll(
        _ children: [AnyFuture], returnExceptions: Bool, fileID: StaticString, line: UInt
    ) async throws {
        guard let loop = children.first?.loop else { return }
        let outer = GatheringFuture(loop: loop, children: children, returnExceptions: returnExceptions)
        try await outer.waitUntilDone(site: AwaitSite("asyncio.gather()", fileID, line))
        _ = try outer.anyResult()
    }

    /// Runs the closures as tasks on the running loop, concurrently, and returns their results in
    /// argument order, each with its own type (asyncio.gather):
    /// `let (a, b) = try await asyncio.gather({ try await f() }, { try await g() })`.
    ///
    /// The first error is thrown at once while the other children keep running; cancelling the
    /// waiting task cancels every child.
    @discardableResult
    nonisolated(nonsending) public static func gather<each T: Sendable>(
        _ bodies: repeat sending @escaping () async throws -> each T,
        fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> (repeat each T) {
        let loop = try getRunningLoop()
        let file = "\(fileID)"
        let tasks = (repeat try loop.createTaskMovingOut(each bodies, fileID: file, line: Int(line), function: "asyncio.gather()"))
        var children: [AnyFuture] = []
        for task in repeat each tasks { children.append(task) }
        try await gatherAll(children, returnExceptions: false, fileID: fileID, line: line)
        return (repeat try (each tasks).result())
    }

    /// Gathers tasks or futures of mixed types: `let (a, b) = try await asyncio.gather(t1, t2)`.
    @discardableResult
    nonisolated(nonsending) public static func gather<each F: TypedFuture>(
        _ futures: repeat each F, fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> (repeat (each F).Value) {
        var children: [AnyFuture] = []
        for future in repeat each futures { children.append(future) }
        try await gatherAll(children, returnExceptions: false, fileID: fileID, line: line)
        return (repeat try (each futures).result())
    }

    /// Gathers a collection of tasks or futures of one type; results in the collection's order.
    @discardableResult
    nonisolated(nonsending) public static func gather<F: TypedFuture>(
        _ futures: [F], fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> [F.Value] {
        try await gatherAll(futures, returnExceptions: false, fileID: fileID, line: line)
        return try futures.map { try $0.result() }
    }

    /// Gathers a collection of tasks or futures; with `returnExceptions: true` a failed or
    /// cancelled child puts its error in the results instead of ending the gather (asyncio's
    /// `return_exceptions=True`). With `false` it behaves as `gather(_:)`, results wrapped.
    @discardableResult
    nonisolated(nonsending) public static func gather<F: TypedFuture>(
        _ futures: [F], returnExceptions: Bool, fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> [Result<F.Value, any Error>] {
        try await gatherAll(futures, returnExceptions: returnExceptions, fileID: fileID, line: line)
        return futures.map(outcome)
    }

    /// Runs a collection of closures as tasks and gathers them.
    @discardableResult
    nonisolated(nonsending) public static func gather<T: Sendable>(
        _ bodies: sending [() async throws -> T], fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> [T] {
        let loop = try getRunningLoop()
        let file = "\(fileID)"
        return try await gather(bodies.map { try loop.createTaskMovingOut($0, fileID: file, line: Int(line), function: "asyncio.gather()") }, fileID: fileID, line: line)
    }

    /// Runs a collection of closures as tasks and gathers them, errors returned as results.
    @discardableResult
    nonisolated(nonsending) public static func gather<T: Sendable>(
        _ bodies: sending [() async throws -> T], returnExceptions: Bool,
        fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> [Result<T, any Error>] {
        let loop = try getRunningLoop()
        let file = "\(fileID)"
        return try await gather(bodies.map { try loop.createTaskMovingOut($0, fileID: file, line: Int(line), function: "asyncio.gather()") }, returnExceptions: returnExceptions,
                                fileID: fileID, line: line)
    }
}
