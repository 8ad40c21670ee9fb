// The blocked-loop watchdog: when one iteration runs too long, log who blocks the loop and where.
import CAsyncio
import Glibc
import Logging
import Synchronization

extension EventLoop {
    /// Watches this loop from a thread of its own: when one iteration runs longer than
    /// `threshold` seconds, the loop's thread is signalled (SIGRTMIN+4) and its stack captured at
    /// that moment; when the loop comes back, one warning per stall goes to `logger` with the
    /// final duration, the task that blocked it (name, creation site, what it last awaited) and
    /// the stack, symbolicated off the loop. A stall of more than 5 s is reported while it lasts
    /// (then without the task's name, which only the loop's thread may read); its final report
    /// is then kept in `watchdogReports` and not logged again.
    ///
    /// On in debug mode (threshold `slowCallbackDuration`) for loops on the real clock. The
    /// capture interrupts the blocking system call once, as any signal does: a `nanosleep` or
    /// `poll` there returns early with `EINTR` (code that retries, as Python's `time.sleep` and
    /// Foundation's `Thread.sleep` do, is not affected). No cost on the loop until a stall.
    public func watchdog(threshold: Double = 0.1) {
        LoopWatchdog.shared.watch(self, threshold: threshold)
    }

    /// Stops watching this loop.
    public func stopWatchdog() { LoopWatchdog.shared.unwatch(self) }

    /// The watchdog's reports of this loop, oldest first (the last 32).
    public var watchdogReports: [WatchdogReport] { stallReports }

    /// Logs a stall the watchdog saw end, naming its task (on the loop's thread).
    func reportStall(_ stall: LoopWatchdog.Stall, duration: Double, threshold: Double) {
        let culprit = UnsafeMutableRawPointer(bitPattern: stall.task).map { Unmanaged<AnyTask>.fromOpaque($0).takeRetainedValue() }
        let report = WatchdogReport(duration: duration, threshold: threshold, ongoing: false,
                                    task: culprit.map { WatchdogReport.TaskInfo($0) }, stack: stall.frames)
        // One log line per stall: a long one was logged while it lasted; its final report is kept.
        record(report, log: !stall.reportedWhileOngoing)
    }

    func record(_ report: WatchdogReport, log: Bool = true) {
        stallReports.append(report)
        if stallReports.count > 32 { stallReports.removeFirst() }
        if log { logger.warning("\(report)") }
    }
}

/// One stall of a loop, as the watchdog logged it.
public struct WatchdogReport: Sendable, CustomStringConvertible {
    /// What the blocking task was, when it was a task of the loop.
    public struct TaskInfo: Sendable {
        /// Its name.
        public let name: String
        /// Where it was created.
        public let origin: TaskOrigin
        /// What it last awaited (`asyncio.sleep() at App/main.swift:12`), if the awaitable said.
        public let lastAwait: String?

        init(_ task: AnyTask) {
            name = task.name
            origin = task.origin
            lastAwait = task.awaitSite.map { site in
                site.file.utf8CodeUnitCount > 0 ? "\(site.label) at \(site.file):\(site.line)" : "\(site.label)"
            }
        }
    }

    /// How long the loop was blocked (so far, when `ongoing`), in seconds.
    public let duration: Double
    /// The threshold it passed.
    public let threshold: Double
    /// True when reported while the loop was still blocked.
    public let ongoing: Bool
    /// The task running when the stack was taken; nil for a callback or code outside loop tasks
    /// (or when `ongoing`: only the loop's thread may read its tasks).
    public let task: TaskInfo?
    /// The loop thread's stack when the stall passed the threshold, innermost first:
    /// `#0 nanosleep (libc.so.6)`.
    public let stack: [String]

