// Greenlets: switching both ways, parents, throw, nesting, depth, many alive, unwinding, threads.
import AsyncioGreenlets
import Foundation
import Testing

/// Collects what greenlet bodies print.
final class Printed {
    var lines: [String] = []
    func add(_ line: Any) { lines.append("\(line)") }
}

@Suite struct GreenletTests {
    @Test func seedExampleSwitchesBetweenTwoGreenlets() throws {
        let out = Printed()
        var gr2: Greenlet!
        let gr1 = Greenlet { _ in
            out.add(1); try gr2.switch(); out.add(2); try gr2.switch(); return nil
        }
        gr2 = Greenlet { _ in
            out.add(3); try gr1.switch(); out.add(4); return nil
        }
        try gr1.switch()
        #expect(out.lines == ["1", "3", "2", "4"])
        #expect(gr2.isDead && !gr1.isDead && gr1.isActive)
        try gr1.switch()  // finishes gr1: its parent (this root) gets its return value
        #expect(gr1.isDead)
    }

    @Test func valuesTravelBothWaysAndTheReturnValueGoesToTheParent() throws {
        let root = Greenlet.current
        let worker = Greenlet { first in
            var total = first as! Int
            while total < 10 {
                total += try root.switch(total) as! Int
            }
            return "total \(total)"
        }
        #expect(!worker.isActive && !worker.isDead)
        #expect(try worker.switch(1) as? Int == 1)
        #expect(worker.isActive)
        #expect(try worker.switch(4) as? Int == 5)
        #expect(try worker.switch(7) as? String == "total 12")
        #expect(worker.isDead && !worker.isActive)
        // A dead greenlet switches to its parent: here, that is the caller itself.
        #expect(try worker.switch("back") as? String == "back")
    }

    @Test func currentIsTheRunningGreenlet() throws {
        let root = Greenlet.current
        #expect(root.isRoot && root.isActive && root.stackRange == nil)
        var inside: Greenlet?
        let g = Greenlet { _ in inside = Greenlet.current; return nil }
        try g.switch()
        #expect(inside === g)
        #expect(Greenlet.current === root)
        #expect(g.parent === root)
    }

    @Test func throwIntoASuspendedGreenletRaisesAtItsSwitch() throws {
        let root = Greenlet.current
        let caught = Greenlet { _ in
            do { try root.switch("waiting") } catch let error as Boom { return "caught \(error.tag)" }
            return "not thrown"
        }
        #expect(try caught.switch() as? String == "waiting")
        #expect(try caught.throw(Boom(tag: "x")) as? String == "caught x")

        let escaping = Greenlet { _ in try root.switch(); return nil }
        try escaping.switch()
        #expect(throws: Boom(tag: "y")) { try escaping.throw(Boom(tag: "y")) }
        #expect(escaping.isDead)
    }

    @Test func greenletExitEndsTheBodyAndIsReturnedToTheParent() throws {
        let root = Greenlet.current
        var cleaned = false
        let g = Greenlet { _ in
            defer { cleaned = true }
            try root.switch()
            return "unreached"
        }
        try g.switch()
        let returned = try g.throw()
        #expect(returned is GreenletExit && cleaned && g.isDead)
    }

    @Test func throwIntoAnUnstartedGreenletNeverRunsItsBody() throws {
        var ran = false
        let g = Greenlet { _ in ran = true; return nil }
        #expect(throws: Boom()) { try g.throw(Boom()) }
        #expect(g.isDead && !ran)
        let h = Greenlet { _ in ran = true; return nil }
        #expect(try h.throw(GreenletExit()) is GreenletExit)
        #expect(!ran)
    }

    @Test func nestedGreenletsReturnToTheGreenletThatCreatedThem() throws {
        let out = Printed()
        let outer = Greenlet { _ in
            let inner = Greenlet { value in out.add("inner got \(value as! Int)"); return 2 }
            #expect(inner.parent === Greenlet.current)
            let fromInner = try inner.switch(1) as! Int
            out.add("outer got \(fromInner)")
            return fromInner * 10
        }
        #expect(try outer.switch() as? Int == 20)
        #expect(out.lines == ["inner got 1", "outer got 2"])
    }

