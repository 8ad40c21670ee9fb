// Cancellation at every await: run a scenario once per loop iteration k, cancelling its victim task at k.
import Asyncio
import Foundation

/// How a sweep's victim task ended.
public enum SweepOutcome<T: Sendable>: Sendable {
    case completed(T)
    case cancelled
    case failed(any Error)

    /// "completed", "cancelled" or "failed: <error>".
    public var summary: String {
        switch self {
        case .completed: "completed"
        case .cancelled: "cancelled"
        case .failed(let error): "failed: \(type(of: error)): \(error)"
        }
    }
}

/// One run of a cancellation sweep, handed to the scenario. Owned by the run's loop thread.
///
/// The scenario builds its fixture (servers, sockets, primitives), runs the code under test with
/// `victim { ... }`, which is the task cancelled at loop iteration k, then checks its invariants
/// with `require`, and registers cleanup with `atTeardown`. Objects passed to `track` must be
/// freed once the run's loop is closed.
public final class SweepRun: @unchecked Sendable {
    /// The run's loop (a new one for every run).
    public let loop: EventLoop
    /// The iteration at which the victim is cancelled; nil in the first, uncancelled run.
    public let k: Int?
    let tracker: LifetimeTracker
    var teardowns: [() async throws -> Void] = []
    var failures: [String] = []
    /// Iterations the victim took (the first run's count bounds k).
    var victimIterations = 0
    /// How the last victim ended.
    var outcomeSummary: String?

    init(loop: EventLoop, k: Int?, tracker: LifetimeTracker) {
        self.loop = loop
        self.k = k
        self.tracker = tracker
    }

    /// Keeps a weak reference to `object`; the sweep fails if it outlives the run's loop.
    public func track(_ object: AnyObject, _ name: String) { tracker.track(object, name) }

    /// Runs `body` after the victim ended, uncancelled, before the leak checks (last in, first out).
    public func atTeardown(_ body: @escaping () async throws -> Void) { teardowns.append(body) }

    /// Tracks `server` and closes it (waiting for its connections) at teardown; returns its port.
    @discardableResult
    public func adopt(_ server: Server) -> Int {
        track(server, "Server")
        atTeardown {
            server.close()
            try await server.waitClosed()
        }
        return server.addresses.first?.port ?? 0
    }

    /// Tracks a client connection's reader, writer and transport, and closes it at teardown.
    public func adopt(_ reader: StreamReader, _ writer: StreamWriter) {
        track(reader, "StreamReader")
        track(writer, "StreamWriter")
        track(writer.transport, "transport")
        atTeardown {
            writer.close()
            try await writer.waitClosed()
        }
    }

    /// Records a broken invariant (the sweep fails, naming k and `message`).
    public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { failures.append(message()) }
    }

    /// Runs `body` as a new task and cancels it at the start of the k-th loop iteration after its
    /// creation (at iteration 1 it has not started yet). Returns how it ended; a cancel that
    /// arrives after it finished does nothing.
    public func victim<T: Sendable>(_ body: sending @escaping () async throws -> T) async throws -> SweepOutcome<T> {
        let task = try loop.createTask(name: "victim", body)
        var iterations = 0
        let cancelAt = k
        loop.iterationHook = {
            iterations += 1
            if iterations == cancelAt { task.cancel() }
        }
        defer {
            loop.iterationHook = nil
            victimIterations = iterations
        }
        _ = try? await task.value
        let outcome: SweepOutcome<T>
        if task.cancelled() {
            outcome = .cancelled
        } else {
            do { outcome = .completed(try task.result()) } catch { outcome = .failed(error) }
        }
        outcomeSummary = outcome.summary
        return outcome
    }
}

/// Cancellation at every await point, systematically (not randomly): a scenario is run once
/// uncancelled to count the loop iterations its victim takes (N), then once for every k in
/// 1...N+1 on a fresh loop, with the victim cancelled at iteration k. After every run: no crash,
/// the scenario's invariants hold, no task is left, every descriptor the loop opened is closed,
/// the process's descriptor count is back at its baseline (when tests run serially), and every
/// tracked object and the loop itself are freed.
public enum CancellationSweep {
    /// What a sweep saw: how many runs ended each way.
    public struct Report: CustomStringConvertible, Sendable {
        public let label: String
        public let iterations: Int
        public var outcomes: [String: Int] = [:]
        public var description: String {
            "\(label): N=\(iterations), " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        /// How many runs ended with `summary` (e.g. "cancelled", "completed").
        public func count(_ summary: String) -> Int { outcomes[summary] ?? 0 }
    }

