// Seed 001 (coroutines & asyncio): running coroutines, awaiting, tasks, and asyncio.Future.
import Asyncio

// --- 3.2: a coroutine runs only on a loop ---
// In Python, calling func() without awaiting warns "coroutine 'func' was never awaited". Swift has
// no lazy coroutine object: `func()` without `await` does not compile ("expression is 'async'
// but is not marked with 'await'"), so the mistake cannot reach run time.
func helloWorld() async {
    print("hello world")
}

func runOnNewLoopExample() throws {
    let loop = try asyncio.getEventLoopPolicy().newEventLoop()   // 创建时间循环
    try loop.runUntilComplete { await helloWorld() }         // 在事件循环中运行协程对象
    try asyncio.run { await helloWorld() }                   // python3.7以后
    try loop.close()
}

// --- 3.3: await a coroutine and use its return value ---
func other() async throws -> String {
    print("开始")
    try await asyncio.sleep(2)
    print("结束")
    return "返回值"
}

func awaitOther() async throws {
    print("开始执行协程内部代码")
    let response = try await other()   // 遇到IO操作挂起当前协程(任务)
    print("IO请求结束,结果为:", response)
}

// --- 3.4 示例3: create_task with no running loop ---
func sleepTwo() async throws {
    try await asyncio.sleep(2)
}

func createTaskOutsideLoopExample() throws {
    // 此时还没有事件循环
    do {
        let tasks = [
            try asyncio.createTask(name: "n1") { try await sleepTwo() },
            try asyncio.createTask(name: "n2") { try await sleepTwo() },
        ]
        print(tasks)
    } catch {
        printRuntimeError(error)
    }
}

// --- 3.5 示例2: a future with a result set by hand ---
func futureSetByHand() async throws {
    let loop = try asyncio.getRunningLoop()          // 获取当前事件循环
    let future = loop.createFuture(of: String.self)  // 创建一个future对象
    try future.setResult("666")                      // 给future设置一个值
    let result = try await future.value              // 等待future的结果
    print(result)
}

// --- 3.5 示例3: a task sets the future's result ---
func futureSetResult(_ future: Future<String>) async throws {
    try future.setResult("666")
}

func futureSetByTask() async throws {
    let loop = try asyncio.getRunningLoop()
    let future = loop.createFuture(of: String.self)
    // 创建一个任务,关联future_set_result协程对象; 协程对象会为future设置'666'
    try await asyncio.createTask { try await futureSetResult(future) }.value
    let result = try await future.value              // future有等待结果
    print(result)
}

// --- 1.4 async & await: two tasks on a new loop ---
func oneTwo() async throws {
    print(1)
    try await asyncio.sleep(1)
    print(2)
}

func threeFour() async throws {
    print(3)
    try await asyncio.sleep(1)
    print(4)
}

func asyncAwaitNewLoopExample() throws {
    let loop = try asyncio.getEventLoopPolicy().newEventLoop()
    let tasks = [try loop.createTask { try await oneTwo() }, try loop.createTask { try await threeFour() }]
    try loop.runUntilComplete { _ = try await asyncio.wait(tasks) }
    try loop.close()
}

// --- 3.4 示例1 / 示例2: tasks, await, wait ---
func funcValue() async throws -> String {
    print(1)
    try await asyncio.sleep(2)
    print(2)
    return "返回值"
}

func twoTasksExample() throws {
    let start = ExampleTime.now()
    try asyncio.run {
        print("main开始")
        let task1 = try asyncio.createTask { try await funcValue() }   // 创建Task对象
        let task2 = try asyncio.createTask { try await funcValue() }
        print("main结束")
        let res1 = try await task1.value
        let res2 = try await task2.value
        print(res1, res2)
    }
    print(ExampleTime.now() - start)
}

