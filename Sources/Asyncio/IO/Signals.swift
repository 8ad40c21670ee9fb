// Signal handlers on the loop: a C handler writes the signal number to a pipe the loop reads.
import CAsyncio
import Glibc

/// The interrupt that ended `asyncio.run` (Python's KeyboardInterrupt, after Ctrl-C).
public struct KeyboardInterrupt: Error, Equatable, CustomStringConvertible, Sendable {
    /// The interrupt, as `KeyboardInterrupt()`.
    public init() {}
    public var description: String { "KeyboardInterrupt" }
}

/// The loop's signal state: the pipe the C handler writes to, and the callbacks by signal.
/// Owned by the loop thread.
final class SignalState {
    let readFD: Int32
    let writeFD: Int32
    var handlers: [Int32: Handle] = [:]

    init() throws {
        var fds: [Int32] = [0, 0]
        guard casyncio_pipe_cloexec(&fds) == 0 else { throw OSError(code: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        readFD = fds[0]
        writeFD = fds[1]
    }
}

extension EventLoop {
    /// Calls `callback` on the loop each time `signal` arrives (asyncio's `add_signal_handler`).
    /// The process's handler for that signal is replaced; one loop handles signals at a time.
    /// Throws `ValueError` for SIGKILL/SIGSTOP or an invalid number.
    @discardableResult
    public func addSignalHandler(_ signal: Int32, _ callback: @escaping () throws -> Void) throws -> Handle {
        try checkClosed()
        guard signal > 0 && signal < 65, signal != SIGKILL, signal != SIGSTOP else {
            throw ValueError("invalid signal number \(signal)")
        }
        let state: SignalState
        if let existing = signals {
            state = existing
        } else {
            state = try SignalState()
            adoptDescriptor(state.readFD, .signalPipe)
            adoptDescriptor(state.writeFD, .signalPipe)
            signals = state
            try addReader(state.readFD) { [self] in signalsArrived() }
        }
        casyncio_signal_set_fd(state.writeFD)
        let handle = Handle(action: .call(callback))
        state.handlers[signal]?.cancel()
        state.handlers[signal] = handle
        if casyncio_signal_catch(signal) != 0 {
            state.handlers[signal] = nil
            throw OSError(code: errno)
        }
        return handle
    }

    /// Removes the handler of `signal` and restores its default action. Returns true if there
    /// was one (asyncio's `remove_signal_handler`).
    @discardableResult
    public func removeSignalHandler(_ signal: Int32) -> Bool {
        guard let state = signals, let handle = state.handlers.removeValue(forKey: signal) else { return false }
        handle.cancel()
        _ = casyncio_signal_default(signal)
        if state.handlers.isEmpty {
            removeReader(state.readFD)
            casyncio_signal_set_fd(-1)
            closeDescriptor(state.readFD)
            closeDescriptor(state.writeFD)
            signals = nil
        }
        return true
    }

    /// The pipe has signal numbers: schedule their handlers.
    private func signalsArrived() {
        guard let state = signals else { return }
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(state.readFD, &bytes, bytes.count)
            if count <= 0 { return }
            for byte in bytes[0..<count] {
                if let handle = state.handlers[Int32(byte)], !handle.isCancelled { ready.push(.handle(handle)) }
            }
        }
    }
}
