// What a process's inspector answers, decoded: its loops and their pending tasks.

/// The inspector's answer was not what the tools expect.
public struct SnapshotError: Error, CustomStringConvertible {
    /// What was wrong.
    public let description: String
}
/// One answer of a process's inspector (`Inspector.request(pid:_:)` with `snapshot`).
public struct ProcessSnapshot: Sendable {
    /// The inspected process.
    public let pid: Int32
    /// True when it lets the tools cancel tasks.
    public let cancel: Bool
    /// Each loop shown to the inspector.
    public let loops: [LoopState]

    /// Reads the inspector's JSON; throws `SnapshotError` for anything else.
    public init(json: String) throws {
        let value: JSONValue
        do { value = try JSONValue.parse(json) } catch { throw SnapshotError(description: "\(error)") }
        guard let pid = value["pid"]?.number, let loops = value["loops"]?.array else {
            throw SnapshotError(description: "not an inspector's snapshot")
        }
        self.pid = Int32(pid)
        cancel = value["cancel"]?.bool ?? false
        self.loops = try loops.map(LoopState.init)
    }
}

/// A loop as the inspector saw it.
public struct LoopState: Sendable {
    /// True while the loop runs.
    public let running: Bool
    /// Seconds since the loop last made progress, when it did not answer (it is blocked).
    public let blockedFor: Double?
    /// How old `snapshot` is, in seconds.
    public let snapshotAge: Double?
    /// The loop's tasks, fresh or (when blocked) the last taken; nil if none was ever taken.
    public let snapshot: LoopTasks?

    init(_ value: JSONValue) throws {
        running = value["running"]?.bool ?? false
        blockedFor = value["blocked_for"]?.number
        snapshotAge = value["snapshot_age"]?.number
        snapshot = try value["snapshot"].flatMap { $0.isNull ? nil : try LoopTasks($0) }
    }
}

/// The pending tasks of one loop and the thread that runs it.
public struct LoopTasks: Sendable {
    /// The kernel's id of the loop's thread.
    public let tid: Int
    /// The pending tasks, oldest first.
    public let tasks: [TaskRecord]

    init(_ value: JSONValue) throws {
        guard let tid = value["tid"]?.number, let tasks = value["tasks"]?.array else {
            throw SnapshotError(description: "a loop's snapshot without tid or tasks")
        }
        self.tid = Int(tid)
        self.tasks = try tasks.map(TaskRecord.init)
    }
}

/// One pending task.
public struct TaskRecord: Sendable {
    /// Its id (the object's address, as CPython prints `id(task)`).
    public let id: String
    /// Its name.
    public let name: String
    /// Its stack, innermost first: what it awaits, then the closure it runs.
    public let stack: [StackFrame]
    /// The ids of the tasks that await it.
    public let awaitedBy: [String]

    init(_ value: JSONValue) throws {
        guard let id = value["id"]?.string, let name = value["name"]?.string else {
            throw SnapshotError(description: "a task without id or name")
        }
        self.id = id
        self.name = name
        stack = try (value["stack"]?.array ?? []).map(StackFrame.init)
        awaitedBy = (value["awaited_by"]?.array ?? []).compactMap(\.string)
    }
}

/// One entry of a task's stack.
public struct StackFrame: Sendable {
    /// What runs there: `asyncio.sleep()`, `closure in main()`.
    public let function: String
    /// The source file (`#fileID`), when known.
    public let file: String?
    /// The line in `file`, when known.
    public let line: Int?

    init(_ value: JSONValue) throws {
        guard let function = value["function"]?.string else { throw SnapshotError(description: "a frame without function") }
        self.function = function
        file = value["file"]?.string
        line = value["line"]?.number.map { Int($0) }
    }

    /// `function file:line` (as CPython's tools print a frame), or the function alone.
    public var label: String {
        guard let file, let line else { return function }
        return "\(function) \(file):\(line)"
    }
}
