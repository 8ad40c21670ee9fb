// One worker process: started with posix_spawn, spoken to with length-prefixed JSON over pipes.
import Asyncio
import CAsyncio
import Foundation
import Glibc

/// A request or a reply on the worker pipes.
struct Frame: Codable {
    var function: String?
    var payload: Data?
    var error: String?
}

/// A worker process and the parent's ends of its pipes. Used by one parent thread at a time.
final class WorkerProcess: @unchecked Sendable {
    // Used only by the pool thread that owns this worker.
    static let environmentKey = "ASYNCIO_PROCESS_WORKER"
    static let requestFD: Int32 = 3
    static let replyFD: Int32 = 4

    let pid: pid_t
    private let requests: Int32
    private let replies: Int32

    /// Starts `program` as a worker (spawn, never fork).
    init(program: String) throws {
        var requestPipe: [Int32] = [0, 0], replyPipe: [Int32] = [0, 0]
        guard casyncio_pipe_cloexec(&requestPipe) == 0, casyncio_pipe_cloexec(&replyPipe) == 0 else {
            throw BrokenProcessPool(description: "cannot create worker pipes (errno \(errno))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, requestPipe[0], Self.requestFD)
        posix_spawn_file_actions_adddup2(&actions, replyPipe[1], Self.replyFD)
        var environment = ProcessInfo.processInfo.environment
        environment[Self.environmentKey] = "1"
        let envStrings = environment.map { "\($0.key)=\($0.value)" }
        var pid = pid_t()
        let status = withCStringArray([program]) { argv in
            withCStringArray(envStrings) { envp in
                withCleanSpawnAttributes { attributes in posix_spawn(&pid, program, &actions, attributes, argv, envp) }
            }
        }
        close(requestPipe[0])
        close(replyPipe[1])
        guard status == 0 else {
            close(requestPipe[1])
            close(replyPipe[0])
            throw BrokenProcessPool(description: "cannot start a worker process (\(String(cString: strerror(status))))")
        }
        self.pid = pid
        requests = requestPipe[1]
        replies = replyPipe[0]
    }

    /// Sends one call and waits for its reply. A worker that dies meanwhile throws BrokenProcessPool.
    func call(_ function: String, _ argument: Data) throws -> Data {
        try FrameIO.write(Frame(function: function, payload: argument), to: requests)
        guard let reply = try FrameIO.read(from: replies) else {
            throw BrokenProcessPool(description: "A process in the process pool was terminated abruptly while the future was running or pending.")
        }
        if let error = reply.error { throw RemoteError(description: error) }
        return reply.payload ?? Data()
    }

    /// Closes the request pipe (the worker exits) and, if `wait`, reaps the process.
    func stop(wait: Bool) {
        close(requests)
        close(replies)
        if wait {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}

/// Length-prefixed JSON frames on a file descriptor.
enum FrameIO {
    static func write(_ frame: Frame, to fd: Int32) throws {
        let body = try JSONEncoder().encode(frame)
        var length = UInt32(body.count).littleEndian
        var bytes = Data(bytes: &length, count: 4)
        bytes.append(body)
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BrokenProcessPool(description: "the worker process is gone (errno \(errno))")
                }
                offset += written
            }
        }
    }

    /// The next frame, or nil at end of file.
    static func read(from fd: Int32) throws -> Frame? {
        guard let header = readExactly(4, from: fd) else { return nil }
        let length = header.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
        guard let body = readExactly(length, from: fd) else { return nil }
        return try JSONDecoder().decode(Frame.self, from: body)
    }

    private static func readExactly(_ count: Int, from fd: Int32) -> Data? {
        var data = Data(count: count)
        var offset = 0
        while offset < count {
            let got = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, count - offset) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return nil }
            offset += got
        }
        return data
    }
}
