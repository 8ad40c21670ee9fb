// The loop's map from a running Swift task to its loop task: `currentTask()` with no task-local value.
import Synchronization

/// Maps the runtime's pointer of a Swift task to the loop task whose body it runs.
///
/// Loop tasks used to find themselves through a `@TaskLocal`; binding one made every
/// `createTask` from inside a task copy it into the child (two mallocs in the runtime's
/// `swift_task_localsCopyTo`). This table costs no allocation per task once it has grown to the
/// number of live tasks.
///
/// Open addressing with linear probing and backward-shift deletion. Owned by the loop's thread;
/// the watchdog's signal handler, on that thread, may read it mid-update: a torn slot gives nil
/// or a task whose `swiftTask` does not match, which the caller rejects, and growth publishes a
/// filled buffer before the larger mask, so a read stays inside the buffer it probes. The table
/// holds no reference: a task is removed when its body ends (`LoopTask.detach`); until then the
/// loop's live list (or, for a task left pending at `close()`, its suspended Swift task) keeps
/// it alive. It never shrinks: a burst of N live tasks leaves about 32 N bytes.
struct TaskTable {
    private typealias Slot = (key: UInt, task: Unmanaged<AnyTask>?)
    /// One empty slot shared by every table that has not had a task yet: a loop allocates its
    /// table only when its first task runs, so a loop whose `init` fails leaks nothing.
    nonisolated(unsafe) private static let noSlots: UnsafeMutablePointer<Slot> = {
        let slot = UnsafeMutablePointer<Slot>.allocate(capacity: 1)
        slot.initialize(to: (0, nil))
        return slot
    }()
    private var slots = Self.noSlots
    private var mask = 0
    private var count = 0

    init() {}

    /// True when no task is recorded.
    var isEmpty: Bool { count == 0 }

    /// Frees the slots; the table is not used afterwards (the loop's deinit).
    func deallocate() { if slots != Self.noSlots { slots.deallocate() } }

    @inline(__always)
    private func home(_ key: UInt) -> Int { Self.home(key, mask: mask) }

    @inline(__always)
    private static func home(_ key: UInt, mask: Int) -> Int {
        Int(truncatingIfNeeded: ((key >> 4) &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// The loop task whose body runs in the Swift task `swiftTask`, if any.
    @inline(__always)
    func task(for swiftTask: UnsafeMutableRawPointer) -> AnyTask? {
        let key = UInt(bitPattern: swiftTask)
        var index = home(key)
        while true {
            let slot = slots[index]
            if slot.key == key { return slot.task?.takeUnretainedValue() }
            if slot.key == 0 { return nil }
            index = (index + 1) & mask
        }
    }

    /// Records that `task`'s body runs in `swiftTask`.
    mutating func insert(_ task: AnyTask, for swiftTask: UnsafeMutableRawPointer) {
        if (count + 1) * 2 > mask + 1 { grow() }
        place(UInt(bitPattern: swiftTask), .passUnretained(task))
        count += 1
    }

    private func place(_ key: UInt, _ task: Unmanaged<AnyTask>) {
        Self.place(key, task, in: slots, mask: mask)
    }

    private static func place(_ key: UInt, _ task: Unmanaged<AnyTask>, in slots: UnsafeMutablePointer<Slot>, mask: Int) {
        var index = home(key, mask: mask)
        while slots[index].key != 0 { index = (index + 1) & mask }
        slots[index].task = task
        slots[index].key = key
    }

    /// Doubles the table (the first growth allocates 64 slots). The new buffer is filled before
    /// it is published, and the larger mask only after it: a read interrupted by the watchdog's
    /// signal at any point probes a whole buffer within its bounds.
    private mutating func grow() {
        let old = slots, oldCapacity = mask + 1
        let newMask = old == Self.noSlots ? 63 : oldCapacity * 2 - 1
        let new = UnsafeMutablePointer<Slot>.allocate(capacity: newMask + 1)
        new.initialize(repeating: (0, nil), count: newMask + 1)
        for index in 0..<oldCapacity where old[index].key != 0 {
            Self.place(old[index].key, old[index].task!, in: new, mask: newMask)
        }
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        slots = new
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        mask = newMask
        if old != Self.noSlots { old.deallocate() }
    }

    /// Forgets `swiftTask` (its body ended).
    mutating func remove(_ swiftTask: UnsafeMutableRawPointer) {
        let key = UInt(bitPattern: swiftTask)
        var hole = home(key)
        while slots[hole].key != key {
            if slots[hole].key == 0 { return }
            hole = (hole + 1) & mask
        }
        count -= 1
        // Backward shift: move later entries of the probe run into the hole when their home
        // allows, so lookups never need tombstones.
        var next = (hole + 1) & mask
        while slots[next].key != 0 {
            let want = home(slots[next].key)
            if (next - want) & mask >= (next - hole) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole] = (0, nil)
    }
}
