// Work handed to the loop by other threads: a locked list, a non-empty flag, and an eventfd wake-up.
import Synchronization

/// Thread-safe inbox of ready items for a loop. Any thread pushes; the loop thread drains.
final class Inbox: Sendable {
    private let items = Mutex<[ReadyItem]>([])
    private let flag = Atomic<Bool>(false)

    /// Appends an item. Returns true when the inbox went from empty to non-empty, i.e. when the
    /// caller must wake the loop.
    func push(_ item: ReadyItem) -> Bool {
        let wasEmpty = items.withLock { list in
            list.append(item)
            return list.count == 1
        }
        if wasEmpty { flag.store(true, ordering: .releasing) }
        return wasEmpty
    }

    /// True when items may be waiting (cheap check for every iteration).
    var mayHaveItems: Bool { flag.load(ordering: .acquiring) }

    /// Takes every item, in the order pushed.
    func drain() -> [ReadyItem] {
        flag.store(false, ordering: .releasing)
        return items.withLock { list in
            let taken = list
            list.removeAll(keepingCapacity: true)
            return taken
        }
    }
}
