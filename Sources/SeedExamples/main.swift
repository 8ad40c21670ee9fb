// The main job: runs every ported seed example, each under a heading naming its seed and example.
//
//   swift run seeds                # virtual clock: sleeps take no real time, times print exactly
//   swift run seeds --real-time    # real clock: the program takes as long as Python's
//   swift run seeds 004            # only the examples whose heading contains "004"
import Asyncio

let arguments = CommandLine.arguments.dropFirst()
let realTime = arguments.contains("--real-time")
let filters = arguments.filter { !$0.hasPrefix("--") }

if !realTime {
    asyncio.setEventLoopPolicy(VirtualTimePolicy(clock: VirtualClock(start: 1_000)))
}

let examples = seed000Examples + seed001Examples + seed002Examples + seed003Examples + seed004Examples
for example in examples {
    let heading = "=== seed \(example.seed) · \(example.title) ==="
    if !filters.isEmpty && !filters.contains(where: { heading.contains($0) }) { continue }
    print(heading)
    // Each Python example is its own process: no current loop, task names from Task-1.
    asyncio.setEventLoop(nil)
    AnyTask.resetNameCounter()
    do {
        try example.run()
    } catch {
        print("uncaught error: \(error)")
    }
    print()
}
