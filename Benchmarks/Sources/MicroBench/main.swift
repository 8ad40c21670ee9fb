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
    let loop = EventLoop()
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

let benchmarks: [(String, () throws -> Double)] = [
    ("callsoon", callSoon),
    ("yield1", yieldOne),
    ("yield1000", yieldThousand),
    ("future", futureRoundTrip),
]
let wanted = Set(CommandLine.arguments.dropFirst())
for (id, body) in benchmarks where wanted.isEmpty || wanted.contains(id) {
    print(id, try body())
}
