// Waiting for a file descriptor to become readable or writable, as a wait target of the one primitive.

/// A one-shot wait for `fd` to be readable (or writable). Owned by the loop thread.
final class ReadinessWait: WaitTarget, @unchecked Sendable {
    let waitLoop: EventLoop
    private let fd: Int32
    private let writing: Bool
    private var handle: Handle?
    var cancelled = false
    var cancelMessage: String?
    var failure: (any Error)?

    init(loop: EventLoop, fd: Int32, writing: Bool) {
        waitLoop = loop
        self.fd = fd
        self.writing = writing
    }

    func parkWaiter(_ continuation: UnsafeContinuation<Void, Never>) {
        let handle = Handle(action: .resume(continuation))
        self.handle = handle
        do {
            if writing { try waitLoop.setWriter(fd, handle, once: true) } else { try waitLoop.setReader(fd, handle, once: true) }
        } catch {
            failure = error
            self.handle = nil
            waitLoop.scheduleResume(continuation)
        }
    }

    func cancelWait(message: String?) -> Bool {
        guard let handle, case .resume(let continuation) = handle.action, !handle.isCancelled else { return false }
        if writing { waitLoop.removeWriter(fd) } else { waitLoop.removeReader(fd) }
        cancelled = true
        cancelMessage = message
        waitLoop.scheduleResume(continuation)
        return true
    }
}

extension EventLoop {
    /// Parks the current task until `fd` is readable (or writable); cancellation unregisters it.
    nonisolated(nonsending) func waitUntilReady(_ fd: Int32, writing: Bool) async throws {
        let wait = ReadinessWait(loop: self, fd: fd, writing: writing)
        try await park(on: wait)
        if let failure = wait.failure { throw failure }
        if wait.cancelled { throw CancelledError(wait.cancelMessage) }
    }
}
