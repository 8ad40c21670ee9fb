// What a process's inspector answers, decoded: its loops and their pending tasks.
import FoundationEssentials

/// One answer of a process's inspector (`Inspector.request(pid:_:)` with `snapshot`).
public struct ProcessSnapshot: Decodable, Sendable {
    /// The inspected process.
    public let pid: Int32
    /// True when it lets the tools cancel tasks.
    public let cancel: Bool
    /// Each loop shown to the inspector.
    public let loops: [LoopState]

    /// Decodes the inspector's JSON; throws `DecodingError` for anything else.
    public init(json: String) throws {
        self = try JSONDecoder().decode(ProcessSnapshot.self, from: Data(json.utf8))
    }
}

/// A loop as the inspector saw it.
public struct LoopState: Decodable, Sendable {
    /// True while the loop runs.
    public let running: Bool
    /// Seconds since the loop last made progress, when it did not answer (it is blocked).
    public let blockedFor: Double?
    /// How old `snapshot` is, in seconds.
    public let snapshotAge: Double?
    /// The loop's tasks, fresh or (when blocked) the last taken; nil if none was ever taken.
    public let snapshot: LoopTasks?

    enum CodingKeys: String, CodingKey {
        case running, snapshot
        case blockedFor = "blocked_for"
        case snapshotAge = "snapshot_age"
    }
}

/// The pending tasks of one loop and the thread that runs it.
public struct LoopTasks: Decodable, Sendable {
    /// The kernel's id of the loop's thread.
    public let tid: Int
    /// The pending tasks, oldest first.
    public let tasks: [TaskRecord]
}

/// One pending task.
public struct TaskRecord: Decodable, Sendable {
    /// Its id (the object's address, as CPython prints `id(task)`).
    public let id: String
    /// Its name.
    public let name: String
    /// Its stack, innermost first: what it awaits, then the closure it runs.
    public let stack: [StackFrame]
    /// The ids of the tasks that await it.
    public let awaitedBy: [String]

    enum CodingKeys: String, CodingKey {
        case id, name, stack
        case awaitedBy = "awaited_by"
    }
}

/// One entry of a task's stack.
public struct StackFrame: Decodable, Sendable {
    /// What runs there: `asyncio.sleep()`, `closure in main()`.
    public let function: String
    /// The source file (`#fileID`), when known.
    public let file: String?
    /// The line in `file`, when known.
    public let line: Int?

    /// `function file:line` (as CPython's tools print a frame), or the function alone.
    public var label: String {
        guard let file, let line else { return function }
        return "\(function) \(file):\(line)"
    }
}
