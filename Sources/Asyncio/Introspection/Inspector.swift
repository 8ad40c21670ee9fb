// The inspector: serves snapshots of the process's loops on a Unix socket, for `asyncio-tools ps`.
import CAsyncio
import Glibc

/// Lets `asyncio-tools ps PID` and `pstree PID` (CPython 3.14's `python -m asyncio ps`) look
/// into this process: a thread of its own serves snapshots of the registered loops' pending
/// tasks on a Unix socket that only this user can open (mode 0600, in a 0700 directory under
/// `$XDG_RUNTIME_DIR`, else `/tmp/asyncio-swift-UID`; a peer of another user is refused). It
/// answers while a loop is blocked: then it says for how long, and gives that loop's last
/// snapshot (one is taken each second while the inspector runs).
///
/// Turn it on with `ASYNCIO_INSPECT=1` in the environment (every loop registers itself;
/// `ASYNCIO_INSPECT=cancel` also allows `asyncio-tools cancel PID TASK`), or with
/// `loop.startInspector()`. Read-only unless cancel is allowed.
public enum Inspector {
    /// The socket path the inspector of process `pid` listens on, for this user.
    public static func socketPath(forProcess pid: Int32) -> String {
        socketDirectory() + "/\(pid).sock"
    }

    /// Sends one command (`snapshot`, `cancel 0x…`) to the inspector of process `pid` and returns
    /// its JSON answer. Throws `OSError` when there is no inspector there (`ENOENT`, `ECONNREFUSED`)
    /// or it does not answer within `timeout` seconds.
    public static func request(pid: Int32, _ command: String, timeout: Double = 5) throws -> String {
        let path = socketPath(forProcess: pid)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw OSError(code: errno) }
        defer { Glibc.close(fd) }
        setTimeouts(fd, timeout)
        let status = try SocketAddress.unix(path: path).withSockaddr { Glibc.connect(fd, $0, $1) }
        guard status == 0 else { throw OSError(code: errno, filename: path) }
        try writeAll(fd, Array((command + "\n").utf8))
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw OSError(code: errno, filename: path)
            }
            answer += chunk[..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    /// What the live page shows, from what the inspector has now (it does not wait for the
    /// loops): `{"pid": …, "cancel": false, "descriptors": 14, "loops": [{"running": true,
    /// "blocked_for": null, "lag_pending": null, "lag": [[12.0, 0.0004], …], "snapshot_age": 0.4,
    /// "snapshot": {…}}]}`. `descriptors` counts the process's open descriptors; `lag` holds
    /// (seconds ago, seconds late) pairs of the last five minutes: how long each snapshot
    /// request waited for its loop to run it (one a second while the inspector runs);
    /// `lag_pending` is how long the current one has waited so far. A loop that has made no
    /// progress for over a quarter of a second has `blocked_for` set. The snapshots are those
    /// `asyncio-tools ps` reads, with each task's `state` and `age`, the loop's ready-queue
    /// depth, its registered descriptors, and its watchdog reports. Empty of loops until a loop
    /// starts the inspector.
    public static func status() -> String {
        String(decoding: InspectorServer.shared.statusReply(fresh: false), as: UTF8.self)
    }

    /// How many descriptors the process has open (the entries of `/proc/self/fd`).
    static func openDescriptorCount() -> Int {
        guard let directory = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count - 1   // the directory's own descriptor
    }

    /// True when the environment asks for the inspector (`ASYNCIO_INSPECT`), read once.
    static let fromEnvironment: (on: Bool, allowCancel: Bool) = {
        guard let value = getenv("ASYNCIO_INSPECT").map({ String(cString: $0) }), !value.isEmpty, value != "0" else {
            return (false, false)
        }
        return (true, value == "cancel")
    }()

    /// The directory of the sockets: private to this user.
    static func socketDirectory() -> String {
        if let runtime = getenv("XDG_RUNTIME_DIR").map({ String(cString: $0) }), !runtime.isEmpty {
            var info = stat()
            if stat(runtime, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { return runtime + "/asyncio-swift" }
        }
        return "/tmp/asyncio-swift-\(getuid())"
    }

    static func setTimeouts(_ fd: Int32, _ seconds: Double) {
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + sent, $0.count - sent) }
            if count < 0 {
                if errno == EINTR { continue }
                throw OSError(code: errno)
            }
            sent += count
        }
    }
}

