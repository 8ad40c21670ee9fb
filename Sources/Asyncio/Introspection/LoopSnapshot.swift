// A snapshot of a loop's pending tasks as JSON: what `asyncio-tools ps` and `pstree` print.
import CAsyncio

extension EventLoop {
    /// Every pending task of the loop as one JSON object (the inspector's wire format), built on
    /// the loop's thread:
    /// `{"tid": 41, "tasks": [{"id": "0x…", "name": "Task-1", "stack": [{"function": "asyncio.sleep()",
    /// "file": "App/main.swift", "line": 12}, …], "awaited_by": ["0x…"]}, …]}`.
    /// Tasks come oldest first; a task's stack is innermost first; `awaited_by` lists the tasks that await it, through
    /// gathers and shields too (those are not tasks, so the tasks awaiting them stand in). Each
    /// task also has its `state` (`waiting`, `ready`, `cancelling`) and `age` in seconds (null for
    /// a task made before the loop was inspected); the loop adds its `ready` queue depth, the
    /// descriptors `registered` with its selector, and its `watchdog` reports, newest last.
    func snapshotJSON() -> [UInt8] {
        let index = AwaiterIndex(loop: self)
        let now = clock.now()
        var json = JSONText(capacity: 256 * liveTaskCount + 64)
        json.raw("{\"tid\": \(nativeThread.load(ordering: .relaxed)), \"ready\": \(ready.count)")
        json.raw(", \"registered\": \(selector.count), \"watchdog\": [")
        for (position, report) in stallReports.enumerated() {
            if position > 0 { json.raw(", ") }
            report.writeJSON(to: &json)
        }
        json.raw("], \"tasks\": [")
        var first = true
        for task in allTasks().reversed() {   // oldest first
            if !first { json.raw(", ") }
            first = false
            json.raw("{\"id\": \"")
            json.raw(task.hexID)
            json.raw("\", \"name\": ")
            json.string(task.name)
            let state = task.cancelRequests > 0 ? "cancelling" : task.parkedContinuation != nil ? "waiting" : "ready"
            json.raw(", \"state\": \"\(state)\", \"age\": " + (task.createdAt.isNaN ? "null" : "\(max(0, now - task.createdAt))"))
            json.raw(", \"stack\": [")
            let stack = (task.waitEntry.map { [$0] } ?? []) + [task.bodyEntry]
            for (position, entry) in stack.enumerated() {
                json.raw(position > 0 ? ", {\"function\": " : "{\"function\": ")
                json.string(entry.function)
                if let file = entry.file, let line = entry.line {
                    json.raw(", \"file\": ")
                    json.string(file)
                    json.raw(", \"line\": \(line)")
                }
                json.raw("}")
            }
            json.raw("], \"awaited_by\": [")
            for (position, awaiter) in awaitingTasks(of: task, index: index).enumerated() {
                json.raw(position > 0 ? ", \"" : "\"")
                json.raw(awaiter.hexID)
                json.raw("\"")
            }
            json.raw("]}")
        }
        json.raw("]}")
        return json.bytes
    }

    /// The tasks that await `future`, directly or through futures that are not tasks (a gather,
    /// a shield), each once.
    private func awaitingTasks(of future: AnyFuture, index: AwaiterIndex) -> [AnyTask] {
        var found: [AnyTask] = []
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(future)]
        var todo = index.awaiters(of: future)
        while let next = todo.popLast() {
            guard seen.insert(ObjectIdentifier(next)).inserted else { continue }
            if let task = next as? AnyTask {
                found.append(task)
            } else {
                todo.append(contentsOf: index.awaiters(of: next))
            }
        }
        return found
    }

    /// The pending task whose `hexID` is `id`, if any (for the inspector's `cancel`).
    func liveTask(withHexID id: String) -> AnyTask? {
        var node = liveTasks
        while let task = node {
            if task.hexID == id && !task.done() { return task }
            node = task.nextLive
        }
        return nil
    }
}

extension AnyFuture {
    /// The id the call graph and `ps` print: the object's address in hex, as CPython's `id()`.
    var hexID: String { "0x" + String(UInt(bitPattern: ObjectIdentifier(self)), radix: 16) }
}

extension WatchdogReport {
    /// The report as the live page reads it: `{"duration": 0.31, "threshold": 0.1, "ongoing":
    /// false, "task": "worker", "origin": "App/main.swift:12", "last_await": "…", "stack": […]}`.
    func writeJSON(to json: inout JSONText) {
        json.raw("{\"duration\": \(duration), \"threshold\": \(threshold), \"ongoing\": \(ongoing), \"task\": ")
        if let task {
            json.string(task.name)
            json.raw(", \"origin\": ")
            json.string("\(task.origin.file):\(task.origin.line)")
            json.raw(", \"last_await\": ")
            if let last = task.lastAwait { json.string(last) } else { json.raw("null") }
        } else {
            json.raw("null, \"origin\": null, \"last_await\": null")
        }
        json.raw(", \"stack\": [")
        for (position, frame) in stack.enumerated() {
            if position > 0 { json.raw(", ") }
            json.string(frame)
        }
        json.raw("]}")
    }
}

/// Writing JSON by hand, as UTF-8 bytes (the core library does not use Foundation).
struct JSONText {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    /// Appends text that needs no escaping (keys, punctuation, numbers, hex ids).
    mutating func raw(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends bytes that are JSON already.
    mutating func append(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    /// Appends `text` as a JSON string literal, escaped; `<` is written `\u003c` too, so the JSON
    /// can sit in an HTML script element (the live page embeds it) with no `</script>` in it.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(byte)
                case 0..<0x20, UInt8(ascii: "<"):
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0xf)])
                default:
                    bytes.append(byte)   // UTF-8 passes through
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
