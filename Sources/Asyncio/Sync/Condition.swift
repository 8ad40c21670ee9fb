// Condition: wait for a notification while releasing a lock (asyncio.Condition).

/// A condition variable for tasks (asyncio.Condition). `wait()` needs the lock held, releases it
/// while waiting and takes it back before returning, even when cancelled.
public final class Condition: @unchecked Sendable {
    // Owned by the bound loop's thread.
    private let lot = ParkingLot(owner: "Condition")
    /// The underlying lock.
    public let lock: Lock

    /// A condition over `lock`, or over a new lock.
    public init(lock: Lock = Lock()) { self.lock = lock }

    /// True while some task holds the underlying lock.
    public func locked() -> Bool { lock.locked() }
    /// Acquires the underlying lock, waiting in FIFO order if it is held.
    nonisolated(nonsending) public func acquire() async throws { try await lock.acquire() }
    /// Releases the underlying lock. Throws if it is not held.
    public func release() throws { try lock.release() }

    /// Runs `body` holding the lock (`async with cond:`).
    nonisolated(nonsending) public func withLock<T>(_ body: () async throws -> T) async throws -> T {
        try await lock.withLock(body)
    }

    /// Releases the lock, waits for a notification, then re-acquires the lock. If cancelled,
    /// it still re-acquires the lock before throwing, and passes its notification on.
    nonisolated(nonsending) public func wait(fileID: StaticString = #fileID, line: UInt = #line) async throws {
        guard lock.locked() else { throw SyncPrimitiveError.waitWithoutLock }
        try lock.release()
        var failure: (any Error)?
        do {
            try await lot.wait(try lot.enqueue(), site: AwaitSite("Condition.wait()", fileID, line))
        } catch {
            failure = error
        }
        while true {
            do {
                try await lock.acquire(fileID: fileID, line: line)
                break
            } catch {
                failure = error
            }
        }
        if let failure {
            wake(1)   // the notification may have been ours: hand it on (a spurious wake-up is allowed)
            throw failure
        }
    }

    /// Waits until `predicate` is true; returns its last value.
    @discardableResult
    nonisolated(nonsending) public func waitFor(_ predicate: () -> Bool) async throws -> Bool {
        var result = predicate()
        while !result {
            try await wait()
            result = predicate()
        }
        return result
    }

    /// Wakes up to `n` waiting tasks. Needs the lock held.
    public func notify(_ n: Int = 1) throws {
        guard lock.locked() else { throw SyncPrimitiveError.notifyWithoutLock }
        wake(n)
    }

    /// Wakes every waiting task. Needs the lock held.
    public func notifyAll() throws { try notify(Int.max) }

    private func wake(_ n: Int) { lot.wake(upTo: n) }
}
