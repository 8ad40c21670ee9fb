// ProcessPoolExecutor: work in other processes, errors, a crashing worker, shutdown.
import Asyncio
import AsyncioTestSupport
import AsyncioProcessPool
import Foundation
import Testing

/// The same functions the ProcessPoolDemo worker program registers (the parent needs only the
/// names and types; the bodies run in the workers).
private let square = ProcessFunction<Int, Int>("square") { $0 * $0 }
private let workerPID = ProcessFunction<Int, Int32>("pid") { _ in getpid() }
private let fail = ProcessFunction<String, Int>("fail") { _ in 0 }
private let crash = ProcessFunction<Int32, Int>("crash") { _ in 0 }
private let nap = ProcessFunction<Double, Bool>("nap") { _ in true }

@Suite struct ProcessPoolTests {
    static var workerProgram: String? { SeedExamplesTests.executable("ProcessPoolDemo")?.path }

    @Test(.timeLimit(.minutes(1))) func workRunsInOtherProcessesWithResultsInOrder() throws {
        let program = try #require(Self.workerProgram, "build the products first (swift build)")
        let pool = ProcessPoolExecutor(maxWorkers: 2, program: program)
        defer { pool.shutdown() }
        #expect(try pool.map(square, Array(1...8)) == [1, 4, 9, 16, 25, 36, 49, 64])
        let pids = try (0..<6).map { try pool.submit(workerPID, $0) }.map { try $0.result(timeout: 30) }
        #expect(!pids.contains(getpid()))
        #expect(Set(pids).count <= 2)
    }

    @Test(.timeLimit(.minutes(1))) func anErrorInTheWorkLandsInItsFuture() throws {
        let program = try #require(Self.workerProgram)
        let pool = ProcessPoolExecutor(maxWorkers: 1, program: program)
        defer { pool.shutdown() }
        let failing = try pool.submit(fail, "bad input")
        #expect(throws: RemoteError.self) { try failing.result(timeout: 30) }
        #expect("\(try #require(try failing.exception(timeout: 30)))" == "bad input")
        #expect(try pool.submit(square, 9).result(timeout: 30) == 81)
    }

    @Test(.timeLimit(.minutes(1))) func aWorkerThatDiesBreaksThePoolWhichStillShutsDown() throws {
        let program = try #require(Self.workerProgram)
        let pool = ProcessPoolExecutor(maxWorkers: 1, program: program)
        #expect(try pool.submit(square, 3).result(timeout: 30) == 9)
        let dying = try pool.submit(crash, 3)
        #expect(throws: BrokenProcessPool.self) { try dying.result(timeout: 30) }
        #expect(throws: BrokenProcessPool.self) { _ = try pool.submit(square, 4) }
        pool.shutdown(wait: true)
        #expect(pool.workerPIDs.isEmpty)
    }

    @Test(.timeLimit(.minutes(1))) func shutdownReapsTheWorkersAndCanCancelPendingWork() throws {
        let program = try #require(Self.workerProgram)
        let pool = ProcessPoolExecutor(maxWorkers: 1, program: program)
        _ = try pool.submit(square, 2).result(timeout: 30)
        let pids = pool.workerPIDs
        #expect(pids.count == 1)
        pool.shutdown(wait: true)
        for pid in pids { #expect(kill(pid, 0) != 0) }   // gone and reaped
        #expect(throws: ExecutorError.shutDown) { _ = try pool.submit(square, 1) }
    }

    @Test(.timeLimit(.minutes(1))) func shutdownCancelFuturesCancelsTheQueuedWork() throws {
        let program = try #require(Self.workerProgram)
        let pool = ProcessPoolExecutor(maxWorkers: 1, program: program)
        let running = try pool.submit(nap, 0.2)
        let queued = try (1...3).map { try pool.submit(square, $0) }
        pool.shutdown(wait: true, cancelFutures: true)
        #expect(try running.result() == true)
        #expect(queued.allSatisfy { $0.cancelled() })
    }

    @Test(.timeLimit(.minutes(1))) func processFuturesCanBeAwaitedOnTheLoop() throws {
        let program = try #require(Self.workerProgram)
        try withLeakChecks { loop, _ in   // the workers' pipes are closed again after shutdown
            let pool = ProcessPoolExecutor(maxWorkers: 2, program: program)
            defer { pool.shutdown() }
            let results = try loop.runUntilComplete { () async throws -> [Int] in
                var results: [Int] = []
                for value in [5, 6] { results.append(try await loop.wrapFuture(try pool.submit(square, value)).value) }
                return results
            }
            #expect(results == [25, 36])
        }
    }
}
