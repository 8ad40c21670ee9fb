// Work handed to the loop by other threads: a locked list, a non-empty flag, and an eventfd wake-up.
import Synchronization

/// Thread-safe inbox of ready items for a loop. Any thread pushes; the loop thread drains.
/// (A pthread lock rather than `Synchronization.Mutex`: ThreadSanitizer sees pthread locks.)
final class Inbox: @unchecked Sendable {
    // `items` is guarded by `lock`.
    private let lock = ThreadCondition()
    private var items: [ReadyItem] = []
    private let flag = Atomic<Bool>(false)

    /// Appends an item. Returns true when the inbox went from empty to non-empty, i.e. when the
    /// caller must wake the loop.
    func push(_ item: ReadyItem) -> Bool {
        let wasEmpty = lock.locked {
            items.append(item)
            return items.count == 1
        }
        if wasEmpty { flag.store(true, ordering: .releasing) }
        return wasEmpty
    }

    /// True when items may be waiting (cheap check for every iteration).
    var mayHaveItems: Bool { flag.load(ordering: .acquiring) }

    /// Takes every item, in the order pushed.
    func drain() -> [ReadyItem] {
        flag.store(false, ordering: .releasing)
        return lock.locked {
            let taken = items
            items.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
