// ProcessPoolExecutor: run registered functions in worker processes, get concurrent futures back.
import Asyncio
import Foundation
import Glibc

/// A pool of worker processes (concurrent.futures.ProcessPoolExecutor).
///
/// Workers are the same program started again (spawn-style; a threaded process is never forked).
/// The program must register its functions and call `ProcessPoolExecutor.runWorkerIfNeeded()`
/// first thing in `main`, as Python's multiprocessing needs its `if __name__ == "__main__"` guard.
/// Arguments and results are Codable. A worker that dies fails its future with
/// `BrokenProcessPool`; the pool is then broken (later work fails the same way) and can still be
/// shut down cleanly.
public final class ProcessPoolExecutor: @unchecked Sendable {
    // `workers` and `broken` are guarded by `lock`.
    private let lock = NSLock()
    private var workers: [UInt: WorkerProcess] = [:]
    private var broken: String?
    private let threads: ThreadPoolExecutor
    private let program: String
    /// The most worker processes.
    public let maxWorkers: Int

    /// - Parameters:
    ///   - maxWorkers: the most processes; by default the number of CPUs.
    ///   - program: the executable to start as a worker; by default this program.
    public init(maxWorkers: Int? = nil, program: String? = nil) {
        self.maxWorkers = max(1, maxWorkers ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        self.program = program ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        threads = ThreadPoolExecutor(maxWorkers: self.maxWorkers, threadNamePrefix: "ProcessPool")
    }

    /// Makes `function` callable by name in this process (parent and workers alike).
    public static func register<A, R>(_ function: ProcessFunction<A, R>) {
        FunctionRegistry.shared.register(function)
    }

    /// In a worker process: serves calls until the parent closes the pipe, then exits. In the
    /// parent: returns at once. Call it first thing in `main`, after registering the functions.
    public static func runWorkerIfNeeded() {
        guard ProcessInfo.processInfo.environment[WorkerProcess.environmentKey] != nil else { return }
        while let request = try? FrameIO.read(from: WorkerProcess.requestFD) {
            var reply = Frame()
            if let name = request.function, let function = FunctionRegistry.shared.lookup(name) {
                do { reply.payload = try function(request.payload ?? Data()) } catch { reply.error = "\(error)" }
            } else {
                reply.error = "no function registered as \(request.function ?? "?")"
            }
            guard (try? FrameIO.write(reply, to: WorkerProcess.replyFD)) != nil else { break }
        }
        exit(0)
    }

    /// Schedules `function(argument)` in a worker process and returns its future. Throws
    /// `BrokenProcessPool` once a worker died, and `ExecutorError.shutDown` after shutdown.
    public func submit<A, R>(_ function: ProcessFunction<A, R>, _ argument: A) throws -> ConcurrentFuture<R> {
        if let broken = lock.withLock({ broken }) { throw BrokenProcessPool(description: broken) }
        let input = try JSONEncoder().encode(argument)
        let name = function.name
        return try threads.submit { [self] in
            let output = try callInWorker(name, input)
            return try JSONDecoder().decode(R.self, from: output)
        }
    }

    /// Runs `function` over `items` in the workers; results in the items' order.
    public func map<A, R>(_ function: ProcessFunction<A, R>, _ items: [A]) throws -> [R] {
        try items.map { try submit(function, $0) }.map { try $0.result() }
    }

    /// Stops accepting work; `cancelFutures` cancels work not started; `wait` waits for the work
    /// and the worker processes to end.
    public func shutdown(wait: Bool = true, cancelFutures: Bool = false) {
        threads.shutdown(wait: wait, cancelFutures: cancelFutures)
        let all = lock.withLock { () -> [WorkerProcess] in
            defer { workers.removeAll() }
            return Array(workers.values)
        }
        for worker in all { worker.stop(wait: wait) }
    }

    /// The pids of the running worker processes.
    public var workerPIDs: [pid_t] { lock.withLock { workers.values.map(\.pid) } }

    /// On a pool thread: the worker process this thread talks to, started on first use.
    private func callInWorker(_ name: String, _ input: Data) throws -> Data {
        let thread = UInt(pthread_self())
        let worker: WorkerProcess = try lock.withLock {
            if let broken { throw BrokenProcessPool(description: broken) }
            if let existing = workers[thread] { return existing }
            let started = try WorkerProcess(program: program)
            workers[thread] = started
            return started
        }
        do {
            return try worker.call(name, input)
        } catch let error as BrokenProcessPool {
            lock.withLock {
                broken = error.description
                workers[thread] = nil
            }
            worker.stop(wait: true)
            throw error
        }
    }
}

extension concurrent.futures {
    /// `concurrent.futures.ProcessPoolExecutor`.
    public typealias ProcessPoolExecutor = AsyncioProcessPool.ProcessPoolExecutor
}
