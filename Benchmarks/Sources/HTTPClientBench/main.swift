// The HTTP client benchmark's client on this library: HTTPClientBench URL COUNT CONCURRENCY MODE.
// COUNT GETs of URL from CONCURRENCY tasks sharing one ClientSession (a pool of CONCURRENCY
// keep-alive connections); MODE "read" reads each body whole, "stream" reads it as it arrives and
// drops it. Prints "ok REQUESTS BYTES SECONDS CPU" (the time from the
// first request to the last body read, and the process's CPU time in it) so the runner can check that every byte arrived.
import Asyncio
import AsyncioHTTP
import Glibc

let arguments = CommandLine.arguments
guard arguments.count == 5, let count = Int(arguments[2]), let concurrency = Int(arguments[3]) else {
    fatalError("usage: HTTPClientBench URL COUNT CONCURRENCY read|stream")
}
let url = arguments[1]
let streaming = arguments[4] == "stream"

/// The next request's number, shared by the workers (the loop thread only touches it).
final class Counter: @unchecked Sendable {
    var next = 0
}

try asyncio.run {
    let counter = Counter()
    let session = try ClientSession(connector: TCPConnector(limit: concurrency))
    let workers: [() async throws -> Int] = (0..<concurrency).map { _ in
        {
            var bytes = 0
            while counter.next < count {
                counter.next += 1
                let response = try await session.get(url)
                if response.status != 200 { throw ValueError("status \(response.status)") }
                if streaming {
                    for try await chunk in response.content.iterAny() { bytes += chunk.count }
                } else {
                    bytes += try await response.read().count
                }
            }
            return bytes
        }
    }
    let loop = try asyncio.getRunningLoop()
    let start = loop.time()
    let cpuStart = processCPU()
    let bytes = try await asyncio.gather(workers).reduce(0, +)
    let seconds = loop.time() - start
    let cpu = processCPU() - cpuStart
    await session.close()
    print("ok \(count) \(bytes) \(seconds) \(cpu)")
}

/// The process's CPU time (user and system) in seconds.
func processCPU() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}
