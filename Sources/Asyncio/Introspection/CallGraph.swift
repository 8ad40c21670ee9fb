// The call graph of 3.14's asyncio.graph: who awaits whom, and where each task is, as Swift can know it.

/// One entry of a call stack (asyncio's `FrameCallGraphEntry`). Swift cannot walk the frames of
/// a suspended task, so a task's stack has what the library knows: what it awaits now (`file`
/// and `line` when the await's place is known), and the closure it runs, by where it was made.
public struct FrameCallGraphEntry: Sendable, Equatable, CustomStringConvertible {
    /// The source file (`#fileID`), nil when the place is not known.
    public let file: String?
    /// The line in `file`, nil when the place is not known.
    public let line: Int?
    /// What runs there: `closure in main()`, `asyncio.sleep()`, `await Task-3`.
    public let function: String
    /// True for the closure a task runs (CPython's `async` tag).
    public let isAsync: Bool

    /// An entry for `function` at `file`:`line` (both nil when the place is not known).
    public init(file: String?, line: Int?, function: String, isAsync: Bool) {
        self.file = file
        self.line = line
        self.function = function
        self.isAsync = isAsync
    }

    /// `File 'App/main.swift', line 12, in async closure in main()`, as CPython prints a frame;
    /// `in asyncio.sleep()` alone when the place is not known.
    public var description: String {
        let what = (isAsync ? "async " : "") + function
        guard let file, let line else { return "in " + what }
        return "File '\(file)', line \(line), in \(what)"
    }
}

/// A future or task, its call stack (innermost first, as CPython prints it) and the graphs of
/// what awaits it (asyncio's `FutureCallGraph`).
public struct FutureCallGraph: Sendable {
    /// The future or task the graph is of.
    public let future: AnyFuture
    /// Its call stack, innermost entry first.
    public let callStack: [FrameCallGraphEntry]
    /// The graphs of the futures and tasks that await it.
    public let awaitedBy: [FutureCallGraph]
}

// Ownership: an awaited-by edge holds its waiter strongly (a task group's child holds its parent
// task, a shielded task its shield's future, a waited future the waiting task), while the waiter
// holds the awaited one through its group, its done callback or its wait. The cycle is broken
// where the wait ends: the child's done callback, the shield's callbacks and `asyncio.wait`'s
// `defer` discard the edge. An edge added with `futureAddToAwaitedBy` stays until
// `futureDiscardFromAwaitedBy`, as in asyncio.
extension AnyFuture {
    /// Records that `waiter` awaits this future (asyncio's `future_add_to_awaited_by`).
    func addAwaitedBy(_ waiter: AnyFuture) {
        if firstAwaitedBy == nil {
            firstAwaitedBy = waiter
        } else {
            loop.moreAwaitedBy[ObjectIdentifier(self), default: []].append(waiter)
        }
    }

    /// Forgets one such record (asyncio's `future_discard_from_awaited_by`).
    func discardAwaitedBy(_ waiter: AnyFuture) {
        if firstAwaitedBy === waiter {
            firstAwaitedBy = nil
            guard !loop.moreAwaitedBy.isEmpty, var more = loop.moreAwaitedBy[ObjectIdentifier(self)] else { return }
            firstAwaitedBy = more.removeFirst()
            loop.moreAwaitedBy[ObjectIdentifier(self)] = more.isEmpty ? nil : more
        } else if !loop.moreAwaitedBy.isEmpty, var more = loop.moreAwaitedBy[ObjectIdentifier(self)],
                  let index = more.firstIndex(where: { $0 === waiter }) {
            more.remove(at: index)
            loop.moreAwaitedBy[ObjectIdentifier(self)] = more.isEmpty ? nil : more
        }
    }

    /// The recorded awaiters, in the order they came.
    var awaitedByEdges: [AnyFuture] {
        (firstAwaitedBy.map { [$0] } ?? []) + (loop.moreAwaitedBy[ObjectIdentifier(self)] ?? [])
    }
}

extension EventLoop {
    /// True when no future has more than one recorded awaiter (for the tests: nothing leaks).
    package var moreAwaitedByIsEmpty: Bool { moreAwaitedBy.isEmpty }
}

/// Who awaits what, gathered in one pass over the loop's live tasks when a graph is captured
/// (so the hot paths keep nothing): the tasks parked on each future, and the pending gathers
/// over each child (a gather is found through the task parked on it).
struct AwaiterIndex {
    private var parked: [ObjectIdentifier: [AnyFuture]] = [:]

    init(loop: EventLoop) {
        var node = loop.liveTasks
        while let task = node {
            if let target = task.waitTarget as? AnyFuture {
                parked[ObjectIdentifier(target), default: []].append(task)
                if let gather = target as? GatheringFuture, !gather.done() {
                    for child in gather.children where !child.done() {
                        parked[ObjectIdentifier(child), default: []].append(gather)
                    }
                }
            }
            node = task.nextLive
        }
    }

    /// What awaits `future`: the tasks parked on it and the gathers over it, then its recorded
    /// edges, each once.
    func awaiters(of future: AnyFuture) -> [AnyFuture] {
        var found = parked[ObjectIdentifier(future)] ?? []
        for edge in future.awaitedByEdges where !found.contains(where: { $0 === edge }) { found.append(edge) }
        return found
    }
}

