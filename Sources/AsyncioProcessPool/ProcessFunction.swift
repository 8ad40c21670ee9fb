// Work that can run in a worker process: a named function with Codable argument and result.
import Foundation

/// A function that a `ProcessPoolExecutor` can run in a worker process. Both the parent and the
/// workers (which re-execute the same program) must register it under the same name before
/// `ProcessPoolExecutor.runWorkerIfNeeded()`.
public struct ProcessFunction<Argument: Codable & Sendable, Result: Codable & Sendable>: Sendable {
    /// The name the parent sends to a worker.
    public let name: String
    let body: @Sendable (Argument) throws -> Result

    /// Makes the function `body` under `name`; register it with `ProcessPoolExecutor.register`.
    public init(_ name: String, _ body: @escaping @Sendable (Argument) throws -> Result) {
        self.name = name
        self.body = body
    }

    /// Runs the function on encoded input (in a worker).
    func call(_ argument: Data) throws -> Data {
        try JSONEncoder().encode(body(JSONDecoder().decode(Argument.self, from: argument)))
    }
}

/// The functions registered in this process, by name.
final class FunctionRegistry: @unchecked Sendable {
    // `functions` is guarded by `lock`.
    static let shared = FunctionRegistry()
    private let lock = NSLock()
    private var functions: [String: @Sendable (Data) throws -> Data] = [:]

    func register<A, R>(_ function: ProcessFunction<A, R>) {
        lock.withLock { functions[function.name] = function.call }
    }

    func lookup(_ name: String) -> (@Sendable (Data) throws -> Data)? {
        lock.withLock { functions[name] }
    }
}

/// The work failed in the worker: the error's description, carried back to the parent.
public struct RemoteError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A worker process died or could not start: its work and the pool are lost
/// (concurrent.futures.process.BrokenProcessPool).
public struct BrokenProcessPool: Error, CustomStringConvertible, Sendable {
    public let description: String
}
