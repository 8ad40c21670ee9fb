// Barrier: let a fixed number of tasks wait for each other (asyncio.Barrier).

/// Raised by a barrier that was aborted or reset while tasks waited (asyncio.BrokenBarrierError).
public struct BrokenBarrierError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The message, as CPython's `str(exc)`.
    public var message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A barrier for `parties` tasks (asyncio.Barrier): each `wait()` blocks until that many tasks
/// wait, then all go on; each gets a distinct index 0..<parties.
public final class Barrier: @unchecked Sendable {
    // Owned by the bound loop's thread.
    enum State { case filling, draining, resetting, broken }

    private let condition = Condition()
    @exclusivity(unchecked) private var state = State.filling
    @exclusivity(unchecked) private var count = 0
    /// How many tasks must wait for the barrier to open.
    public let parties: Int

    /// A barrier for `parties` tasks; fewer than 1 throws `ValueError`.
    public init(parties: Int) throws {
        guard parties >= 1 else { throw ValueError("parties must be > 0") }
        self.parties = parties
    }

    /// Tasks waiting now (0 while the barrier drains).
    public var nWaiting: Int { state == .filling ? count : 0 }
    /// True once aborted.
    public var broken: Bool { state == .broken }

    /// Waits for the others; returns this task's index. Throws `BrokenBarrierError` if the
    /// barrier is aborted or reset meanwhile.
    @discardableResult
    nonisolated(nonsending) public func wait() async throws -> Int {
        try await condition.withLock {
            try await block()
            let index = count
            count += 1
            defer {
                count -= 1
                exit()
            }
            if index + 1 == parties {
                state = .draining
                try condition.notifyAll()
            } else {
                try await condition.waitFor { state != .filling }
                if state == .broken || state == .resetting { throw BrokenBarrierError("Abort or reset of barrier") }
            }
            return index
        }
    }

    /// Returns the barrier to its empty state; tasks waiting get `BrokenBarrierError`.
    nonisolated(nonsending) public func reset() async throws {
        try await condition.withLock {
            state = count > 0 ? .resetting : .filling
            try condition.notifyAll()
        }
    }

    /// Breaks the barrier: waiting and future `wait()` calls throw `BrokenBarrierError`.
    nonisolated(nonsending) public func abort() async throws {
        try await condition.withLock {
            state = .broken
            try condition.notifyAll()
        }
    }

    /// Waits while the barrier drains or resets; a broken barrier throws.
    nonisolated(nonsending) private func block() async throws {
        try await condition.waitFor { state != .draining && state != .resetting }
        if state == .broken { throw BrokenBarrierError("Barrier aborted") }
    }

    /// The last task out lets the next round fill.
    private func exit() {
        if count == 0 {
            if state == .resetting || state == .draining { state = .filling }
            try? condition.notifyAll()
        }
    }
}
