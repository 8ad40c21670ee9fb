// How greenlets switch: the per-thread current slot, payloads, starting, finishing, unwinding.
//
// The current slot holds a +1 reference to the running greenlet. A switch retains the target
// into the slot and leaves the switcher's reference in the per-thread pending slot, which the
// resumed side releases once it runs (the switcher's stack is no longer in use by then). What a
// switch hands over (a `Transfer`) lives in the switcher's frame; the resumed side moves it out
// before releasing the switcher. Frames on a greenlet's stack hold greenlets only unretained,
// so a suspended greenlet never keeps itself alive.
import CAsyncio
import Glibc

extension Greenlet {
    /// Makes and installs the calling thread's root greenlet. It lives as long as the thread:
    /// a thread-exit destructor gives up both of its references (the current slot's and its own).
    static func makeRoot() -> Greenlet {
        let root = Greenlet(rootOfThread: casyncio_thread_id())
        let raw = Unmanaged.passRetained(root).retain().toOpaque()
        casyncio_greenlet_set_current(raw)
        pthread_setspecific(rootKey.key, raw)
        return root
    }

    /// The current slot's raw value, making the root greenlet first if needed.
    @usableFromInline @inline(__always)
    static func currentRaw() -> UnsafeMutableRawPointer {
        if let raw = casyncio_greenlet_current() { return raw }
        return makeRootRaw()
    }

    /// The first use on a thread: out of line, so the switch paths that inline `currentRaw`
    /// save no registers for it.
    @usableFromInline @inline(never)
    static func makeRootRaw() -> UnsafeMutableRawPointer { Unmanaged.passUnretained(makeRoot()).toOpaque() }

    /// The first live greenlet up the parent chain (a root greenlet never dies).
    func aliveAncestor() -> Greenlet {
        var target = self
        while target.state == .dead, let up = target.parentStorage { target = up }
        return target
    }

    /// Switches from the current greenlet to `target` (or its first live ancestor) handing it
    /// `transfer`; returns or throws what is handed back.
    static func transfer(to target: Greenlet, _ transfer: Transfer) throws -> Any? {
        let here = currentRaw()
        let target = target.aliveAncestor()
        let there = Unmanaged.passUnretained(target).toOpaque()
        if there == here { return try transfer.get() }
        try target.prepareToRun(from: Unmanaged<Greenlet>.fromOpaque(here).takeUnretainedValue())
        let received = withUnsafeTemporaryAllocation(of: Transfer.self, capacity: 1) { payload in
            // The resumed side moves the payload out: nothing here deinitializes it.
            payload.baseAddress!.initialize(to: transfer)
            return rawSwitch(from: here, to: there, payload: UnsafeMutableRawPointer(payload.baseAddress!))
        }
        return try takeReceived(received)
    }

    /// `switch(value)`: to a started greenlet of this thread the payload is built in place, and
    /// a nil value travels as no payload at all; anything else goes through `transfer`.
    @usableFromInline
    static func switchValue(to target: Greenlet, _ value: __owned Any?) throws -> Any? {
        guard let (here, there) = directRoute(to: target) else { return try transfer(to: target, .value(value)) }
        if value == nil { return try takeReceived(rawSwitch(from: here, to: there, payload: nil)) }
        let received = withUnsafeTemporaryAllocation(of: Transfer.self, capacity: 1) { payload in
            payload.baseAddress!.initialize(to: .value(value))
            return rawSwitch(from: here, to: there, payload: UnsafeMutableRawPointer(payload.baseAddress!))
        }
        return try takeReceived(received)
    }

    /// `switch()` with no value: no payload, the receiver reads nil.
    @usableFromInline
    static func switchEmpty(to target: Greenlet) throws -> Any? {
        guard let (here, there) = directRoute(to: target) else { return try transfer(to: target, .value(nil)) }
        return try takeReceived(rawSwitch(from: here, to: there, payload: nil))
    }

    /// The current greenlet and `target`, when `target` is another started greenlet of this
    /// thread (no dead-parent walk, no start, no thread error): the common switch.
    private static func directRoute(to target: Greenlet) -> (UnsafeMutableRawPointer, UnsafeMutableRawPointer)? {
        let here = currentRaw()
        let there = Unmanaged.passUnretained(target).toOpaque()
        guard target.state == .started, there != here,
              target.thread == Unmanaged<Greenlet>.fromOpaque(here)._withUnsafeGuaranteedRef({ $0.thread })
        else { return nil }
        return (here, there)
    }

    /// Moves out what the switch brought (nothing, for a bare switch: a nil value), releases the
    /// switcher, and returns or throws it.
    @usableFromInline
    static func takeReceived(_ received: UnsafeMutableRawPointer?) throws -> Any? {
        guard let payload = received?.assumingMemoryBound(to: Transfer.self) else {
            releasePending()
            return nil
        }
        let arrived = payload.move()
        releasePending()
        return try arrived.get()
    }

