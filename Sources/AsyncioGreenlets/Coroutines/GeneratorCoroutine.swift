// asyncio 3.4's generator-based coroutines (@asyncio.coroutine + yield from), run as loop tasks.
import Asyncio

/// One step a generator-based coroutine hands to the task driving it: something to await.
public typealias CoroutineStep = () async throws -> Any?

/// A generator-based coroutine, as `@asyncio.coroutine` made them in asyncio 3.4: a generator
/// body that suspends with `yieldFrom(future)`, `yieldFrom(otherCoroutine)` or
/// `yieldFrom { try await ... }`. It runs when a task drives it (`createTask`, `ensureFuture`,
/// `asCompleted`, `runUntilComplete`, `asyncio.run`) or when async code awaits `run()`.
///
/// ```swift
/// func hello() -> GeneratorCoroutine<String> {
///     asyncio.coroutine { co in
///         print("Hello world")
///         try co.yieldFrom { try await asyncio.sleep(1) }
///         return "done"
///     }
/// }
/// ```
///
/// The driving task awaits each yielded step and sends its result back into the body, or throws
/// its error there; cancelling the task throws `CancelledError` at the pending `yieldFrom`, which
/// the body may catch, as in asyncio. A coroutine runs once.
public final class GeneratorCoroutine<Result> {
    let generator: Generator<CoroutineStep, Result>

    /// A coroutine running `body` on a stack of `stackSize` bytes.
    public init(stackSize: Int = Greenlet.defaultStackSize, _ body: @escaping (CoroutineContext) throws -> Result) {
        generator = Generator(stackSize: stackSize) { inner in try body(CoroutineContext(generator: inner)) }
    }

    /// Drives the coroutine to its end in the calling task (Python's `await coro` / `yield from`
    /// from a native coroutine) and returns its result.
    public func run() async throws -> Result {
        var outcome: Swift.Result<Any?, any Error> = .success(nil)
        while true {
            let step: CoroutineStep
            do {
                switch outcome {
                case .success(let value): step = try generator.send(value)
                case .failure(let error): step = try generator.throw(error)
                }
            } catch let stop as StopIteration<Result> {
                guard let value = stop.value else { throw GeneratorError.exhausted }
                return value
            }
            do {
                outcome = .success(try await step())
            } catch {
                outcome = .failure(error)
            }
        }
    }

    /// True once the coroutine has returned or thrown.
    public var isFinished: Bool { generator.isFinished }

    /// Closes a suspended coroutine (`GeneratorExit` at its pending `yieldFrom`).
    public func close() throws { _ = try generator.close() }
}

/// Handed to a generator-based coroutine's body: the ways to suspend it.
public struct CoroutineContext {
    let generator: GeneratorContext<CoroutineStep>

    /// Runs `coroutine` inside this one (`yield from coro`) and returns its result.
    public func yieldFrom<T>(_ coroutine: GeneratorCoroutine<T>) throws -> T {
        try generator.yieldFrom(coroutine.generator)
    }

    /// Suspends until `future` is done (`yield from future`) and returns its result, or throws
    /// its error (`CancelledError` if it was cancelled).
    public func yieldFrom<T: Sendable>(_ future: Future<T>) throws -> T {
        try yieldFrom { try await future.value }
    }

    /// Suspends until `task` is done (`yield from task`) and returns its result.
    public func yieldFrom<T: Sendable>(_ task: LoopTask<T>) throws -> T {
        try yieldFrom { try await task.value }
    }

    /// Suspends until the driving task has run `operation` (any async code: `asyncio.sleep`,
    /// a stream read, a lock) and returns its result.
    public func yieldFrom<T>(_ operation: @escaping () async throws -> T) throws -> T {
        let result = try generator.yield { try await operation() }
        return result as! T
    }
}
