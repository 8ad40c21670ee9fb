// A greenlet that runs off the end of its stack hits the guard page: a SIGSEGV, never a silent
// overwrite. Run in a child process (GreenletOverflowCheck), since the process dies.
import Foundation
import Testing

@Suite struct StackOverflowTests {
    /// The check program, which sits beside the test bundle in the build folder.
    static func checkProgram() throws -> URL {
        var folder = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("GreenletOverflowCheck")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw CheckProgramMissing()
    }

    struct CheckProgramMissing: Error {}

    /// True in a `--sanitize=address` build (the check program is built the same way).
    static let builtWithAddressSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil

    /// Runs the check program in `mode`; returns what it printed, how it ended and its status.
    static func run(_ mode: String) throws -> (String, Process.TerminationReason, Int32) {
        let process = Process()
        process.executableURL = try checkProgram()
        process.arguments = [mode]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationReason, process.terminationStatus)
    }

    @Test func runningOffTheStackDiesOfSIGSEGV() throws {
        let (output, reason, status) = try Self.run("plain")
        #expect(output == "overflowing\n")
        if Self.builtWithAddressSanitizer {
            // AddressSanitizer catches the SIGSEGV itself, reports a stack overflow and exits 1.
            #expect(reason == .exit && status == 1)
        } else {
            #expect(reason == .uncaughtSignal && status == SIGSEGV)
        }
    }

    @Test func theFaultIsInTheGuardPageBelowTheStack() throws {
        let (output, reason, status) = try Self.run("handler")
        #expect(output == "overflowing\n")
        #expect(reason == .exit && status == 42)
    }
}