extension EventLoop {
    /// Makes this loop visible to `asyncio-tools ps`/`pstree`, starting the process's inspector
    /// if it is not running, and returns the socket's path. With `allowCancel`, the tools may
    /// also cancel a task (`asyncio-tools cancel PID TASK`). Throws `OSError` when the socket
    /// cannot be made, or its directory is not private to this user.
    @discardableResult
    public func startInspector(allowCancel: Bool = false) throws -> String {
        try InspectorServer.shared.add(self, allowCancel: allowCancel)
    }

    /// Stops showing this loop to the inspector (the server goes on for other loops).
    public func stopInspector() { InspectorServer.shared.remove(self) }
}

/// The server behind `Inspector`, one per process. Every stored `var` is guarded by
/// `condition`'s lock; the socket is served by the server's own thread.
///
/// Ownership: the server holds each loop weakly, and a snapshot request the loop runs holds the
/// server (a process-wide object that never ends), so no loop is kept alive by being inspected.
final class InspectorServer: @unchecked Sendable {
    static let shared = InspectorServer()

    private struct Watched {
        weak var loop: EventLoop?
        let id: ObjectIdentifier
        var iterations: UInt64 = 0
        /// When the loop was last seen making progress (or idle, or not running).
        var lastProgress: Double
        var snapshot: [UInt8]?
        var snapshotTime: Double = 0
        var snapshotsTaken = 0
        /// When the snapshot request the loop has not run yet was posted (one at a time, so a
        /// blocked loop does not pile them up).
        var pendingSince: Double?
        /// (when, seconds late) of the answered requests of the last `lagWindow` seconds.
        var lag: [(at: Double, seconds: Double)] = []
    }

    /// How far back the lag history goes, in seconds, and how many samples it keeps at most.
    static let lagWindow = 300.0
    static let lagSamples = 600

    private let condition = ThreadCondition()
    private var watched: [Watched] = []
    private var allowCancel = false
    private var listener: Int32 = -1
    private var path: String?
    private var cancelRound = 0
    private var cancelFound = false
    private var cancelAnswers = 0

    /// Registers `loop`; starts the socket and its thread the first time.
    func add(_ loop: EventLoop, allowCancel: Bool) throws -> String {
        loop.recordsTaskAges.store(true, ordering: .relaxed)
        return try condition.locked {
            if allowCancel { self.allowCancel = true }
            watched.removeAll { $0.loop == nil }
            if !watched.contains(where: { $0.loop === loop }) {
                watched.append(Watched(loop: loop, id: ObjectIdentifier(loop), lastProgress: Self.now()))
            }
            if let path { return path }
            let made = try listen()
            listener = try openListener(made)
            path = made
            let fd = listener
            guard startDetachedThread({ InspectorServer.shared.serve(listener: fd) }) else {
                Glibc.close(fd)
                listener = -1
                path = nil
                throw OSError(code: EAGAIN, strerror: "cannot start the inspector's thread")
            }
            atexit { InspectorServer.shared.removeSocketFile() }
            return made
        }
    }

    func remove(_ loop: EventLoop) {
        condition.locked { watched.removeAll { $0.loop === loop || $0.loop == nil } }
    }

    private func removeSocketFile() {
        if let path = condition.locked({ path }) { unlink(path) }
    }

    /// Makes the private directory and returns the socket's path.
    private func listen() throws -> String {
        let directory = Inspector.socketDirectory()
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw OSError(code: errno, filename: directory) }
        var info = stat()
        guard lstat(directory, &info) == 0 else { throw OSError(code: errno, filename: directory) }
        guard (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid(), (info.st_mode & 0o077) == 0 else {
            throw OSError(code: EPERM, strerror: "the inspector's directory is not private to this user", filename: directory)
        }
        return Inspector.socketPath(forProcess: getpid())
    }

