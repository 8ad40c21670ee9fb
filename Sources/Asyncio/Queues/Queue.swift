// Queue: asyncio's FIFO queue between tasks of one loop, with maxsize, taskDone/join and shutdown.

/// A queue between tasks of one loop (asyncio.Queue). `maxsize <= 0` means unbounded. A cancelled
/// `get` or `put` never loses an item and passes its wake-up to the next waiter.
/// `PriorityQueue` and `LifoQueue` change only the order.
public class Queue<Element: Sendable>: @unchecked Sendable {
    // Owned by the bound loop's thread.
    private let getters = ParkingLot(owner: "Queue")
    private let putters = ParkingLot(owner: "Queue")
    private let finished = Event()
    @exclusivity(unchecked) private var unfinishedTasks = 0
    @exclusivity(unchecked) private var isShutDown = false
    /// The most items the queue holds; 0 or less for no limit.
    public let maxsize: Int

    /// An empty queue that holds at most `maxsize` items; 0 or less for no limit.
    public init(maxsize: Int = 0) {
        self.maxsize = maxsize
        finished.set()
    }

    // MARK: - Storage: first in, first out; subclasses override the three for other orders

    @exclusivity(unchecked) private var items: [Element] = []
    @exclusivity(unchecked) private var head = 0

    var storedCount: Int { items.count - head }
    func store(_ item: Element) { items.append(item) }
    func takeNext() -> Element {
        let item = items[head]
        head += 1
        if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    // MARK: - asyncio's API

    /// Items in the queue.
    public func qsize() -> Int { storedCount }
    /// True when there are no items.
    public func empty() -> Bool { storedCount == 0 }
    /// True when `maxsize` items are queued.
    public func full() -> Bool { maxsize > 0 && storedCount >= maxsize }

    /// Puts an item, waiting while the queue is full. Throws `QueueShutDown` after `shutdown()`.
    nonisolated(nonsending) public func put(
        _ item: Element, fileID: StaticString = #fileID, line: UInt = #line
    ) async throws {
        while full() {
            if isShutDown { throw QueueShutDown() }
            let putter = try putters.enqueue()
            do {
                try await putters.wait(putter, site: AwaitSite("Queue.put()", fileID, line))
            } catch {
                putter.cancel()
                if !full() && !putter.cancelled() { putters.wakeFirst() }   // pass the wake-up on
                throw error
            }
        }
        try putNowait(item)
    }

    /// Puts an item at once; throws `QueueFull` or `QueueShutDown`.
    public func putNowait(_ item: Element) throws {
        if isShutDown { throw QueueShutDown() }
        if full() { throw QueueFull() }
        store(item)
        unfinishedTasks += 1
        finished.clear()
        getters.wakeFirst()
    }

    /// Takes the next item, waiting while the queue is empty. Throws `QueueShutDown` once the
    /// queue is shut down and empty.
    nonisolated(nonsending) public func get(fileID: StaticString = #fileID, line: UInt = #line) async throws -> Element {
        while empty() {
            if isShutDown { throw QueueShutDown() }
            let getter = try getters.enqueue()
            do {
                try await getters.wait(getter, site: AwaitSite("Queue.get()", fileID, line))
            } catch {
                getter.cancel()
                if !empty() && !getter.cancelled() { getters.wakeFirst() }   // pass the wake-up on
                throw error
            }
        }
        return try getNowait()
    }

    /// Takes the next item at once; throws `QueueEmpty`, or `QueueShutDown` if shut down and empty.
    public func getNowait() throws -> Element {
        if empty() {
            if isShutDown { throw QueueShutDown() }
            throw QueueEmpty()
        }
        let item = takeNext()
        putters.wakeFirst()
        return item
    }

    /// Marks one item taken earlier as processed. Throws `ValueError` if called more often than
    /// items were put.
    public func taskDone() throws {
        guard unfinishedTasks > 0 else { throw ValueError("task_done() called too many times") }
        unfinishedTasks -= 1
        if unfinishedTasks == 0 { finished.set() }
    }

    /// Waits until every item put has been marked done with `taskDone()`.
    nonisolated(nonsending) public func join() async throws {
        if unfinishedTasks > 0 { try await finished.wait() }
    }

    /// Shuts the queue down (Python 3.13): puts throw `QueueShutDown`, gets throw it once the
    /// queue is empty; `immediate` also drops the items left (counting them as done). Every
    /// waiting getter and putter is woken to see it.
    public func shutdown(immediate: Bool = false) {
        isShutDown = true
        if immediate {
            while !empty() {
                _ = takeNext()
                if unfinishedTasks > 0 { unfinishedTasks -= 1 }
            }
            if unfinishedTasks == 0 { finished.set() }
        }
        getters.wakeAll()
        putters.wakeAll()
    }
}

/// A queue that hands out the smallest item first (asyncio.PriorityQueue).
public final class PriorityQueue<Element: Sendable & Comparable>: Queue<Element>, @unchecked Sendable {
    @exclusivity(unchecked) private var heap: [Element] = []

    override var storedCount: Int { heap.count }

    override func store(_ item: Element) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if !(heap[child] < heap[parent]) { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    override func takeNext() -> Element {
        heap.swapAt(0, heap.count - 1)
        let item = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= heap.count { break }
            var best = left
            if left + 1 < heap.count && heap[left + 1] < heap[left] { best = left + 1 }
            if !(heap[best] < heap[parent]) { break }
            heap.swapAt(best, parent)
            parent = best
        }
        return item
    }
}

/// A queue that hands out the most recently added item first (asyncio.LifoQueue).
public final class LifoQueue<Element: Sendable>: Queue<Element>, @unchecked Sendable {
    @exclusivity(unchecked) private var items: [Element] = []

    override var storedCount: Int { items.count }
    override func store(_ item: Element) { items.append(item) }
    override func takeNext() -> Element { items.removeLast() }
}
