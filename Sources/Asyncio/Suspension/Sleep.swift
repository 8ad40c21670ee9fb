// sleep(delay, result:) on the loop's own timers.

extension TimerHandle: WaitTarget {
    func parkWaiter(_ waker: Waker) { action = .wake(waker) }

    func cancelWait(message: String?) -> Bool {
        guard case .wake(let waker) = action else { return false }
        cancel()
        cancelMessage = message
        waker.wake()
        return true
    }

    var waitLoop: EventLoop { loop }
}

extension asyncio {
    /// Suspends the current task for `delay` seconds of loop time (asyncio.sleep).
    ///
    /// `delay <= 0` yields to the loop once; NaN throws `ValueError`. Cancelling the task ends
    /// the sleep with `CancelledError`.
    nonisolated(nonsending) public static func sleep(
        _ delay: Double, fileID: StaticString = #fileID, line: UInt = #line
    ) async throws {
        if delay > 0 {
            try await sleepOnTimer(delay, site: AwaitSite("asyncio.sleep()", fileID, line))
        } else if delay.isNaN {
            throw ValueError("Invalid delay: NaN (not a number)")
        } else {
            try await yieldOnce()
        }
    }

    /// `sleep(0)`: one bare yield. Kept out of `sleep` so that `sleep`'s async frame does not
    /// hold the yield's continuation: every task parked in a long `sleep` carries that frame.
    @inline(never)
    nonisolated(nonsending) static func yieldOnce() async throws {
        try await yieldToLoop(getRunningLoop())
    }

    /// Suspends for `delay` seconds and returns `result`.
    @discardableResult
    nonisolated(nonsending) public static func sleep<T>(
        _ delay: Double, result: T, fileID: StaticString = #fileID, line: UInt = #line
    ) async throws -> T {
        try await sleep(delay, fileID: fileID, line: line)
        return result
    }

    /// Parks the current task on a timer of the running loop for `delay` (> 0) seconds.
    nonisolated(nonsending) static func sleepOnTimer(_ delay: Double, site: AwaitSite? = nil) async throws {
        let loop = try getRunningLoop()
        let handle = loop.scheduleTimer(at: loop.time() + delay, action: .none)
        defer { if !handle.isCancelled && handle.scheduled { handle.cancel() } }
        try await park(on: handle, site: site)
        if handle.isCancelled { throw CancelledError(handle.cancelMessage) }
    }
}
