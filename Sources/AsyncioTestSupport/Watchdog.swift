// A watchdog for tests that block a thread in a loop: a hung test ends the run with its name.
import Foundation

/// Aborts the process, naming `context`, if `body` has not returned within `seconds`.
///
/// A loop test blocks its thread in `runUntilComplete`, which Swift Testing's `.timeLimit` cannot
/// interrupt; a test that waits forever (a peer that never closes, a pause that never comes)
/// would otherwise hold the whole run until CI's own limit, with no word of which test it was.
public func withWatchdog<R>(_ context: String, seconds: Double = 600, _ body: () throws -> R) rethrows -> R {
    let finished = DispatchSemaphore(value: 0)
    let thread = Thread {
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            FileHandle.standardError.write(Data("watchdog: \(context) did not finish within \(Int(seconds)) s; aborting the run\n".utf8))
            abort()
        }
    }
    thread.start()
    defer { finished.signal() }
    return try body()
}