    /// Sweeps `scenario`; throws `LeakError` naming the label and k of the first run that broke
    /// something. `realTime` runs on the monotonic clock (for real I/O that takes real time);
    /// the default is a virtual clock. `maxRuns` bounds the k values tried (evenly spread past it).
    @discardableResult
    public static func run(
        _ label: String,
        realTime: Bool = false,
        maxRuns: Int = 400,
        allowedReports: [String] = [],
        _ scenario: @escaping @Sendable (SweepRun) async throws -> Void
    ) throws -> Report {
        let first = try runOnce(label, k: nil, realTime: realTime, allowedReports: allowedReports, scenario)
        var report = Report(label: label, iterations: first.iterations)
        report.outcomes["uncancelled " + first.outcome, default: 0] += 1
        let last = first.iterations + 1
        let stride = max(1, Int((Double(last) / Double(maxRuns)).rounded(.up)))
        for k in Swift.stride(from: 1, through: last, by: stride) {
            let result = try runOnce(label, k: k, realTime: realTime, allowedReports: allowedReports, scenario)
            report.outcomes[result.outcome, default: 0] += 1
        }
        // A sweep whose victim never finished uncancelled, or was never cancelled, tested nothing.
        if report.count("cancelled") == 0 || report.count("uncancelled cancelled") > 0 || report.count("uncancelled no victim") > 0 {
            throw LeakError("\(label): the sweep did not both cancel the victim and let it finish: \(report)")
        }
        return report
    }

    private static func runOnce(
        _ label: String, k: Int?, realTime: Bool, allowedReports: [String],
        _ scenario: @escaping @Sendable (SweepRun) async throws -> Void
    ) throws -> (iterations: Int, outcome: String) {
        // Under schedule fuzzing every run gets its own seed, derived from the label and k, so a
        // failure is reproduced by running that one test with the same ASYNCIO_SCHEDULE_SEED.
        let fuzzSeed = ScheduleFuzzer.environmentSeed.map { base in
            label.utf8.reduce(base) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } &+ UInt64(k ?? 0)
        }
        let context = "\(label), cancelled at iteration \(k.map(String.init) ?? "never")"
            + (fuzzSeed.map { " (schedule fuzzing seed \($0))" } ?? "")
        let baseline = Descriptors.snapshot()
        let tracker = LifetimeTracker()
        let reports = ReportLog()
        let result: (Int, String) = try {
            let loop = try realTime ? EventLoop() : EventLoop(clock: VirtualClock())
            tracker.track(loop, "EventLoop")
            defer { try? loop.close() }
            if let fuzzSeed { loop.scheduleFuzzer = ScheduleFuzzer(seed: fuzzSeed) }
            loop.setExceptionHandler { _, context in reports.add(context.message + (context.error.map { ": \($0)" } ?? "")) }
            let run = SweepRun(loop: loop, k: k, tracker: tracker)
            let hung = Hung()
            do {
                try loop.runUntilComplete { () async throws -> Void in
                    // A victim that never ends: the clock reaches the watchdog (a virtual clock
                    // jumps there as soon as nothing else can happen).
                    let watchdog = try loop.callLater(realTime ? 20 : 1e9) {
                        hung.value = true
                        loop.stop()
                    }
                    defer { watchdog.cancel() }
                    do {
                        try await scenario(run)
                    } catch {
                        run.failures.append("the scenario threw \(type(of: error)): \(error)")
                    }
                    for teardown in run.teardowns.reversed() {
                        do { try await teardown() } catch {
                            run.failures.append("a teardown threw \(type(of: error)): \(error)")
                        }
                    }
                    // Let what was closed finish closing (connection_lost runs a step later).
                    let me = asyncio.currentTask()
                    for _ in 0..<1000 {
                        let others = loop.allTasks().filter { $0 !== me }
                        if others.isEmpty && loop.openDescriptors.isEmpty && loop.pendingThreadWork == 0 { break }
                        try await asyncio.sleep(realTime ? 0.001 : 0)
                    }
                }
            } catch EventLoopError.stoppedBeforeFutureCompleted where hung.value {
                throw LeakError("\(context): hung (the victim or the scenario never finished): \(loop.allTasks())")
            }
            if !run.failures.isEmpty { throw LeakError("\(context): \(run.failures.joined(separator: "; "))") }
            let pending = loop.allTasks()
            if !pending.isEmpty { throw LeakError("\(context): tasks still pending: \(pending)") }
            try Descriptors.checkLoopClosedEverything(loop, context)
            let unexpected = reports.entries.filter { report in !allowedReports.contains { report.hasPrefix($0) } }
            if !unexpected.isEmpty { throw LeakError("\(context): reported to the exception handler: \(unexpected)") }
            return (run.victimIterations, run.lastOutcome)
        }()
        try tracker.checkAllFreed(context)
        try Descriptors.checkBaseline(baseline, context)
        return result
    }
}

extension SweepRun {
    /// The outcome of the last victim, for the report.
    var lastOutcome: String { outcomeSummary ?? "no victim" }
}

/// Reports to the exception handler during a run. Thread-safe.
private final class ReportLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ entry: String) { lock.withLock { storage.append(entry) } }
    var entries: [String] { lock.withLock { storage } }
}

/// Set by the watchdog; read on the loop thread after the loop stopped.
private final class Hung: @unchecked Sendable {
    var value = false
}
