// LoopBound: mutable state the tasks of one loop share, as Python code shares a list or a counter.

/// A value that the tasks of one loop share and only that loop's thread touches (the idea of
/// SwiftNIO's `NIOLoopBoundBox`). Python code mutates a shared counter or list from many tasks
/// freely, because they all run on the loop's thread; this box says so to Swift 6: it is
/// `Sendable`, so closures of `createTask`, `gather` and `TaskGroup` capture it, and it checks
/// on every access that it is on the loop's thread (off it, the program stops with a message).
///
///     let count = LoopBound(0, loop)
///     try await asyncio.gather([{ count.value += 1 }, { count.value += 1 }])
///     print(count.value)   // 2
///
/// Use it for state only the loop's tasks use. State that other threads use too belongs in an
/// actor or a `Mutex`; state of UI or main-thread code, in `@MainActor`.
///
/// Ownership: the box holds its loop strongly, so it must not be stored in an object that the
/// loop itself keeps alive (a cycle); give it to the tasks that share it.
public final class LoopBound<Value>: @unchecked Sendable {
    // Touched only on `loop`'s thread (checked by every access).
    private var stored: Value
    /// The loop whose thread may touch the value.
    public let loop: EventLoop

    /// A box for `value`, made on `loop`'s thread.
    public init(_ value: Value, _ loop: EventLoop, file: StaticString = #fileID, line: UInt = #line) {
        precondition(loop.isOnLoopThread, "LoopBound made off its loop's thread", file: file, line: line)
        stored = value
        self.loop = loop
    }

    /// A box for `value` made on any thread: the value is given up here, so nothing else can
    /// touch it.
    public init(sending value: sending Value, _ loop: EventLoop) {
        stored = value
        self.loop = loop
    }

    /// The value; reading or changing it off the loop's thread stops the program.
    public var value: Value {
        get {
            check()
            return stored
        }
        _modify {
            check()
            yield &stored
        }
        set {
            check()
            stored = newValue
        }
    }

    private func check() {
        precondition(loop.isOnLoopThread, "LoopBound.value touched off its loop's thread")
    }
}
