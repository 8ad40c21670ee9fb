// Generators: iteration, send, throw, close, return values, yieldFrom chains, misuse, dropping.
import AsyncioGreenlets
import Testing

@Suite struct GeneratorTests {
    func func2() -> Generator<Int, Void> {
        Generator { g in try g.yield(3); try g.yield(4) }
    }

    @Test func seedExampleYieldAndYieldFrom() {
        let f1 = Generator<Int, Void> { g in
            try g.yield(1)
            try g.yieldFrom(func2())
            try g.yield(2)
        }
        #expect(Array(f1) == [1, 3, 4, 2])
        #expect(f1.isFinished && f1.failure == nil)
    }

    @Test func theBodyRunsOnlyWhenFirstResumed() throws {
        var started = false
        let gen = Generator<Int, Int> { g in started = true; try g.yield(1); return 5 }
        #expect(!started && gen.isCreated)
        #expect(try gen.send() == 1)
        #expect(started && !gen.isRunning)
        do {
            try gen.send()
            Issue.record("no StopIteration")
        } catch let stop as StopIteration<Int> {
            #expect(stop.value == 5)
        }
        #expect(gen.returnValue == 5 && gen.isFinished)
        // Finished: further sends stop again, without a value.
        #expect(throws: StopIteration<Int>.self) { try gen.send() }
    }

    @Test func sendDeliversValuesToThePendingYield() throws {
        let averager = Generator<Double, Int> { g in
            var total = 0.0, count = 0
            var average = 0.0
            while true {
                guard let next = try g.yield(average) as? Double else { return count }
                total += next
                count += 1
                average = total / Double(count)
            }
        }
        #expect(throws: GeneratorError.nonNilSentToJustStarted) { try averager.send(1.0) }
        #expect(try averager.send() == 0)
        #expect(try averager.send(10.0) == 10)
        #expect(try averager.send(20.0) == 15)
        #expect(try averager.send(60.0) == 30)
        #expect(throws: StopIteration<Int>.self) { try averager.send("stop") }
        #expect(averager.returnValue == 3)
    }

    @Test func throwRaisesAtTheYieldAndTheBodyMayRecover() throws {
        let gen = Generator<String, Void> { g in
            while true {
                do { try g.yield("ready") } catch let error as Boom { try g.yield("recovered from \(error.tag)") }
            }
        }
        #expect(try gen.send() == "ready")
        #expect(try gen.throw(Boom(tag: "a")) == "recovered from a")
        #expect(try gen.send() == "ready")
        #expect(throws: GeneratorError.self) { try gen.throw(GeneratorError.exhausted) }
        #expect(gen.isFinished)
        #expect(gen.failure as? GeneratorError == .exhausted)
    }

    @Test func throwIntoAGeneratorThatHasNotStartedFinishesIt() {
        var ran = false
        let gen = Generator<Int, Void> { g in ran = true; try g.yield(1) }
        #expect(throws: Boom()) { try gen.throw(Boom()) }
        #expect(gen.isFinished && !ran)
        #expect(gen.next() == nil)
    }

    @Test func closeRunsCleanupAndReportsTheReturnValue() throws {
        var cleaned = false
        let plain = Generator<Int, Void> { g in
            defer { cleaned = true }
            while true { try g.yield(0) }
        }
        #expect(try plain.send() == 0)
        #expect(try plain.close() == nil)
        #expect(cleaned && plain.isFinished)
        #expect(try plain.close() == nil)  // closing again does nothing

        let returning = Generator<Int, String> { g in
            do { try g.yield(1) } catch is GeneratorExit { return "closed cleanly" }
            return "unreached"
        }
        try returning.send()
        #expect(try returning.close() == "closed cleanly")

        var ignoredOnce = false
        let stubborn = Generator<Int, Void> { g in
            while true {
                do { try g.yield(1) } catch is GeneratorExit where !ignoredOnce { ignoredOnce = true }
            }
        }
        try stubborn.send()
        #expect(throws: GeneratorError.ignoredGeneratorExit) { try stubborn.close() }
        #expect(!stubborn.isFinished)
        #expect(try stubborn.close() == nil)  // the second GeneratorExit ends it
        #expect(stubborn.isFinished)

        var ranUnstarted = false
        let unstarted = Generator<Int, Void> { g in ranUnstarted = true; try g.yield(1) }
        #expect(try unstarted.close() == nil)
        #expect(unstarted.isFinished && !ranUnstarted)
    }

