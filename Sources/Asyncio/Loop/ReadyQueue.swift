// The loop's ready queue: a power-of-two ring of unboxed jobs, touched only by the loop thread.

/// One unit of ready work. Jobs are stored as they came, never wrapped in closures.
@usableFromInline
enum ReadyItem: Sendable {
    /// A job enqueued on the loop as a task executor (nonisolated code of a loop task).
    case taskJob(UnownedJob)
    /// A job enqueued on the loop as a serial executor (code isolated to an actor on the loop).
    case serialJob(UnownedJob)
    /// A callback from `callSoon` or an expired timer.
    case handle(Handle)
    /// A parked task to resume (a bare yield or a completed future).
    case resume(UnsafeContinuation<Void, Never>)
}

/// FIFO ring buffer of ready items. Owned by the loop thread; not thread-safe.
@usableFromInline
final class ReadyQueue {
    @usableFromInline @exclusivity(unchecked) var storage: UnsafeMutablePointer<ReadyItem>
    @usableFromInline @exclusivity(unchecked) var mask: Int
    @usableFromInline @exclusivity(unchecked) var head = 0
    @usableFromInline @exclusivity(unchecked) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity { size <<= 1 }
        storage = .allocate(capacity: size)
        mask = size - 1
    }

    deinit {
        removeAll()
        storage.deallocate()
    }

    @inlinable var isEmpty: Bool { count == 0 }

    @inlinable
    func push(_ item: ReadyItem) {
        if count > mask { grow() }
        (storage + ((head &+ count) & mask)).initialize(to: item)
        count &+= 1
    }

    @inlinable
    func pop() -> ReadyItem {
        let item = (storage + head).move()
        head = (head &+ 1) & mask
        count &-= 1
        return item
    }

    @usableFromInline
    func grow() {
        let oldSize = mask + 1
        let newStorage = UnsafeMutablePointer<ReadyItem>.allocate(capacity: oldSize * 2)
        for i in 0..<count {
            (newStorage + i).moveInitialize(from: storage + ((head + i) & mask), count: 1)
        }
        storage.deallocate()
        storage = newStorage
        mask = oldSize * 2 - 1
        head = 0
    }

    /// Swaps the items at positions `i` and `j` from the head (schedule fuzzing).
    func swapAt(_ i: Int, _ j: Int) {
        let a = storage + ((head &+ i) & mask), b = storage + ((head &+ j) & mask)
        swap(&a.pointee, &b.pointee)
    }

    /// Drops every item (used by `close()`).
    func removeAll() {
        while count > 0 { _ = pop() }
    }
}