extension AnyTask {
    /// What the task waits on, as a stack entry, when it is parked.
    var waitEntry: FrameCallGraphEntry? {
        guard state == .pending, let target = waitTarget else { return nil }
        if let site = awaitSite, site.label.utf8CodeUnitCount > 0 {
            let known = site.file.utf8CodeUnitCount > 0
            return FrameCallGraphEntry(file: known ? "\(site.file)" : nil, line: known ? Int(site.line) : nil,
                                       function: "\(site.label)", isAsync: false)
        }
        let what: String
        switch target {
        case let task as AnyTask: what = "await \(task.name)"
        case is GatheringFuture: what = "asyncio.gather()"
        case is AnyFuture: what = "await Future"
        case is TimerHandle: what = "asyncio.sleep()"
        case let wait as ReadinessWait: what = wait.label
        default: what = "await"
        }
        let site = awaitSite
        return FrameCallGraphEntry(file: site.map { "\($0.file)" }, line: site.map { Int($0.line) }, function: what, isAsync: false)
    }

    /// The closure the task runs, by where it was made.
    var bodyEntry: FrameCallGraphEntry {
        FrameCallGraphEntry(file: origin.file, line: origin.line, function: "closure in \(origin.function)", isAsync: true)
    }
}

extension asyncio {
    /// The call graph of `future`, or of the current task (asyncio.capture_call_graph, 3.14).
    /// For the current task its stack starts at the place of this call (Swift has no frames to
    /// skip, so `depth` is accepted and has no effect); `limit` keeps at most
    /// `abs(limit)` entries of each stack (positive: the outermost, nearest the task's start;
    /// negative: the innermost; 0: none). Nil when there is no current task and no future.
    /// Throws `EventLoopError` outside a running loop when no future is given.
    public static func captureCallGraph(
        _ future: AnyFuture? = nil, depth: Int = 1, limit: Int? = nil,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> FutureCallGraph? {
        let loop = runningLoop
        let current = loop.flatMap { AnyTask.runningOnLoop($0) }
        guard let target = future ?? current else {
            if loop == nil { throw EventLoopError.callGraphOutsideLoop }
            return nil
        }
        var seen: [ObjectIdentifier] = []
        let index = AwaiterIndex(loop: target.loop)
        if let task = target as? AnyTask, task === current {
            let here = FrameCallGraphEntry(file: fileID, line: line, function: function, isAsync: false)
            return graph(of: task, stack: [here, task.bodyEntry], limit: limit, index: index, seen: &seen)
        }
        return graph(of: target, stack: nil, limit: limit, index: index, seen: &seen)
    }

    private static func graph(of future: AnyFuture, stack: [FrameCallGraphEntry]?, limit: Int?,
                              index: AwaiterIndex, seen: inout [ObjectIdentifier]) -> FutureCallGraph {
        var entries = stack ?? []
        if stack == nil, let task = future as? AnyTask {
            entries = (task.waitEntry.map { [$0] } ?? []) + (task.done() ? [] : [task.bodyEntry])
        }
        if let limit {
            // Innermost first here, so the entries nearest the task's start are the last ones.
            if limit == 0 { entries = [] } else if limit > 0 { entries = Array(entries.suffix(limit)) } else { entries = Array(entries.prefix(-limit)) }
        }
        seen.append(ObjectIdentifier(future))
        defer { seen.removeLast() }
        // An awaiter already on the path (a cycle) is not followed again.
        let awaitedBy = index.awaiters(of: future).filter { !seen.contains(ObjectIdentifier($0)) }
            .map { graph(of: $0, stack: nil, limit: limit, index: index, seen: &seen) }
        return FutureCallGraph(future: future, callStack: entries, awaitedBy: awaitedBy)
    }

    /// The call graph as text, as CPython 3.14's `format_call_graph` prints it ("" when there
    /// is nothing to show).
    public static func formatCallGraph(
        _ future: AnyFuture? = nil, depth: Int = 1, limit: Int? = nil,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws -> String {
        guard let graph = try captureCallGraph(future, depth: depth, limit: limit, fileID: fileID, line: line, function: function) else {
            return ""
        }
        var lines: [String] = []
        render(graph, level: 0, into: &lines)
        return lines.joined(separator: "\n")
    }

    /// Prints `formatCallGraph` (asyncio.print_call_graph).
    public static func printCallGraph(
        _ future: AnyFuture? = nil, depth: Int = 1, limit: Int? = nil,
        fileID: String = #fileID, line: Int = #line, function: String = #function
    ) throws {
        print(try formatCallGraph(future, depth: depth, limit: limit, fileID: fileID, line: line, function: function))
    }

    private static func render(_ graph: FutureCallGraph, level: Int, into lines: inout [String]) {
        let indent = String(repeating: "    ", count: level)
        let id = graph.future.hexID
        if let task = graph.future as? AnyTask {
            lines.append(indent + "* Task(name='\(task.name)', id=\(id))")
        } else {
            lines.append(indent + "* Future(id=\(id))")
        }
        if !graph.callStack.isEmpty {
            lines.append(indent + "  + Call stack:")
            for entry in graph.callStack { lines.append(indent + "  |   \(entry)") }
        }
        if !graph.awaitedBy.isEmpty {
            lines.append(indent + "  + Awaited by:")
            for awaiter in graph.awaitedBy { render(awaiter, level: level + 1, into: &lines) }
        }
    }

    /// Records that `waiter` awaits `future` for the call graph, for awaitables built outside
    /// the library (asyncio's `future_add_to_awaited_by`).
    public static func futureAddToAwaitedBy(_ future: AnyFuture, _ waiter: AnyFuture) {
        future.addAwaitedBy(waiter)
    }

    /// Forgets what `futureAddToAwaitedBy` recorded (asyncio's `future_discard_from_awaited_by`).
    public static func futureDiscardFromAwaitedBy(_ future: AnyFuture, _ waiter: AnyFuture) {
        future.discardAwaitedBy(waiter)
    }
}
