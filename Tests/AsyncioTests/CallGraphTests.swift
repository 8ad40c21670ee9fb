// asyncio.graph (3.14): who awaits whom through each kind of await, in CPython's format.
import Asyncio
import Testing

@Suite struct CallGraphTests {
    /// Cancels every other task of the loop and waits until they are done.
    private func cancelTheRest() async throws {
        let others = try asyncio.allTasks().filter { $0 !== asyncio.currentTask() }
        for task in others { task.cancel() }
        for task in others { do { try await task.wait() } catch {} }
    }

    /// The graph's shape: names and nesting only (ids and lines vary).
    private func shape(_ graph: FutureCallGraph?) -> String {
        guard let graph else { return "nil" }
        let name = (graph.future as? AnyTask)?.getName() ?? "Future"
        let below = graph.awaitedBy.map { shape($0) }
        let text = below.isEmpty ? name : name + " <- [" + below.joined(separator: ", ") + "]"
        return text.replacing(/Task-\d+/, with: "Task-N")
    }

    @Test func aTaskAwaitingATaskIsItsAwaiterInCPythonsFormat() throws {
        try withVirtualLoop { loop, _ in
            let text = try loop.runUntilComplete { () async throws -> String in
                let inner = try asyncio.createTask(name: "inner") { try await asyncio.sleep(10) }   // line 25
                let outer = try asyncio.createTask(name: "outer") { try await inner.wait() }   // line 26
                try await asyncio.sleep(1)
                let text = try asyncio.formatCallGraph(inner)
                _ = outer
                try await cancelTheRest()
                return text
            }
            let lines = text.split(separator: "\n").map { String($0.replacing(/0x[0-9a-f]+/, with: "0x…")) }
            #expect(lines.count == 9, "\(text)")
            #expect(lines[0] == "* Task(name='inner', id=0x…)")
            #expect(lines[1] == "  + Call stack:")
            #expect(lines[2] == "  |   File 'AsyncioTests/CallGraphTests.swift', line 25, in asyncio.sleep()")
            #expect(lines[3].hasPrefix("  |   File 'AsyncioTests/CallGraphTests.swift', line ") && lines[3].hasSuffix(", in async closure in aTaskAwaitingATaskIsItsAwaiterInCPythonsFormat()"))
            #expect(lines[4] == "  + Awaited by:")
            #expect(lines[5] == "    * Task(name='outer', id=0x…)")
            #expect(lines[6] == "      + Call stack:")
            #expect(lines[7] == "      |   File 'AsyncioTests/CallGraphTests.swift', line 26, in await inner")
            #expect(lines[8].hasPrefix("      |   File 'AsyncioTests/CallGraphTests.swift', line "))
        }
    }

