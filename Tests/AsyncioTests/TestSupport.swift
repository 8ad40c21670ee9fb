// Helpers for the tests: loops on a virtual clock, an ordered event log, a capturing log handler.
@testable import Asyncio
import Logging
import Foundation

/// Runs `body` with a fresh loop on its own virtual clock, and closes the loop afterwards.
func withVirtualLoop<R>(_ body: (EventLoop, VirtualClock) throws -> R) throws -> R {
    let clock = VirtualClock()
    let loop = try EventLoop(clock: clock)
    defer { try? loop.close() }
    return try body(loop, clock)
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
