// asCompleted: results in completion order, as awaitables (classic) or as the tasks themselves (3.13).

/// Shared state of one `asCompleted` call: the futures done so far, in completion order.
/// Owned by the loop thread.
///
/// Ownership: the iterators own the queue; each future's done callback and the timeout timer
/// hold it until they run. The queue holds the timer only until it fires or the last future
/// finishes (then it lets go), so queue and timer never keep each other alive.
final class CompletionQueue<F: TypedFuture>: @unchecked Sendable {
    let loop: EventLoop
    private var finished: [F] = []
    private var nextIndex = 0
    private var todo: Int
    private var timedOut = false
    private var waiters: [Future<Void>] = []
    private var timer: TimerHandle?
    /// Every future of the call, for the call graph's edges while a task waits for the next.
    private let all: [F]

    init(_ futures: [F], timeout: Double?, loop: EventLoop) {
        self.loop = loop
        let unique = Array(Set(futures)).sorted { a, b in
            futures.firstIndex(of: a)! < futures.firstIndex(of: b)!
        }
        todo = unique.count
        all = unique
        for future in unique { future.onDone(.named("as_completed._on_completion")) { [self] _ in completed(future) } }
        if let timeout {
            timer = loop.scheduleTimer(at: loop.time() + timeout, action: .call { [self] in expire() })
        }
    }

    /// How many results the iteration yields.
    var count: Int { todo + finished.count }

    private func completed(_ future: F) {
        if timedOut { return }
        finished.append(future)
        todo -= 1
        if todo == 0 {
            timer?.cancel()
            timer = nil
        }
        wakeOne()
    }

    private func expire() {
        timedOut = true
        timer = nil
        for waiter in waiters where !waiter.done() { try? waiter.setResult(()) }
        waiters.removeAll()
    }

    private func wakeOne() {
        while let waiter = waiters.first {
            waiters.removeFirst()
            if !waiter.done() { try? waiter.setResult(()); return }
        }
    }

    /// The next future to complete; `TimeoutError` once the deadline passed.
    nonisolated(nonsending) func next() async throws -> F {
        while nextIndex >= finished.count {
            if timedOut { throw TimeoutError() }
            let waiter = loop.createFuture(of: Void.self)
            waiters.append(waiter)
            // The waiting task awaits every future not done yet, for the call graph.
            let current = AnyTask.runningOnLoop(loop)
            let pending = current == nil ? [] : all.filter { !$0.done() }
            if let current { for future in pending { future.addAwaitedBy(current) } }
            defer { if let current { for future in pending { future.discardAwaitedBy(current) } } }
            try await waiter.waitUntilDone(site: AwaitSite("asyncio.asCompleted()", "", 0))
            try waiter.result()
        }
        defer { nextIndex += 1 }
        return finished[nextIndex]
    }
}

/// One step of `asCompleted`: awaiting `value` gives the result of the next future to finish.
public struct NextCompleted<F: TypedFuture>: Sendable {
    let queue: CompletionQueue<F>
    /// The result of the next future to finish (rethrows its error; `TimeoutError` on timeout).
    nonisolated(nonsending) public var value: F.Value {
        get async throws { try await queue.next().result() }
    }
}

/// What `asyncio.asCompleted` returns: a sequence of awaitables in completion order
/// (`for next in s { try await next.value }`); `s.tasks` is an `AsyncSequence` of the original
/// futures in completion order (`for try await task in s.tasks`, Python 3.13's `async for`).
/// (Swift cannot make one type both a `Sequence` and an `AsyncSequence` of different elements.)
public struct AsCompleted<F: TypedFuture>: Sequence, Sendable {
    let queue: CompletionQueue<F>

    public func makeIterator() -> Iterator { Iterator(queue: queue, left: queue.count) }

    /// The original futures or tasks, as each one finishes.
    public var tasks: Tasks { Tasks(queue: queue) }

    /// Iterates awaitables, one per future.
    public struct Iterator: IteratorProtocol {
        let queue: CompletionQueue<F>
        var left: Int
        public mutating func next() -> NextCompleted<F>? {
            guard left > 0 else { return nil }
            left -= 1
            return NextCompleted(queue: queue)
        }
    }

    /// The futures themselves in completion order.
    public struct Tasks: AsyncSequence, Sendable {
        public typealias Element = F
        let queue: CompletionQueue<F>
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue, left: queue.count) }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let queue: CompletionQueue<F>
            var left: Int
            public mutating func next() async throws -> F? {
                guard left > 0 else { return nil }
                left -= 1
                return try await queue.next()
            }
        }
    }
}

extension asyncio {
    /// The futures or tasks in the order they finish (asyncio.as_completed). `timeout` seconds
    /// after the call, awaiting the next one throws `TimeoutError`.
    public static func asCompleted<F: TypedFuture>(_ futures: [F], timeout: Double? = nil) throws -> AsCompleted<F> {
        let loop = try futures.first?.loop ?? getRunningLoop()
        return AsCompleted(queue: CompletionQueue(futures, timeout: timeout, loop: loop))
    }

    /// Runs the closures as tasks and yields them in the order they finish.
    public static func asCompleted<T: Sendable>(
        _ bodies: sending [() async throws -> T], timeout: Double? = nil
    ) throws -> AsCompleted<LoopTask<T>> {
        let loop = try getRunningLoop()
        return try asCompleted(bodies.map { try loop.createTaskMovingOut($0) }, timeout: timeout)
    }
}
