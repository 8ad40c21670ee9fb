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
    let loop = try asyncio.getEventLoop()          // 创建事件循环对象
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
    let loop = try asyncio.getEventLoop()          // creates this thread's loop
    print("get_event_loop() twice gives the same loop:", try loop === asyncio.getEventLoop())
    let fresh = try asyncio.newEventLoop()
    print("new_event_loop() gives another loop:", fresh !== loop)
    asyncio.setEventLoop(fresh)
    print("after set_event_loop(), get_event_loop() is it:", try asyncio.getEventLoop() === fresh)
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
    let loop = try asyncio.getEventLoop()                              // 第一步:创建事件循环
    let task = try asyncio.ensureFuture { try await hello1(10, 5) } // 第二步:包装成任务
    _ = try loop.runUntilComplete(task)                            // 第三步:通过事件循环运行
    print("-------------------------------------")
    print(try task.result())
    try loop.close()
}

// --- a done callback reads the result ---
func doneCallbackExample() throws {
    let loop = try asyncio.getEventLoop()
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
    let loop = try asyncio.getEventLoop()
    try loop.runUntilComplete { try await doSomeWork(1) }
    try loop.runUntilComplete { try await doSomeWork(3) }    // loop 只要不关闭,就还可以再运行
    try loop.close()
    do {
        try loop.runUntilComplete { try await doSomeWork(3) } // 此处异常
    } catch {
        printRuntimeError(error)
    }
}

// --- wait_for: a timeout around a coroutine ---
func eternity(_ seconds: Double) async throws {
    print("我马上开始执行")
    try await asyncio.sleep(seconds)   // 当前任务休眠
    print("终于轮到我了")
}

func waitForMain(_ seconds: Double) async throws {
    do {
        print("等你3秒钟哦")
        try await asyncio.waitFor(timeout: 3) { try await eternity(seconds) }
    } catch is TimeoutError {
        print("超时了!")
    }
}

// --- wait(FIRST_COMPLETED) and as_completed ---
// The seed passes a set of coroutines, so its "begin" lines come in set order; Python 3.11
// refuses coroutines in wait(), so the port passes tasks in list order.
func helloN(_ n: Int, _ seconds: Double, _ result: String? = nil) async throws -> String? {
    print("Hello world 0\(n) begin")
    try await asyncio.sleep(seconds)
    print("Hello again 0\(n) end")
    return result
}

func waitFirstCompletedExample() throws {
    let a = ExampleTime.now()
    try asyncio.run {
        let tasks = [
            try asyncio.createTask { try await helloN(1, 2) },
            try asyncio.createTask { try await helloN(2, 3) },
            try asyncio.createTask { try await helloN(3, 4) },
        ]
        let (done, pending) = try await asyncio.wait(tasks, returnWhen: .firstCompleted)
        for i in done.sorted(by: { $0.getName() < $1.getName() }) { print(i) }
        for j in pending.sorted(by: { $0.getName() < $1.getName() }) { print(j) }
    }
    let b = ExampleTime.now()
    print("---------------------------------------")
    print(b - a)
}

// The seed prints 哈哈1, 哈哈2, 哈哈3 in that order; real asyncio yields completion order.
func asCompletedExample() throws {
    let a = ExampleTime.now()
    try asyncio.run {
        let s = try asyncio.asCompleted([
            { try await helloN(1, 5, "哈哈1") },
            { try await helloN(2, 3, "哈哈2") },
            { try await helloN(3, 4, "哈哈3") },
        ])
        for f in s {
            let result = try await f.value
            print(pythonString(result))
        }
    }
    let b = ExampleTime.now()
    print("---------------------------------------")
    print(b - a)
}

// --- the templates: wait and gather, with and without results ---
func t1(_ a: Int, _ b: Int) async throws -> Int {
    print("Hello world 01 begin"); try await asyncio.sleep(3); print("Hello again 01 end"); return a + b
}
func t2(_ a: Int, _ b: Int) async throws -> Int {
    print("Hello world 02 begin"); try await asyncio.sleep(2); print("Hello again 02 end"); return a - b
}
func t3(_ a: Int, _ b: Int) async throws -> Int {
    print("Hello world 03 begin"); try await asyncio.sleep(4); print("Hello again 03 end"); return a * b
}
@Sendable func n1() async throws { print("Hello world 01 begin"); try await asyncio.sleep(3); print("Hello again 01 end") }
@Sendable func n2() async throws { print("Hello world 02 begin"); try await asyncio.sleep(2); print("Hello again 02 end") }
@Sendable func n3() async throws { print("Hello world 03 begin"); try await asyncio.sleep(4); print("Hello again 03 end") }

func templateWaitNoResults() throws {
    let loop = try asyncio.getEventLoop()                                   // 第一步:创建事件循环
    let tasks = [try asyncio.ensureFuture(n1), try asyncio.ensureFuture(n2), try asyncio.ensureFuture(n3)]
    try loop.runUntilComplete { _ = try await asyncio.wait(tasks) }    // 第三步:通过事件循环运行
    try loop.close()                                                    // 第四步:关闭事件循环
}

func templateWaitResults() throws {
    let loop = try asyncio.getEventLoop()
    let task1 = try asyncio.ensureFuture { try await t1(10, 5) }
    let task2 = try asyncio.ensureFuture { try await t2(10, 5) }
    let task3 = try asyncio.ensureFuture { try await t3(10, 5) }
    try loop.runUntilComplete { _ = try await asyncio.wait([task1, task2, task3]) }
    print(try task1.result()); print(try task2.result()); print(try task3.result())
    try loop.close()
}

func templateGatherNoResults() throws {
    try asyncio.run {
        let results: [Void] = try await asyncio.gather([n1, n2, n3])
        for result in results { print(pythonString(result)) }   // 因为没返回值,故而返回None
    }
}

func templateGatherResults() throws {
    try asyncio.run {
        let (r1, r2, r3) = try await asyncio.gather({ try await t1(10, 5) }, { try await t2(10, 5) }, { try await t3(10, 5) })
        for result in [r1, r2, r3] { print(result) }
    }
}

let seed000Examples: [Example] = [
    Example(seed: "000", title: "say_after_time with run_until_complete", run: sayAfterTimeExample),
    Example(seed: "000", title: "get_running_loop, get/new/set_event_loop", run: eventLoopAccessExample),
    Example(seed: "000", title: "run_until_complete then task.result()", run: taskResultExample),
    Example(seed: "000", title: "add_done_callback prints the result", run: doneCallbackExample),
    Example(seed: "000", title: "cancel_me", run: { try asyncio.run(cancelMeMain) }),
    Example(seed: "000", title: "loop.close() then reuse", run: closedLoopExample),
    Example(seed: "000", title: "wait_for around eternity (3600 s)", run: { try asyncio.run { try await waitForMain(3600) } }),
    Example(seed: "000", title: "wait_for around eternity (2 s)", run: { try asyncio.run { try await waitForMain(2) } }),
    Example(seed: "000", title: "wait FIRST_COMPLETED", run: waitFirstCompletedExample),
    Example(seed: "000", title: "as_completed in completion order", run: asCompletedExample),
    Example(seed: "000", title: "template before 3.7: wait, no results", run: templateWaitNoResults),
    Example(seed: "000", title: "template before 3.7: wait, then results", run: templateWaitResults),
    Example(seed: "000", title: "template 3.7: gather, no results", run: templateGatherNoResults),
    Example(seed: "000", title: "template 3.7: gather with results", run: templateGatherResults),
    Example(seed: "000", title: "as_completed over @asyncio.coroutine generators (any order)", run: decoratedAsCompletedExample),
]
