// Seed 000 (an asyncio overview): event loops, tasks, results, callbacks and cancellation.
import Asyncio

// --- say_after_time: two awaits in a row take 1 s + 2 s ---
func sayAfterTime(_ delay: Double, _ what: String) async throws {
    try await asyncio.sleep(delay)
    print(what)
}

func sayAfterTimeMain() async throws {
    print("开始时间为: \(ExampleTime.now())")
    try await sayAfterTime(1, "hello")
    try await sayAfterTime(2, "world")
    print("结束时间为: \(ExampleTime.now())")
}

func sayAfterTimeExample() throws {
    let loop = asyncio.getEventLoop()          // 创建事件循环对象
    try loop.runUntilComplete { try await sayAfterTimeMain() }
    try loop.close()
}

// --- the ways to get, set and create a loop ---
func eventLoopAccessExample() throws {
    do {
        _ = try asyncio.getRunningLoop()       // no loop runs yet
    } catch {
        printRuntimeError(error)
    }
    let loop = asyncio.getEventLoop()          // creates this thread's loop
    print("get_event_loop() twice gives the same loop:", loop === asyncio.getEventLoop())
    let fresh = asyncio.newEventLoop()
    print("new_event_loop() gives another loop:", fresh !== loop)
    asyncio.setEventLoop(fresh)
    print("after set_event_loop(), get_event_loop() is it:", asyncio.getEventLoop() === fresh)
    let running = try fresh.runUntilComplete { try asyncio.getRunningLoop() }
    print("get_running_loop() inside is that loop:", running === fresh)
    try loop.close()
    try fresh.close()
}

// --- task.result() after run_until_complete ---
func hello1(_ a: Int, _ b: Int) async throws -> Int {
    print("Hello world 01 begin")
    try await asyncio.sleep(3)                 // 模拟耗时任务3秒
    print("Hello again 01 end")
    return a + b
}

func taskResultExample() throws {
    let loop = asyncio.getEventLoop()                              // 第一步:创建事件循环
    let task = try asyncio.ensureFuture { try await hello1(10, 5) } // 第二步:包装成任务
    _ = try loop.runUntilComplete(task)                            // 第三步:通过事件循环运行
    print("-------------------------------------")
    print(try task.result())
    try loop.close()
}

// --- a done callback reads the result ---
func doneCallbackExample() throws {
    let loop = asyncio.getEventLoop()
    let task = try asyncio.ensureFuture { try await hello1(10, 5) }
    task.addDoneCallback { future in                                // 并被任务绑定一个回调函数
        print(try future.result())
    }
    _ = try loop.runUntilComplete(task)
    try loop.close()
}

// --- cancel_me: cancellation lands at the await, runs except and finally ---
func cancelMe() async throws {
    print("cancel_me(): before sleep")
    defer { print("cancel_me(): after sleep") }          // finally
    do {
        try await asyncio.sleep(3600)                    // 模拟一个耗时任务
    } catch let error as CancelledError {
        print("cancel_me(): cancel sleep")
        throw error                                      // raise
    }
}

func cancelMeMain() async throws {
    let task = try asyncio.createTask { try await cancelMe() }
    try await asyncio.sleep(1)                           // 等待一秒钟
    print("main函数休息完了")
    task.cancel()                                        // 发出取消任务的请求
    do {
        try await task.value                             // 因为任务被取消,触发了异常
    } catch is CancelledError {
        print("main(): cancel_me is cancelled now")
    }
}

// --- a closed loop cannot run again ---
func doSomeWork(_ x: Int) async throws {
    print("waiting:", x)
    try await asyncio.sleep(Double(x))
}

func closedLoopExample() throws {
    let loop = asyncio.getEventLoop()
    try loop.runUntilComplete { try await doSomeWork(1) }
    try loop.runUntilComplete { try await doSomeWork(3) }    // loop 只要不关闭,就还可以再运行
    try loop.close()
    do {
        try loop.runUntilComplete { try await doSomeWork(3) } // 此处异常
    } catch {
        printRuntimeError(error)
    }
}

let seed000Examples: [Example] = [
    Example(seed: "000", title: "say_after_time with run_until_complete", run: sayAfterTimeExample),
    Example(seed: "000", title: "get_running_loop, get/new/set_event_loop", run: eventLoopAccessExample),
    Example(seed: "000", title: "run_until_complete then task.result()", run: taskResultExample),
    Example(seed: "000", title: "add_done_callback prints the result", run: doneCallbackExample),
    Example(seed: "000", title: "cancel_me", run: { try asyncio.run(cancelMeMain) }),
    Example(seed: "000", title: "loop.close() then reuse", run: closedLoopExample),
]
