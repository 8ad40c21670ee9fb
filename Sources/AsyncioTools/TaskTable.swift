// `ps`: the table of pending tasks and their awaiters, as CPython 3.14's `python -m asyncio ps`.

/// How `ps` prints its table.
public enum TableFormat: String, CaseIterable, Sendable {
    /// Fixed-width columns, as CPython prints them.
    case table
    /// Comma-separated, quoted as Python's `csv` module quotes.
    case csv
    /// Tab-separated.
    case tsv
    /// The inspector's answer as it came.
    case json
}

/// The rows and their printing.
public enum TaskTable {
    /// The column names, CPython's.
    public static let header = ["tid", "task id", "task name", "coroutine stack", "awaiter chain", "awaiter name", "awaiter id"]

    /// One row per task and awaiter (one with empty awaiter columns and id `0x0` for a task
    /// nothing awaits), as CPython's `build_task_table`.
    public static func rows(_ snapshot: ProcessSnapshot) -> [[String]] {
        var rows: [[String]] = []
        for loop in snapshot.loops {
            guard let tasks = loop.snapshot else { continue }
            let byID = Dictionary(tasks.tasks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for task in tasks.tasks {
                let stack = task.stack.map(\.function).joined(separator: " -> ")
                let start = ["\(tasks.tid)", task.id, task.name, stack]
                if task.awaitedBy.isEmpty {
                    rows.append(start + ["", "", "0x0"])
                    continue
                }
                for awaiterID in task.awaitedBy {
                    let awaiter = byID[awaiterID]
                    let chain = awaiter?.stack.map(\.function).joined(separator: " -> ") ?? ""
                    rows.append(start + [chain, awaiter?.name ?? "Unknown", awaiterID])
                }
            }
        }
        return rows
    }

    /// The table as text in `format` (not `.json`: that is the answer itself).
    public static func render(_ snapshot: ProcessSnapshot, format: TableFormat) -> String {
        let rows = rows(snapshot)
        switch format {
        case .table:
            let widths = [10, 20, 20, 50, 50, 15, 15]
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { cell, width in cell.padding(to: width) }.joined(separator: " ")
            }
            return ([line(header), String(repeating: "-", count: 180)] + rows.map(line)).joined(separator: "\n")
        case .csv:
            return ([header] + rows).map { $0.map(csvQuoted).joined(separator: ",") }.joined(separator: "\r\n")
        case .tsv:
            return ([header] + rows).map { $0.map { $0.replacing("\t", with: " ") }.joined(separator: "\t") }.joined(separator: "\n")
        case .json:
            return ""
        }
    }

    /// A field as Python's `csv.writer` writes it (QUOTE_MINIMAL).
    static func csvQuoted(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacing("\"", with: "\"\"") + "\""
    }

    /// What to say before the table about loops that are blocked or not running ("" if none).
    public static func warnings(_ snapshot: ProcessSnapshot) -> String {
        var lines: [String] = []
        for loop in snapshot.loops {
            let tid = loop.snapshot.map { "\($0.tid)" } ?? "?"
            if let blocked = loop.blockedFor {
                let age = loop.snapshotAge.map { String(format1: $0) + " s old" } ?? "none taken yet"
                lines.append("the loop of thread \(tid) is blocked: no progress for \(String(format1: blocked)) s; its last snapshot is \(age)")
            } else if !loop.running {
                lines.append("the loop of thread \(tid) is not running; its last snapshot is shown")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Left-aligned in `width` code points (Python's `f"{s:<width}"`: longer text is kept whole).
    func padding(to width: Int) -> String {
        let length = unicodeScalars.count
        return length >= width ? self : self + String(repeating: " ", count: width - length)
    }

    /// A number with one decimal.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