    @Test func anExplicitParentReceivesTheResultAndErrors() throws {
        let root = Greenlet.current
        let collector = Greenlet { first in
            var got = [first as? String ?? "?"]
            got.append(try root.switch() as? String ?? "?")
            return got.joined(separator: ",")
        }
        let a = Greenlet(parent: collector) { _ in "a done" }
        let b = Greenlet(parent: collector) { _ in "b done" }
        try a.switch()  // a finishes into collector, which switches back here
        #expect(try b.switch() as? String == "a done,b done")
        #expect(throws: GreenletError.parentCycle) { try collector.setParent(a) }

        let catcher = Greenlet { _ in
            let failing = Greenlet { _ in throw Boom(tag: "child") }
            do { try failing.switch() } catch let error as Boom { return "parent caught \(error.tag)" }
            return "nothing thrown"
        }
        #expect(try catcher.switch() as? String == "parent caught child")
    }

    @Test func deepRecursionInsideAGreenletCanSwitchFromTheBottom() throws {
        let root = Greenlet.current
        func descend(_ depth: Int) throws -> Int {
            if depth == 0 { return try root.switch("bottom") as! Int }
            return try descend(depth - 1) + 1
        }
        // 64 MiB: AddressSanitizer builds have much larger frames (the stack is mapped on demand).
        let g = Greenlet(stackSize: 64 * 1024 * 1024) { _ in try descend(20_000) }
        #expect(try g.switch() as? String == "bottom")
        #expect(try g.switch(5) as? Int == 20_005)
    }

    @Test func aHundredThousandGreenletsAliveAtOnce() throws {
        let root = Greenlet.current
        let count = 100_000
        var greenlets: [Greenlet] = []
        greenlets.reserveCapacity(count)
        for index in 0..<count {
            greenlets.append(Greenlet(stackSize: 32 * 1024) { _ in
                let doubled = try root.switch(index) as! Int
                return doubled + 1
            })
        }
        var started = 0
        for greenlet in greenlets { started += try greenlet.switch() as! Int }
        #expect(started == count * (count - 1) / 2)
        let allActive = greenlets.allSatisfy { $0.isActive }
        #expect(allActive)
        var finished = 0
        for (index, greenlet) in greenlets.enumerated() { finished += try greenlet.switch(index * 2) as! Int }
        #expect(finished == count * (count - 1) + count)
        let allDead = greenlets.allSatisfy { $0.isDead }
        #expect(allDead)
    }

    @Test func aDroppedSuspendedGreenletIsUnwound() throws {
        let root = Greenlet.current
        var cleaned = false
        do {
            let g = Greenlet { _ in
                defer { cleaned = true }
                try root.switch()
                return nil
            }
            try g.switch()
            #expect(!cleaned)
        }
        #expect(cleaned)
    }

    /// (The guard page below it is checked by StackOverflowTests, in a child process.)
    @Test func theStackIsMappedWhenTheGreenletStartsWithTheRequestedSize() throws {
        let g = Greenlet(stackSize: 64 * 1024) { _ in try Greenlet.current.parent!.switch() }
        #expect(g.stackRange == nil)
        try g.switch()
        let range = try #require(g.stackRange)
        #expect(range.count == 64 * 1024)
        try g.switch()
        #expect(g.isDead)
    }

    @Test func anotherThreadCannotSwitchIntoAGreenlet() throws {
        let root = Greenlet.current
        let g = Greenlet { _ in try root.switch(); return nil }
        try g.switch()
        let box = ThreadResult()
        let thread = Thread { [g = UncheckedSend(g)] in
            do { try g.value.switch(); box.set("switched") } catch { box.set("\(error)") }
        }
        thread.start()
        #expect(box.wait() == GreenletError.wrongThread.description)
        try g.switch()
        #expect(g.isDead)
    }
}

struct Boom: Error, Equatable {
    var tag = "boom"
}

/// Moves a value to another thread in a test that knows the thread only reads it.
struct UncheckedSend<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One string handed from a thread to the test, waited for with a condition.
final class ThreadResult: @unchecked Sendable {
    // `value` is guarded by `condition`.
    private let condition = NSCondition()
    private var value: String?
    func set(_ text: String) { condition.lock(); value = text; condition.signal(); condition.unlock() }
    func wait() -> String {
        condition.lock(); defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