    /// The log line: what blocked the loop, for how long, and the stack.
    public var description: String {
        var text = "the event loop was blocked for \(formatSeconds(duration)) seconds"
        if ongoing { text = "the event loop has been blocked for \(formatSeconds(duration)) seconds and still is" }
        text += " (watchdog threshold \(formatSeconds(threshold)))"
        if let task {
            text += " by task '\(task.name)' created at \(task.origin)"
            if let lastAwait = task.lastAwait { text += ", which last awaited \(lastAwait)" }
        } else if !ongoing {
            text += " by a callback or code outside the loop's tasks"
        }
        return text + "; stack when it passed the threshold:\n" + stack.joined(separator: "\n")
    }
}

/// The watchdog's thread and what it watches. Every stored `var` is guarded by `condition`'s lock.
///
/// Ownership: entries hold their loops weakly; a stall report the loop runs holds only values.
final class LoopWatchdog: @unchecked Sendable {
    static let shared = LoopWatchdog()

    /// A stall in progress: when it began and the stack taken when it passed the threshold.
    struct Stall: Sendable {
        var frames: [String]
        /// The loop task running on the loop's thread then, retained by the capture (its
        /// address; 0 for none). The report takes the reference back on the loop's thread.
        var task: UInt
        var reportedWhileOngoing = false
    }

    private struct Entry {
        weak var loop: EventLoop?
        let id: ObjectIdentifier
        var threshold: Double
        var iterations: UInt64 = 0
        var lastProgress: Double
        var stall: Stall?
    }

    private let condition = ThreadCondition()
    private var entries: [Entry] = []
    private var started = false

    /// True once a loop is watched (a loop's thread then unblocks the capture signal as it runs).
    static let active = Atomic<Bool>(false)

    func watch(_ loop: EventLoop, threshold: Double) {
        Self.active.store(true, ordering: .releasing)
        // The loop's thread must let the capture signal in (Dispatch's threads block signals).
        if loop.isOnLoopThread { casyncio_unblock_stack_signal() } else if loop.isRunning() {
            loop.runOnLoopThread { casyncio_unblock_stack_signal() }
        }
        condition.locked {
            entries.removeAll { $0.loop == nil }
            if let index = entries.firstIndex(where: { $0.loop === loop }) {
                entries[index].threshold = threshold
            } else {
                entries.append(Entry(loop: loop, id: ObjectIdentifier(loop), threshold: threshold,
                                     lastProgress: InspectorServer.now()))
            }
            if !started {
                started = true
                // In the signal handler, on the loop's thread: the running loop task, retained so
                // it outlives the stall for the report (a probe of the loop's task table and an
                // atomic retain: no lock, no allocation). The probe may have interrupted an update
                // of the table: a task that does not run in this Swift task is not reported.
                casyncio_set_stack_hook {
                    guard let task = AnyTask.current, task.swiftTask == casyncio_current_task() else { return nil }
                    return Unmanaged.passRetained(task).toOpaque()
                }
                casyncio_install_stack_handler()
                _ = startDetachedThread { LoopWatchdog.shared.run() }
            }
            condition.broadcast()
        }
    }

    func unwatch(_ loop: EventLoop) {
        let dropped = condition.locked { () -> [Stall?] in
            let gone = entries.filter { $0.loop === loop || $0.loop == nil }.map(\.stall)
            entries.removeAll { $0.loop === loop || $0.loop == nil }
            return gone
        }
        dropped.forEach(Self.release)
    }

    /// Lets go of the task a discarded stall retained (any thread: a release only).
    private static func release(_ stall: Stall?) {
        if let stall, let pointer = UnsafeMutableRawPointer(bitPattern: stall.task) {
            Unmanaged<AnyTask>.fromOpaque(pointer).release()
        }
    }

    private func run() {
        while true {
            let period = condition.locked { () -> Double in
                _ = condition.wait(timeout: nil) { !entries.isEmpty }
                return max(0.002, min(0.025, (entries.map(\.threshold).min() ?? 0.1) / 4))
            }
            usleep(UInt32(period * 1e6))
            check()
        }
    }

