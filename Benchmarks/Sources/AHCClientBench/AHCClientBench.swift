// The HTTP client benchmark's AsyncHTTPClient peer: AHCClientBench URL COUNT CONCURRENCY MODE,
// the same job as HTTPClientBench (COUNT GETs from CONCURRENCY tasks, bodies collected whole or
// streamed), on one NIO event loop thread. Prints "ok REQUESTS BYTES SECONDS CPU".
import AsyncHTTPClient
import NIOCore
import NIOPosix
import Glibc

/// The next request's number, shared by the workers.
actor Counter {
    let count: Int
    var next = 0
    init(count: Int) { self.count = count }
    func take() -> Bool {
        guard next < count else { return false }
        next += 1
        return true
    }
}

@main struct Main {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 5, let count = Int(arguments[2]), let concurrency = Int(arguments[3]) else {
            fatalError("usage: AHCClientBench URL COUNT CONCURRENCY read|stream")
        }
        let url = arguments[1]
        let streaming = arguments[4] == "stream"
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        configuration.decompression = .enabled(limit: .none)
        let client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        let counter = Counter(count: count)
        var total = 0
        let start = ContinuousClock.now
        let cpuStart = processCPU()
        do {
            total = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for _ in 0..<concurrency {
                    tasks.addTask {
                        var bytes = 0
                        while await counter.take() {
                            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
                            guard response.status == .ok else { throw HTTPClientError.invalidURL }
                            if streaming {
                                for try await buffer in response.body { bytes += buffer.readableBytes }
                            } else {
                                bytes += try await response.body.collect(upTo: 1 << 30).readableBytes
                            }
                        }
                        return bytes
                    }
                }
                var sum = 0
                for try await bytes in tasks { sum += bytes }
                return sum
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        let cpu = processCPU() - cpuStart
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        try await client.shutdown()
        try await group.shutdownGracefully()
        print("ok \(count) \(total) \(seconds) \(cpu)")
    }
}

/// The process's CPU time (user and system, every thread) in seconds.
func processCPU() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}
