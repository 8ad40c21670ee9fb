// The micro benchmark rows: each does `n` operations of one kind (python/micro.py has the peers).
import Asyncio
import Glibc
import MicroRunner

/// `n` `callSoon` of a no-op, then one run of the loop.
func callSoon(_ n: Int) throws {
    let loop = try EventLoop()
    defer { try? loop.close() }
    for _ in 0..<n { try loop.callSoon {} }
    loop.stop()
    try loop.runForever()
}

/// One task doing `n` `sleep(0)`.
func yieldOne(_ n: Int) throws {
    try asyncio.run {
        for _ in 0..<n { try await asyncio.sleep(0) }
    }
}

/// 1000 tasks doing `n / 1000` `sleep(0)` each.
func yieldThousand(_ n: Int) throws {
    let tasks = 1000, rounds = n / tasks
    try asyncio.run {
        var all: [LoopTask<Void>] = []
        for _ in 0..<tasks {
            all.append(try asyncio.createTask {
                for _ in 0..<rounds { try await asyncio.sleep(0) }
            })
        }
        for task in all { try await task.value }
    }
}

/// Create a future, `callSoon` its `setResult`, await it; `n` times.
func futureRoundTrip(_ n: Int) throws {
    try asyncio.run {
        let loop = try asyncio.getRunningLoop()
        for _ in 0..<n {
            let future = loop.createFuture(of: Void.self)
            try loop.callSoon { try future.setResult(()) }
            try await future.value
        }
    }
}

/// `createTask` + await, one task at a time, `n` times.
func spawnSequential(_ n: Int) throws {
    try asyncio.run {
        for _ in 0..<n { try await asyncio.createTask { () }.value }
    }
}

/// `gather` of `n` closures that return at once.
func gatherMany(_ n: Int) throws {
    try asyncio.run {
        let bodies: [() async throws -> Int] = (0..<n).map { index in { index } }
        _ = try await asyncio.gather(bodies)
    }
}

/// `n / 10` task groups with 10 children each.
func taskGroupTen(_ n: Int) throws {
    let children = 10, rounds = n / children
    try asyncio.run {
        for _ in 0..<rounds {
            try await asyncio.taskGroup { group in
                for _ in 0..<children { try group.createTask { () } }
            }
        }
    }
}

/// `n` ping-pong round trips through two queues between two tasks.
func queuePingPong(_ n: Int) throws {
    try asyncio.run {
        let ping = Queue<Int>(), pong = Queue<Int>()
        let echo = try asyncio.createTask {
            for _ in 0..<n { try await pong.put(try await ping.get()) }
        }
        for index in 0..<n {
            try await ping.put(index)
            _ = try await pong.get()
        }
        try await echo.value
    }
}

/// `n` uncontended lock acquire + release.
func lockUncontended(_ n: Int) throws {
    try asyncio.run {
        let lock = Lock()
        for _ in 0..<n { try await lock.withLock {} }
    }
}

/// `waitFor(timeout: 10)` around `sleep(0)`, `n` times.
func waitForSleep0(_ n: Int) throws {
    try asyncio.run {
        for _ in 0..<n { try await asyncio.waitFor(timeout: 10) { try await asyncio.sleep(0) } }
    }
}

/// A `timeout(10)` scope around `sleep(0)`, `n` times.
func timeoutSleep0(_ n: Int) throws {
    try asyncio.run {
        for _ in 0..<n { try await asyncio.timeout(10) { try await asyncio.sleep(0) } }
    }
}

/// `n` sequential `toThread` round trips of a no-op.
func toThreadRoundTrip(_ n: Int) throws {
    try asyncio.run {
        for _ in 0..<n { try await asyncio.toThread {} }
    }
}

/// `n` `callSoonThreadsafe` from another thread, until the loop ran them all.
func threadsafeCalls(_ n: Int) throws {
    let loop = try EventLoop()
    defer { try? loop.close() }
    let counter = CallCounter(target: n, loop: loop)
    try loop.callSoon {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(ProducerBox(loop: loop, counter: counter, n: n)).toOpaque()
        pthread_create(&thread, nil, { raw in
            let box = Unmanaged<ProducerBox>.fromOpaque(raw!).takeRetainedValue()
            for _ in 0..<box.n { _ = try? box.loop.callSoonThreadsafe { box.counter.hit() } }
            return nil
        }, box)
        pthread_detach(thread)
    }
    try loop.runForever()
}

/// Counts callbacks on the loop thread and stops the loop at the target.
final class CallCounter: @unchecked Sendable {
    // Touched only on the loop thread.
    var count = 0
    let target: Int
    let loop: EventLoop
    init(target: Int, loop: EventLoop) { self.target = target; self.loop = loop }
    func hit() { count += 1; if count == target { loop.stop() } }
}

final class ProducerBox: Sendable {
    let loop: EventLoop, counter: CallCounter, n: Int
    init(loop: EventLoop, counter: CallCounter, n: Int) { self.loop = loop; self.counter = counter; self.n = n }
}

/// Every row, in the order of the README table.
let rows: [Row] = [
    ("callsoon", 1_000_000, callSoon),
    ("yield1", 1_000_000, yieldOne),
    ("yield1000", 1_000_000, yieldThousand),
    ("future", 1_000_000, futureRoundTrip),
    ("spawn", 200_000, spawnSequential),
    ("gather", 100_000, gatherMany),
    ("taskgroup", 100_000, taskGroupTen),
    ("queue", 100_000, queuePingPong),
    ("lock", 1_000_000, lockUncontended),
    ("waitfor", 100_000, waitForSleep0),
    ("timeout", 100_000, timeoutSleep0),
    ("tothread", 20_000, toThreadRoundTrip),
    ("threadsafe", 200_000, threadsafeCalls),
]
