// Queue, PriorityQueue, LifoQueue (CPython's test_queues cases): order, bounds, cancellation, shutdown.
@testable import Asyncio
import Testing

@Suite struct QueueTests {
    @Test func ordersOfTheThreeQueues() throws {
        try withVirtualLoop { loop, _ in
            let (fifo, priority, lifo) = try loop.runUntilComplete { () async throws -> ([Int], [Int], [Int]) in
                let queues: [Queue<Int>] = [Queue(), PriorityQueue(), LifoQueue()]
                var out: [[Int]] = []
                for queue in queues {
                    for item in [3, 1, 2] { try await queue.put(item) }
                    var taken: [Int] = []
                    while !queue.empty() { taken.append(try await queue.get()) }
                    out.append(taken)
                }
                return (out[0], out[1], out[2])
            }
            #expect(fifo == [3, 1, 2] && priority == [1, 2, 3] && lifo == [2, 1, 3])
        }
    }

    @Test func nowaitVariantsThrowEmptyAndFull() throws {
        try withVirtualLoop { _, _ in
            let queue = Queue<String>(maxsize: 1)
            #expect(throws: QueueEmpty()) { try queue.getNowait() }
            try queue.putNowait("a")
            #expect(queue.full() && queue.qsize() == 1)
            #expect(throws: QueueFull()) { try queue.putNowait("b") }
            #expect(try queue.getNowait() == "a")
            #expect(!Queue<Int>(maxsize: 0).full())
        }
    }

    @Test func putWaitsWhileFullAndGetWaitsWhileEmpty() throws {
        try withVirtualLoop { loop, _ in
            let queue = Queue<Int>(maxsize: 1)
            let log = EventLog()
            try loop.runUntilComplete {
                let producer = try asyncio.createTask {
                    for item in 1...3 {
                        try await queue.put(item)
                        log.add("put \(item) at \(loop.time())")
                    }
                }
                for _ in 1...3 {
                    try await asyncio.sleep(1)
                    log.add("got \(try await queue.get())")
                }
                try await producer.value
            }
            #expect(log.entries == ["put 1 at 0.0", "got 1", "put 2 at 1.0", "got 2", "put 3 at 2.0", "got 3"])
        }
    }

    @Test func aCancelledGetterLosesNoItemAndPassesTheWakeUpOn() throws {
        try withVirtualLoop { loop, _ in
            let queue = Queue<Int>()
            let (second, left) = try loop.runUntilComplete { () async throws -> (Int, Int) in
                let first = try asyncio.createTask { try await queue.get() }
                let second = try asyncio.createTask { try await queue.get() }
                try await asyncio.sleep(1)
                try queue.putNowait(42)     // wakes the first getter ...
                first.cancel()              // ... which is cancelled before it takes the item
                _ = try? await first.value
                return (try await second.value, queue.qsize())
            }
            #expect(second == 42 && left == 0)
        }
    }

    @Test func aCancelledPutterPassesTheWakeUpOn() throws {
        try withVirtualLoop { loop, _ in
            let queue = Queue<Int>(maxsize: 1)
            let items = try loop.runUntilComplete { () async throws -> [Int] in
                try queue.putNowait(0)
                let first = try asyncio.createTask { try await queue.put(1) }
                let second = try asyncio.createTask { try await queue.put(2) }
                try await asyncio.sleep(1)
                var items = [try queue.getNowait()]   // wakes the first putter ...
                first.cancel()                        // ... which is cancelled before it puts
                _ = try? await first.value
                try await second.value
                items.append(try await queue.get())
                return items
            }
            #expect(items == [0, 2])
        }
    }

    @Test func taskDoneAndJoin() throws {
        try withVirtualLoop { loop, _ in
            let queue = Queue<Int>()
            let log = EventLog()
            try loop.runUntilComplete {
                for item in 1...3 { try queue.putNowait(item) }
                let worker = try asyncio.createTask { () async throws -> Void in
                    while true {
                        let item = try await queue.get()
                        try await asyncio.sleep(1)
                        log.add("done \(item)")
                        try queue.taskDone()
                    }
                }
                try await queue.join()
                log.add("joined at \(loop.time())")
                worker.cancel()
            }
            #expect(log.entries == ["done 1", "done 2", "done 3", "joined at 3.0"])
            #expect(throws: ValueError("task_done() called too many times")) { try queue.taskDone() }
        }
    }

    @Test func shutdownLetsGettersDrainThenThrows() throws {
        try withVirtualLoop { loop, _ in
            let queue = Queue<Int>()
            let outcome = try loop.runUntilComplete { () async throws -> [String] in
                try queue.putNowait(1)
                let waitingPutterQueue = Queue<Int>(maxsize: 1)
                try waitingPutterQueue.putNowait(0)
                let putter = try asyncio.createTask { try await waitingPutterQueue.put(1) }
                try await asyncio.sleep(1)
                queue.shutdown()
                waitingPutterQueue.shutdown()
                var outcome: [String] = []
                outcome.append("got \(try await queue.get())")
                do { _ = try await queue.get() } catch is QueueShutDown { outcome.append("get: shut down") }
                do { try await queue.put(2) } catch is QueueShutDown { outcome.append("put: shut down") }
                do { try await putter.value } catch is QueueShutDown { outcome.append("waiting put: shut down") }
                return outcome
            }
            #expect(outcome == ["got 1", "get: shut down", "put: shut down", "waiting put: shut down"])
        }
    }

    @Test func immediateShutdownDropsItemsWakesGettersAndReleasesJoin() throws {
        try withVirtualLoop { loop, _ in
            let full = Queue<Int>()
            let empty = Queue<Int>()
            let outcome = try loop.runUntilComplete { () async throws -> [String] in
                for item in 1...3 { try full.putNowait(item) }
                let joiner = try asyncio.createTask { try await full.join() }
                let getter = try asyncio.createTask { try await empty.get() }
                try await asyncio.sleep(1)
                full.shutdown(immediate: true)
                empty.shutdown(immediate: true)
                var outcome = ["size \(full.qsize())"]
                try await joiner.value
                outcome.append("joined")
                do { _ = try await getter.value } catch is QueueShutDown { outcome.append("getter: shut down") }
                return outcome
            }
            #expect(outcome == ["size 0", "joined", "getter: shut down"])
        }
    }
}