    /// Checks the thread, and maps the stack of a greenlet about to run for the first time.
    @usableFromInline
    func prepareToRun(from here: Greenlet) throws {
        switch state {
        case .started:
            if _slowPath(thread != here.thread) { throw GreenletError.wrongThread }
        case .unstarted:
            if let up = parentStorage?.aliveAncestor(), let owner = up.thread, owner != here.thread {
                throw GreenletError.wrongThread
            }
            if casyncio_fiber_stack_allocate(fiber, requestedStackSize) != 0 {
                throw GreenletError.stackAllocationFailed(errno: errno)
            }
            casyncio_fiber_prepare(fiber, greenletEntry)
            thread = here.thread
            state = .started
        case .dead:
            preconditionFailure("a dead greenlet is never switched to")
        }
    }

    /// Hands the current slot to `there` and switches stacks with `payload` (nil: a bare switch,
    /// the values travel elsewhere). Returns, once something switches back to `here`, the payload
    /// that switch brought; the caller moves it out and then calls `releasePending()`.
    @usableFromInline
    static func rawSwitch(
        from here: UnsafeMutableRawPointer, to there: UnsafeMutableRawPointer, payload: UnsafeMutableRawPointer?
    ) -> UnsafeMutableRawPointer? {
        let target = Unmanaged<Greenlet>.fromOpaque(there).retain()
        casyncio_greenlet_set_current(there)
        casyncio_greenlet_set_pending(here)
        let from = Unmanaged<Greenlet>.fromOpaque(here)._withUnsafeGuaranteedRef { $0.fiber }
        return casyncio_fiber_switch(from, target._withUnsafeGuaranteedRef { $0.fiber }, payload)
    }

    /// Releases the greenlet that switched to this one (it may be unwound or freed now).
    @usableFromInline
    static func releasePending() {
        if let raw = casyncio_greenlet_pending() {
            casyncio_greenlet_set_pending(nil)
            Unmanaged<Greenlet>.fromOpaque(raw).release()
        }
    }

    /// Unwinds a suspended greenlet that lost its last reference on its own thread: throws
    /// `GreenletExit` into it with the current greenlet as its parent.
    func unwindWhenDropped() {
        let dropper = Greenlet.current
        try? setParent(dropper)
        _ = try? Greenlet.transfer(to: self, .error(GreenletExit()))
        withExtendedLifetime(dropper) {}
    }

    /// Takes the body, leaving the greenlet without it.
    fileprivate static func takeBody(_ raw: UnsafeMutableRawPointer) -> (Any?) throws -> Any? {
        Unmanaged<Greenlet>.fromOpaque(raw)._withUnsafeGuaranteedRef { greenlet in
            let body = greenlet.body!
            greenlet.body = nil
            return body
        }
    }

    /// Runs the body; a `GreenletExit` escaping it is a return.
    fileprivate static func run(_ first: consuming Transfer, _ body: (Any?) throws -> Any?) -> Transfer {
        do {
            return .value(try body(try first.get()))
        } catch let exit as GreenletExit {
            return .value(exit)
        } catch {
            return .error(error)
        }
    }

    /// Marks the greenlet dead and picks its first live ancestor to resume, ready to run.
    /// Returns raw pointers only: the last frame on this stack holds nothing to release.
    fileprivate static func finish(_ raw: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        let greenlet = Unmanaged<Greenlet>.fromOpaque(raw).takeUnretainedValue()
        greenlet.state = .dead
        let parent = greenlet.aliveAncestor()
        do {
            try parent.prepareToRun(from: greenlet)
        } catch {
            fatalError("a finished greenlet cannot resume its parent: \(error)")
        }
        return Unmanaged.passUnretained(parent).toOpaque()
    }
}

/// The first code on a greenlet's stack: runs the body, then resumes the parent for good with
/// the outcome. `payload` is what the first switch brought (nil: a bare switch, a generator).
private func greenletEntry(_ payload: UnsafeMutableRawPointer?) {
    casyncio_fiber_entered()
    let me = casyncio_greenlet_current()!
    let first = payload?.assumingMemoryBound(to: Transfer.self).move() ?? .value(nil)
    Greenlet.releasePending()
    var outcome = runOnce(me, consume first)
    let parent = Greenlet.finish(me)
    // The parent moves the outcome out of this frame, which never returns: nothing is left here.
    withUnsafeMutablePointer(to: &outcome) { outcome in
        _ = Unmanaged<Greenlet>.fromOpaque(parent).retain()
        casyncio_greenlet_set_current(parent)
        casyncio_greenlet_set_pending(me)
        let from = Unmanaged<Greenlet>.fromOpaque(me)._withUnsafeGuaranteedRef { $0.fiber }
        let to = Unmanaged<Greenlet>.fromOpaque(parent)._withUnsafeGuaranteedRef { $0.fiber }
        casyncio_fiber_exit(from, to, UnsafeMutableRawPointer(outcome))
    }
}

/// Takes the body and runs it in a frame of its own, so nothing it held outlives it.
private func runOnce(_ raw: UnsafeMutableRawPointer, _ first: consuming Transfer) -> Transfer {
    Greenlet.run(first, Greenlet.takeBody(raw))
}

/// The pthread key whose destructor releases a thread's root greenlet when the thread exits.
private let rootKey = RootKey()

private final class RootKey: Sendable {
    let key: pthread_key_t
    init() {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            guard let raw else { return }
            if casyncio_greenlet_current() == raw { casyncio_greenlet_set_current(nil) }
            let root = Unmanaged<Greenlet>.fromOpaque(raw)
            root.release()
            root.release()
        }
        self.key = key
    }
}
