// How user code shares state under strict concurrency: actors called from loop tasks run on the loop.
@testable import Asyncio
import Foundation
import Testing

/// A user's actor, as a ported program would keep shared state.
actor Tally {
    private(set) var count = 0
    private(set) var threads: Set<String> = []
    func bump() {
        count += 1
        threads.insert("\(pthread_self())")
    }
}

@Suite struct IsolationTests {
    @Test func actorMethodsCalledFromLoopTasksRunOnTheLoopThread() throws {
        try withVirtualLoop { loop, _ in
            let tally = Tally()
            let loopThread = "\(pthread_self())"
            let (count, threads) = try loop.runUntilComplete { () async throws -> (Int, Set<String>) in
                var tasks: [LoopTask<Void>] = []
                for index in 0..<10 {
                    tasks.append(try asyncio.createTask {
                        try await asyncio.sleep(Double(index % 3))
                        await tally.bump()
                    })
                }
                for task in tasks { try await task.value }
                return (await tally.count, await tally.threads)
            }
            #expect(count == 10)
            #expect(threads == [loopThread])
        }
    }

    @Test func loopTasksRunOnTheThreadThatDrivesTheLoop() throws {
        try withVirtualLoop { loop, _ in
            let driver = "\(pthread_self())"
            let seen = try loop.runUntilComplete { () async throws -> [String] in
                var threads = ["\(pthread_self())"]
                try await asyncio.sleep(1)
                threads.append("\(pthread_self())")
                async let child: String = "\(pthread_self())"   // child tasks inherit the loop
                threads.append(await child)
                return threads
            }
            #expect(seen == [driver, driver, driver])
        }
    }
}
