// The untyped part of an asyncio task: name, cancellation counts, what it waits on, registration.
import CAsyncio
import Synchronization

/// What every loop task has, whatever its result type (asyncio.Task without the result).
///
/// Loop-affine: its state is owned by the loop's thread; call its methods from there.
public class AnyTask: AnyFuture, @unchecked Sendable {
    /// The loop task running on this thread's running loop, if any.
    static var current: AnyTask? { asyncio.runningLoop.flatMap(runningOnLoop) }
    private static let nameCounter = Atomic<Int>(0)

    /// The task's name: the one given or set, else "Task-N", formatted only when read.
    var name: String {
        get { givenName ?? "Task-\(number)" }
        set { givenName = newValue }
    }
    private var givenName: String?
    /// The default name's number (0 when a name was given: the counter only counts unnamed tasks).
    private let number: Int
    /// A cancel was requested while the task was not parked on something cancellable.
    @exclusivity(unchecked) var mustCancel = false
    var pendingCancelMessage: String?
    var cancelRequests = 0
    /// How many cancellation shields the task is inside; while > 0 a cancel is only recorded.
    @exclusivity(unchecked) var shieldDepth = 0
    /// trio-style deadline scopes around the current code, outermost first.
    @exclusivity(unchecked) var deadlineScopes: [DeadlineScope] = []
    /// What the task is parked on, if anything.
    @exclusivity(unchecked) var waitTarget: (any WaitTarget)?
    /// Where and in what it is parked or last was, when the awaitable said (for the call graph
    /// and the watchdog).
    @exclusivity(unchecked) var awaitSite: AwaitSite?
    /// The continuation of the current park while its waker is armed; nil once woken.
    @exclusivity(unchecked) var parkedContinuation: UnsafeContinuation<Void, Never>?
    /// Counts the task's parks, so a waker of an earlier park never resumes a later one.
    @exclusivity(unchecked) var parkGeneration: UInt32 = 0
    /// Swift's cancel of the task's Swift task was turned into an asyncio cancel (it is sticky:
    /// bridged once).
    @exclusivity(unchecked) var swiftCancelSeen = false
    /// The Swift task running the body (the runtime's task pointer), while the body runs.
    @exclusivity(unchecked) var swiftTask: UnsafeMutableRawPointer?
    /// Where the task was created.
    let origin: TaskOrigin
    /// The loop's time when the task was created, once the loop has been inspected (from its
    /// first `startInspector`, and on after `stopInspector`), else NaN: the live page's ages.
    /// Recorded only then, so a task costs no clock read otherwise.
    let createdAt: Double
    // Intrusive list of the loop's live tasks (keeps them alive until done).
    var nextLive: AnyTask?
    unowned(unsafe) var previousLive: AnyTask?

    init(loop: EventLoop, name: String?, origin: TaskOrigin) {
        givenName = name
        number = name == nil ? Self.nameCounter.wrappingAdd(1, ordering: .relaxed).newValue : 0
        self.origin = origin
        createdAt = loop.recordsTaskAges.load(ordering: .relaxed) ? loop.clock.now() : .nan
        super.init(loop: loop)
    }

    /// Creates the Swift task that runs the body on the loop; its first step runs after the
    /// callbacks already queued. Not generic, and its closure holds only `self`, so the Swift
    /// task is the only allocation beside the loop task. The closure is declared `throws` (it
    /// never throws): a non-throwing one is wrapped in a reabstraction thunk, one more malloc
    /// per task (the allocation gate's spawn row counts it).
    final func launch() {
        Task(executorPreference: loop.taskExecutor) { [self] () async throws in await runFirstStep() }
    }

    /// The Swift task's first step (`LoopTask` runs its body).
    func runFirstStep() async {}

    /// Restarts the default names at Task-1, as in a fresh Python process (for demos and tests).
    public static func resetNameCounter() { nameCounter.store(0, ordering: .relaxed) }

    /// The task running on `loop` in the current Swift task, if it is a loop task of that loop.
    @inline(__always)
    static func runningOnLoop(_ loop: EventLoop) -> AnyTask? {
        guard loop.isOnLoopThread, let swiftTask = casyncio_current_task() else { return nil }
        return loop.runningTasks.task(for: swiftTask)
    }

    /// Turns Swift's own cancel of the running Swift task (`withUnsafeCurrentTask { $0?.cancel() }`
    /// inside the body) into one asyncio cancel, seen when the task next parks or yields on the
    /// loop, or returns.
    @inline(__always)
    func bridgeSwiftCancel() {
        if !swiftCancelSeen, Task.isCancelled {
            swiftCancelSeen = true
            _ = cancel()
        }
    }

