// Times a greenlet switch round trip and a generator's next(), printing "<id> <seconds per op>"
// lines for greenlet.sh (the Python peers are in python/greenlet_bench.py).
import AsyncioGreenlets
import Foundation

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// The root switches into a greenlet that switches straight back: one round trip per iteration.
func switchRoundTrip() throws -> Double {
    let root = Greenlet.current
    let partner = Greenlet { _ in while true { try root.switch() } }
    let count = 2_000_000
    try partner.switch()
    let start = now()
    for _ in 0..<count { try partner.switch() }
    let elapsed = now() - start
    _ = try partner.throw()
    return elapsed / Double(count)
}

/// `next()` of an endless counting generator.
func generatorNext() throws -> Double {
    let counter = Generator<Int, Void> { g in
        var value = 0
        while true { try g.yield(value); value &+= 1 }
    }
    let count = 2_000_000
    var sum = 0
    let start = now()
    for _ in 0..<count { sum &+= counter.next()! }
    let elapsed = now() - start
    precondition(sum == count * (count - 1) / 2)
    return elapsed / Double(count)
}

let only = CommandLine.arguments.dropFirst()
for (name, body) in [("switch", switchRoundTrip), ("next", generatorNext)] where only.isEmpty || only.contains(name) {
    print(name, try body())
}