func waitOverTasksExample(names: [String?]) throws {
    let start = ExampleTime.now()
    try asyncio.run {
        print("main开始")
        let tasks = try names.map { name in try asyncio.createTask(name: name) { try await funcValue() } }
        print("main结束")
        let (done, pending) = try await asyncio.wait(tasks)
        print(done.pythonDescription)
        print(String(repeating: "-", count: 50))
        print(pending.pythonDescription)
    }
    print(ExampleTime.now() - start)
}

// --- 3.5 补充: concurrent.futures and the loop's thread pool ---
// (Sections marked "(any order)" print from threads; their lines come in any order.)
func poolFunc(_ value: Int) -> Int {
    blockingSleep(2)
    print(value)
    return value
}

func threadPoolExample() throws {
    let start = wallClock()
    let pool = concurrent.futures.ThreadPoolExecutor(maxWorkers: 5)   // 最多存放五个线程
    for i in 0..<10 {
        let future = try pool.submit { poolFunc(i) }
        print(future)
    }
    print("耗时:", secondsSince(start))
    pool.shutdown(wait: true)   // Python waits for the pool when the program exits
    print("总耗时:", secondsSince(start))
}

func something() -> String {
    blockingSleep(2)
    return "something"
}

func runInExecutorExample() throws {
    try asyncio.run {
        let loop = try asyncio.getRunningLoop()
        // 先在线程池中申请一个线程执行func, 再把 concurrent future 包装成 asyncio future
        let future = try loop.runInExecutor(nil, something)
        let result = try await future.value
        print("default thread pool", result)
    }
}

let seed001Examples: [Example] = [
    Example(seed: "001", title: "3.2 run a coroutine on a new loop and with asyncio.run", run: runOnNewLoopExample),
    Example(seed: "001", title: "3.3 示例1 await asyncio.sleep", run: { _ = try asyncio.run(other) }),
    Example(seed: "001", title: "3.3 示例2 await another coroutine", run: { try asyncio.run(awaitOther) }),
    Example(seed: "001", title: "3.4 示例3 create_task without a running loop", run: createTaskOutsideLoopExample),
    Example(seed: "001", title: "3.5 示例2 Future.set_result('666')", run: { try asyncio.run(futureSetByHand) }),
    Example(seed: "001", title: "3.5 示例3 a task sets the Future", run: { try asyncio.run(futureSetByTask) }),
    Example(seed: "001", title: "1.4 async & await on a new loop", run: asyncAwaitNewLoopExample),
    Example(seed: "001", title: "3.4 示例1 two tasks", run: twoTasksExample),
    Example(seed: "001", title: "3.4 示例2 wait over tasks", run: { try waitOverTasksExample(names: [nil, nil]) }),
    Example(seed: "001", title: "3.4 示例2 create_task(name=)", run: { try waitOverTasksExample(names: ["n1", "n2"]) }),
    Example(seed: "001", title: "3.5 补充 thread pool: 10 jobs on 5 workers (any order)", run: threadPoolExample),
    Example(seed: "001", title: "3.5 补充 run_in_executor(None, func)", run: runInExecutorExample),
    Example(seed: "001", title: "3.5 补充 案例1 run_in_executor(None, requests.get, url)", run: { try onImageServer(scrapeWithExecutorExample) }),
    Example(seed: "001", title: "3.5 补充 案例2 to_thread(requests.get, url)", run: { try onImageServer(toThreadExample) }),
    Example(seed: "001", title: "3.5 补充 或者 scrape_api awaits to_thread", run: { try onImageServer(scrapeWithToThreadExample) }),
    Example(seed: "001", title: "2 sync vs async download (any order)", run: { try onImageServer(syncVersusAsyncExample) }),
    Example(seed: "001", title: "2 the same download with a client session (any order)", run: { try onImageServer(sessionDownloadExample) }),
    Example(seed: "001", title: "1.1 greenlet switch", run: greenletExample),
    Example(seed: "001", title: "1.2 yield and yield from", run: yieldExample),
    Example(seed: "001", title: "1.3 @asyncio.coroutine with yield from", run: decoratedCoroutineExample),
]