    /// One look at every watched loop.
    private func check() {
        let now = InspectorServer.now()
        var toCapture: [(Int, EventLoop)] = []
        condition.locked {
            entries.removeAll { $0.loop == nil }
            for index in entries.indices {
                guard let loop = entries[index].loop else { continue }
                let count = loop.iterations.load(ordering: .relaxed)
                let idle = loop.sleepingInPoll.load(ordering: .relaxed) || !loop.isRunning()
                if count != entries[index].iterations || idle {
                    if let stall = entries[index].stall {
                        let duration = now - entries[index].lastProgress
                        let threshold = entries[index].threshold
                        if loop.isRunning() && !loop.isClosed() {
                            loop.runOnLoopThread { [unowned loop] in loop.reportStall(stall, duration: duration, threshold: threshold) }
                        } else {
                            Self.release(stall)   // stopped or closed: nobody runs a report now
                        }
                    }
                    entries[index].stall = nil
                    entries[index].iterations = count
                    entries[index].lastProgress = now
                } else if entries[index].stall == nil, now - entries[index].lastProgress >= entries[index].threshold {
                    toCapture.append((index, loop))
                } else if var stall = entries[index].stall, !stall.reportedWhileOngoing, now - entries[index].lastProgress > 5 {
                    stall.reportedWhileOngoing = true
                    entries[index].stall = stall
                    let report = WatchdogReport(duration: now - entries[index].lastProgress, threshold: entries[index].threshold,
                                                ongoing: true, task: nil, stack: stall.frames)
                    loop.logger.warning("\(report)")
                }
            }
        }
        for (index, loop) in toCapture {
            let stall = capture(loop)
            let kept = condition.locked { () -> Bool in
                guard let current = entries.firstIndex(where: { $0.loop === loop }) else { return false }
                _ = index
                entries[current].stall = stall
                return true
            }
            if !kept { Self.release(stall) }
        }
    }

    /// Signals the loop's thread for its stack and symbolicates it here.
    private func capture(_ loop: EventLoop) -> Stall {
        var frames = [UnsafeMutableRawPointer?](repeating: nil, count: 128)
        var task: UnsafeMutableRawPointer?
        let count = frames.withUnsafeMutableBufferPointer {
            casyncio_capture_stack(loop.ownerThread.load(ordering: .relaxed), $0.baseAddress, 128, &task, 200)
        }
        guard count > 0 else { return Stall(frames: ["(the loop's thread did not answer the stack signal)"], task: 0) }
        // Frames 0-1 are the signal handler and the kernel's trampoline.
        let lines = frames[0..<Int(count)].enumerated().dropFirst(2).map { position, address in
            "#\(position - 2) " + symbolicate(address)
        }
        return Stall(frames: lines, task: UInt(bitPattern: task))
    }

    /// Symbol tables of the binaries seen in stacks, by path (the watchdog's thread only).
    private var tables: [String: ELFSymbols?] = [:]

    private func symbolicate(_ address: UnsafeMutableRawPointer?) -> String {
        guard let address else { return "?" }
        var file: UnsafePointer<CChar>?
        var base: UnsafeMutableRawPointer?
        let exported = casyncio_symbol_name(address, &file, &base)
        let path = file.map { String(cString: $0) }
        let binary = path.map { String($0.split(separator: "/").last ?? "?") } ?? "?"
        var mangled = exported.map { String(cString: $0) }
        if mangled == nil, var path {
            if path.isEmpty || !path.hasPrefix("/") { path = "/proc/self/exe" }
            if tables[path] == nil { tables[path] = ELFSymbols(path: path) }
            if let table = tables[path] ?? nil {
                let offset = UInt(bitPattern: address) - (table.absolute ? 0 : UInt(bitPattern: base))
                mangled = table.name(containing: offset)
            }
        }
        guard let mangled else { return "0x" + String(UInt(bitPattern: address), radix: 16) + " (\(binary))" }
        var name = mangled
        if let demangled = swift_demangle(mangled, mangled.utf8.count, nil, nil, 0) {
            name = String(cString: demangled)
            free(demangled)
        }
        return "\(name) (\(binary))"
    }
}
