// Shows how to register work for a ProcessPoolExecutor, and serves as a worker program in tests.
//
//   swift run ProcessPoolDemo      # squares numbers in worker processes
import Asyncio
import AsyncioProcessPool
import Glibc

/// Work the pool can run: registered in the parent and in every worker, before anything else.
let square = ProcessFunction<Int, Int>("square") { $0 * $0 }
let pid = ProcessFunction<Int, Int32>("pid") { _ in getpid() }
let fail = ProcessFunction<String, Int>("fail") { message in throw DemoError(message: message) }
let crash = ProcessFunction<Int32, Int>("crash") { code in exit(code) }
let nap = ProcessFunction<Double, Bool>("nap") { seconds in usleep(UInt32(seconds * 1_000_000)); return true }

struct DemoError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

ProcessPoolExecutor.register(square)
ProcessPoolExecutor.register(pid)
ProcessPoolExecutor.register(fail)
ProcessPoolExecutor.register(crash)
ProcessPoolExecutor.register(nap)
ProcessPoolExecutor.runWorkerIfNeeded()   // in a worker: serve calls, then exit

let pool = ProcessPoolExecutor(maxWorkers: 2)
let squares = try pool.map(square, Array(1...6))
print("squares:", squares)
let fromLoop = try asyncio.run {
    try await asyncio.getRunningLoop().wrapFuture(try pool.submit(square, 12)).value
}
print("awaited on the loop:", fromLoop)
pool.shutdown()
