// asyncio.run called from top-level main.swift code: nonisolated and @MainActor closures both run
// (the loop drains the main queue while it drives the main thread), nothing hangs.
import Asyncio
import Glibc

// `TopLevelCheck loop-bound-off-thread`: touches a LoopBound from a thread that is not its
// loop's; the program must stop with LoopBound's message (PortingTests checks it).
if CommandLine.arguments.dropFirst().first == "loop-bound-off-thread" {
    let loop = try EventLoop()
    let box = LoopBound(1, loop)
    let pool = ThreadPoolExecutor(maxWorkers: 1)
    _ = try pool.submit { box.value += 1 }.result(timeout: 10)
    print("not stopped")
    exit(0)
}

let fromNonisolated = try asyncio.run { () async throws -> Int in
    await bump()
    try await asyncio.sleep(0.01)
    await bump()
    return await counter
}
print("nonisolated closure awaiting @MainActor work:", fromNonisolated)

try asyncio.run { @MainActor in
    bump()
    try await asyncio.sleep(0.01)
    bump()
    print("@MainActor closure:", counter)
}

let child = try asyncio.run { @MainActor () async throws -> String in
    let task = try asyncio.createTask { () async throws -> String in
        try await asyncio.sleep(0.01)
        return "child"
    }
    return try await task.value
}
print("task created from a @MainActor main:", child)
