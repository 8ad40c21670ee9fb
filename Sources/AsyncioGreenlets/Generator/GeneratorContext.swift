// What a generator's body calls: yield one element, or delegate to another generator.

/// Handed to a generator's body: `yield` and `yieldFrom`, Python's `yield` and `yield from`.
public struct GeneratorContext<Element> {
    unowned(unsafe) let channel: YieldChannel<Element>

    /// Yields `value` to the consumer and suspends. Returns what the consumer sends next (nil
    /// for `next()`), or throws what it throws in (`GeneratorExit` when it closes the generator).
    @discardableResult
    public func yield(_ value: Element) throws -> Any? {
        channel.outgoing = value
        return try Greenlet.transfer(to: channel.greenlet.parentStorage!, .value(nil))
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
