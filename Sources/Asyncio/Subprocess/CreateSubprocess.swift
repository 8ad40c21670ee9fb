// createSubprocessExec / createSubprocessShell: spawn a child with pipes wired to streams.
import CAsyncio
import Glibc

extension asyncio {
    /// Starts `program` (looked up in PATH) with `arguments` (asyncio.create_subprocess_exec).
    nonisolated(nonsending) public static func createSubprocessExec(
        _ program: String, _ arguments: [String] = [],
        stdin: SubprocessStream = .inherit, stdout: SubprocessStream = .inherit, stderr: SubprocessStream = .inherit,
        limit: Int = StreamReader.defaultLimit
    ) async throws -> ChildProcess {
        let loop = try getRunningLoop()
        if stdin == .stdout || stdout == .stdout { throw ValueError("only stderr can go to stdout") }
        signal(SIGPIPE, SIG_IGN)   // as CPython: a child that stops reading gives EPIPE, not death
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32] = []       // pipe ends this process keeps: [stdin-write, stdout-read, stderr-read]
        var childEnds: [Int32] = []
        func plan(_ stream: SubprocessStream, _ target: Int32, childReads: Bool) throws -> Int32 {
            switch stream {
            case .inherit:
                return -1
            case .devnull:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", childReads ? O_RDONLY : O_WRONLY, 0)
                return -1
            case .stdout:
                posix_spawn_file_actions_adddup2(&actions, 1, target)
                return -1
            case .pipe:
                var fds: [Int32] = [0, 0]
                guard casyncio_pipe_cloexec(&fds) == 0 else { throw OSError(code: errno) }
                let (childEnd, parentEnd) = childReads ? (fds[0], fds[1]) : (fds[1], fds[0])
                posix_spawn_file_actions_adddup2(&actions, childEnd, target)
                childEnds.append(childEnd)
                _ = fcntl(parentEnd, F_SETFL, fcntl(parentEnd, F_GETFL) | O_NONBLOCK)
                parentEnds.append(parentEnd)
                return parentEnd
            }
        }
        let stdinEnd: Int32, stdoutEnd: Int32, stderrEnd: Int32
        do {
            stdinEnd = try plan(stdin, 0, childReads: true)
            stdoutEnd = try plan(stdout, 1, childReads: false)
            stderrEnd = try plan(stderr, 2, childReads: false)
        } catch {
            (parentEnds + childEnds).forEach { _ = close($0) }
            throw error
        }
        var pid = pid_t()
        let status = withCStringArray([program] + arguments) { argv in
            withCleanSpawnAttributes { attributes in posix_spawnp(&pid, program, &actions, attributes, argv, environ) }
        }
        childEnds.forEach { _ = close($0) }
        if status != 0 {
            parentEnds.forEach { _ = close($0) }
            throw OSError(code: status, filename: program)   // as subprocess.Popen names it
        }
        for end in parentEnds { loop.adoptDescriptor(end, .pipe) }
        var transports: [SocketTransport] = []
        var stdoutReader: StreamReader?
        var stderrReader: StreamReader?
        var stdinWriter: StreamWriter?
        if stdinEnd >= 0 {
            let protocolObject = StreamProtocol(reader: StreamReader(limit: limit), loop: loop)
            let transport = SocketTransport(loop: loop, fd: stdinEnd, protocolObject: protocolObject, peer: nil,
                                            isSocket: false, reads: false)
            transports.append(transport)
            stdinWriter = StreamWriter(transport: transport, protocolObject: protocolObject, reader: nil)
        }
        for (end, isStdout) in [(stdoutEnd, true), (stderrEnd, false)] where end >= 0 {
            let reader = StreamReader(limit: limit)
            transports.append(SocketTransport(loop: loop, fd: end, protocolObject: StreamProtocol(reader: reader, loop: loop),
                                              peer: nil, isSocket: false))
            if isStdout { stdoutReader = reader } else { stderrReader = reader }
        }
        do {
            try await sleep(0)   // the transports' connectionMade runs in the next iteration
        } catch {
            // Cancelled while starting: as asyncio, close the pipes, kill the child and reap it.
            for transport in transports { transport.close() }
            let process = ChildProcess(pid: pid, loop: loop, stdin: nil, stdout: nil, stderr: nil)
            try? process.kill()
            _ = try? await process.wait()
            throw error
        }
        return ChildProcess(pid: pid, loop: loop, stdin: stdinWriter, stdout: stdoutReader, stderr: stderrReader)
    }

    /// Runs `command` with /bin/sh -c (asyncio.create_subprocess_shell).
    nonisolated(nonsending) public static func createSubprocessShell(
        _ command: String,
        stdin: SubprocessStream = .inherit, stdout: SubprocessStream = .inherit, stderr: SubprocessStream = .inherit,
        limit: Int = StreamReader.defaultLimit
    ) async throws -> ChildProcess {
        try await createSubprocessExec("/bin/sh", ["-c", command], stdin: stdin, stdout: stdout, stderr: stderr, limit: limit)
    }
}

/// Spawn attributes that give the child a clean slate: no blocked signals and every signal's
/// default action (the spawning thread may block signals, and this process ignores SIGPIPE),
/// as CPython's `restore_signals`. Calls `body` with them.
package func withCleanSpawnAttributes<R>(_ body: (UnsafeMutablePointer<posix_spawnattr_t>) -> R) -> R {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var all = sigset_t()
    sigfillset(&all)
    sigdelset(&all, SIGKILL)
    sigdelset(&all, SIGSTOP)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return body(&attributes)
}

/// Calls `body` with a NULL-terminated C array of the strings (argv, envp).
package func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
