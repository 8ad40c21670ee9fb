// A process with a known task tree for `asyncio-tools` to inspect (the inspector's tests and benchmark).
//   InspectTarget            album (song-1, song-2), fetch (gather), control; stdin: block, quit
//   InspectTarget many N     also N sleeping tasks;  InspectTarget page: the live page and a 0.1 s watchdog too ("page URL")
// Run with ASYNCIO_INSPECT=1 (or =cancel). Prints "ready PID" once every task is parked.
import Asyncio; import AsyncioHTTP
import Glibc

let arguments = Array(CommandLine.arguments.dropFirst())
let many = arguments.first == "many" ? Int(arguments.dropFirst().first ?? "") ?? 10_000 : 0

/// Writes a line to standard output at once (a pipe would buffer `print`).
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

func album() async throws {
    try await asyncio.taskGroup { group in
        try group.createTask(name: "song-1") { try await asyncio.sleep(3600) }
        try group.createTask(name: "song-2") { try await asyncio.sleep(3600) }
    }
}

func fetch(_ queue: Queue<Int>) async throws {
    try await asyncio.gather({ try await asyncio.sleep(3600) }, { try await queue.get() })
}

/// Reads commands from standard input: `block` holds the loop's thread for 2 s, `quit` ends.
func control() async throws {
    while let line = try await asyncio.toThread({ readLine() }) {
        switch line {
        case "block":
            say("blocking"); var left = timespec(tv_sec: 2, tv_nsec: 0), rest = timespec()   // as Python's time.sleep(2),
            while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }          // on after a signal
            say("unblocked")
        case "quit":
            exit(0)   // at-exit handlers remove the inspector's socket
        default:
            say("unknown command \(line)")
        }
    }
}

AnyTask.resetNameCounter()
do {
    try asyncio.run {
        let queue = Queue<Int>()
        try await asyncio.taskGroup { group in
            try group.createTask(name: "album") { try await album() }
            try group.createTask(name: "fetch") { try await fetch(queue) }
            for index in 0..<many { try group.createTask(name: "sleeper-\(index)") { try await asyncio.sleep(3600) } }
            try group.createTask(name: "control") { try await control() }
            try await asyncio.sleep(0.05); try startPageIfAsked()   // (one line: the tests name the lines above and below)
            say("ready \(getpid())")
        }
    }
} catch {
    say("ended: \(error)")
}

/// In `page` mode: the live page for this loop, and the watchdog, so a `block` is reported.
func startPageIfAsked() throws {
    guard arguments.first == "page" else { return }
    let loop = try asyncio.getRunningLoop()
    loop.watchdog(threshold: 0.1)
    let page = try loop.startInspectorPage(interval: 0.25)
    say("page \(page.url)")
    pageKeptAlive = page
}

nonisolated(unsafe) var pageKeptAlive: InspectorPage?   // set once, on the loop's thread
