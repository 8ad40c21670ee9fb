// The one FIFO parking lot under every lock, event, condition, semaphore and queue.
import Synchronization

/// A FIFO line of parked tasks, each waiting on its own future (asyncio's waiter deques,
/// trio's ParkingLot). It also binds its owner to the first loop that uses it. Owned by that
/// loop's thread.
final class ParkingLot: @unchecked Sendable {
    @exclusivity(unchecked) private var waiters: [Future<Void>] = []
    @exclusivity(unchecked) private var loop: EventLoop?
    private let owner: String

    init(owner: String) { self.owner = owner }

    /// True when nobody is parked.
    var isEmpty: Bool { waiters.isEmpty }
    /// How many are parked (including ones already woken but not yet gone).
    var count: Int { waiters.count }
    /// True when a parked task has not been cancelled.
    var hasLiveWaiter: Bool { waiters.contains { !$0.cancelled() } }

    /// The running loop, binding the owner to it on first use (asyncio's `_get_loop`).
    func boundLoop() throws -> EventLoop {
        let running = try asyncio.getRunningLoop()
        if loop == nil { loop = running }
        guard loop === running else { throw EventLoopError.boundToDifferentLoop(owner) }
        return running
    }

    /// Puts a new waiter at the back of the line.
    func enqueue() throws -> Future<Void> {
        let waiter = try boundLoop().createFuture(of: Void.self)
        waiters.append(waiter)
        return waiter
    }

    /// Parks until `waiter` is woken; it leaves the line however the wait ends. Throws
    /// `CancelledError` if the task is cancelled (the waiter may have been woken just before).
    nonisolated(nonsending) func wait(_ waiter: Future<Void>, site: AwaitSite? = nil) async throws {
        defer { remove(waiter) }
        try await waiter.waitUntilDone(site: site)
        try waiter.result()
    }

    func remove(_ waiter: Future<Void>) {
        if let index = waiters.firstIndex(where: { $0 === waiter }) { waiters.remove(at: index) }
    }

    /// Wakes the waiter at the head of the line unless it is done already (woken, or cancelled and
    /// about to leave: it passes the wake-up on as it goes). A lock wakes only this way, so a
    /// wake-up is never handed to a second waiter while the first still owes one (bpo-32734).
    func wakeHead() {
        if let head = waiters.first, !head.done() { try? head.setResult(()) }
    }

    /// Wakes the first waiter that is not done yet. Returns false if there was none. For
    /// counting primitives, whose count already records each wake-up handed out.
    @discardableResult
    func wakeFirst() -> Bool {
        for waiter in waiters where !waiter.done() {
            try? waiter.setResult(())
            return true
        }
        return false
    }

    /// Wakes up to `count` waiters that are not done yet, in order.
    func wake(upTo count: Int) {
        var woken = 0
        for waiter in waiters where woken < count && !waiter.done() {
            try? waiter.setResult(())
            woken += 1
        }
    }

    /// Wakes every waiter that is not done yet.
    func wakeAll() { wake(upTo: Int.max) }
}
