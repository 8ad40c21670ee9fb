// asyncio-tools: `ps`, `pstree` and `cancel` of a running process's tasks (CPython 3.14's `python -m asyncio ps`).
import ArgumentParser
import Asyncio
import AsyncioTools
import Glibc

struct AsyncioToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asyncio-tools",
        abstract: "Look into the event loops of a running process.",
        discussion: """
            The process opts in: ASYNCIO_INSPECT=1 in its environment (ASYNCIO_INSPECT=cancel also \
            allows cancel), or loop.startInspector() in its code. Only the same user can connect.
            """,
        subcommands: [PS.self, PSTree.self, Cancel.self])
}

/// Asks process `pid` for its snapshot, or exits with a message.
func snapshot(of pid: Int32) throws -> (ProcessSnapshot, String) {
    let json: String
    do {
        json = try Inspector.request(pid: pid, "snapshot")
    } catch let error as OSError where error.code == ENOENT || error.code == ECONNREFUSED {
        fail("no inspector in process \(pid): run it with ASYNCIO_INSPECT=1, or call loop.startInspector()")
    }
    do {
        return (try ProcessSnapshot(json: json), json)
    } catch {
        fail("process \(pid) answered: \(json.trimmingCharacters(in: .newlines))")
    }
}

/// Says why on standard error and exits with status 1.
func fail(_ message: String) -> Never {
    FileHandleOutput.standardError("asyncio-tools: " + message + "\n")
    exit(1)
}

func printWarnings(_ snapshot: ProcessSnapshot) {
    let warnings = TaskTable.warnings(snapshot)
    if !warnings.isEmpty { FileHandleOutput.standardError(warnings + "\n") }
}

struct PS: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "A table of the pending tasks and their awaiters.")
    @Argument(help: "The process id.") var pid: Int32
    @Option(help: "table, csv, tsv or json.") var format: String = "table"

    func run() throws {
        guard let chosen = TableFormat(rawValue: format) else {
            throw ValidationError("unknown format '\(format)': one of table, csv, tsv, json")
        }
        let (answer, json) = try snapshot(of: pid)
        printWarnings(answer)
        print(chosen == .json ? json.trimmingCharacters(in: .newlines) : TaskTable.render(answer, format: chosen))
    }
}

struct PSTree: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pstree", abstract: "The tree of who awaits whom.")
    @Argument(help: "The process id.") var pid: Int32

    func run() throws {
        let (answer, _) = try snapshot(of: pid)
        printWarnings(answer)
        do {
            for tree in try TaskTree.render(answer) { print(tree.joined(separator: "\n")) }
        } catch let cycle as AwaitCycle {
            FileHandleOutput.standardError(cycle.message + "\n")
            throw ExitCode(1)
        }
    }
}

struct Cancel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a task (when the process allows it).")
    @Argument(help: "The process id.") var pid: Int32
    @Argument(help: "The task id, as ps prints it (0x…).") var task: String

    func run() throws {
        let answer = try Inspector.request(pid: pid, "cancel \(task)").trimmingCharacters(in: .newlines)
        print(answer)
        if !answer.contains("\"cancelled\"") { throw ExitCode(1) }
    }
}

/// Writes to standard error.
enum FileHandleOutput {
    static func standardError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var text = Substring(self)
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}

extension Set where Element == Character {
    static let newlines: Set<Character> = ["\n", "\r\n", "\r"]
}

AsyncioToolsCommand.main()
