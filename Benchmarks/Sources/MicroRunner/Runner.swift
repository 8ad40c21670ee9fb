// Runs benchmark rows of `n` operations: seconds per operation, or with `--mallocs` mallocs per operation.
import Glibc

/// A benchmark row: its id, its operation count for a timing run, and a body doing `n` operations.
public typealias Row = (id: String, n: Int, body: @Sendable (Int) throws -> Void)

/// Runs the rows named on the command line (all when none is named) and prints "<id> <figure>"
/// lines: seconds per operation, or, after `--mallocs` and with the malloc interposer preloaded,
/// allocations per operation in the steady state.
public func runRows(_ rows: [Row]) throws {
    var arguments = Array(CommandLine.arguments.dropFirst())
    let countMallocs = arguments.first == "--mallocs"
    if countMallocs { arguments.removeFirst() }
    let wanted = Set(arguments)
    for row in rows where wanted.isEmpty || wanted.contains(row.id) {
        if countMallocs {
            guard let counter = MallocCounter.preloaded else {
                print("--mallocs needs libMallocInterposerSwift.so in LD_PRELOAD (see mallocs.sh)")
                exit(2)
            }
            // A tenth of a timing run: counts do not depend on the size, and the three runs stay short.
            print(row.id, try counter.perOperation(n: max(row.n / 10, 1), row.body))
        } else {
            let start = now()
            try row.body(row.n)
            print(row.id, (now() - start) / Double(row.n))
        }
    }
}

/// The monotonic clock in seconds.
public func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}
