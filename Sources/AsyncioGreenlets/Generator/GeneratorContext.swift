// What a generator's body calls: yield one element, or delegate to another generator.

/// Handed to a generator's body: `yield` and `yieldFrom`, Python's `yield` and `yield from`.
public struct GeneratorContext<Element> {
    @usableFromInline unowned(unsafe) let channel: YieldChannel<Element>

    @usableFromInline init(channel: YieldChannel<Element>) { self.channel = channel }

    /// Yields `value` to the consumer and suspends. Returns what the consumer sends next (nil
    /// for `next()`), or throws what it throws in (`GeneratorExit` when it closes the generator).
    @inlinable @discardableResult
    public func yield(_ value: Element) throws -> Any? {
        channel.outgoing = value
        let received = Greenlet.rawSwitch(from: channel.body, to: channel.consumer.unsafelyUnwrapped, payload: nil)
        // Resumed by send, throw or close through the channel, or by a greenlet-level switch or
        // throw (a dropped greenlet being unwound) that brought a payload.
        if _slowPath(received != nil) { return try Greenlet.takeReceived(received) }
        Greenlet.releasePending()
        if channel.mode == .next { return nil }
        return try channel.takeResumeValue()
    }

    /// Runs `inner` to its end, passing its elements out and what the consumer sends or throws
    /// in through to it (PEP 380). Returns `inner`'s return value. Closing this generator closes
    /// `inner` first.
    public func yieldFrom<R>(_ inner: Generator<Element, R>) throws -> R {
        var element: Element
        do {
            element = try inner.send(nil)
        } catch let stop as StopIteration<R> {
            return try Self.returned(stop)
        }
        while true {
            do {
                let sent: Any?
                do {
                    sent = try yield(element)
                } catch let exit as GeneratorExit {
                    try inner.close()
                    throw exit
                } catch {
                    element = try inner.throw(error)
                    continue
                }
                element = try inner.send(sent)
            } catch let stop as StopIteration<R> {
                return try Self.returned(stop)
            }
        }
    }

    /// Yields each element of `values` in turn (Python's `yield from` of a plain iterable: what
    /// is sent in is ignored, what is thrown in ends the delegation).
    public func yieldFrom<S: Sequence>(_ values: S) throws where S.Element == Element {
        for value in values { try yield(value) }
    }

    private static func returned<R>(_ stop: StopIteration<R>) throws -> R {
        guard let value = stop.value else { throw GeneratorError.exhausted }
        return value
    }
}
