// The allocation gate: runs MicroBench and GreenletBench with `--mallocs` under the malloc
// interposer and fails when a row allocates more per operation than mallocs.txt allows.
//
//   MallocGate THRESHOLDS [TABLE.md]
import Foundation
import MallocInterposerSwift

/// One line of the thresholds file: `binary row max`.
struct Limit {
    let binary: String, row: String, max: Double
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: MallocGate THRESHOLDS [TABLE.md]") }
let limits: [Limit] = try String(contentsOfFile: arguments[1], encoding: .utf8)
    .split(separator: "\n")
    .map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0] }
    .map { $0.split(separator: " ", omittingEmptySubsequences: true) }
    .filter { !$0.isEmpty }
    .map { fields in
        guard fields.count == 3, let max = Double(fields[2]) else { fail("bad thresholds line: \(fields.joined(separator: " "))") }
        return Limit(binary: String(fields[0]), row: String(fields[1]), max: max)
    }

// This process links the interposer's library, so SwiftPM built it beside this binary: preload
// that file into the benchmarks.
MallocInterposerSwift.initialize()
let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let libraryPath = binDirectory.appendingPathComponent("libMallocInterposerSwift.so").path
guard FileManager.default.fileExists(atPath: libraryPath) else { fail("no \(libraryPath)") }

/// Runs `binary --mallocs` with the interposer preloaded; its "<row> <mallocs per op>" lines.
func measure(_ binary: String) throws -> [String: Double] {
    let process = Process()
    process.executableURL = binDirectory.appendingPathComponent(binary)
    process.arguments = ["--mallocs"]
    process.environment = ProcessInfo.processInfo.environment.merging(["LD_PRELOAD": libraryPath]) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fail("\(binary) --mallocs exited with \(process.terminationStatus):\n\(output)") }
    var figures: [String: Double] = [:]
    for line in output.split(separator: "\n") {
        let fields = line.split(separator: " ")
        if fields.count == 2, let value = Double(fields[1]) { figures[String(fields[0])] = value }
    }
    return figures
}

var measured: [String: [String: Double]] = [:]
for binary in Set(limits.map(\.binary)).sorted() { measured[binary] = try measure(binary) }
var table = "| row | mallocs per op | limit | |\n|---|---|---|---|\n"
var over: [String] = []
for limit in limits {
    guard let value = measured[limit.binary]?[limit.row] else { fail("\(limit.binary) printed no row \(limit.row)") }
    // Counts are exact; a hundredth of slack absorbs one-off growth spread over the run.
    let passes = value <= limit.max + 0.01
    if !passes { over.append("\(limit.row): \(value) > \(limit.max)") }
    table += "| \(limit.row) | \(String(format: "%.2f", value)) | \(limit.max.formatted()) | \(passes ? "" : "over") |\n"
}
for (binary, rows) in measured {
    for row in rows.keys where !limits.contains(where: { $0.binary == binary && $0.row == row }) {
        fail("\(binary) row \(row) has no limit in \(arguments[1])")
    }
}
print(table, terminator: "")
if arguments.count >= 3 { try table.write(toFile: arguments[2], atomically: true, encoding: .utf8) }
if !over.isEmpty { fail("allocations over the limit: " + over.joined(separator: ", ")) }
