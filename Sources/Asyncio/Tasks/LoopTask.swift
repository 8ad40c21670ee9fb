// LoopTask<T>: an asyncio task, a Swift task running on the loop with asyncio's task state.
import CAsyncio

/// A Swift task that runs on an event loop, with asyncio's task semantics (asyncio.Task).
///
/// Create it with `loop.createTask` or `asyncio.createTask`. Await it with `try await task.value`.
/// Named `LoopTask` so that it never shadows Swift's own `Task`.
public final class LoopTask<T: Sendable>: AnyTask, TypedFuture, @unchecked Sendable {
    /// The body, from `start` until the Swift task's first step takes it.
    @exclusivity(unchecked) private var body: (() async throws -> T)?

    /// The task's result; rethrows its error. Throws `CancelledError` if it was cancelled and
    /// `InvalidStateError` if it is not done yet.
    public func result() throws -> T { try resultOrThrow(as: T.self) }

    /// Adds a callback run with this task once it is done. It is always scheduled with
    /// `callSoon`, even when already done. Returns a token for `removeDoneCallback`.
    @discardableResult
    public func addDoneCallback(
        _ callback: @escaping (LoopTask<T>) throws -> Void, fileID: StaticString = #fileID, line: UInt = #line
    ) -> CallbackToken {
        onDone(.closure(fileID: fileID, line: line)) { try callback($0 as! LoopTask<T>) }
    }

    /// Waits for the task and returns its result (`await task` in asyncio). Cancelling the
    /// waiting task cancels this one too, as asyncio does.
    nonisolated(nonsending) public var value: T {
        get async throws {
            try await waitUntilDone()
            return try result()
        }
    }

    /// Starts the body on the loop: its first step runs after the callbacks already queued.
    func start(_ body: sending @escaping () async throws -> T) {
        self.body = body
        launch()
    }

    /// The Swift task's body: takes the task's body and runs it with asyncio's task semantics.
    ///
    /// Swift's own cancel of this Swift task is bridged into an asyncio cancel by
    /// `bridgeSwiftCancel()` when the task parks or yields on the loop and when it returns, not
    /// by a cancellation handler: the handle is never handed out, so only the task itself can
    /// cancel it, while it runs. A handler would cost a status record per task (taken under the
    /// runtime's status lock) and a larger async frame.
    override func runFirstStep() async {
        let body = self.body.take()!
        let swiftTask = casyncio_current_task()!
        self.swiftTask = swiftTask
        loop.runningTasks.insert(self, for: swiftTask)
        if mustCancel {
            finishCancelled(pendingCancelMessage)
            return
        }
        do {
            let value = try await body()
            bridgeSwiftCancel()
            if mustCancel {
                finishCancelled(pendingCancelMessage)
            } else {
                untypedResult = value
                state = .finished
                finished()
            }
        } catch let error as CancelledError {
            finishCancelled(error.message)
        } catch is CancellationError {
            finishCancelled(nil)
        } catch {
            detach()
            finish(error: error)
        }
    }

    private func finishCancelled(_ message: String?) {
        mustCancel = false
        state = .cancelled
        cancelMessage = message
        finished()
    }

    private func finished() {
        detach()
        scheduleCallbacks()
    }

    /// The body is over: drop the Swift task reference and the loop's strong reference.
    private func detach() {
        if let swiftTask { loop.runningTasks.remove(swiftTask) }
        swiftTask = nil
        loop.unregister(self)
    }
}