    private func openListener(_ path: String) throws -> Int32 {
        let address = SocketAddress.unix(path: path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw OSError(code: errno) }
        unlink(path)   // left by an earlier process with this pid
        let bound: Int32
        do { bound = try address.withSockaddr(for: "bind") { bind(fd, $0, $1) } } catch {
            Glibc.close(fd)
            throw error
        }
        guard bound == 0, chmod(path, 0o600) == 0, Glibc.listen(fd, 16) == 0 else {
            let error = OSError(code: errno, filename: path)
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    // MARK: the server's thread

    private func serve(listener: Int32) {
        var lastRefresh = 0.0
        while true {
            var poll = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let ready = Glibc.poll(&poll, 1, 100)
            sample()
            let now = Self.now()
            if now - lastRefresh >= 1 {
                lastRefresh = now
                requestSnapshots()
            }
            guard ready > 0 else { continue }
            let client = casyncio_accept(listener, nil, nil)
            if client < 0 { continue }
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) & ~O_NONBLOCK)   // this thread blocks, with timeouts
            answer(client)
            Glibc.close(client)
        }
    }

    /// Notes which loops made progress since the last look.
    private func sample() {
        let now = Self.now()
        condition.locked {
            watched.removeAll { $0.loop == nil }
            for index in watched.indices {
                guard let loop = watched[index].loop else { continue }
                let count = loop.iterations.load(ordering: .relaxed)
                if !loop.isRunning() { watched[index].pendingSince = nil }   // asked again once it runs
                if count != watched[index].iterations || loop.sleepingInPoll.load(ordering: .relaxed) || !loop.isRunning() {
                    watched[index].iterations = count
                    watched[index].lastProgress = now
                }
            }
        }
    }

    /// Asks every running loop for a snapshot; each answers when it next runs a callback. A
    /// loop that has not answered the last request is not asked again.
    private func requestSnapshots() {
        let now = Self.now()
        let loops = condition.locked {
            watched.indices.compactMap { index -> EventLoop? in
                guard watched[index].pendingSince == nil, let loop = watched[index].loop, loop.isRunning() else { return nil }
                watched[index].pendingSince = now
                return loop
            }
        }
        for loop in loops {
            loop.runOnLoopThread { [unowned loop] in
                let json = loop.snapshotJSON()
                InspectorServer.shared.deliver(json, from: loop)
            }
        }
    }

    private func deliver(_ json: [UInt8], from loop: EventLoop) {
        let now = Self.now()
        condition.locked {
            if let index = watched.firstIndex(where: { $0.loop === loop }) {
                watched[index].snapshot = json
                watched[index].snapshotTime = now
                watched[index].snapshotsTaken += 1
                if let asked = watched[index].pendingSince {
                    watched[index].lag.append((now, now - asked))
                    watched[index].lag.removeAll { $0.at < now - Self.lagWindow }
                    // `ps` asks too: however often, the history stays small.
                    if watched[index].lag.count > Self.lagSamples { watched[index].lag.removeFirst(watched[index].lag.count - Self.lagSamples) }
                }
                watched[index].pendingSince = nil
            }
            condition.broadcast()
        }
    }

