// Waiting for a file descriptor to become readable or writable, as a wait target of the one primitive.

/// A one-shot wait for `fd` to be readable (or writable). Owned by the loop thread.
///
/// Readiness queues the registration's handle, which fires the waker when it runs; a cancel
/// unregisters the descriptor, cancels that handle and fires the waker itself. Whichever comes
/// second finds the waker spent (the primitive's exactly-once rule), in any order of ready,
/// cancel and failure.
final class ReadinessWait: WaitTarget, @unchecked Sendable {
    let waitLoop: EventLoop
    private let fd: Int32
    private let writing: Bool
    private var handle: Handle?
    private var waker: Waker?
    var cancelled = false
    var cancelMessage: String?
    var failure: (any Error)?

    /// What the wait is, for the call graph: `fd 7 readable`.
    var label: String { "fd \(fd) \(writing ? "writable" : "readable")" }

    init(loop: EventLoop, fd: Int32, writing: Bool) {
        waitLoop = loop
        self.fd = fd
        self.writing = writing
    }

    func parkWaiter(_ waker: Waker) {
        let handle = Handle(action: .wake(waker))
        self.handle = handle
        self.waker = waker
        do {
            if writing { try waitLoop.setWriter(fd, handle, once: true) } else { try waitLoop.setReader(fd, handle, once: true) }
        } catch {
            failure = error
            handle.cancel()
            waker.wake()
        }
    }

    func cancelWait(message: String?) -> Bool {
        guard let handle, let waker, waker.isArmed else { return false }
        if writing { waitLoop.removeWriter(fd, ifHandle: handle) } else { waitLoop.removeReader(fd, ifHandle: handle) }
        handle.cancel()
        cancelled = true
        cancelMessage = message
        waker.wake()
        return true
    }

    var description: String { "<readiness of fd \(fd) for \(writing ? "writing" : "reading")>" }
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
