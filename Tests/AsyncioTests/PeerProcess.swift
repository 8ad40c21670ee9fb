// PeerProcess: a real peer program (openssl s_server, a Python server, nginx) started for a test.
import Foundation
import Glibc

/// A program a test talks to over loopback. Its output (standard output and error together) is
/// collected; `waitForLine` blocks until a line matches (a port, "ready"); `stop()` ends it and
/// returns everything it printed.
final class PeerProcess: @unchecked Sendable {
    // Used from the test's thread only (the loop never touches it).
    private let process = Process()
    private let output = Pipe()
    private var collected = Data()

    init(_ program: String, _ arguments: [String], standardInput: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.standardOutput = output
        process.standardError = output
        if standardInput { process.standardInput = Pipe() }
        try process.run()
    }

    deinit { _ = stop() }

    /// Waits up to `timeout` seconds for a line that `match` accepts and returns it.
    func waitForLine(timeout: Double = 10, _ match: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = output.fileHandleForReading.fileDescriptor
        while Date() < deadline {
            let lines = String(decoding: collected, as: UTF8.self).split(separator: "\n").map(String.init)
            if let line = lines.first(where: match) { return line }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) > 0 {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = read(fd, &chunk, chunk.count)
                if count <= 0 { break }
                collected.append(contentsOf: chunk[0..<count])
            }
        }
        throw PeerError("no matching line from \(process.arguments?.first ?? "?"); it printed:\n\(String(decoding: collected, as: UTF8.self))")
    }

    /// The port in the first line that `match` accepts (the last number on it).
    func waitForPort(_ match: @escaping (String) -> Bool) throws -> Int {
        let line = try waitForLine(match)
        guard let port = line.split(whereSeparator: { !$0.isNumber }).last.flatMap({ Int($0) }) else {
            throw PeerError("no port in \(line)")
        }
        return port
    }

    /// Writes to the program's standard input (started with `standardInput: true`).
    func send(_ text: String) {
        (process.standardInput as? Pipe)?.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Ends the program (if still running after `grace` seconds, for one that exits by itself)
    /// and returns all it printed.
    @discardableResult
    func stop(grace: Double = 0) -> String {
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if let input = process.standardInput as? Pipe { try? input.fileHandleForWriting.close() }
        if process.isRunning {
            // SIGKILL, not SIGTERM: the test's thread (a Dispatch worker) blocks signals, and a
            // child started by Foundation's Process inherits that mask.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // What is left in the pipe, without waiting for its end: a child of the peer (or a
        // process spawned meanwhile) may still hold the write end.
        let fd = output.fileHandleForReading.fileDescriptor
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while poll(&poller, 1, 50) > 0 {
            let count = read(fd, &chunk, chunk.count)
            if count <= 0 { break }
            collected.append(contentsOf: chunk[0..<count])
        }
        try? output.fileHandleForReading.close()
        try? output.fileHandleForWriting.close()
        return String(decoding: collected, as: UTF8.self)
    }
}

/// A peer did not start or say what the test waits for.
struct PeerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