    /// Reads one command line from `client` and writes the answer.
    private func answer(_ client: Int32) {
        guard casyncio_peer_uid(client) == Int(getuid()) else {
            try? Inspector.writeAll(client, Array("{\"error\": \"refused: the inspector answers only its own user\"}\n".utf8))
            return
        }
        Inspector.setTimeouts(client, 1)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 256, Glibc.read(client, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let command = String(decoding: line, as: UTF8.self).split(separator: " ").map(String.init)
        let reply: String
        switch command.first {
        case "snapshot":
            try? Inspector.writeAll(client, statusReply(fresh: true))
            return
        case "cancel" where command.count == 2: reply = cancelReply(command[1])
        default: reply = "{\"error\": \"unknown command; the inspector knows: snapshot, cancel TASK\"}"
        }
        try? Inspector.writeAll(client, Array((reply + "\n").utf8))
    }

    /// With `fresh`, a new snapshot of every loop that answers within half a second, and the
    /// last one of a loop that does not (it is blocked), with how long it has been. Without, the
    /// last snapshots at once (taken each second), a loop counted as blocked when it has made
    /// no progress for a quarter of a second (`Inspector.status()`).
    func statusReply(fresh: Bool) -> [UInt8] {
        let before = condition.locked { watched.map(\.snapshotsTaken) }
        if fresh {
            requestSnapshots()
            let deadline = Self.now() + 0.5
            condition.locked {
                _ = condition.wait(timeout: deadline - Self.now()) {
                    zip(watched, before).allSatisfy { loop, count in
                        loop.snapshotsTaken > count || !(loop.loop?.isRunning() ?? false)
                    }
                }
            }
        }
        sample()
        let now = Self.now()
        let descriptors = Inspector.openDescriptorCount()
        return condition.locked {
            var json = JSONText(capacity: watched.reduce(256) { $0 + ($1.snapshot?.count ?? 0) + 40 * $1.lag.count + 128 })
            json.raw("{\"pid\": \(getpid()), \"cancel\": \(allowCancel), \"descriptors\": \(descriptors), \"loops\": [")
            for (position, loop) in watched.enumerated() {
                let answered = position < before.count && loop.snapshotsTaken > before[position]
                let running = loop.loop?.isRunning() ?? false
                let stalled = fresh ? !answered : now - loop.lastProgress > 0.25
                let blocked = running && stalled ? now - loop.lastProgress : nil
                if position > 0 { json.raw(", ") }
                json.raw("{\"running\": \(running), \"blocked_for\": " + (blocked.map { "\($0)" } ?? "null"))
                json.raw(", \"lag_pending\": " + (loop.pendingSince.map { "\(now - $0)" } ?? "null") + ", \"lag\": [")
                for (index, sample) in loop.lag.filter({ now - $0.at <= Self.lagWindow }).enumerated() {   // none kept past the window
                    json.raw(index > 0 ? ", [\(now - sample.at), \(sample.seconds)]" : "[\(now - sample.at), \(sample.seconds)]")
                }
                json.raw("]")
                json.raw(", \"snapshot_age\": " + (loop.snapshot == nil ? "null" : "\(now - loop.snapshotTime)"))
                json.raw(", \"snapshot\": ")
                if let snapshot = loop.snapshot { json.append(bytes: snapshot) } else { json.raw("null") }
                json.raw("}")
            }
            json.raw("]}\n")
            return json.bytes
        }
    }

    /// Cancels the pending task with that id, when cancel is allowed.
    private func cancelReply(_ id: String) -> String {
        let (allowed, loops) = condition.locked { (allowCancel, watched.compactMap(\.loop).filter { $0.isRunning() }) }
        guard allowed else {
            return "{\"error\": \"cancel is not enabled in this process (ASYNCIO_INSPECT=cancel or startInspector(allowCancel: true))\"}"
        }
        let round = condition.locked {
            cancelRound += 1
            cancelFound = false
            cancelAnswers = 0
            return cancelRound
        }
        for loop in loops {
            loop.runOnLoopThread { [unowned loop] in
                let found = loop.liveTask(withHexID: id)?.cancel(msg: "cancelled by asyncio-tools") ?? false
                InspectorServer.shared.cancelAnswered(found, round: round)
            }
        }
        let (found, answers) = condition.locked {
            _ = condition.wait(timeout: 0.5) { cancelFound || cancelAnswers >= loops.count }
            return (cancelFound, cancelAnswers)
        }
        var quoted = JSONText(capacity: id.utf8.count + 2)
        quoted.string(id)
        let text = String(decoding: quoted.bytes, as: UTF8.self)
        if found { return "{\"cancelled\": \(text)}" }
        if answers < loops.count { return "{\"error\": \"no answer: a loop is blocked; not cancelled\", \"task\": \(text)}" }
        return "{\"error\": \"no pending task " + String(text.dropFirst().dropLast()) + "\"}"
    }

    private func cancelAnswered(_ found: Bool, round: Int) {
        condition.locked {
            guard round == cancelRound else { return }
            if found { cancelFound = true }
            cancelAnswers += 1
            condition.broadcast()
        }
    }
}
