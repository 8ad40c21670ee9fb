// State the tasks of one loop share, as Python shares a counter or a list.
import Asyncio
import AsyncioTestSupport
import XCTest

final class SharedStateTests: XCTestCase {
    func testTasksOfOneLoopShareACounterAndAList() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let count = LoopBound(0, loop)
        let order = LoopBound([String](), loop)
        try loop.runUntilComplete {
            var workers: [() async throws -> Void] = []
            for name in ["a", "b", "c"] {
                workers.append {
                    for _ in 0..<100 {
                        count.value += 1
                        try await asyncio.sleep(0)
                    }
                    order.value.append(name)
                }
            }
            try await asyncio.gather(workers)
        }
        XCTAssertEqual(count.value, 300)
        XCTAssertEqual(order.value, ["a", "b", "c"])
    }

    func testABoxMadeOnAnotherThreadIsGivenItsValue() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let pool = ThreadPoolExecutor(maxWorkers: 1)
        defer { pool.shutdown(wait: true) }
        let made = try pool.submit { LoopBound(sending: [1, 2], loop) }.result(timeout: 10)
        try loop.runUntilComplete { made.value.append(3) }
        XCTAssertEqual(made.value, [1, 2, 3])
    }
}

final class LoopBoundCheckTests: XCTestCase {
    /// A LoopBound touched off its loop's thread stops the program with a message that says so.
    func testTouchingTheValueOffTheLoopsThreadStopsTheProgram() throws {
        let check = try XCTUnwrap(productExecutable("TopLevelCheck"), "build the products first (swift build)")
        let process = Process()
        process.executableURL = check
        process.arguments = ["loop-bound-off-thread"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertFalse(printed.contains("not stopped"))
        XCTAssertTrue(said.contains("LoopBound.value touched off its loop's thread"), said)
    }
}
