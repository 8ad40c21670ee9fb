// Times a greenlet switch round trip and a generator's next(), printing "<id> <seconds per op>"
// lines for greenlet.sh (the Python peers are in python/greenlet_bench.py), or with `--mallocs`
// mallocs per operation (mallocs.sh).
import AsyncioGreenlets
import MicroRunner

/// The root switches into a greenlet that switches straight back: `n` round trips.
func switchRoundTrip(_ n: Int) throws {
    let root = Greenlet.current
    let partner = Greenlet { _ in while true { try root.switch() } }
    try partner.switch()
    for _ in 0..<n { try partner.switch() }
    _ = try partner.throw()
}

/// `n` `next()` of an endless counting generator.
func generatorNext(_ n: Int) throws {
    let counter = Generator<Int, Void> { g in
        var value = 0
        while true { try g.yield(value); value &+= 1 }
    }
    var sum = 0
    for _ in 0..<n { sum &+= counter.next()! }
    precondition(sum == n * (n - 1) / 2)
}

try runRows([("switch", 2_000_000, switchRoundTrip), ("next", 2_000_000, generatorNext)])
