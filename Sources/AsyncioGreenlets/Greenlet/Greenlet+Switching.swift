// How greenlets switch: the per-thread current slot, starting, finishing and unwinding.
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

    /// The first live greenlet up the parent chain (a root greenlet never dies).
    func aliveAncestor() -> Greenlet {
        var target = self
        while target.state == .dead, let up = target.parentStorage { target = up }
        return target
    }

    /// Switches from the current greenlet to `target` (or its first live ancestor) with `transfer`.
    static func transfer(to target: Greenlet, _ transfer: Transfer) throws -> Any? {
        let here = Unmanaged<Greenlet>.fromOpaque(currentRaw())
        let target = target.aliveAncestor()
        if target === here.takeUnretainedValue() { return try transfer.get() }
        try target.prepareToRun(from: here.takeUnretainedValue())
        target.incoming = transfer
        switchFiber(from: here, to: target)
        let arrived = here.takeUnretainedValue().incoming!
        here.takeUnretainedValue().incoming = nil
        return try arrived.get()
    }

    /// The current slot's raw value, making the root greenlet first if needed.
    static func currentRaw() -> UnsafeMutableRawPointer {
        if let raw = casyncio_greenlet_current() { return raw }
        return Unmanaged.passUnretained(makeRoot()).toOpaque()
    }

    /// Checks the thread and maps the stack of a greenlet about to run for the first time.
    func prepareToRun(from here: Greenlet) throws {
        switch state {
        case .started:
            if thread != here.thread { throw GreenletError.wrongThread }
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

    /// Hands the current slot to `target` and switches stacks; returns when something switches
    /// back to `here`. Only unmanaged references cross: a suspended frame holds no greenlet.
    static func switchFiber(from here: Unmanaged<Greenlet>, to target: Greenlet) {
        let next = Unmanaged.passRetained(target).toOpaque()
        casyncio_greenlet_set_current(next)
        casyncio_greenlet_set_pending(here.toOpaque())
        _ = casyncio_fiber_switch(here.takeUnretainedValue().fiber, target.fiber, next)
        releasePending()
    }

    /// Releases the greenlet that switched to this one (it may be unwound or freed now).
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

    /// Takes the body and what the first switch brought. The greenlet is reached through its
    /// raw pointer only: no frame of its own stack may hold it strongly while the body runs, or a
    /// suspended greenlet would keep itself alive.
    fileprivate static func start(_ raw: UnsafeMutableRawPointer) -> (Transfer, (Any?) throws -> Any?) {
        Unmanaged<Greenlet>.fromOpaque(raw)._withUnsafeGuaranteedRef { greenlet in
            let first = greenlet.incoming!
            greenlet.incoming = nil
            let body = greenlet.body!
            greenlet.body = nil
            return (first, body)
        }
    }

    /// Runs the body; a `GreenletExit` escaping it is a return.
    fileprivate static func run(_ first: Transfer, _ body: (Any?) throws -> Any?) -> Transfer {
        do {
            return .value(try body(try first.get()))
        } catch let exit as GreenletExit {
            return .value(exit)
        } catch {
            return .error(error)
        }
    }

    /// Marks the greenlet dead and hands the outcome to its parent. Returns only raw pointers, so
    /// the last frame on this stack holds nothing that would need releasing.
    fileprivate static func finish(_ raw: UnsafeMutableRawPointer, _ outcome: consuming Transfer) -> (
        from: UnsafeMutablePointer<casyncio_fiber>, to: UnsafeMutablePointer<casyncio_fiber>,
        next: UnsafeMutableRawPointer
    ) {
        let greenlet = Unmanaged<Greenlet>.fromOpaque(raw).takeUnretainedValue()
        greenlet.state = .dead
        let parent = greenlet.aliveAncestor()
        do {
            try parent.prepareToRun(from: greenlet)
        } catch {
            fatalError("a finished greenlet cannot resume its parent: \(error)")
        }
        parent.incoming = outcome
        let next = Unmanaged.passRetained(parent).toOpaque()
        casyncio_greenlet_set_current(next)
        casyncio_greenlet_set_pending(raw)
        return (greenlet.fiber, parent.fiber, next)
    }
}

/// The first code on a greenlet's stack: runs the body, then resumes the parent for good.
private func greenletEntry(_ raw: UnsafeMutableRawPointer?) {
    casyncio_fiber_entered()
    Greenlet.releasePending()
    // The outcome goes straight into `finish`: a local here would never be released.
    let (from, to, next) = Greenlet.finish(raw!, runOnce(raw!))
    casyncio_fiber_exit(from, to, next)
}

/// Starts and runs the body in a frame of its own, so nothing it held outlives it.
private func runOnce(_ raw: UnsafeMutableRawPointer) -> Transfer {
    let (first, body) = Greenlet.start(raw)
    return Greenlet.run(first, body)
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
