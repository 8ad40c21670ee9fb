// A snapshot of a loop's pending tasks as JSON: what `asyncio-tools ps` and `pstree` print.
import CAsyncio

extension EventLoop {
    /// Every pending task of the loop as one JSON object (the inspector's wire format), built on
    /// the loop's thread:
    /// `{"tid": 41, "tasks": [{"id": "0x…", "name": "Task-1", "stack": [{"function": "asyncio.sleep()",
    /// "file": "App/main.swift", "line": 12}, …], "awaited_by": ["0x…"]}, …]}`.
    /// Tasks come oldest first; a task's stack is innermost first; `awaited_by` lists the tasks that await it, through
    /// gathers and shields too (those are not tasks, so the tasks awaiting them stand in).
    func snapshotJSON() -> String {
        let index = AwaiterIndex(loop: self)
        var json = "{\"tid\": \(nativeThread.load(ordering: .relaxed)), \"tasks\": ["
        json.reserveCapacity(128 * liveTaskCount + 64)
        var tasks: [AnyTask] = []
        tasks.reserveCapacity(liveTaskCount)
        var node = liveTasks
        while let task = node {
            if !task.done() { tasks.append(task) }
            node = task.nextLive
        }
        var first = true
        for task in tasks.reversed() {   // oldest first
            if !first { json += ", " }
            first = false
            json += "{\"id\": \"" + task.hexID + "\", \"name\": "
            JSONText.appendString(task.name, to: &json)
            json += ", \"stack\": ["
            let stack = (task.waitEntry.map { [$0] } ?? []) + [task.bodyEntry]
            for (position, entry) in stack.enumerated() {
                if position > 0 { json += ", " }
                json += "{\"function\": "
                JSONText.appendString(entry.function, to: &json)
                if let file = entry.file, let line = entry.line {
                    json += ", \"file\": "
                    JSONText.appendString(file, to: &json)
                    json += ", \"line\": \(line)"
                }
                json += "}"
            }
            json += "], \"awaited_by\": ["
            for (position, awaiter) in awaitingTasks(of: task, index: index).enumerated() {
                json += (position > 0 ? ", \"" : "\"") + awaiter.hexID + "\""
            }
            json += "]}"
        }
        return json + "]}"
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

/// Writing JSON by hand (the core library does not use Foundation).
enum JSONText {
    /// Appends `text` as a JSON string literal, escaped.
    static func appendString(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
