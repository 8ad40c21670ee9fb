// ChildProcess: a process started from the loop, with its pipes as streams (asyncio.subprocess.Process).
import CAsyncio
import Glibc

/// What a child's standard stream is connected to (asyncio.subprocess.PIPE, DEVNULL, STDOUT...).
public enum SubprocessStream: Sendable, Equatable {
    /// A pipe to this process: a `StreamWriter` for stdin, a `StreamReader` for stdout/stderr.
    case pipe
    /// /dev/null.
    case devnull
    /// This process's own stream.
    case inherit
    /// For stderr only: the same pipe or file as stdout.
    case stdout
}

/// A child process started with `asyncio.createSubprocessExec`/`createSubprocessShell`.
/// Its exit is watched through a pidfd on the loop (no SIGCHLD handler, so no race with other
/// code reaping children). Owned by the loop thread.
public final class ChildProcess: @unchecked Sendable {
    /// The process id.
    public let pid: Int32
    /// A writer to the child's stdin, when it is a pipe.
    public let stdin: StreamWriter?
    /// A reader of the child's stdout, when it is a pipe.
    public let stdout: StreamReader?
    /// A reader of the child's stderr, when it is a pipe.
    public let stderr: StreamReader?
    /// The exit status once the child ended: its exit code, or -N if signal N killed it.
    public private(set) var returncode: Int32?
    private let loop: EventLoop
    private var exitWaiters: [Future<Int32>] = []
    private var pidfd: Int32 = -1

    init(pid: Int32, loop: EventLoop, stdin: StreamWriter?, stdout: StreamReader?, stderr: StreamReader?) {
        self.pid = pid
        self.loop = loop
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        watchExit()
    }

    /// Waits for the child to end and returns its `returncode`. Cancelling the wait leaves the
    /// child running and waitable.
    nonisolated(nonsending) public func wait() async throws -> Int32 {
        if let returncode { return returncode }
        let waiter = loop.createFuture(of: Int32.self)
        exitWaiters.append(waiter)
        return try await waiter.value
    }

    /// Sends `input` to stdin (a child that stops reading is not an error), closes stdin, reads
    /// stdout and stderr to their end, and waits for the child (asyncio's `communicate`).
    nonisolated(nonsending) public func communicate(_ input: [UInt8]? = nil) async throws -> (stdout: [UInt8]?, stderr: [UInt8]?) {
        let (_, out, err) = try await asyncio.gather(
            { [self] () async throws -> Void in
                guard let stdin else { return }
                do {
                    if let input {
                        try stdin.write(input)
                        try await stdin.drain()
                    }
                } catch is ConnectionResetError {
                } catch let error as OSError where error.code == EPIPE || error.code == ECONNRESET {
                }
                stdin.close()
            },
            { [self] () async throws -> [UInt8]? in try await stdout?.read() },
            { [self] () async throws -> [UInt8]? in try await stderr?.read() })
        _ = try await wait()
        return (out, err)
    }

    /// Sends signal `signal` to the child (a child that already ended is left alone).
    public func sendSignal(_ signal: Int32) throws {
        if returncode != nil { return }
        if Glibc.kill(pid, signal) != 0 { throw OSError(code: errno) }
    }

    /// Sends SIGTERM.
    public func terminate() throws { try sendSignal(SIGTERM) }
    /// Sends SIGKILL.
    public func kill() throws { try sendSignal(SIGKILL) }

    // MARK: Exit

    private func watchExit() {
        pidfd = casyncio_pidfd_open(pid)
        if pidfd >= 0 { loop.adoptDescriptor(pidfd, .pidfd) }
        if pidfd >= 0, (try? loop.addReader(pidfd, { [self] in reap() })) != nil { return }
        if pidfd >= 0 { loop.closeDescriptor(pidfd); pidfd = -1 }
        // No pidfd: a thread waits for this one child only (never for any child).
        let pid = self.pid
        let box = UncheckedBox(self)
        let waiter = ThreadPoolExecutor(daemonNamed: "asyncio-waitpid")
        _ = try? waiter.submit {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let final = status
            _ = try? box.value.loop.callSoonThreadsafe { box.value.exited(final) }
        }
        waiter.shutdown(wait: false)
    }

    private func reap() {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) { exited(status) }
    }

    private func exited(_ status: Int32) {
        if returncode != nil { return }
        if pidfd >= 0 {
            loop.removeReader(pidfd)
            loop.closeDescriptor(pidfd)
            pidfd = -1
        }
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : -signal
        returncode = code
        for waiter in exitWaiters where !waiter.done() { try? waiter.setResult(code) }
        exitWaiters = []
    }
}
