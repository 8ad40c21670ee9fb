// Seed 004 (asyncio on one page): tasks start at once, outlive nothing, and can be cancelled.
import Asyncio

func sayAfter(_ delay: Double, _ what: String) async throws {
    try await asyncio.sleep(delay)
    print(what)
}

/// The seed's `runtime(entry, func)`: prints the name, runs it through `entry`, prints the time.
func runtime(_ entry: (@escaping @Sendable () async throws -> Void) throws -> Void,
             _ name: String, _ function: @escaping @Sendable () async throws -> Void) throws {
    print(String(repeating: "-", count: 10) + name)
    let start = ExampleTime.now()
    try entry(function)
    print(String(repeating: "=", count: 10) + fixed5(ExampleTime.now() - start))
}

// 验证 task 启动协程是立即执行的
func main4() async throws {
    let task1 = try asyncio.createTask { try await sayAfter(2, "2s") }
    let task2 = try asyncio.createTask { try await sayAfter(1, "1s") }
    try await task1.value   // 等待 task1 执行完，其实返回时 2 个task 都已经执行完
    print("--")
    try await task2.value
}

// 验证父协程与子协程的关闭关系. The seed prints 3.00 s; real asyncio prints 2.00 s, and both
// "1s" and "2s": main's 2 s timer and task1's fire in the same iteration.
func main5() async throws {
    try asyncio.createTask { try await sayAfter(2, "2s") }
    try asyncio.createTask { try await sayAfter(1, "1s") }
    try await asyncio.sleep(2)
}

// 验证 task 的 cancel() 功能
func cancelMe(_ t: Double) async throws -> String {
    print("cancel_me(): before sleep")
    defer { print("cancel_me(): after sleep") }
    do {
        try await asyncio.sleep(t)
    } catch let error as CancelledError {
        print("cancel_me(): cancel sleep")
        throw error
    }
    return "I hate be canceled"
}

func main6() async throws {
    func test(_ t1: Double, _ t2: Double) async throws {
        let task = try asyncio.createTask { try await cancelMe(t1) }
        try await asyncio.sleep(t2)
        task.cancel()   // 会在 task 内引发一个 CancelledError
        do {
            _ = try await task.value
        } catch is CancelledError {
            print("main(): cancel_me is cancelled now")
        }
        do {
            print(try task.result())
        } catch is CancelledError {
            print("main(): cancel_me is cancelled now")
        }
    }
    try await test(2, 1)   // await 和 result 时都会引发 CancelledError
    try await test(1, 2)   // await 和 result 时不会引发，并且 result 会得到函数的返回值
}

func seed004Tasks() throws {
    let run: (@escaping @Sendable () async throws -> Void) throws -> Void = { try asyncio.run($0) }
    try runtime(run, "main4", main4)
    try runtime(run, "main5", main5)
    try runtime(run, "main6", main6)
}

// 直接 await，顺序执行
func main1() async throws {
    try await sayAfter(2, "2s")
    try await sayAfter(1, "1s")
}

// 使用 gather，并发执行
func main2() async throws {
    _ = try await asyncio.gather({ try await sayAfter(2, "2s") }, { try await sayAfter(1, "1s") })
}

// 使用 wait，简单等待 (wait() no longer takes coroutines: the port passes tasks)
func main3() async throws {
    _ = try await asyncio.wait([
        try asyncio.createTask { try await sayAfter(2, "2s") },
        try asyncio.createTask { try await sayAfter(1, "1s") },
    ])
}

func seed004Entries() throws {
    print("########### 用 loop 入口协程 ###########")
    let loop = try asyncio.getEventLoop()
    let viaLoop: (@escaping @Sendable () async throws -> Void) throws -> Void = { try loop.runUntilComplete($0) }
    try runtime(viaLoop, "main1", main1)
    try runtime(viaLoop, "main2", main2)
    try runtime(viaLoop, "main3", main3)
    try loop.close()
    print("########### 用 run 入口协程 ###########")
    let viaRun: (@escaping @Sendable () async throws -> Void) throws -> Void = { try asyncio.run($0) }
    try runtime(viaRun, "main1", main1)
    try runtime(viaRun, "main2", main2)
    try runtime(viaRun, "main3", main3)
}

let seed004Examples: [Example] = [
    Example(seed: "004", title: "main4, main5, main6 with asyncio.run", run: seed004Tasks),
    Example(seed: "004", title: "main1, main2, main3 through both entries", run: seed004Entries),
]
