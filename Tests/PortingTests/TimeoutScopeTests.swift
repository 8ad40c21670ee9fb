// `async with asyncio.timeout(d) as cm:` and `cm` afterwards; misuse raises as CPython's does.
import Asyncio
import AsyncioTestSupport
import XCTest

final class TimeoutScopeTests: XCTestCase {
    func testTheScopeIsUsableAfterItEnds() throws {
        let clock = VirtualClock()
        try withLeakChecks(clock: clock) { loop, _ in
            let (expired, alive, outcome, described) = try loop.runUntilComplete { () async throws -> (Bool, Bool, String, String) in
                let cm = try asyncio.timeout(1)
                var outcome = "finished"
                do {
                    try await cm.run { try await asyncio.sleep(5) }
                } catch is TimeoutError {
                    outcome = "timed out at \(loop.time())"
                }
                let quick = try asyncio.timeout(10)
                let entered = try await quick.run { "\(quick)" }
                return (cm.expired(), quick.expired(), outcome, entered + " " + "\(quick)")
            }
            XCTAssertTrue(expired)
            XCTAssertFalse(alive)
            XCTAssertEqual(outcome, "timed out at 1.0")
            XCTAssertEqual(described, "<Timeout [active] when=11.0> <Timeout [finished]>")
        }
    }

    func testMisuseIsARuntimeError() throws {
        let clock = VirtualClock()
        try withLeakChecks(clock: clock) { loop, _ in
            let messages = try loop.runUntilComplete { () async throws -> [String] in
                var messages: [String] = []
                func note(_ body: () throws -> Void) { do { try body() } catch { messages.append("\(error)") } }
                let cm = try asyncio.timeout(1)
                note { try cm.reschedule(5) }                                     // not entered
                try await cm.run { try cm.reschedule(loop.time() + 2) }           // entered: fine
                note { try cm.reschedule(5) }                                     // finished
                do { try await cm.run { } } catch { messages.append("\(error)") } // entered twice
                let expiring = try asyncio.timeout(0)
                do {
                    try await expiring.run { () async throws in
                        do { try await asyncio.sleep(1) } catch is CancelledError { note { try expiring.reschedule(9) } ; throw CancelledError() }
                    }
                } catch is TimeoutError {}
                note { try expiring.reschedule(9) }                               // expired
                return messages
            }
            XCTAssertEqual(messages, [
                "Timeout has not been entered", "Cannot change state of finished Timeout",
                "Timeout has already been entered", "Cannot change state of expiring Timeout",
                "Cannot change state of expired Timeout",
            ])
        }
    }
}
