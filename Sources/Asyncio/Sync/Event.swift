// Event: a flag that tasks can wait for (asyncio.Event).

/// A flag tasks wait on (asyncio.Event): `set()` wakes every waiter; `clear()` resets it.
public final class Event: @unchecked Sendable {
    // Owned by the bound loop's thread.
    private let lot = ParkingLot(owner: "Event")
    @exclusivity(unchecked) private var value = false

    /// An event that is not set.
    public init() {}

    /// True once set and until cleared.
    public func isSet() -> Bool { value }

    /// Sets the flag and wakes every waiting task.
    public func set() {
        if value { return }
        value = true
        lot.wakeAll()
    }

    /// Resets the flag.
    public func clear() { value = false }

    /// Returns at once if set; otherwise waits until `set()`.
    nonisolated(nonsending) public func wait(fileID: StaticString = #fileID, line: UInt = #line) async throws {
        if value { return }
        try await lot.wait(try lot.enqueue(), site: AwaitSite("Event.wait()", fileID, line))
    }
}
