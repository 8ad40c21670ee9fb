// The loop's timers: a binary min-heap keyed by (deadline, sequence), so equal deadlines fire FIFO.

/// Min-heap of timer handles. Cancelled handles stay until they surface or a clean-up sweeps them.
struct TimerHeap {
    private(set) var items: [TimerHandle] = []
    /// How many handles in the heap are cancelled.
    var cancelledCount = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var first: TimerHandle? { items.first }

    @inline(__always)
    private static func before(_ a: TimerHandle, _ b: TimerHandle) -> Bool {
        a.when < b.when || (a.when == b.when && a.sequence < b.sequence)
    }

    mutating func insert(_ handle: TimerHandle) {
        items.append(handle)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !Self.before(items[child], items[parent]) { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> TimerHandle? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        siftDown(from: 0)
        return top
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        let n = items.count
        while true {
            let left = 2 * parent + 1
            if left >= n { return }
            var best = left
            if left + 1 < n && Self.before(items[left + 1], items[left]) { best = left + 1 }
            if !Self.before(items[best], items[parent]) { return }
            items.swapAt(best, parent)
            parent = best
        }
    }

    /// Removes every cancelled handle and rebuilds the heap (asyncio does the same past a threshold).
    mutating func sweepCancelled() {
        items.removeAll { handle in
            if handle.isCancelled { handle.scheduled = false; return true }
            return false
        }
        cancelledCount = 0
        if items.count > 1 {
            for index in stride(from: items.count / 2 - 1, through: 0, by: -1) { siftDown(from: index) }
        }
    }

    mutating func removeAll() {
        for handle in items { handle.scheduled = false }
        items.removeAll()
        cancelledCount = 0
    }
}
