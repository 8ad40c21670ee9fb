// Seed 002 (async/await explained): the loop, its uniqueness, tasks on one thread, callbacks.
import Asyncio
import Foundation

// --- running a coroutine with run_until_complete ---
func asyncHello() async throws {
    print("async Hello world!" + String(Int(ExampleTime.now())))
    try await asyncio.sleep(1)
    print("async Hello again!" + String(Int(ExampleTime.now())))
}

func runUntilCompleteExample() throws {
    let loop = try asyncio.getEventLoop()
    try loop.runUntilComplete { try await asyncHello() }    // 执行coroutine
    try loop.close()
}

// --- event_loop是全局唯一的吗: get_event_loop returns the same loop ---
func sameLoopExample() throws {
    let loop1 = try asyncio.getEventLoop()
    print("loop1 hash" + String(ObjectNumbers.number(loop1)))
    let loop2 = try asyncio.getEventLoop()
    print("loop2 hash" + String(ObjectNumbers.number(loop2)))
    try loop1.close()
}

// --- tasks share one thread ---
func threadName() -> String {
    Thread.isMainThread ? "<_MainThread(MainThread)>" : "<Thread(\(Thread.current.name ?? "?"))>"
}

func asyncHelloOnThread(_ s: String, _ pause: Double) async throws {
    print("async Hello world!" + s + " " + threadName() + String(Int(ExampleTime.now())))
    try await asyncio.sleep(pause)
    print("async Hello again!" + s + " " + threadName() + String(Int(ExampleTime.now())))
}

func oneThreadExample() throws {
    let loop = try asyncio.getEventLoop()
    let task1 = try loop.createTask { try await asyncHelloOnThread("task1", 2) }
    let task2 = try loop.createTask { try await asyncHelloOnThread("task2", 5) }
    try loop.runUntilComplete {
        try await task1.value
        try await task2.value
    }
    try loop.close()
}

// --- a task is pending before the loop runs it, finished after ---
func fun() async -> String {
    print("hello word")
    return "miao"
}

func pendingThenFinishedExample() throws {
    let loop = try asyncio.getEventLoop()
    let task = try loop.createTask { await fun() }
    print(task)
    _ = try loop.runUntilComplete(task)
    print(task)
    try loop.close()
}

// --- 绑定回调 ---
func callbackExample() throws {
    let loop = try asyncio.getEventLoop()
    let task = try loop.createTask { await fun() }
    task.addDoneCallback { future in
        print("Callback: ", try future.result())
    }
    _ = try loop.runUntilComplete(task)
    try loop.close()
}

// --- ensure_future and task.result() ---
func ensureFutureExample() throws {
    let loop = try asyncio.getEventLoop()
    let task = try asyncio.ensureFuture { await fun() }
    _ = try loop.runUntilComplete(task)
    print("the fun() return is: \(try task.result())")
    try loop.close()
}

// --- await阻塞: begin, hello 1, hello 2, end ---
func hello() async throws {
    print("hello 1")
    try await asyncio.sleep(1)
    print("hello 2")
}

func beginEndExample() throws {
    let loop = try asyncio.getEventLoop()
    print("begin")
    try loop.runUntilComplete { try await hello() }
    try loop.close()
    print("end")
}

// --- 多个事件加入event_loop: two tasks, one wait ---
func asyncHelloFive(_ s: String) async throws {
    print("async Hello world!" + s + " " + String(Int(ExampleTime.now())))
    try await asyncio.sleep(5)
    print("async Hello again!" + s + " " + String(Int(ExampleTime.now())))
}

func severalTasksExample() throws {
    let loop = try asyncio.getEventLoop()
    let tasks = [try loop.createTask { try await asyncHelloFive("task1") }, try loop.createTask { try await asyncHelloFive("task2") }]
    try loop.runUntilComplete { _ = try await asyncio.wait(tasks) }
    try loop.close()
}

// --- create_server: an echo server and a client talking to it (the seed names create_server) ---
func handleEcho(_ reader: StreamReader, _ writer: StreamWriter) async throws {
    let data = try await reader.readline()
    print("server got:", String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    try writer.write(Array("echo ".utf8) + data)
    try await writer.drain()
    writer.close()
    try await writer.waitClosed()
}

func createServerExample() throws {
    try asyncio.run {
        let server = try await asyncio.startServer(handleEcho, host: "127.0.0.1", port: 0)
        let port = server.addresses[0].port!
        let (reader, writer) = try await asyncio.openConnection(host: "127.0.0.1", port: port)
        try writer.write(Array("hello server\n".utf8))
        try await writer.drain()
        let reply = try await reader.readline()
        print("client got:", String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        writer.close()
        try await writer.waitClosed()
        server.close()
        try await server.waitClosed()
    }
}

let seed002Examples: [Example] = [
    Example(seed: "002", title: "run_until_complete(async_hello())", run: runUntilCompleteExample),
    Example(seed: "002", title: "get_event_loop twice is one loop", run: sameLoopExample),
    Example(seed: "002", title: "two tasks on one thread", run: oneThreadExample),
    Example(seed: "002", title: "task pending, then finished", run: pendingThenFinishedExample),
    Example(seed: "002", title: "add_done_callback", run: callbackExample),
    Example(seed: "002", title: "ensure_future and task.result()", run: ensureFutureExample),
    Example(seed: "002", title: "await blocks: begin/end", run: beginEndExample),
    Example(seed: "002", title: "several tasks in one loop with wait", run: severalTasksExample),
    Example(seed: "002", title: "create_server: an echo server and a client", run: createServerExample),
]
