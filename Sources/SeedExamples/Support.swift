// Shared helpers of the seed examples: the example list type, time, and Python-style formatting.
import Asyncio
import Foundation
import Synchronization

/// One ported program from a seed document.
struct Example: Sendable {
    let seed: String
    let title: String
    let run: @Sendable () throws -> Void
}

/// Where the examples read time: the shared virtual clock by default, the wall clock with --real-time.
enum ExampleTime {
    /// Python's `time.time()` / `time.perf_counter()` for the examples.
    static func now() -> Double {
        if let policy = asyncio.getEventLoopPolicy() as? VirtualTimePolicy { return policy.clock.now() }
        return Date().timeIntervalSince1970
    }
}

/// Python's `"{:.5f}".format(x)`.
func fixed5(_ value: Double) -> String { String(format: "%.5f", value) }

/// A stable small number per object, standing in for Python's `hash()`/`id()` in printed output.
enum ObjectNumbers {
    private static let numbers = Mutex<[ObjectIdentifier: Int]>([:])
    static func number(_ object: AnyObject) -> Int {
        numbers.withLock { numbers in
            let key = ObjectIdentifier(object)
            if let known = numbers[key] { return known }
            numbers[key] = numbers.count + 1
            return numbers.count
        }
    }
}

/// Prints an error the way the Python program's traceback ends.
func printRuntimeError(_ error: any Error) {
    print("RuntimeError: \(error)")
}

/// Python's `str()` of a result: `None` for no value.
func pythonString<T>(_ value: T?) -> String {
    guard let value else { return "None" }
    return value is Void ? "None" : "\(value)"
}

/// Blocking work runs on real threads, so it cannot follow the virtual clock: in the default mode
/// it sleeps 1/20 of the real time, and elapsed times print in whole "seconds" (`--real-time`:
/// real seconds). The Python reference does the same.
let blockingScale: Double = {
    asyncio.getEventLoopPolicy() is VirtualTimePolicy ? 0.05 : 1
}()

/// Python's `time.sleep(seconds)` for the thread examples.
func blockingSleep(_ seconds: Double) {
    usleep(UInt32(seconds * blockingScale * 1_000_000))
}

/// A monotonic start point for `secondsSince`.
func wallClock() -> Double { MonotonicClock().now() }

/// Whole "seconds" since `start`, on the scale of `blockingSleep`.
func secondsSince(_ start: Double) -> Int { Int(((wallClock() - start) / blockingScale).rounded()) }
