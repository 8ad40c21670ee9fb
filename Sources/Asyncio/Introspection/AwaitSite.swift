// Where a task awaits and on what, as the public awaitables capture it for the call graph.

/// The awaitable a task is parked in (`asyncio.sleep()`, `Queue.get()`) and the place of the
/// `await` in the caller's code (`#fileID`, `#line` default arguments of the public API), kept on
/// the task while it is parked. Static strings and a line: nothing is formatted or allocated
/// until a graph is captured.
struct AwaitSite: Sendable {
    /// What is awaited; empty for a plain future or task, which the wait target names instead.
    let label: StaticString
    let file: StaticString
    let line: UInt

    init(_ label: StaticString, _ file: StaticString, _ line: UInt) {
        self.label = label
        self.file = file
        self.line = line
    }
}
