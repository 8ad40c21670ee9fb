// Seed 003 (asyncio basics): tasks and their states, callbacks, await, concurrency, nesting.
import Asyncio

func doSomeWorkX(_ x: Int) async -> String {
    print("waiting:", x)
    return "Done after \(x)s"
}

// --- 创建一个task: pending before the loop runs it, finished after ---
func createTaskExample() throws {
    let start = ExampleTime.now()
    let loop = try asyncio.getEventLoop()
    let task = try loop.createTask { await doSomeWorkX(2) }
    print(task)
    _ = try loop.runUntilComplete(task)
    print(task)
    print("Time:", ExampleTime.now() - start)
}

// --- 绑定回调 ---
func callbackTimeExample() throws {
    let start = ExampleTime.now()
    let loop = try asyncio.getEventLoop()
    let task = try asyncio.ensureFuture { await doSomeWorkX(2) }
    task.addDoneCallback { future in print("callback:", try future.result()) }
    _ = try loop.runUntilComplete(task)
    print("Time:", ExampleTime.now() - start)
}

func doSomeSleep(_ x: Int) async throws -> String {
    print("Waiting:", x)
    try await asyncio.sleep(Double(x))
    return "Done after \(x)s"
}

// --- await ---
func awaitSleepExample() throws {
    let start = ExampleTime.now()
    let loop = try asyncio.getEventLoop()
    let task = try asyncio.ensureFuture { try await doSomeSleep(2) }
    _ = try loop.runUntilComplete(task)
    print("Task ret:", try task.result())
    print("Time:", ExampleTime.now() - start)
}

// --- 并发: three tasks, one wait ---
func concurrencyExample() throws {
    let start = ExampleTime.now()
    let tasks = try [1, 2, 4].map { x in try asyncio.ensureFuture { try await doSomeSleep(x) } }
    let loop = try asyncio.getEventLoop()
    try loop.runUntilComplete { _ = try await asyncio.wait(tasks) }
    for task in tasks { print("Task ret:", try task.result()) }
    print("Time:", ExampleTime.now() - start)
}

// --- 协程嵌套: wait (the done set is printed sorted by name) and gather inside a coroutine ---
func nestedWaitExample() throws {
    let start = ExampleTime.now()
    let loop = try asyncio.getEventLoop()
    try loop.runUntilComplete {
        let tasks = try [1, 2, 4].map { x in try asyncio.ensureFuture { try await doSomeSleep(x) } }
        let (dones, _) = try await asyncio.wait(tasks)
        for task in dones.sorted(by: { $0.getName() < $1.getName() }) { print("Task ret:", try task.result()) }
    }
    print("Time:", ExampleTime.now() - start)
}

func nestedGatherExample() throws {
    let start = ExampleTime.now()
    let loop = try asyncio.getEventLoop()
    try loop.runUntilComplete {
        let tasks = try [1, 2, 4].map { x in try asyncio.ensureFuture { try await doSomeSleep(x) } }
        for result in try await asyncio.gather(tasks) { print("Task ret:", result) }
    }
    print("Time:", ExampleTime.now() - start)
}

let seed003Examples: [Example] = [
    Example(seed: "003", title: "create a task: pending, then finished", run: createTaskExample),
    Example(seed: "003", title: "a done callback", run: callbackTimeExample),
    Example(seed: "003", title: "await a sleep", run: awaitSleepExample),
    Example(seed: "003", title: "concurrency with wait", run: concurrencyExample),
    Example(seed: "003", title: "nested coroutines", run: nestedWaitExample),
    Example(seed: "003", title: "nested coroutines with gather", run: nestedGatherExample),
]
