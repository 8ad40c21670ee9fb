// PeerProcess: a real peer program (openssl s_server, a Python server, nginx) started for a test.
import Foundation
import Glibc

/// A program a test talks to over loopback. Its output (standard output and error together) is
/// collected; `waitForLine` blocks until a line matches (a port, "ready"); `stop()` ends it and
/// returns everything it printed.
public final class PeerProcess: @unchecked Sendable {
    // Used from the test's thread only (the loop never touches it).
    private let process = Process()
    private let output = Pipe()
    private var collected = Data()

    public init(_ program: String, _ arguments: [String], standardInput: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.standardOutput = output
        process.standardError = output
        if standardInput { process.standardInput = Pipe() }
        try process.run()
    }

    deinit { _ = stop() }

    /// Waits up to `timeout` seconds for a line that `match` accepts and returns it.
    public func waitForLine(timeout: Double = 10, _ match: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = output.fileHandleForReading.fileDescriptor
        while Date() < deadline {
            // Whole lines only: a line read half ("PORT " of "PORT 41523") must not match.
            var lines = String(decoding: collected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines.removeLast()
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
    public func waitForPort(_ match: @escaping (String) -> Bool) throws -> Int {
        let line = try waitForLine(match)
        guard let port = line.split(whereSeparator: { !$0.isNumber }).last.flatMap({ Int($0) }) else {
            throw PeerError("no port in \(line)")
        }
        return port
    }

    /// Writes to the program's standard input (started with `standardInput: true`).
    public func send(_ text: String) {
        (process.standardInput as? Pipe)?.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Ends the program (if still running after `grace` seconds, for one that exits by itself)
    /// and returns all it printed.
    @discardableResult
    public func stop(grace: Double = 0) -> String {
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
public struct PeerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// True when a program is on the PATH.
public func onPath(_ program: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
    }
}

/// A loopback TCP port that was free a moment ago.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard bound == 0 else { throw PeerError("bind failed: \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// nginx (Debian's) started in the foreground with a configuration made of `servers` (the
/// `server { ... }` blocks) inside a boilerplate that keeps every file it writes in a new
/// folder under `folder`. `stop()` ends it and removes that folder.
public final class NginxPeer: @unchecked Sendable {
    // Used from the test's thread only.
    public let folder: String
    private let process: PeerProcess

    public init(folder parent: String, servers: String) throws {
        folder = parent + "/nginx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let configuration = """
        daemon off;
        master_process off;
        error_log \(folder)/error.log;
        pid \(folder)/nginx.pid;
        events {}
        http {
            access_log off;
            client_body_temp_path \(folder)/body;
            proxy_temp_path \(folder)/proxy;
            fastcgi_temp_path \(folder)/fastcgi;
            uwsgi_temp_path \(folder)/uwsgi;
            scgi_temp_path \(folder)/scgi;
        \(servers)
        }
        """
        try configuration.write(toFile: "\(folder)/nginx.conf", atomically: true, encoding: .utf8)
        process = try PeerProcess("nginx", ["-c", "\(folder)/nginx.conf", "-e", "\(folder)/error.log"])
    }

    deinit { stop() }

    /// Ends nginx and removes its folder.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Blocks until something accepts TCP connections on 127.0.0.1:`port` (a peer that started),
/// or throws after `timeout` seconds.
public func waitForListener(port: Int, timeout: Double = 10) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if connected == 0 { return }
        usleep(20_000)
    }
    throw PeerError("nothing listens on port \(port) after \(timeout) s")
}

/// An executable product of this package (`swift build` puts it beside the test bundle), or nil.
public func productExecutable(_ name: String) -> URL? {
    var folder = Bundle.main.bundleURL
    for _ in 0..<3 {
        let candidate = folder.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        folder.deleteLastPathComponent()
    }
    return nil
}

/// Runs `program` (found on PATH, or a path) to its end and returns its standard output and exit
/// status; its standard error goes to the test's.
public func runToEnd(_ program: String, _ arguments: [String]) throws -> (output: String, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}