    /// Requests cancellation (asyncio's `Task.cancel`): the task's current await throws
    /// `CancelledError(msg)`, or its next one if it is running. Returns false if already done.
    /// The task may catch the error and go on; it is cancelled only if the error leaves it.
    @discardableResult
    public override func cancel(msg: String? = nil) -> Bool {
        errorUnretrieved = false
        if done() { return false }
        cancelRequests += 1
        if shieldDepth == 0, abortWait(message: msg) { return true }
        mustCancel = true
        pendingCancelMessage = msg
        return true
    }

    /// How many cancel requests are outstanding (asyncio's `cancelling()`).
    public func cancelling() -> Int { cancelRequests }

    /// Decrements the outstanding cancel requests and returns the new count (asyncio's
    /// `uncancel()`). At zero, a pending cancel that has not been delivered is dropped.
    @discardableResult
    public func uncancel() -> Int {
        if cancelRequests > 0 {
            cancelRequests -= 1
            if cancelRequests == 0 { mustCancel = false }
        }
        return cancelRequests
    }

    /// The task's name (`Task-N` unless given).
    public func getName() -> String { name }
    /// Renames the task.
    public func setName(_ newName: String) { name = newName }

    /// The frames Swift can show for the task (asyncio's `get_stack`). Swift cannot walk the
    /// async frames of a suspended task, so a pending task (or one that failed) shows the place
    /// that created it; a task that finished normally or was cancelled shows none.
    public func getStack(limit: Int? = nil) -> [TaskOrigin] {
        let frames = (state == .pending || error != nil) ? [origin] : []
        return limit.map { Array(frames.prefix(max(0, $0))) } ?? frames
    }

    /// Prints the task's stack as asyncio's `print_stack` does, to standard output or `output`.
    public func printStack(limit: Int? = nil, to output: ((String) -> Void)? = nil) {
        let frames = getStack(limit: limit)
        var lines: [String] = []
        if frames.isEmpty {
            lines.append("No stack for \(self)")
        } else {
            lines.append("Stack for \(self) (most recent call last):")
            lines += frames.map { "  \($0)" }
        }
        if state == .finished, let error { lines.append("\(type(of: error)): \(error)") }
        for line in lines { if let output { output(line) } else { print(line) } }
    }

    /// Throws the cancellation that was requested while the task could not be interrupted.
    func throwIfCancelRequested() throws {
        if mustCancel && shieldDepth == 0 {
            mustCancel = false
            throw CancelledError(pendingCancelMessage)
        }
    }

    /// asyncio's task repr: `<Task pending name='Task-1' coro=<...> wait_for=<...> cb=[...]>`.
    /// The state reads `cancelling` while a cancel is requested; `wait_for` is what the task is
    /// parked on (a sleep or a readiness wait shows as the future asyncio would use); `cb` lists
    /// the done callbacks. Swift cannot name the closure a task runs nor see where a suspended
    /// task is, so `coro` says `closure` and where it was created: `coro=<closure running,
    /// created in main() at App/main.swift:12>` (CPython: `coro=<work() running at app.py:12>`).
    public override var description: String {
        var parts = reprParts
        if state == .pending && cancelRequests > 0 { parts[0] = "cancelling" }
        parts.insert("name='\(name)'", at: 1)
        if state == .pending, let waitTarget {
            let target = (waitTarget as? AnyFuture).map { "\($0)" } ?? "<Future pending cb=[Task.task_wakeup()]>"
            parts.insert("wait_for=\(target)", at: 2)
        }
        let coro = state == .pending ? "running" : "done"
        parts.insert("coro=<closure \(coro), created in \(origin.function) at \(origin.file):\(origin.line)>", at: 2)
        return "<Task " + parts.joined(separator: " ") + ">"
    }
}

/// Where a task was created: the best stack information Swift gives for a suspended task.
public struct TaskOrigin: Sendable, CustomStringConvertible {
    /// The source file, as `#fileID` gives it ("App/main.swift").
    public let file: String
    /// The line in that file.
    public let line: Int
    /// The enclosing function, as `#function` gives it ("main()").
    public let function: String
    public var description: String { "File \"\(file)\", line \(line), in \(function)" }
}

extension Set where Element: AnyFuture {
    /// The set as Python prints it: `{<Task finished name='t1' …>, <Task …>}`, or `set()` when
    /// empty (what `print(done)` shows after `done, pending = await asyncio.wait(tasks)`).
    /// Python's order is its hash order, which changes run to run; here tasks are in name order
    /// (futures in the order of their text). Swift's own `description` of a set stays `[…]`.
    public var pythonDescription: String {
        if isEmpty { return "set()" }
        let keyed = map { (($0 as? AnyTask)?.getName() ?? "", "\($0)") }
        return "{" + keyed.sorted { $0 < $1 }.map(\.1).joined(separator: ", ") + "}"
    }
}
