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

    @usableFromInline let channel: YieldChannel<Element>
    @usableFromInline let greenlet: Greenlet
    @usableFromInline let returned: ReturnSlot<Return>
    @exclusivity(unchecked) @usableFromInline var status: Status = .created

    @usableFromInline enum Status { case created, suspended, running, finished }

    /// The body's return value, once it has returned.
    public internal(set) var returnValue: Return?
    /// The error the body threw, once it has thrown one.
    public internal(set) var failure: (any Error)?

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
        channel.body = Unmanaged.passUnretained(greenlet).toOpaque()
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
        case .suspended: break
        case .running: throw GeneratorError.alreadyExecuting
        case .finished: throw StopIteration<Return>(value: nil)
        case .created: if value != nil { throw GeneratorError.nonNilSentToJustStarted }
        }
        if value == nil { return try resume(.next) }
        channel.sent = value
        return try resume(.send)
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
        case .suspended:
            channel.thrown = error
            return try resume(.throw)
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
                _ = try self.throw(GeneratorExit())
            } catch let stop as StopIteration<Return> {
                return stop.value
            } catch is GeneratorExit {
                return nil
            }
            throw GeneratorError.ignoredGeneratorExit
        }
    }

    /// The next element, or nil when the body has returned or thrown (see `failure`).
    @inlinable
    public func next() -> Element? {
        switch status {
        case .suspended, .created: return try? resume(.next)
        case .running, .finished: return nil
        }
    }

    /// Switches into the body, whose pending `yield` finds how it was resumed in the channel,
    /// and sorts out how it came back: yielded (the element is in the channel) or ended (the
    /// switch brought the body's outcome).
    @inlinable
    func resume(_ mode: YieldChannel<Element>.Mode) throws -> Element {
        let consumer = Greenlet.currentRaw()
        if _slowPath(channel.consumer != consumer || greenlet.state == .unstarted) { try adopt(consumer) }
        channel.mode = mode
        status = .running
        let received = Greenlet.rawSwitch(from: consumer, to: channel.body, payload: nil)
        if _slowPath(received != nil) { try ended(received) }
        Greenlet.releasePending()
        status = .suspended
        return channel.takeOutgoing()
    }

    /// A new consumer (the first, or one on another greenlet): it becomes the body's parent.
    /// Maps the stack on the first resume; rejects a consumer on another thread.
    @usableFromInline
    func adopt(_ raw: UnsafeMutableRawPointer) throws {
        let consumer = Unmanaged<Greenlet>.fromOpaque(raw).takeUnretainedValue()
        try greenlet.prepareToRun(from: consumer)
        greenlet.parentStorage = consumer
        channel.consumer = raw
    }

    /// The body returned or threw: the switch brought its outcome.
    @usableFromInline
    func ended(_ received: UnsafeMutableRawPointer?) throws {
        status = .finished
        channel.clearResumeValues()
        do {
            _ = try Greenlet.takeReceived(received)
        } catch {
            if !(error is GeneratorExit) { failure = error }
            throw error
        }
        let value = returned.value
        returned.value = nil
        returnValue = value
        throw StopIteration<Return>(value: value)
    }
}

/// Where a yielded element waits for the consumer and what the consumer sends or throws in
/// waits for the body; the greenlets on both sides, unretained (the generator owns the body's
/// greenlet; the body's greenlet holds its consumer as parent).
@usableFromInline
final class YieldChannel<Element> {
    /// How the consumer resumed the body.
    @usableFromInline enum Mode { case next, send, `throw` }

    @exclusivity(unchecked) @usableFromInline var outgoing: Element?
    @exclusivity(unchecked) @usableFromInline var mode: Mode = .next
    @exclusivity(unchecked) @usableFromInline var sent: Any?
    @exclusivity(unchecked) @usableFromInline var thrown: (any Error)?
    /// The body's greenlet.
    @exclusivity(unchecked) @usableFromInline var body: UnsafeMutableRawPointer!
    /// The greenlet that resumed the body last.
    @exclusivity(unchecked) @usableFromInline var consumer: UnsafeMutableRawPointer?

    @usableFromInline init() {}

    @inlinable func takeOutgoing() -> Element {
        let element = outgoing.unsafelyUnwrapped
        outgoing = nil
        return element
    }

    @usableFromInline func clearResumeValues() {
        sent = nil
        thrown = nil
    }

    /// What the pending `yield` returns or throws.
    @usableFromInline func takeResumeValue() throws -> Any? {
        switch mode {
        case .next: return nil
        case .send:
            let value = sent
            sent = nil
            return value
        case .throw:
            let error = thrown!
            thrown = nil
            throw error
        }
    }
}

/// Where the body's return value waits for the generator.
@usableFromInline
final class ReturnSlot<Return> {
    @usableFromInline var value: Return?
    @usableFromInline init() {}
}
