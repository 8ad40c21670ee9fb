// Memory per suspended task and 100k timers, one row per process for memory.sh (peers:
// python/memory.py): prints "<id> <figure>".
//
//   MemoryBench sleep     bytes of RSS per task, 100,000 tasks parked in sleep
//   MemoryBench queue     bytes of RSS per task, 100,000 tasks parked in Queue.get
//   MemoryBench timers    seconds past 1 s for 100,000 tasks each sleeping a random 0..1 s,
//                         then the peak RSS in bytes ("timers-rss")
import Asyncio
import Glibc
import MicroRunner

let tasks = 100_000

/// The resident set size in bytes (/proc/self/statm).
func residentBytes() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    withUnsafeMutablePointer(to: &size) { sizePointer in
        withUnsafeMutablePointer(to: &resident) { residentPointer in
            _ = withVaList([sizePointer, residentPointer]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The peak resident set size in bytes (getrusage).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// RSS per task with `tasks` tasks parked in `park`, measured once all have parked.
func parkedBytesPerTask(_ park: @escaping @Sendable () async throws -> Void) throws -> Double {
    try asyncio.run {
        let before = residentBytes()
        var all: [LoopTask<Void>] = []
        all.reserveCapacity(tasks)
        for _ in 0..<tasks { all.append(try asyncio.createTask { try await park() }) }
        try await asyncio.sleep(0)   // every task runs to its park
        try await asyncio.sleep(0)
        let perTask = Double(residentBytes() - before) / Double(tasks)
        for task in all { task.cancel() }
        for task in all { _ = try? await task.value }
        return perTask
    }
}

let row = CommandLine.arguments.dropFirst().first ?? ""
switch row {
case "sleep":
    print("sleep", try parkedBytesPerTask { try await asyncio.sleep(3600) })
case "queue":
    let queue = Queue<Int>()
    print("queue", try parkedBytesPerTask { _ = try await queue.get() })
case "timers":
    var generator = SystemRandomNumberGenerator()
    let delays = (0..<tasks).map { _ in Double.random(in: 0..<1, using: &generator) }
    let start = now()
    try asyncio.run {
        for delay in delays { try asyncio.createTask { try await asyncio.sleep(delay) } }
        while try asyncio.allTasks().count > 1 { try await asyncio.sleep(0.01) }
    }
    print("timers", now() - start - 1)
    print("timers-rss", peakResidentBytes())
default:
    print("usage: MemoryBench sleep|queue|timers")
    exit(2)
}
