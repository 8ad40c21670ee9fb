// Seeds 000 and 001, the ways to build coroutines before async/await: greenlet's switch(),
// generators with yield / yield from, and @asyncio.coroutine generators with yield from.
import Asyncio
import AsyncioGreenlets

// --- seed 001, 1.1: greenlet ---
func greenletExample() throws {
    var gr2: Greenlet!
    let gr1 = Greenlet { _ in
        print(1)          // step2：输出1
        try gr2.switch()  // step3：切换至func2
        print(2)          // step6：输出2
        try gr2.switch()  // step7：切换至func2
        return nil
    }
    gr2 = Greenlet { _ in
        print(3)          // step4：输出3
        try gr1.switch()  // step5：切换值func1
        print(4)          // step8：输出4
        return nil
    }
    try gr1.switch()      // step1:进去func1
}

// --- seed 001, 1.2: yield and yield from ---
func generatorFunc2() -> Generator<Int, Void> {
    Generator { g in
        try g.yield(3)  // step3：返回3
        try g.yield(4)  // step4：返回4
    }
}

func generatorFunc1() -> Generator<Int, Void> {
    Generator { g in
        try g.yield(1)                    // step1：返回1
        try g.yieldFrom(generatorFunc2())  // step2：返回func2(),也是生成器
        try g.yield(2)                    // step5：返回2
    }
}

func yieldExample() {
    let f1 = generatorFunc1()  // func1返回的是一个生成器
    for item in f1 {
        print(item)
    }
}

// --- seed 001, 1.3: @asyncio.coroutine ---
// The seed passes the list of tasks to run_until_complete, which real asyncio rejects (a list is
// not awaitable); the port waits for them with asyncio.wait, which is what the seed means.
func decoratedFunc1() -> GeneratorCoroutine<Void> {
    asyncio.coroutine { co in
        print(1)
        try co.yieldFrom { try await asyncio.sleep(2) }  // 模拟网络IO：下载一张图片
        print(2)
    }
}

func decoratedFunc2() -> GeneratorCoroutine<Void> {
    asyncio.coroutine { co in
        print(3)
        try co.yieldFrom { try await asyncio.sleep(2) }
        print(4)
    }
}

func decoratedCoroutineExample() throws {
    let loop = try asyncio.newEventLoop()
    asyncio.setEventLoop(loop)
    let tasks = [
        try asyncio.ensureFuture(decoratedFunc1()),
        try asyncio.ensureFuture(decoratedFunc2()),
    ]
    _ = try loop.runUntilComplete { try await asyncio.wait(tasks) }
    try loop.close()
}

// --- seed 000: as_completed over @asyncio.coroutine generators ---
// The seed passes a set (arbitrary start order); the port passes a list, as in the async version.
func decoratedHello(_ n: Int, _ seconds: Double, _ result: String) -> GeneratorCoroutine<String> {
    asyncio.coroutine { co in
        print("Hello world 0\(n) begin")
        try co.yieldFrom { try await asyncio.sleep(seconds) }
        print("Hello again 0\(n) end")
        return result
    }
}

func decoratedAsCompletedExample() throws {
    let a = ExampleTime.now()
    try asyncio.run {
        let s = try asyncio.asCompleted([
            decoratedHello(1, 5, "哈哈1"), decoratedHello(2, 3, "哈哈2"), decoratedHello(3, 4, "哈哈3"),
        ])
        for f in s {
            let result = try await f.value
            print(result)
        }
    }
    let b = ExampleTime.now()
    print("---------------------------------------")
    print(b - a)
}
