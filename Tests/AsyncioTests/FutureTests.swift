// Futures: states, results and errors, done callbacks, awaiting, unretrieved errors.
@testable import Asyncio
import Testing

@Suite struct FutureTests {
    @Test func pendingFutureHasNoResultYet() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: Int.self)
            #expect(!future.done() && !future.cancelled())
            #expect(throws: InvalidStateError.self) { try future.result() }
            #expect(throws: InvalidStateError.self) { try future.exception() }
        }
    }

    @Test func resultAndExceptionOnceDone() throws {
        try withVirtualLoop { loop, _ in
            let good = loop.createFuture(of: String.self)
            try good.setResult("666")
            #expect(good.done())
            #expect(try good.result() == "666")
            #expect(try good.exception() == nil)

            let bad = loop.createFuture(of: String.self)
            try bad.setException(Boom())
            #expect(throws: Boom()) { try bad.result() }
            #expect(try bad.exception() as? Boom == Boom())
        }
    }

    @Test func settingTwiceIsAnInvalidState() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: Int.self)
            try future.setResult(1)
            #expect(throws: InvalidStateError.self) { try future.setResult(2) }
            #expect(throws: InvalidStateError.self) { try future.setException(Boom()) }
            #expect(try future.result() == 1)
            let cancelled = loop.createFuture(of: Int.self)
            cancelled.cancel()
            #expect(throws: InvalidStateError.self) { try cancelled.setResult(2) }
        }
    }

    @Test func cancelledFutureRaisesCancelledErrorWithTheMessage() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: Int.self)
            #expect(future.cancel(msg: "stop it"))
            #expect(future.cancelled() && future.done())
            #expect(!future.cancel())
            #expect(throws: CancelledError("stop it")) { try future.result() }
            #expect(throws: CancelledError("stop it")) { try future.exception() }
        }
    }

    @Test(.assertsFIFOOrder) func doneCallbacksAlwaysGoThroughCallSoonInOrder() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let future = loop.createFuture(of: Int.self)
            future.addDoneCallback { log.add("first \(try $0.result())") }
            future.addDoneCallback { log.add("second \(try $0.result())") }
            try future.setResult(7)
            #expect(log.entries.isEmpty)             // not called synchronously
            future.addDoneCallback { _ in log.add("late") }   // already done: still scheduled
            #expect(log.entries.isEmpty)
            loop.stop()
            try loop.runForever()
            #expect(log.entries == ["first 7", "second 7", "late"])
        }
    }

    @Test func removeDoneCallbackReturnsHowManyWereRemoved() throws {
        try withVirtualLoop { loop, _ in
            let log = EventLog()
            let future = loop.createFuture(of: Int.self)
            let keep = future.addDoneCallback { _ in log.add("keep") }
            let drop = future.addDoneCallback { _ in log.add("drop") }
            #expect(keep != drop)
            #expect(future.removeDoneCallback(drop) == 1)
            #expect(future.removeDoneCallback(drop) == 0)
            try future.setResult(1)
            loop.stop()
            try loop.runForever()
            #expect(log.entries == ["keep"])
        }
    }

    @Test(.assertsFIFOOrder) func awaitingADoneFutureDoesNotSuspend() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: Int.self)
            try future.setResult(5)
            let log = EventLog()
            try loop.runUntilComplete {
                try loop.callSoon { log.add("callback") }
                let value = try await future.value
                log.add("awaited \(value)")
                try await asyncio.sleep(0)
                log.add("after yield")
            }
            #expect(log.entries == ["awaited 5", "callback", "after yield"])
        }
    }

    @Test func awaitingAPendingFutureWaitsForItsResultOrError() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: String.self)
            let failing = loop.createFuture(of: String.self)
            try loop.callLater(1) { try future.setResult("ok") }
            try loop.callLater(2) { try failing.setException(Boom()) }
            let (value, error) = try loop.runUntilComplete { () async throws -> (String, Boom?) in
                let value = try await future.value
                do { _ = try await failing.value; return (value, nil) } catch let error as Boom { return (value, error) }
            }
            #expect(value == "ok")
            #expect(error == Boom())
        }
    }

    @Test func anErrorNobodyRetrievedIsReportedWhenTheFutureGoes() throws {
        try withVirtualLoop { loop, _ in
            let reported = ReportedErrors()
            reported.install(on: loop)
            do {
                let future = loop.createFuture(of: Int.self)
                try future.setException(Boom(tag: "lost"))
            }
            do {
                let future = loop.createFuture(of: Int.self)
                try future.setException(Boom(tag: "seen"))
                _ = try? future.result()
            }
            loop.stop()
            try loop.runForever()
            #expect(reported.messages == ["Future exception was never retrieved | lost"])
        }
    }

    @Test func descriptionShowsStateAndResult() throws {
        try withVirtualLoop { loop, _ in
            let future = loop.createFuture(of: String.self)
            #expect("\(future)" == "<Future pending>")
            try future.setResult("x")
            #expect("\(future)" == "<Future finished result='x'>")
        }
    }
}
