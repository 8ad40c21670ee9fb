// Semaphore and BoundedSemaphore: a counter of permits, handed out in strict FIFO order.

/// A semaphore for tasks (asyncio.Semaphore): `acquire()` takes a permit or waits in strict FIFO
/// order (a newcomer does not overtake waiters even when a permit is free).
public class Semaphore: @unchecked Sendable {
    // Owned by the bound loop's thread.
    private let lot = ParkingLot(owner: "Semaphore")
    @exclusivity(unchecked) var value: Int

    /// A semaphore with `value` permits; a negative value throws `ValueError`.
    public init(_ value: Int = 1) throws {
        guard value >= 0 else { throw ValueError("Semaphore initial value must be >= 0") }
        self.value = value
    }

    /// True when an `acquire()` would wait.
    public func locked() -> Bool { value == 0 || lot.hasLiveWaiter }

    /// Takes a permit, waiting in line if none is free or others wait already.
    nonisolated(nonsending) public func acquire(fileID: StaticString = #fileID, line: UInt = #line) async throws {
        if !locked() {
            value -= 1
            return
        }
        let waiter = try lot.enqueue()
        defer {
            // Newcomers may have queued behind us: wake as many as permits allow.
            while value > 0 && wakeNext() {}
        }
        do {
            try await lot.wait(waiter, site: AwaitSite("Semaphore.acquire()", fileID, line))
        } catch {
            // Woken, but cancelled before taking the permit: give it back.
            if waiter.done() && !waiter.cancelled() { value += 1 }
            throw error
        }
    }

    /// Returns a permit and wakes the next waiter.
    public func release() throws {
        value += 1
        wakeNext()
    }

    /// Runs `body` holding a permit (`async with sem:`).
    nonisolated(nonsending) public func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await acquire()
        defer { try? release() }
        return try await body()
    }

    /// Hands a permit to the first waiter that is not done yet.
    @discardableResult
    private func wakeNext() -> Bool {
        guard lot.wakeFirst() else { return false }
        value -= 1
        return true
    }
}

/// A semaphore that refuses to be released above its initial value (asyncio.BoundedSemaphore).
public final class BoundedSemaphore: Semaphore, @unchecked Sendable {
    private let bound: Int

    public override init(_ value: Int = 1) throws {
        bound = value
        try super.init(value)
    }

    /// Returns a permit; throws `ValueError` when that would exceed the initial value.
    public override func release() throws {
        guard value < bound else { throw ValueError("BoundedSemaphore released too many times") }
        try super.release()
    }
}