    @Test func eachAwaitableNamesItselfAndTheLineOfItsAwait() throws {
        try withVirtualLoop { loop, _ in
            let found = try loop.runUntilComplete { () async throws -> [String: String] in
                let queue = Queue<Int>(), full = Queue<Int>(maxsize: 1)
                try full.putNowait(0)
                let lock = Lock(), semaphore = try Semaphore(0), event = Event()
                let condition = Condition()
                try await lock.acquire()
                let forever = try asyncio.createTask(name: "forever") { try await event.wait() }
                var lines: [String: Int] = [:]
                func spawn(_ name: String, _ line: Int, _ body: sending @escaping () async throws -> Void) throws {
                    lines[name] = line
                    _ = try asyncio.createTask(name: name, body)
                }
                try spawn("get", #line) { _ = try await queue.get() }
                try spawn("put", #line) { try await full.put(1) }
                try spawn("lock", #line) { try await lock.acquire() }
                try spawn("withLock", #line) { try await lock.withLock {} }
                try spawn("sem", #line) { try await semaphore.acquire() }
                try spawn("event", #line) { try await event.wait() }
                try spawn("cond", #line) { try await condition.withLock { try await condition.wait() } }
                try spawn("wait", #line) { try await asyncio.wait([forever]) }
                try spawn("gather", #line) { try await asyncio.gather([forever]) }
                try spawn("sleep", #line) { try await asyncio.sleep(5) }
                try spawn("future", #line) { try await forever.wait() }
                try await asyncio.sleep(1)
                var found: [String: String] = [:]
                for (name, line) in lines {
                    let task = try #require(try asyncio.allTasks().first { $0.getName() == name })
                    let entry = try #require(try asyncio.captureCallGraph(task)?.callStack.first)
                    #expect(entry.file == "AsyncioTests/CallGraphTests.swift" && entry.line == line, "\(name): \(entry)")
                    found[name] = entry.function
                }
                try await cancelTheRest()
                return found
            }
            #expect(found == ["get": "Queue.get()", "put": "Queue.put()", "lock": "Lock.acquire()",
                              "withLock": "Lock.acquire()", "sem": "Semaphore.acquire()", "event": "Event.wait()",
                              "cond": "Condition.wait()", "wait": "asyncio.wait()", "gather": "asyncio.gather()",
                              "sleep": "asyncio.sleep()", "future": "await forever"])
        }
    }

    @Test func theCurrentTasksStackStartsWhereItAsked() throws {
        try withVirtualLoop { loop, _ in
            // The stack, not the graph, leaves the loop (the graph holds the task, and so the loop).
            let (stack, line) = try loop.runUntilComplete { () async throws -> ([FrameCallGraphEntry], Int) in
                let line = #line + 1
                return (try asyncio.captureCallGraph()?.callStack ?? [], line)
            }
            #expect(stack.first == FrameCallGraphEntry(file: "AsyncioTests/CallGraphTests.swift", line: line,
                                                       function: "theCurrentTasksStackStartsWhereItAsked()", isAsync: false))
            #expect(stack.count == 2 && stack.last?.isAsync == true)
        }
    }

    @Test func gatherShieldWaitAndTaskGroupsRecordTheirAwaiters() throws {
        try withVirtualLoop { loop, _ in
            let shapes = try loop.runUntilComplete { () async throws -> [String] in
                var shapes: [String] = []
                let leaf = try asyncio.createTask(name: "leaf") { try await asyncio.sleep(5) }
                let gathers = try asyncio.createTask(name: "gathers") {
                    try await asyncio.gather({ try await asyncio.gather([leaf]) }, { try await asyncio.sleep(5) })
                }
                let shielded = try asyncio.createTask(name: "shielded") { try await asyncio.sleep(5) }
                let shielder = try asyncio.createTask(name: "shielder") { try await asyncio.shield(shielded) }
                let waited = try asyncio.createTask(name: "waited") { try await asyncio.sleep(5) }
                let waiter = try asyncio.createTask(name: "waiter") { try await asyncio.wait([waited]) }
                let completing = try asyncio.createTask(name: "completing") { try await asyncio.sleep(5) }
                let iterator = try asyncio.createTask(name: "iterator") {
                    for next in try asyncio.asCompleted([completing]) { try await next.value }
                }
                let timed = try asyncio.createTask(name: "timed") { try await asyncio.sleep(5) }
                let timer = try asyncio.createTask(name: "timer") { try await asyncio.waitFor(timed, timeout: 60) }
                let grouped = LoopBoundBox()
                let parent = try asyncio.createTask(name: "parent") {
                    try await asyncio.taskGroup { outerGroup in
                        try outerGroup.createTask(name: "middle") {
                            try await asyncio.taskGroup { innerGroup in
                                grouped.task = try innerGroup.createTask(name: "child") { try await asyncio.sleep(5) }
                            }
                        }
                    }
                }
                try await asyncio.sleep(1)
                shapes.append(shape(try asyncio.captureCallGraph(leaf)))
                shapes.append(shape(try asyncio.captureCallGraph(shielded)))
                shapes.append(shape(try asyncio.captureCallGraph(waited)))
                shapes.append(shape(try asyncio.captureCallGraph(grouped.task)))
                shapes.append(shape(try asyncio.captureCallGraph(completing)))
                shapes.append(shape(try asyncio.captureCallGraph(timed)))
                for task in [gathers, shielder, waiter, parent, iterator, timer] { task.cancel() }
                for task in [gathers, shielder, waiter, parent, iterator, timer] { do { try await task.wait() } catch {} }
                shapes.append(shape(try asyncio.captureCallGraph(leaf)))    // the edges left with the waits
                shapes.append(shape(try asyncio.captureCallGraph(shielded)) + " " + shape(try asyncio.captureCallGraph(waited)))
                try await cancelTheRest()
                return shapes
            }
            #expect(shapes == [
                // The inner gather runs in the task that gather made for its closure.
                "leaf <- [Future <- [Task-N <- [Future <- [gathers]]]]",
                "shielded <- [Future <- [shielder]]",
                "waited <- [waiter]",
                "child <- [middle <- [parent]]",
                "completing <- [iterator]",
                "timed <- [timer]",
                "leaf",
                "shielded waited",
            ])
        }
    }

    @Test func cyclesAreCutAndLimitsTrimEveryStack() throws {
        try withVirtualLoop { loop, _ in
            let (cycle, limited, none) = try loop.runUntilComplete { () async throws -> (String, [Int], [Int]) in
                let a = loop.createFuture(of: Int.self), b = loop.createFuture(of: Int.self)
                asyncio.futureAddToAwaitedBy(a, b)
                asyncio.futureAddToAwaitedBy(b, a)
                let cycle = shape(try asyncio.captureCallGraph(a))             // a <- b, and b's a is cut
                asyncio.futureDiscardFromAwaitedBy(a, b)
                asyncio.futureDiscardFromAwaitedBy(b, a)
                // Several awaiters of one future (the second and later kept by the loop), in order.
                let c = try asyncio.createTask(name: "c") { try await asyncio.sleep(5) }
                let d = try asyncio.createTask(name: "d") { try await asyncio.sleep(5) }
                for waiter in [b, c, d] { asyncio.futureAddToAwaitedBy(a, waiter) }
                let three = shape(try asyncio.captureCallGraph(a))
                asyncio.futureDiscardFromAwaitedBy(a, b)
                asyncio.futureDiscardFromAwaitedBy(a, d)
                let one = shape(try asyncio.captureCallGraph(a))
                asyncio.futureDiscardFromAwaitedBy(a, c)
                #expect(three == "Future <- [Future, c, d]" && one == "Future <- [c]")
                #expect(loop.moreAwaitedByIsEmpty)
                let sleeper = try asyncio.createTask(name: "s") { try await asyncio.sleep(5) }
                try await asyncio.sleep(0)
                let limited = [1, -1, 0, 5].map { (try? asyncio.captureCallGraph(sleeper, limit: $0))?.callStack.count ?? -1 }
                let outer = try asyncio.captureCallGraph(sleeper, limit: 1)?.callStack.first?.isAsync
                try await cancelTheRest()
                return (cycle + " \(shape(try asyncio.captureCallGraph(a)))", limited, [outer == true ? 1 : 0])
            }
            #expect(cycle == "Future <- [Future] Future")
            #expect(limited == [1, 1, 0, 2])
            #expect(none == [1], "a positive limit keeps the entries nearest the task's start")
        }
        #expect(throws: EventLoopError.callGraphOutsideLoop) { try asyncio.captureCallGraph() }
    }
}

/// A task one closure makes and another reads (loop thread only).
private final class LoopBoundBox: @unchecked Sendable {
    var task: AnyTask?
}
