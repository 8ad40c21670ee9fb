// The virtual clock: an hour of sleeping takes no real time and reads exactly on loop.time().
@testable import Asyncio
import Foundation
import Testing

@Suite struct VirtualClockTests {
    @Test func anHourOfSleepTakesNoRealTime() throws {
        try withVirtualLoop { loop, _ in
            let realStart = Date()
            let start = loop.time()
            let elapsed = try loop.runUntilComplete { () async throws -> Double in
                try await asyncio.sleep(3600)
                return loop.time() - start
            }
            #expect(elapsed == 3600)
            #expect(Date().timeIntervalSince(realStart) < 5)
        }
    }

    @Test func concurrentSleepersWakeInDeadlineOrderAtExactTimes() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let start = loop.time()
            try loop.runUntilComplete {
                var tasks: [LoopTask<Void>] = []
                for delay in [3.0, 1.0, 2.0, 1.0] {
                    tasks.append(try asyncio.createTask {
                        try await asyncio.sleep(delay)
                        log.add("\(delay)@\(loop.time() - start)")
                    })
                }
                for task in tasks { try await task.value }
            }
            #expect(log.entries == ["1.0@1.0", "1.0@1.0", "2.0@2.0", "3.0@3.0"])
        }
    }

    @Test func advanceMovesTimeByHand() {
        let clock = VirtualClock(start: 10)
        clock.advance(by: 2.5)
        clock.advance(by: -1)
        #expect(clock.now() == 12.5)
        #expect(clock.blockingTime(until: nil) == nil)
        #expect(clock.blockingTime(until: 20) == 0)
        #expect(clock.now() == 20)
    }

    @Test func monotonicClockMovesForward() {
        let clock = MonotonicClock()
        let a = clock.now()
        let b = clock.now()
        #expect(b >= a)
        #expect(clock.blockingTime(until: a - 1) == 0)
    }
}
