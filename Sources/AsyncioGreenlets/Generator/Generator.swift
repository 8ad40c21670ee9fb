// Python's generators on a greenlet: a Sequence whose body yields, with send, throw and close.

/// A generator: a body that produces elements one at a time with `yield`, suspended in between
/// on a stack of its own, and a return value when it ends. `Element` is what it yields, `Return`
/// what its body returns.
///
/// ```swift
/// func func2() -> Generator<Int, Void> { Generator { g in try g.yield(3); try g.yield(4) } }
/// let f1 = Generator<Int, Void> { g in try g.yield(1); try g.yieldFrom(func2()); try g.yield(2) }
/// for item in f1 { print(item) }   // 1 3 4 2
/// ```
///
/// As in Python: `send(value)` resumes the body and makes its pending `yield` return `value`
/// (the first resume must send nil), `throw(error)` raises `error` at the pending `yield`, and
/// `close()` raises `GeneratorExit` there. When the body returns, `send` and `throw` throw
/// `StopIteration` carrying the return value, which `returnValue` also keeps. Iterating with
/// `for ... in` ends at the return; an error the body throws ends the iteration too and is kept in
/// `failure` (a Swift `Sequence` cannot throw). A suspended generator that is dropped is closed.
///
/// The body runs on a greenlet: synchronous code, on the thread that first resumes it.
public final class Generator<Element, Return>: Sequence, IteratorProtocol {
    /// What the body receives: the way to yield.
    public typealias Body = (GeneratorContext<Element>) throws -> Return

    let channel: YieldChannel<Element>
    private let greenlet: Greenlet
    private let returned: ReturnSlot<Return>
    private var status: Status = .created

    enum Status { case created, suspended, running, finished }

    /// The body's return value, once it has returned.
    public private(set) var returnValue: Return?
    /// The error the body threw, once it has thrown one.
    public private(set) var failure: (any Error)?

    /// A generator that runs `body` on a stack of `stackSize` bytes when first resumed.
    public init(stackSize: Int = Greenlet.defaultStackSize, _ body: @escaping Body) {
        let channel = YieldChannel<Element>()
        let returned = ReturnSlot<Return>()
        self.channel = channel
        self.returned = returned
        // The body holds the channel and the return slot, not the generator: a suspended body
        // must not keep its generator alive (dropping the generator closes it).
        greenlet = Greenlet(stackSize: stackSize) { _ in
            returned.value = try body(GeneratorContext(channel: channel))
            return nil
        }
        channel.greenlet = greenlet
    }

    deinit {
        if status == .suspended, greenlet.thread == Greenlet.current.thread {
            _ = try? close()
        }
    }

    /// True while the body runs (Python's `gi_running`).
    public var isRunning: Bool { status == .running }
    /// True once the body has returned or thrown, or the generator was closed.
    public var isFinished: Bool { status == .finished }
    /// True when the body has not started yet.
    public var isCreated: Bool { status == .created }

    /// Resumes the body; its pending `yield` returns `value`. Returns the next element; throws
    /// `StopIteration` with the return value when the body returns, or what the body throws.
    @discardableResult
    public func send(_ value: Any? = nil) throws -> Element {
        switch status {
        case .running: throw GeneratorError.alreadyExecuting
        case .finished: throw StopIteration<Return>(value: nil)
        case .created: if value != nil { throw GeneratorError.nonNilSentToJustStarted }
        case .suspended: break
        }
        return try resume(.value(value))
    }

    /// Raises `error` at the pending `yield`. Returns the next element if the body catches it
    /// and yields; throws `StopIteration` if it returns, or what escapes the body. A generator
    /// that has not started finishes without running and throws `error`.
    @discardableResult
    public func `throw`(_ error: any Error) throws -> Element {
        switch status {
        case .running: throw GeneratorError.alreadyExecuting
        case .finished: throw error
        case .created:
            status = .finished
            throw error
        case .suspended: return try resume(.error(error))
        }
    }

    /// Raises `GeneratorExit` at the pending `yield` and lets the body finish. Returns the body's
    /// return value if it returned (Python 3.13), nil if it let `GeneratorExit` escape or had not
    /// started or had finished. Throws `ignoredGeneratorExit` if the body yields again, or what
    /// else it throws.
    @discardableResult
    public func close() throws -> Return? {
        switch status {
        case .running: throw GeneratorError.alreadyExecuting
        case .created, .finished:
            status = .finished
            return nil
        case .suspended:
            do {
                _ = try resume(.error(GeneratorExit()))
            } catch let stop as StopIteration<Return> {
                return stop.value
            } catch is GeneratorExit {
                return nil
            }
            throw GeneratorError.ignoredGeneratorExit
        }
    }

    /// The next element, or nil when the body has returned or thrown (see `failure`).
    public func next() -> Element? {
        guard status != .finished else { return nil }
        return try? send(nil)
    }

    /// Switches into the body with `transfer` and sorts out how it came back.
    private func resume(_ transfer: Transfer) throws -> Element {
        greenlet.parentStorage = Greenlet.current
        status = .running
        do {
            _ = try Greenlet.transfer(to: greenlet, transfer)
        } catch {
            status = .finished
            if !(error is GeneratorExit) { failure = error }
            throw error
        }
        if greenlet.isDead {
            status = .finished
            let value = returned.value
            returned.value = nil
            returnValue = value
            throw StopIteration<Return>(value: value)
        }
        status = .suspended
        let element = channel.outgoing!
        channel.outgoing = nil
        return element
    }
}

/// Where a body's yielded element waits for the consumer, and the greenlet it runs on.
final class YieldChannel<Element> {
    var outgoing: Element?
    unowned(unsafe) var greenlet: Greenlet!
}

/// Where the body's return value waits for the generator.
final class ReturnSlot<Return> {
    var value: Return?
}
