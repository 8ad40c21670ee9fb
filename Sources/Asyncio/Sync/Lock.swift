// Lock: asyncio's FIFO, non-reentrant mutual exclusion between tasks of one loop.

/// A lock for tasks of one loop (asyncio.Lock): FIFO, not reentrant; an uncontended acquire does
/// not suspend. Bound to the first loop that waits on it; not thread-safe.
public final class Lock: @unchecked Sendable, CustomStringConvertible {
    // Owned by the bound loop's thread.
    let lot = ParkingLot(owner: "Lock")
    @exclusivity(unchecked) private var isLocked = false

    /// An unlocked lock.
    public init() {}

    /// True while some task holds the lock.
    public func locked() -> Bool { isLocked }

    /// Acquires the lock, waiting in FIFO order if it is held (or others wait already).
    nonisolated(nonsending) public func acquire(fileID: StaticString = #fileID, line: UInt = #line) async throws {
        if !isLocked && !lot.hasLiveWaiter {
            isLocked = true
            return
        }
        let waiter = try lot.enqueue()
        do {
            try await lot.wait(waiter, site: AwaitSite("Lock.acquire()", fileID, line))
        } catch {
            // Keep the invariant: if the lock is free and someone waits, the first must run.
            if !isLocked { lot.wakeHead() }
            throw error
        }
        isLocked = true
    }

    /// Releases the lock and wakes the first waiter. Throws if the lock is not held.
    public func release() throws {
        guard isLocked else { throw SyncPrimitiveError.lockNotAcquired }
        isLocked = false
        lot.wakeHead()
    }

    /// Runs `body` holding the lock (`async with lock:`).
    nonisolated(nonsending) public func withLock<T>(
        fileID: StaticString = #fileID, line: UInt = #line, _ body: () async throws -> T
    ) async throws -> T {
        try await acquire(fileID: fileID, line: line)
        defer { try? release() }
        return try await body()
    }

    public var description: String {
        "<Lock [\(isLocked ? "locked" : "unlocked")\(lot.isEmpty ? "" : ", waiters:\(lot.count)")]>"
    }
}

/// Misuse of a lock or condition (Python raises RuntimeError for these).
public enum SyncPrimitiveError: Error, Equatable, CustomStringConvertible, Sendable {
    /// `release()` on a lock that is not held.
    case lockNotAcquired
    /// `wait()` on a condition whose lock is not held.
    case waitWithoutLock
    /// `notify()` on a condition whose lock is not held.
    case notifyWithoutLock

    public var description: String {
        switch self {
        case .lockNotAcquired: "Lock is not acquired."
        case .waitWithoutLock: "cannot wait on un-acquired lock"
        case .notifyWithoutLock: "cannot notify on un-acquired lock"
        }
    }
}
