// Helpers for the tests: loops on a virtual clock, an ordered event log, a capturing log handler.
@testable import Asyncio
import Logging
import Synchronization

/// Runs `body` with a fresh loop on its own virtual clock, and closes the loop afterwards.
func withVirtualLoop<R>(_ body: (EventLoop, VirtualClock) throws -> R) rethrows -> R {
    let clock = VirtualClock()
    let loop = EventLoop(clock: clock)
    defer { try? loop.close() }
    return try body(loop, clock)
}

/// An ordered record of what happened, shared by the callbacks and tasks of one test.
/// Thread-safe, so tasks, callbacks and other threads may all append.
final class EventLog: Sendable {
    private let storage = Mutex<[String]>([])
    func add(_ entry: String) { storage.withLock { $0.append(entry) } }
    var entries: [String] { storage.withLock { $0 } }
}

/// Collects the exception-handler contexts a loop reports.
final class ReportedErrors: Sendable {
    private let storage = Mutex<[String]>([])
    func install(on loop: EventLoop) {
        loop.setExceptionHandler { _, context in
            let line = context.message + (context.error.map { " | \($0)" } ?? "")
            self.storage.withLock { $0.append(line) }
        }
    }
    var messages: [String] { storage.withLock { $0 } }
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
