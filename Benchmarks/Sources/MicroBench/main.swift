// Times each micro benchmark once and prints "<id> <seconds per operation>" lines for run.sh.
//
//   MicroBench [id ...]      ids: callsoon yield1 yield1000 future
import Asyncio
import Glibc

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// 1M `callSoon` of a no-op, then one run of the loop.
func callSoon() throws -> Double {
    let n = 1_000_000
    let loop = try EventLoop()
    defer { try? loop.close() }
    let start = now()
    for _ in 0..<n { try loop.callSoon {} }
    loop.stop()
    try loop.runForever()
    return (now() - start) / Double(n)
}

/// One task doing 1M `sleep(0)`.
func yieldOne() throws -> Double {
    let n = 1_000_000
    let start = now()
    try asyncio.run {
        for _ in 0..<n { try await asyncio.sleep(0) }
    }
    return (now() - start) / Double(n)
}

/// 1000 tasks doing 1000 `sleep(0)` each.
func yieldThousand() throws -> Double {
    let tasks = 1000, rounds = 1000
    let start = now()
    try asyncio.run {
        var all: [LoopTask<Void>] = []
        for _ in 0..<tasks {
            all.append(try asyncio.createTask {
                for _ in 0..<rounds { try await asyncio.sleep(0) }
            })
        }
        for task in all { try await task.value }
    }
    return (now() - start) / Double(tasks * rounds)
}

/// Create a future, `callSoon` its `setResult`, await it; 1M times.
func futureRoundTrip() throws -> Double {
    let n = 1_000_000
    let start = now()
    try asyncio.run {
        let loop = try asyncio.getRunningLoop()
        for _ in 0..<n {
            let future = loop.createFuture(of: Void.self)
            try loop.callSoon { try future.setResult(()) }
            try await future.value
        }
    }
    return (now() - start) / Double(n)
}

/// create_task + await, one task at a time, 200k times.
func spawnSequential() throws -> Double {
    let n = 200_000
    let start = now()
    try asyncio.run {
        for _ in 0..<n { try await asyncio.createTask { () }.value }
    }
    return (now() - start) / Double(n)
}

/// gather of 100k closures that return at once, per item.
func gatherMany() throws -> Double {
    let n = 100_000
    let start = now()
    try asyncio.run {
        let bodies: [() async throws -> Int] = (0..<n).map { index in { index } }
        _ = try await asyncio.gather(bodies)
    }
    return (now() - start) / Double(n)
}

/// A task group with 10 children, 10k times, per child.
func taskGroupTen() throws -> Double {
    let rounds = 10_000, children = 10
    let start = now()
    try asyncio.run {
        for _ in 0..<rounds {
            try await asyncio.taskGroup { group in
                for _ in 0..<children { try group.createTask { () } }
            }
        }
    }
    return (now() - start) / Double(rounds * children)
}

/// Ping-pong through two queues between two tasks, per round trip.
func queuePingPong() throws -> Double {
    let n = 100_000
    let start = now()
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
    return (now() - start) / Double(n)
}

/// Uncontended lock acquire + release.
func lockUncontended() throws -> Double {
    let n = 1_000_000
    let start = now()
    try asyncio.run {
        let lock = Lock()
        for _ in 0..<n { try await lock.withLock {} }
    }
    return (now() - start) / Double(n)
}

/// waitFor(timeout: 10) around sleep(0).
func waitForSleep0() throws -> Double {
    let n = 100_000
    let start = now()
    try asyncio.run {
        for _ in 0..<n { try await asyncio.waitFor(timeout: 10) { try await asyncio.sleep(0) } }
    }
    return (now() - start) / Double(n)
}

/// timeout(10) scope around sleep(0).
func timeoutSleep0() throws -> Double {
    let n = 100_000
    let start = now()
    try asyncio.run {
        for _ in 0..<n { try await asyncio.timeout(10) { try await asyncio.sleep(0) } }
    }
    return (now() - start) / Double(n)
}

/// `toThread` round trip of a no-op, sequentially.
func toThreadRoundTrip() throws -> Double {
    let n = 20_000
    let start = now()
    try asyncio.run {
        for _ in 0..<n { try await asyncio.toThread {} }
    }
    return (now() - start) / Double(n)
}

/// `callSoonThreadsafe` from another thread, until the loop ran them all.
func threadsafeCalls() throws -> Double {
    let n = 200_000
    let loop = try EventLoop()
    defer { try? loop.close() }
    let counter = CallCounter(target: n, loop: loop)
    let start = now()
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
    return (now() - start) / Double(n)
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

let benchmarks: [(String, () throws -> Double)] = [
    ("callsoon", callSoon),
    ("yield1", yieldOne),
    ("yield1000", yieldThousand),
    ("future", futureRoundTrip),
    ("spawn", spawnSequential),
    ("gather", gatherMany),
    ("taskgroup", taskGroupTen),
    ("queue", queuePingPong),
    ("lock", lockUncontended),
    ("waitfor", waitForSleep0),
    ("timeout", timeoutSleep0),
    ("tothread", toThreadRoundTrip),
    ("threadsafe", threadsafeCalls),
]
let wanted = Set(CommandLine.arguments.dropFirst())
for (id, body) in benchmarks where wanted.isEmpty || wanted.contains(id) {
    print(id, try body())
}
