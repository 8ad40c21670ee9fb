// The loop's task table (currentTask without a task-local value) and what users' task locals still do.
@testable import Asyncio
import Testing

/// A user's task-local value, as a Python program would use a contextvar.
enum RequestContext {
    @TaskLocal static var id: Int?
}

@Suite struct TaskTableTests {
    /// Random inserts and removals against a dictionary, across growth and backward shifts: every
    /// live key finds its task, every removed key finds none.
    @Test func tableAgreesWithADictionaryThroughGrowthAndRemoval() throws {
        let loop = try EventLoop(clock: VirtualClock())
        defer { try? loop.close() }
        let tasks = (0..<64).map { _ in LoopTask<Void>(loop: loop, name: nil, origin: TaskOrigin(file: #fileID, line: #line, function: #function)) }
        var table = TaskTable()
        defer { table.deallocate() }
        var model: [UInt: Int] = [:]
        var generator = ScheduleFuzzer(seed: 7)   // its splitmix64 generator
        // Keys aligned like heap pointers, clustered so probe runs collide and wrap.
        func key(_ n: UInt64) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: UInt(0x10_0000 + (n % 5000) * 16))! }
        for step in 0..<40_000 {
            let pointer = key(generator.next())
            let bits = UInt(bitPattern: pointer)
            if model[bits] == nil, step % 3 != 0 || model.isEmpty {
                let index = Int(generator.next() % 64)
                table.insert(tasks[index], for: pointer)
                model[bits] = index
            } else if model[bits] != nil {
                table.remove(pointer)
                model[bits] = nil
            }
            if step % 500 == 0 {
                for (bits, index) in model {
                    #expect(table.task(for: UnsafeMutableRawPointer(bitPattern: bits)!) === tasks[index])
                }
            }
        }
        for n in 0..<5000 as Range<UInt64> where model[UInt(bitPattern: key(n))] == nil {
            #expect(table.task(for: key(n)) == nil)
        }
        #expect(model.count > 100)   // the run kept a crowd of live keys, not a handful
    }

    /// A task local the user binds reaches the tasks created inside it (as contextvars reach
    /// asyncio tasks), and each task still knows itself, also from a Swift child task of it.
    @Test func userTaskLocalsReachLoopTasksAndEachTaskKnowsItself() throws {
        try withVirtualLoop { loop, _ in
            let seen = EventLog()
            try loop.runUntilComplete {
                try await RequestContext.$id.withValue(42) {
                    let child = try asyncio.createTask(name: "child") { () async throws -> Void in
                        seen.add("child sees \(RequestContext.id.map(String.init) ?? "nil") in \(asyncio.currentTask()?.getName() ?? "nil")")
                        await withTaskGroup(of: Void.self) { group in
                            group.addTask { seen.add("swift child task: \(asyncio.currentTask()?.getName() ?? "nil")") }
                        }
                        try await asyncio.sleep(1)
                        seen.add("after the sleep: \(asyncio.currentTask()?.getName() ?? "nil")")
                    }
                    try await child.value
                    seen.add("parent: \(asyncio.currentTask()?.getName() ?? "nil")")
                }
            }
            #expect(seen.entries.dropLast() == ["child sees 42 in child", "swift child task: nil", "after the sleep: child"])
            #expect(seen.entries.last?.hasPrefix("parent: Task-") == true)
        }
    }

    /// Tasks leave the table however their bodies end: ten thousand that return, one that
    /// throws, one cancelled before its first step, one cancelled while parked, and tasks started
    /// eagerly by the eager task factory (one that finishes at once, one that parks first).
    @Test func finishedTasksLeaveTheTable() throws {
        struct Boom: Error {}
        try withVirtualLoop { loop, _ in
            try loop.runUntilComplete {
                let tasks = try (0..<10_000).map { index in try asyncio.createTask { try await asyncio.sleep(Double(index % 7)) } }
                for task in tasks { try await task.value }
                let throwing = try asyncio.createTask { () async throws -> Void in throw Boom() }
                let early = try asyncio.createTask { try await asyncio.sleep(1) }
                early.cancel()
                let parked = try asyncio.createTask { try await asyncio.sleep(100) }
                try await asyncio.sleep(0)
                parked.cancel()
                for task in [throwing, early, parked] { _ = try? await task.value }
                #expect(try throwing.exception() is Boom)
                #expect(early.cancelled() && parked.cancelled())
                loop.setTaskFactory(EagerTaskFactory())
                // currentTask() inside an eager first step is the new task (asyncio 3.12), and
                // again after the park, when the step ran inside the creator's createTask.
                let seen = EventLog()
                let atOnce = try asyncio.createTask(name: "eager") { () -> Int in
                    seen.add(asyncio.currentTask()?.getName() ?? "nil"); return 7
                }
                let eagerParked = try asyncio.createTask(name: "eager parked") { () async throws -> Int in
                    seen.add(asyncio.currentTask()?.getName() ?? "nil")
                    try await asyncio.sleep(1)
                    seen.add(asyncio.currentTask()?.getName() ?? "nil")
                    return 8
                }
                seen.add("creator: " + (asyncio.currentTask()?.getName() ?? "nil"))
                #expect(atOnce.done())
                #expect(try await atOnce.value + eagerParked.value == 15)
                #expect(seen.entries.count == 4)
                #expect(Array(seen.entries.prefix(2)) == ["eager", "eager parked"])
                #expect(seen.entries.dropFirst(2).first?.hasPrefix("creator: Task-") == true)
                #expect(seen.entries.last == "eager parked")
                loop.setTaskFactory(nil)
            }
            #expect(loop.runningTasks.isEmpty)
        }
    }
}
