// Helpers for the tests: loops on a virtual clock, an ordered event log, a capturing log handler.
@testable import Asyncio
import AsyncioTestSupport
import Logging
import Foundation
import Testing

/// Runs `body` with a fresh loop on its own virtual clock, closes the loop afterwards and does
/// the leak accounting of `withLeakChecks`: a task still pending (closing would report "Task was
/// destroyed but it is pending!"), a descriptor left open or the loop still alive fails the test.
func withVirtualLoop<R>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: (EventLoop, VirtualClock) throws -> R
) throws -> R {
    let clock = VirtualClock()
    return try withLeakChecks("\(sourceLocation)", clock: clock) { loop, _ in try body(loop, clock) }
}

/// An ordered record of what happened, shared by the callbacks and tasks of one test.
/// Thread-safe, so tasks, callbacks and other threads may all append.
final class EventLog: @unchecked Sendable {
    // `storage` is guarded by `lock` (NSLock: ThreadSanitizer sees it, unlike Synchronization.Mutex).
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ entry: String) { lock.withLock { storage.append(entry) } }
    var entries: [String] { lock.withLock { storage } }
}

/// Collects the exception-handler contexts a loop reports.
final class ReportedErrors: Sendable {
    private let storage = EventLog()
    func install(on loop: EventLoop) {
        loop.setExceptionHandler { _, context in
            self.storage.add(context.message + (context.error.map { " | \($0)" } ?? ""))
        }
    }
    var messages: [String] { storage.entries }
}

/// A swift-log handler that keeps the messages it receives.
struct CapturingLogHandler: LogHandler {
    let sink: EventLog
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        sink.add("\(event.level): \(event.message)")
    }
}

/// An error for tests to throw.
struct Boom: Error, Equatable, CustomStringConvertible {
    var tag = "boom"
    var description: String { tag }
}

/// A counter several threads add to (NSLock, which ThreadSanitizer sees).
final class LockedCount: @unchecked Sendable {
    // `count` is guarded by `lock`.
    private let lock = NSLock()
    private var count: Int
    init(_ start: Int = 0) { count = start }
    @discardableResult func add(_ delta: Int) -> Int { lock.withLock { count += delta; return count } }
    var value: Int { lock.withLock { count } }
}

/// Mutable state shared by the tasks and callbacks of one loop: touched only on that loop's thread.
final class Shared<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

extension Trait where Self == ConditionTrait {
    /// For tests that check asyncio's FIFO guarantees (callbacks, wake-ups, equal deadlines):
    /// schedule fuzzing permutes that order on purpose, so they do not run under it.
    static var assertsFIFOOrder: Self {
        .disabled(if: ScheduleFuzzer.environmentSeed != nil, "checks asyncio's FIFO order, which schedule fuzzing permutes")
    }
}

/// Runs `body` in a child process of the test binary: for tests that change process-wide state
/// (resource limits, the task-name counter), which other tests running in parallel would see.
/// The child runs only this test (`--filter`) and runs `body` itself; the parent checks that it
/// ran one test and passed, and shows its output otherwise.
@discardableResult
func inChildProcess(
    _ suite: String, _ test: String = #function, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) throws -> String? {
    let name = String(test.prefix { $0 != "(" })
    let id = "\(suite)/\(name)"
    if ProcessInfo.processInfo.environment["ASYNCIO_CHILD_TEST"] == id { try body(); return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0], relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    process.arguments = ["--testing-library", "swift-testing", "--filter", "\(id)\\("]
    process.environment = ProcessInfo.processInfo.environment.merging(["ASYNCIO_CHILD_TEST": id]) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if process.terminationStatus != 0 || !output.contains("Test run with 1 test") {
        Issue.record("\(id) in a child process: status \(process.terminationStatus)\n\(output)", sourceLocation: sourceLocation)
    }
    return output
}
