// `pstree`: the await tree of a process's tasks, as CPython 3.14's `python -m asyncio pstree`.

/// The tree would loop: these tasks await each other (CPython's `CycleFoundException`).
public struct AwaitCycle: Error, Sendable {
    /// Each cycle as task names, its first task repeated at the end.
    public let cycles: [[String]]

    /// CPython's message: "ERROR: await-graph contains cycles - cannot print a tree!", a blank
    /// line, then `cycle: a → b → a` per cycle.
    public var message: String {
        (["ERROR: await-graph contains cycles - cannot print a tree!", ""]
            + cycles.map { "cycle: " + $0.joined(separator: " → ") }).joined(separator: "\n")
    }
}

/// Builds the tree as CPython's `build_async_tree`: each awaiting task, then the frames of its
/// stack (outermost first) down to the await, then the tasks it awaits; a task that awaits no
/// task ends with its own frames. Tasks are `(T) name`.
public enum TaskTree {
    private enum Node: Hashable {
        case task(String)
        case frame(Int)
    }

    /// One list of lines per root; throws `AwaitCycle` when tasks await each other.
    public static func render(_ snapshot: ProcessSnapshot) throws -> [[String]] {
        var names: [String: String] = [:]
        var stacks: [String: [String]] = [:]
        var awaits: [(parent: String, stack: [String], child: String)] = []
        var order: [String] = []
        for loop in snapshot.loops {
            for task in loop.snapshot?.tasks ?? [] {
                names[task.id] = task.name
                stacks[task.id] = task.stack.map(\.label)
                order.append(task.id)
            }
        }
        for loop in snapshot.loops {
            for task in loop.snapshot?.tasks ?? [] {
                for parent in task.awaitedBy { awaits.append((parent, stacks[parent] ?? [], task.id)) }
            }
        }
        let cycles = findCycles(awaits.map { ($0.parent, $0.child) }, order: order)
        if !cycles.isEmpty {
            throw AwaitCycle(cycles: cycles.map { $0.map { names[$0] ?? $0 } })
        }

        var labels: [Node: String] = [:]
        var nodes: [Node] = []   // in the order made, as Python's dict keeps them
        var children: [Node: [Node]] = [:]
        var frameNodes: [Node: [String: Node]] = [:]
        func add(_ node: Node, _ label: String) {
            if labels[node] == nil { nodes.append(node) }
            labels[node] = label
        }
        for id in order { add(.task(id), names[id] ?? id) }
        func frameNode(under parent: Node, _ frame: String) -> Node {
            if let existing = frameNodes[parent]?[frame] { return existing }
            let node = Node.frame(labels.count)
            add(node, frame)
            children[parent, default: []].append(node)
            frameNodes[parent, default: [:]][frame] = node
            return node
        }
        var linked: Set<[Node]> = []
        for edge in awaits {
            var current = Node.task(edge.parent)
            if labels[current] == nil { add(current, edge.parent) }
            for frame in edge.stack.reversed() { current = frameNode(under: current, frame) }
            let child = Node.task(edge.child)
            if linked.insert([current, child]).inserted { children[current, default: []].append(child) }
        }
        let awaiting = Set(awaits.map(\.parent))
        for id in order where !awaiting.contains(id) {
            var current = Node.task(id)
            for frame in (stacks[id] ?? []).reversed() { current = frameNode(under: current, frame) }
        }

        let allChildren = Set(children.values.flatMap { $0 })
        func draw(_ node: Node, prefix: String, last: Bool, into lines: inout [String]) {
            let flag: String
            if case .task = node { flag = "(T)" } else { flag = "" }
            lines.append(prefix + (last ? "└── " : "├── ") + flag + " " + (labels[node] ?? ""))
            let below = children[node] ?? []
            for (index, child) in below.enumerated() {
                draw(child, prefix: prefix + (last ? "    " : "│   "), last: index == below.count - 1, into: &lines)
            }
        }
        return nodes.filter { !allChildren.contains($0) }.map { root in
            var lines: [String] = []
            draw(root, prefix: "", last: true, into: &lines)
            return lines
        }
    }

    /// Depth-first search for back edges in the task graph (CPython's `_find_cycles`).
    static func findCycles(_ edges: [(String, String)], order: [String]) -> [[String]] {
        var graph: [String: [String]] = [:]
        var vertices: [String] = []
        var seen: Set<[String]> = []
        for (parent, child) in edges {
            if graph[parent] == nil { vertices.append(parent) }
            if seen.insert([parent, child]).inserted { graph[parent, default: []].append(child) }
        }
        enum Color { case white, grey, black }
        var color: [String: Color] = [:]
        var path: [String] = []
        var cycles: [[String]] = []
        func visit(_ vertex: String) {
            color[vertex] = .grey
            path.append(vertex)
            for next in graph[vertex] ?? [] {
                switch color[next] ?? .white {
                case .white: visit(next)
                case .grey:
                    let start = path.firstIndex(of: next)!
                    cycles.append(Array(path[start...]) + [next])
                case .black: break
                }
            }
            color[vertex] = .black
            path.removeLast()
        }
        for vertex in vertices where (color[vertex] ?? .white) == .white { visit(vertex) }
        return cycles
    }
}
