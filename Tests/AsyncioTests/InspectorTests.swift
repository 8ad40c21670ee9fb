// The inspector and asyncio-tools: ps and pstree of a live child process, blocked loops, cancel, privacy.
@testable import Asyncio
import AsyncioTestSupport
import AsyncioTools
import Foundation
import Testing

@Suite(.serialized) struct InspectorTests {
    /// Starts InspectTarget with `ASYNCIO_INSPECT=mode` and waits until its tasks are parked.
    private func startTarget(_ mode: String = "cancel") throws -> (PeerProcess, Int32) {
        let target = try #require(productExecutable("InspectTarget"), "build the products first (swift build)")
        let peer = try PeerProcess("ASYNCIO_INSPECT=\(mode)", [target.path], standardInput: true)
        let line = try peer.waitForLine { $0.hasPrefix("ready ") }
        return (peer, try #require(Int32(line.dropFirst(6))))
    }

    private func tools(_ arguments: [String]) throws -> (String, Int32) {
        let tool = try #require(productExecutable("asyncio-tools"), "build the products first (swift build)")
        return try SeedExamplesTests.output(of: tool.path, arguments)
    }

    private func quit(_ peer: PeerProcess) {
        peer.send("quit\n")
        peer.stop(grace: 5)
    }

    @Test(.timeLimit(.minutes(1))) func pstreeOfAChildIsCPythonsTreeOfItsTasks() throws {
        let (peer, pid) = try startTarget()
        defer { quit(peer) }
        let (tree, status) = try tools(["pstree", "\(pid)"])
        #expect(status == 0)
        #expect(tree == """
            └── (T) Task-1
                └──  closure in InspectTarget InspectTarget/main.swift:46
                    └──  asyncio.taskGroup() InspectTarget/main.swift:48
                        ├── (T) album
                        │   └──  closure in InspectTarget InspectTarget/main.swift:49
                        │       └──  asyncio.taskGroup() InspectTarget/main.swift:18
                        │           ├── (T) song-1
                        │           │   └──  closure in album() InspectTarget/main.swift:19
                        │           │       └──  asyncio.sleep() InspectTarget/main.swift:19
                        │           └── (T) song-2
                        │               └──  closure in album() InspectTarget/main.swift:20
                        │                   └──  asyncio.sleep() InspectTarget/main.swift:20
                        ├── (T) fetch
                        │   └──  closure in InspectTarget InspectTarget/main.swift:50
                        │       └──  asyncio.gather() InspectTarget/main.swift:25
                        │           ├── (T) Task-2
                        │           │   └──  closure in asyncio.gather() InspectTarget/main.swift:25
                        │           │       └──  asyncio.sleep() InspectTarget/main.swift:25
                        │           └── (T) Task-3
                        │               └──  closure in asyncio.gather() InspectTarget/main.swift:25
                        │                   └──  Queue.get() InspectTarget/main.swift:25
                        └── (T) control
                            └──  closure in InspectTarget InspectTarget/main.swift:52
                                └──  asyncio.toThread() InspectTarget/main.swift:30

            """)
    }

    @Test(.timeLimit(.minutes(1))) func psPrintsOneRowPerTaskAndAwaiterInEachFormat() throws {
        let (peer, pid) = try startTarget()
        defer { quit(peer) }
        let (table, status) = try tools(["ps", "\(pid)"])
        #expect(status == 0)
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("tid        task id              task name            coroutine stack") == true)
        #expect(lines.dropFirst().first == String(repeating: "-", count: 180))
        let song = try #require(lines.first { $0.contains(" song-1 ") })
        #expect(song.hasPrefix("\(pid)"))
        #expect(song.contains("asyncio.sleep() -> closure in album()") && song.contains(" album "))
        let root = try #require(lines.first { $0.contains(" Task-1 ") })
        #expect(root.trimmingCharacters(in: .whitespaces).hasSuffix("0x0"))
        #expect(lines.count == 2 + 8)   // 8 pending tasks, one awaiter each but Task-1

        let (csv, _) = try tools(["ps", "\(pid)", "--format", "csv"])
        let csvLines = csv.split(separator: "\r\n").map(String.init)
        #expect(csvLines.first == "tid,task id,task name,coroutine stack,awaiter chain,awaiter name,awaiter id")
        #expect(csvLines.count == 1 + 8)
        let (tsv, _) = try tools(["ps", "\(pid)", "--format", "tsv"])
        #expect(tsv.split(separator: "\n").first?.split(separator: "\t").count == 7)
        let (json, _) = try tools(["ps", "\(pid)", "--format", "json"])
        let snapshot = try ProcessSnapshot(json: json)
        #expect(snapshot.pid == pid && snapshot.cancel)
        let tasks = try #require(snapshot.loops.first?.snapshot?.tasks)
        let byName = Dictionary(tasks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["song-1"]?.awaitedBy == byName["album"].map { [$0.id] })
        #expect(byName["Task-3"]?.stack.first?.function == "Queue.get()")

        let (_, bad) = try tools(["ps", "\(pid)", "--format", "xml"])
        #expect(bad != 0)
    }

    @Test(.timeLimit(.minutes(1))) func aBlockedLoopIsReportedWithItsLastSnapshot() throws {
        let (peer, pid) = try startTarget()
        defer { quit(peer) }
        let fresh = try ProcessSnapshot(json: Inspector.request(pid: pid, "snapshot"))
        #expect(fresh.loops.first?.blockedFor == nil && fresh.loops.first?.running == true)
        peer.send("block\n")
        _ = try peer.waitForLine { $0 == "blocking" }
        usleep(400_000)   // a real process holds its thread for 2 s: let the inspector see no progress
        let blocked = try ProcessSnapshot(json: Inspector.request(pid: pid, "snapshot"))
        let loop = try #require(blocked.loops.first)
        #expect((loop.blockedFor ?? 0) >= 0.3)
        #expect(loop.snapshot?.tasks.contains { $0.name == "song-1" } == true)
        #expect(TaskTable.warnings(blocked).contains("is blocked: no progress for"))
        _ = try peer.waitForLine { $0 == "unblocked" }
        let after = try ProcessSnapshot(json: Inspector.request(pid: pid, "snapshot"))
        #expect(after.loops.first?.blockedFor == nil)
    }

    @Test(.timeLimit(.minutes(1))) func cancelEndsATaskOnlyWhereTheProcessAllowsIt() throws {
        let (peer, pid) = try startTarget()
        let tasks = try #require(ProcessSnapshot(json: Inspector.request(pid: pid, "snapshot")).loops.first?.snapshot?.tasks)
        let song = try #require(tasks.first { $0.name == "song-2" })
        let (answer, status) = try tools(["cancel", "\(pid)", song.id])
        #expect(status == 0 && answer.contains("\"cancelled\""))
        let left = try #require(ProcessSnapshot(json: Inspector.request(pid: pid, "snapshot")).loops.first?.snapshot?.tasks)
        #expect(!left.contains { $0.name == "song-2" } && left.contains { $0.name == "song-1" })
        let (missing, missingStatus) = try tools(["cancel", "\(pid)", "0x1"])
        #expect(missingStatus != 0 && missing.contains("no pending task 0x1"))
        quit(peer)

        let (readOnly, readOnlyPID) = try startTarget("1")
        defer { quit(readOnly) }
        let (refused, refusedStatus) = try tools(["cancel", "\(readOnlyPID)", song.id])
        #expect(refusedStatus != 0 && refused.contains("cancel is not enabled"))
    }

    @Test(.timeLimit(.minutes(1))) func theSocketIsPrivateToItsUser() throws {
        let (peer, pid) = try startTarget()
        defer { quit(peer) }
        let path = Inspector.socketPath(forProcess: pid)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o600 && info.st_uid == getuid())
        var folder = stat()
        #expect(stat((path as NSString).deletingLastPathComponent, &folder) == 0)
        #expect(folder.st_mode & 0o7777 == 0o700 && folder.st_uid == getuid())
        // Another user cannot connect (run as nobody when the tests run as root).
        if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") {
            let script = "import socket; s = socket.socket(socket.AF_UNIX); s.connect('\(path)'); print('connected')"
            let (output, status) = try SeedExamplesTests.output(
                of: "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "python3", "-c", script])
            #expect(status != 0 && !output.contains("connected"))
        }
    }

    /// The state and age the live page shows, on the virtual clock: a task parked is waiting, one
    /// not yet started is ready, one with a cancel pending is cancelling; ages count from
    /// creation once the loop is inspected, and are null for tasks made before.
    @Test func theSnapshotGivesEachTasksStateAndAge() throws {
        try withLeakChecks(clock: VirtualClock()) { loop, _ in try loop.runUntilComplete {
            let old = try asyncio.createTask(name: "old") { try await asyncio.sleep(100) }
            try await asyncio.sleep(0)
            loop.recordsTaskAges.store(true, ordering: .relaxed)   // what startInspector does first
            let sleeper = try asyncio.createTask(name: "sleeper") { try await asyncio.sleep(100) }
            let doomed = try asyncio.createTask(name: "doomed") { try await asyncio.sleep(100) }
            try await asyncio.sleep(5)
            let fresh = try asyncio.createTask(name: "fresh") {}
            doomed.cancel()
            let json = try #require(try JSONSerialization.jsonObject(with: Data(loop.snapshotJSON())) as? [String: Any])
            let tasks = (json["tasks"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) { $0[$1["name"] as? String ?? ""] = $1 }
            #expect(tasks["old"]?["state"] as? String == "waiting")
            #expect(tasks["old"]?["age"] is NSNull, "a task made before inspection has no age")
            #expect(tasks["sleeper"]?["state"] as? String == "waiting")
            #expect(tasks["sleeper"]?["age"] as? Double == 5, "\(tasks["sleeper"] ?? [:])")
            #expect(tasks["doomed"]?["state"] as? String == "cancelling")
            #expect(tasks["fresh"]?["state"] as? String == "ready")
            #expect(tasks["fresh"]?["age"] as? Double == 0)
            #expect((json["ready"] as? Int ?? 0) >= 2, "fresh, and doomed's wake, are queued: \(json["ready"] ?? "none")")
            #expect(json["watchdog"] as? [Any] != nil && json["registered"] is Int)
            for task in [old, sleeper, doomed] { task.cancel() }
            for task in [old, sleeper, doomed, fresh] { do { try await task.wait() } catch is CancelledError {} }
        } }
    }

    @Test(.timeLimit(.minutes(1))) func aLoopInThisProcessIsInspectedAndNotKeptAlive() throws {
        weak var weakLoop: EventLoop?
        let before = try openDescriptorCount()
        do {
            let loop = try EventLoop()
            weakLoop = loop
            let path = try loop.startInspector()
            #expect(path == Inspector.socketPath(forProcess: getpid()))
            let answers = try loop.runUntilComplete { () async throws -> [String] in
                let child = try asyncio.createTask(name: "in-process") { try await asyncio.sleep(60) }
                var answers: [String] = []
                for _ in 0..<5 {
                    answers.append(try await asyncio.toThread { try Inspector.request(pid: getpid(), "snapshot") })
                }
                child.cancel()
                do { try await child.wait() } catch {}
                return answers
            }
            for answer in answers {
                let snapshot = try ProcessSnapshot(json: answer)
                let names = snapshot.loops.compactMap(\.snapshot).flatMap(\.tasks).map(\.name)
                #expect(names.contains("in-process"))
            }
            loop.stopInspector()
            try loop.close()
        }
        // The server's thread holds a loop for a moment while it asks for a snapshot.
        for _ in 0..<200 where weakLoop != nil { usleep(10_000) }
        #expect(weakLoop == nil)
        // The server's socket stays for the process (one listener); each request's is closed.
        #expect(try openDescriptorCount() <= before + 1)
    }

    @Test func treeCyclesAndCSVQuotingAreCPythons() throws {
        let json = """
            {"pid": 1, "cancel": false, "loops": [{"running": true, "blocked_for": null, "snapshot_age": 0,
             "snapshot": {"tid": 7, "tasks": [
              {"id": "0xa", "name": "a", "stack": [{"function": "await b"}], "awaited_by": ["0xb"]},
              {"id": "0xb", "name": "b,c", "stack": [{"function": "await \\"a\\""}], "awaited_by": ["0xa"]}]}}]}
            """
        let snapshot = try ProcessSnapshot(json: json)
        #expect(throws: AwaitCycle.self) { try TaskTree.render(snapshot) }
        do {
            _ = try TaskTree.render(snapshot)
        } catch let cycle as AwaitCycle {
            #expect(cycle.message == "ERROR: await-graph contains cycles - cannot print a tree!\n\ncycle: b,c → a → b,c")
        }
        let csv = TaskTable.render(snapshot, format: .csv).split(separator: "\r\n").map(String.init)
        #expect(csv[2] == "7,0xb,\"b,c\",\"await \"\"a\"\"\",await b,a,0xa")
    }
}

/// Open descriptors of this process.
private func openDescriptorCount() throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
}
