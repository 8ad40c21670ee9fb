// Cancellation at every await of the queues: no item lost or duplicated, join released.
@testable import Asyncio
import AsyncioTestSupport
import Testing

@Suite struct QueueSweepTests {
    @Test(.timeLimit(.minutes(1))) func queueGet() throws {
        try CancellationSweep.run("Queue.get") { run in
            let queue = Queue<Int>()
            let got = Shared<[Int]>([])
            let other = try asyncio.createTask { got.value.append(try await queue.get()) }
            try run.loop.callLater(0.005) { try queue.putNowait(1); try queue.putNowait(2) }
            let outcome = try await run.victim { try await queue.get() }
            if case .completed(let item) = outcome { got.value.append(item) }
            _ = try await other.value
            var left: [Int] = []
            while let item = try? queue.getNowait() { left.append(item) }
            run.require((got.value + left).sorted() == [1, 2], "got \(got.value), left \(left) (\(outcome.summary))")
        }
    }

    @Test(.timeLimit(.minutes(1))) func queuePut() throws {
        try CancellationSweep.run("Queue.put") { run in
            let queue = Queue<Int>(maxsize: 1)
            try queue.putNowait(0)
            let other = try asyncio.createTask { try await queue.put(2) }
            let taken = Shared<[Int]>([])
            let consumer = try asyncio.createTask { () async throws -> Void in
                try await asyncio.sleep(0.005)
                while true { taken.value.append(try await queue.get()) }
            }
            let outcome = try await run.victim { try await queue.put(1) }
            _ = try await other.value
            try await asyncio.sleep(0.01)
            consumer.cancel()
            _ = try? await consumer.value
            while let item = try? queue.getNowait() { taken.value.append(item) }
            let expected = outcome.summary == "completed" ? [0, 1, 2] : [0, 2]
            run.require(taken.value.sorted() == expected, "taken \(taken.value) after \(outcome.summary)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func queueJoin() throws {
        try CancellationSweep.run("Queue.join") { run in
            let queue = Queue<Int>()
            try queue.putNowait(1)
            let worker = try asyncio.createTask {
                _ = try await queue.get()
                try await asyncio.sleep(0.005)
                try queue.taskDone()
            }
            let outcome = try await run.victim { try await queue.join() }
            _ = try await worker.value
            if case .completed = outcome { run.require(worker.done(), "join returned before the work was done") }
            try await queue.join()
        }
    }

    @Test(.timeLimit(.minutes(1))) func manyTasksCancelledAtRandomKeepEveryItem() throws {
        // A stress beside the sweep: 2,000 getters and putters on a small queue, a third cancelled.
        try withVirtualLoop { loop, _ in
            let (put, got, left) = try loop.runUntilComplete { () async throws -> (Int, Int, Int) in
                let queue = Queue<Int>(maxsize: 4)
                let put = Shared(0), got = Shared(0)
                var tasks: [AnyTask] = []
                var generator = ScheduleFuzzer(seed: 7)
                for index in 0..<2_000 {
                    if index % 2 == 0 {
                        tasks.append(try asyncio.createTask { try await queue.put(index); put.value += 1 })
                    } else {
                        tasks.append(try asyncio.createTask { _ = try await queue.get(); got.value += 1 })
                    }
                    if generator.next() % 3 == 0 { try loop.callLater(Double(generator.next() % 100) / 1000) { [task = tasks.last!] in task.cancel() } }
                }
                try await asyncio.sleep(1)
                for task in tasks { task.cancel() }
                for task in tasks { _ = try? await (task as! LoopTask<Void>).value }
                return (put.value, got.value, queue.qsize())
            }
            #expect(put == got + left)
        }
    }
}
