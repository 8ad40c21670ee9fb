// The line echo server of the load-and-abuse benchmark (abuse.sh), on this library's streams API:
// `AbuseServer [STDERR-LOG]`. Listens on 127.0.0.1 with a free port, prints "ready PORT", and echoes
// each line back until killed. A line over the reader's 64 KiB limit throws ValueError (the library
// drops it, as CPython does): counted, and the connection goes on. Any other error ends the
// connection's handler and is counted as a handler error. The control line "STATS\n" is answered
// with one JSON line of the process's resources and counters; answering it trims the heap
// (malloc_trim(0), after the raw figures are read).
import Asyncio
import CMallinfo
import Glibc

/// The server's counters. Touched only on the loop's thread (handlers and the exception handler
/// both run there), hence unchecked.
final class Counters: @unchecked Sendable {
    var handlerErrors = 0
    var valueErrors = 0
    var reports = 0
    var live = 0
    var accepted = 0
}

let counters = Counters()
/// How many handler errors and exception-handler reports are printed to stderr (the rest are counted).
let printedLimit = 5

let statsLine = Array("STATS\n".utf8)

/// VmRSS of /proc/self/status, in KiB.
func residentKiB() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmRSS:") {
            return Int(text.dropFirst(6).filter(\.isNumber)) ?? -1
        }
    }
    return -1
}

/// Open descriptors: the entries of /proc/self/fd, less the one the listing itself opens.
func openDescriptors() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    var count = 0
    while let entry = readdir(directory) {
        let first = withUnsafeBytes(of: entry.pointee.d_name) { $0[0] }
        if first != UInt8(ascii: ".") { count += 1 }
    }
    closedir(directory)
    return count - 1
}

/// The STATS answer. `rss_kb`, `heap_in_use` and `fds` are read first, as they are; then, for
/// telling a leak from memory the allocator keeps, glibc's free-heap figures and the RSS after
/// `malloc_trim(0)` (which returns free heap pages to the system).
func statsJSON() -> String {
    let rss = residentKiB()
    let heap = cmallinfo_read()
    let fds = openDescriptors()
    _ = cmallinfo_trim()
    let trimmed = residentKiB()
    return "{\"rss_kb\": \(rss), \"heap_in_use\": \(heap.in_use), \"fds\": \(fds), "
        + "\"handler_errors\": \(counters.handlerErrors), \"value_errors\": \(counters.valueErrors), "
        + "\"reports\": \(counters.reports), \"live_connections\": \(counters.live), \"accepted\": \(counters.accepted), "
        + "\"heap_free\": \(heap.free), \"heap_arena\": \(heap.arena), \"heap_mmapped\": \(heap.mmapped), "
        + "\"rss_trimmed_kb\": \(trimmed)}\n"
}

/// Writes a line to descriptor 2 (unbuffered).
func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}

if CommandLine.arguments.count > 1 {
    let log = open(CommandLine.arguments[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if log >= 0 {
        dup2(log, 2)
        close(log)
    }
}

try asyncio.run {
    let loop = try asyncio.getRunningLoop()
    loop.setExceptionHandler { _, context in
        counters.reports += 1
        if counters.reports <= printedLimit { printError("report \(counters.reports): \(context)") }
    }
    let server = try await asyncio.startServer({ reader, writer in
        counters.accepted += 1
        counters.live += 1
        defer { counters.live -= 1 }
        do {
            while true {
                let line: [UInt8]
                do {
                    line = try await reader.readline()
                } catch is ValueError {
                    counters.valueErrors += 1
                    continue
                }
                if line.isEmpty { break }
                if line == statsLine {
                    try writer.write(Array(statsJSON().utf8))
                } else {
                    try writer.write(line)
                }
                try await writer.drain()
            }
        } catch {
            counters.handlerErrors += 1
            if counters.handlerErrors <= printedLimit { printError("handler error \(counters.handlerErrors): \(String(reflecting: error))") }
        }
        writer.close()
    }, host: "127.0.0.1", port: 0, backlog: 1024)
    print("ready \(server.addresses[0].port!)")
    fflush(nil)
    try await server.serveForever()
}