    @Test func yieldFromReturnsTheInnerReturnValueAndPassesSendThrough() throws {
        let inner = Generator<String, Int> { g in
            let a = try g.yield("inner 1") as? Int ?? 0
            let b = try g.yield("inner 2") as? Int ?? 0
            return a + b
        }
        let outer = Generator<String, Int> { g in
            try g.yield("outer start")
            let sum = try g.yieldFrom(inner)
            try g.yield("outer got \(sum)")
            return sum * 2
        }
        #expect(try outer.send() == "outer start")
        #expect(try outer.send() == "inner 1")
        #expect(try outer.send(3) == "inner 2")
        #expect(try outer.send(4) == "outer got 7")
        #expect(throws: StopIteration<Int>.self) { try outer.send() }
        #expect(outer.returnValue == 14 && inner.returnValue == 7)
    }

    @Test func yieldFromChainsThreeDeepAndForwardsThrowAndClose() throws {
        var log: [String] = []
        func level(_ depth: Int) -> Generator<Int, Int> {
            Generator { g in
                defer { log.append("closed \(depth)") }
                if depth == 0 {
                    do { try g.yield(0) } catch let error as Boom { log.append("bottom caught \(error.tag)") }
                    try g.yield(1)
                    return 100
                }
                return try g.yieldFrom(level(depth - 1)) + depth
            }
        }
        let top = level(2)
        #expect(try top.send() == 0)
        #expect(try top.throw(Boom(tag: "t")) == 1)
        #expect(log == ["bottom caught t"])
        #expect(try top.close() == nil)
        #expect(log == ["bottom caught t", "closed 0", "closed 1", "closed 2"])

        let full = level(3)
        #expect(Array(full) == [0, 1])
        #expect(full.returnValue == 106)
    }

    @Test func yieldFromAPlainSequence() {
        let gen = Generator<Int, Void> { g in
            try g.yieldFrom(1...3)
            try g.yieldFrom([10, 20])
        }
        #expect(Array(gen) == [1, 2, 3, 10, 20])
    }

    @Test func resumingFromInsideItsOwnBodyIsRejected() throws {
        var me: Generator<Int, Void>!
        var rejected: GeneratorError?
        me = Generator { g in
            do { try me.send() } catch let error as GeneratorError { rejected = error }
            try g.yield(1)
        }
        #expect(try me.send() == 1)
        #expect(rejected == .alreadyExecuting)
        try me.close()
        me = nil
    }

    @Test func anErrorEndsIterationAndIsKept() {
        let gen = Generator<Int, Void> { g in
            try g.yield(1)
            throw Boom(tag: "mid")
        }
        #expect(Array(gen) == [1])
        #expect(gen.failure as? Boom == Boom(tag: "mid"))
    }

    @Test func aDroppedSuspendedGeneratorIsClosed() throws {
        var cleaned = false
        do {
            let gen = Generator<Int, Void> { g in
                defer { cleaned = true }
                try g.yield(1)
                try g.yield(2)
            }
            #expect(gen.next() == 1)
        }
        #expect(cleaned)
    }

    @Test func generatorsInsideAGreenletAndGreenletsInsideAGenerator() throws {
        let root = Greenlet.current
        let gen = Generator<Int, Void> { g in
            let helper = Greenlet { value in (value as! Int) * 2 }
            try g.yield(try helper.switch(21) as! Int)
        }
        let host = Greenlet { _ in
            let first = gen.next()!
            try root.switch(first)
            return gen.next() == nil
        }
        #expect(try host.switch() as? Int == 42)
        #expect(try host.switch() as? Bool == true)
    }
}
