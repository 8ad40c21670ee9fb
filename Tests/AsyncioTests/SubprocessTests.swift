// Subprocesses: pipes as streams, communicate, exit codes, signals, waiting and cancelling.
@testable import Asyncio
import AsyncioTestSupport
import Foundation
import Testing

@Suite struct SubprocessTests {
    @Test(.timeLimit(.minutes(1))) func communicateWithCat() throws { try withLeakChecks { loop, _ in
        let (out, code) = try loop.runUntilComplete { () async throws -> (String, Int32) in
            let cat = try await asyncio.createSubprocessExec("cat", stdin: .pipe, stdout: .pipe)
            let (out, _) = try await cat.communicate(Array("through cat\n".utf8))
            return (String(decoding: out ?? [], as: UTF8.self), cat.returncode ?? -100)
        }
        #expect(out == "through cat\n" && code == 0)
    } }

    @Test(.timeLimit(.minutes(1))) func shellStreamsExitCodeAndStderrToStdout() throws { try withLeakChecks { loop, _ in
        let results = try loop.runUntilComplete { () async throws -> [String] in
            let shell = try await asyncio.createSubprocessShell("echo out; echo err >&2; exit 3", stdout: .pipe, stderr: .pipe)
            let (out, err) = try await shell.communicate()
            let merged = try await asyncio.createSubprocessShell("echo one; echo two >&2", stdout: .pipe, stderr: .stdout)
            let mergedOut = try await merged.stdout!.read()
            let mergedCode = try await merged.wait()
            let silent = try await asyncio.createSubprocessShell("echo hidden", stdout: .devnull)
            return [String(decoding: out ?? [], as: UTF8.self), String(decoding: err ?? [], as: UTF8.self), "\(shell.returncode!)",
                    String(decoding: mergedOut, as: UTF8.self), "\(mergedCode)", "\(try await silent.wait())"]
        }
        #expect(results == ["out\n", "err\n", "3", "one\ntwo\n", "0", "0"])
    } }

    @Test(.timeLimit(.minutes(1))) func readLinesAsTheyCome() throws { try withLeakChecks { loop, _ in
        let lines = try loop.runUntilComplete { () async throws -> [String] in
            let child = try await asyncio.createSubprocessShell("for i in 1 2 3; do echo line $i; done", stdout: .pipe)
            var lines: [String] = []
            for try await line in child.stdout!.lines { lines.append(String(decoding: line, as: UTF8.self)) }
            _ = try await child.wait()
            return lines
        }
        #expect(lines == ["line 1\n", "line 2\n", "line 3\n"])
    } }

    @Test(.timeLimit(.minutes(1))) func killTerminateAndACancelledWaitLeavesItWaitable() throws { try withLeakChecks { loop, _ in
        let codes = try loop.runUntilComplete { () async throws -> [Int32] in
            let sleeper = try await asyncio.createSubprocessExec("sleep", ["30"])
            let waiting = try asyncio.createTask { try await sleeper.wait() }
            try await asyncio.sleep(0.05)
            waiting.cancel()
            _ = try? await waiting.value                       // the wait is cancelled ...
            #expect(sleeper.returncode == nil)                 // ... the child is not
            try sleeper.kill()
            let killed = try await sleeper.wait()               // and it is still waitable
            let other = try await asyncio.createSubprocessExec("sleep", ["30"])
            try other.terminate()
            return [killed, try await other.wait()]
        }
        #expect(codes == [-SIGKILL, -SIGTERM])
    } }

    @Test(.timeLimit(.minutes(1))) func communicateIgnoresAChildThatDoesNotReadStdin() throws { try withLeakChecks { loop, _ in
        let code = try loop.runUntilComplete { () async throws -> Int32 in
            let child = try await asyncio.createSubprocessExec("true", stdin: .pipe)
            try await asyncio.sleep(0.05)                      // it has exited; its stdin is gone
            _ = try await child.communicate([UInt8](repeating: 1, count: 1 << 20))
            return child.returncode!
        }
        #expect(code == 0)
    } }

    @Test func aMissingProgramFailsWithAnOSError() throws { try withLeakChecks { loop, _ in
        let error = #expect(throws: OSError.self) {
            try loop.runUntilComplete { _ = try await asyncio.createSubprocessExec("no-such-program-here") }
        }
        // CPython: FileNotFoundError: [Errno 2] No such file or directory: 'no-such-program-here'
        #expect(error?.code == ENOENT && error?.filename == "no-such-program-here")
        #expect(error.map { "\($0)" } == "[Errno 2] No such file or directory: 'no-such-program-here'")
    } }
}

@Suite struct SignalTests {
    @Test func signalHandlersRunOnTheLoop() throws { try withLeakChecks { loop, _ in
        let log = EventLog()
        try loop.addSignalHandler(SIGUSR1) { log.add("usr1 on the loop"); loop.stop() }
        try loop.callSoon { kill(getpid(), SIGUSR1) }
        try loop.callLater(10) { log.add("timeout"); loop.stop() }
        try loop.runForever()
        #expect(log.entries == ["usr1 on the loop"])
        #expect(loop.removeSignalHandler(SIGUSR1))
        #expect(!loop.removeSignalHandler(SIGUSR1))
        #expect(throws: ValueError.self) { try loop.addSignalHandler(SIGKILL) {} }
    } }

    @Test(.timeLimit(.minutes(1))) func ctrlCCancelsTheMainTaskAndRunThrowsKeyboardInterrupt() throws {
        let program = try #require(SeedExamplesTests.executable("SignalCheck"), "build the products first (swift build)")
        let process = Process()
        process.executableURL = program
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var output = ""
        while !output.contains("ready\n") {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            output += String(decoding: byte, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        output += String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output == "ready\nmain cancelled\nKeyboardInterrupt\n")
        #expect(process.terminationStatus == 130)
    }
}
