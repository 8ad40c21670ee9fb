// Leak accounting for tests: descriptors back to their baseline, library objects freed (weak references).
import Asyncio
import Foundation

/// Something a leak check found: descriptors left open, objects still alive, tasks still pending.
public struct LeakError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Weak references to objects that must be gone once their loop is closed and dropped
/// (transports, streams, protocols, servers, the loop itself). Thread-safe.
public final class LifetimeTracker: @unchecked Sendable {
    // `entries` is guarded by `lock`.
    private let lock = NSLock()
    private var entries: [(name: String, object: () -> AnyObject?)] = []

    public init() {}

    /// Remembers `object` weakly under `name`.
    public func track(_ object: AnyObject, _ name: String) {
        let reference = WeakReference(object)
        lock.withLock { entries.append((name, { reference.object })) }
    }

    /// The names of the tracked objects that are still alive.
    public var alive: [String] { lock.withLock { entries.filter { $0.object() != nil }.map(\.name) } }

    /// Throws `LeakError` naming the objects still alive.
    /// A thread that reported back to the loop may still be returning from the callback that
    /// held it, so this waits up to 200 ms for the last references to go.
    public func checkAllFreed(_ context: String) throws {
        var alive = alive
        for _ in 0..<200 where !alive.isEmpty {
            usleep(1_000)
            alive = self.alive
        }
        if !alive.isEmpty { throw LeakError("\(context): still alive: \(alive.joined(separator: ", "))") }
    }
}

private final class WeakReference: @unchecked Sendable {
    weak var object: AnyObject?
    init(_ object: AnyObject) { self.object = object }
}

/// Descriptor accounting. Exact for the library's own descriptors in any mode (every loop
/// knows the descriptors it opened); exact for the whole process when tests run one at a time
/// (`swift test --no-parallel`), when no other test can open or close descriptors meanwhile.
public enum Descriptors {
    /// The open descriptors of this process, each as "number -> what it refers to" (the
    /// target names the kernel object, such as `socket:[81234]`, so a number reused for a new
    /// object reads differently).
    public static func snapshot() -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return Set(names.compactMap { name in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")
            else { return nil }  // closed while listing (the listing's own descriptor, too)
            return "\(name) -> \(target)"
        })
    }

    /// Makes Foundation open, before a baseline is taken, the descriptors it keeps for good:
    /// the first `Process` of the process starts a manager thread with a run loop, and the first
    /// `waitUntilExit()` on a thread gives that thread a run loop (an epoll, an eventfd and a
    /// timerfd, kept for the thread's life). Without this, a test that waits for a child on a
    /// thread that never had a run loop would be reported as leaking three descriptors.
    public static func primeFoundation() {
        _ = processManagerStarted
        RunLoop.current.run(until: Date())
    }

    private static let processManagerStarted: Void = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        if (try? process.run()) != nil { process.waitUntilExit() }
    }()

    /// True when the tests run one at a time, so process-wide counts are exact.
    public static let testsRunSerially: Bool = CommandLine.arguments.contains("--no-parallel")
        || ProcessInfo.processInfo.environment["ASYNCIO_TESTS_SERIAL"] == "1"

    /// Throws if the loop still has descriptors the library opened on it.
    public static func checkLoopClosedEverything(_ loop: EventLoop, _ context: String) throws {
        let open = loop.openDescriptors
        if !open.isEmpty {
            let list = open.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.rawValue))" }
            throw LeakError("\(context): descriptors left open: \(list.joined(separator: ", "))")
        }
    }

    /// When tests run serially: throws if the process has descriptors open that were not open
    /// in `baseline` (a `snapshot()`). Descriptors that an earlier test's threads close late
    /// are not this test's leak and do not count. Other threads may still be closing what they
    /// own, so it retries briefly.
    public static func checkBaseline(_ baseline: Set<String>, _ context: String) throws {
        guard testsRunSerially else { return }
        var opened = snapshot().subtracting(baseline)
        for _ in 0..<50 where !opened.isEmpty {
            usleep(2_000)
            opened = snapshot().subtracting(baseline)
        }
        if !opened.isEmpty {
            throw LeakError("\(context): descriptors opened and not closed: \(opened.sorted().joined(separator: ", "))")
        }
    }
}

/// Runs `body` on a new loop, then checks what an I/O test must leave behind: no pending task,
/// no descriptor the loop opened, no tracked object alive once the loop is closed and dropped
/// (the loop itself is tracked), and, when tests run serially, the process's descriptor count
/// back at its baseline. Use it around every test that does I/O.
public func withLeakChecks<R>(
    _ context: String = #function,
    clock: (any EventLoopClock)? = nil,
    _ body: (EventLoop, LifetimeTracker) throws -> R
) throws -> R {
    Descriptors.primeFoundation()
    let baseline = Descriptors.snapshot()
    let tracker = LifetimeTracker()
    let result: R = try withWatchdog(context) {
        let loop = try clock.map { try EventLoop(clock: $0) } ?? EventLoop()
        tracker.track(loop, "EventLoop")
        defer { try? loop.close() }
        let result = try body(loop, tracker)
        for _ in 0..<500 where loop.pendingThreadWork > 0 { try loop.runUntilComplete { try await asyncio.sleep(0.001) } }
        let pending = loop.isClosed() ? [] : loop.allTasks()
        if !pending.isEmpty { throw LeakError("\(context): tasks still pending: \(pending)") }
        try Descriptors.checkLoopClosedEverything(loop, context)
        return result
    }
    try tracker.checkAllFreed(context)
    try Descriptors.checkBaseline(baseline, context)
    return result
}
