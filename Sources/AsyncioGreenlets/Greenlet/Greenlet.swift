// A stackful coroutine with explicit switching, as the greenlet package has it.
import CAsyncio

/// A stackful coroutine on a stack of its own, switched into and out of explicitly.
///
/// ```swift
/// var gr2: Greenlet!
/// let gr1 = Greenlet { _ in print(1); try gr2.switch(); print(2); try gr2.switch(); return nil }
/// gr2 = Greenlet { _ in print(3); try gr1.switch(); print(4); return nil }
/// try gr1.switch()   // prints 1 3 2 4
/// ```
///
/// The first `switch(value)` runs the body with `value`; later ones resume the greenlet where it
/// switched away, and its pending `switch` call returns the value. When the body returns, the
/// greenlet is dead and its parent (by default the greenlet that created it) is resumed with the
/// return value; an error the body throws is thrown from the parent's pending `switch`. Switching
/// to a dead greenlet goes to its parent.
///
/// A greenlet belongs to the thread that starts it: `Greenlet` is not `Sendable`. Each thread has
/// a root greenlet (its own stack), which `Greenlet.current` returns outside any other.
///
/// The stack is mapped with a guard page below it; running past the end hits the guard page and
/// the process dies with SIGSEGV (a crash, never a silent overwrite). Across a switch do not hold
/// a lock another greenlet of the thread may take, and do not switch from inside code that needs
/// its own stack to be the thread's (signal handlers, C callbacks that longjmp). A greenlet body is
/// synchronous: it cannot `await`.
///
/// A suspended greenlet that loses its last reference is unwound: `GreenletExit` is thrown into
/// it on the dropping thread (if that is its own thread), so its `defer` blocks run. A greenlet
/// whose own frames hold a strong reference to it is never dropped; a greenlet dropped on another
/// thread is not unwound (what its frames retain stays allocated).
public final class Greenlet {
    /// The stack size used when none is given: 256 KiB (mapped on demand, page by page).
    public static let defaultStackSize = 256 * 1024

    @usableFromInline let fiber: UnsafeMutablePointer<casyncio_fiber>
    @exclusivity(unchecked) var body: ((Any?) throws -> Any?)?
    @exclusivity(unchecked) @usableFromInline var state: State
    /// The thread this greenlet runs on (set when it starts; a root greenlet's at creation).
    @exclusivity(unchecked) @usableFromInline var thread: UInt64?
    let requestedStackSize: Int
    @exclusivity(unchecked) @usableFromInline var parentStorage: Greenlet?

    @usableFromInline enum State { case unstarted, started, dead }

    /// A greenlet that will run `body` on its own stack of `stackSize` bytes (at least 16 KiB,
    /// rounded up to pages; mapped when it first runs). `parent` is the
    /// greenlet resumed when the body finishes; nil means the current greenlet.
    public init(
        stackSize: Int = Greenlet.defaultStackSize, parent: Greenlet? = nil,
        _ body: @escaping (Any?) throws -> Any?
    ) {
        fiber = .allocate(capacity: 1)
        fiber.initialize(to: casyncio_fiber())
        self.body = body
        state = .unstarted
        requestedStackSize = max(stackSize, 16 * 1024)
        parentStorage = parent ?? Greenlet.current
    }

    /// The root greenlet of the calling thread.
    init(rootOfThread thread: UInt64) {
        fiber = .allocate(capacity: 1)
        fiber.initialize(to: casyncio_fiber())
        body = nil
        state = .started
        requestedStackSize = 0
        self.thread = thread
        parentStorage = nil
    }

    deinit {
        if state == .started, thread == casyncio_thread_id(), fiber.pointee.mapping != nil {
            unwindWhenDropped()
        }
        casyncio_fiber_stack_free(fiber)
        fiber.deallocate()
    }

    /// The greenlet resumed when this one finishes. Setting a parent that would make a cycle traps
    /// (`setParent` throws instead).
    public var parent: Greenlet? {
        get { parentStorage }
        set {
            if let newValue, wouldCycle(newValue) { preconditionFailure(GreenletError.parentCycle.description) }
            parentStorage = newValue
        }
    }

    /// Sets the parent, throwing `GreenletError.parentCycle` instead of trapping on a cycle.
    public func setParent(_ newParent: Greenlet) throws {
        if wouldCycle(newParent) { throw GreenletError.parentCycle }
        parentStorage = newParent
    }

    /// True when this greenlet is `candidate` or one of its ancestors.
    private func wouldCycle(_ candidate: Greenlet) -> Bool {
        var ancestor: Greenlet? = candidate
        while let next = ancestor {
            if next === self { return true }
            ancestor = next.parentStorage
        }
        return false
    }

    /// True when the body has finished (returned or thrown), or was thrown into before it started.
    public var isDead: Bool { state == .dead }

    /// True when the greenlet has started and not finished (it runs or is suspended).
    public var isActive: Bool { state == .started }

    /// True for a thread's root greenlet (the thread's own stack).
    public var isRoot: Bool { requestedStackSize == 0 }

    /// The greenlet running on the calling thread (its root greenlet outside any other).
    public static var current: Greenlet {
        if let raw = casyncio_greenlet_current() {
            return Unmanaged<Greenlet>.fromOpaque(raw).takeUnretainedValue()
        }
        return makeRoot()
    }

    /// The usable stack memory (the guard page is the page just below it); nil before the
    /// greenlet starts, after its stack is released, and for a root greenlet.
    public var stackRange: Range<UInt>? {
        guard let low = fiber.pointee.stack_low, fiber.pointee.mapping != nil else { return nil }
        let start = UInt(bitPattern: low)
        return start..<(start + UInt(fiber.pointee.stack_size))
    }

    /// Switches to this greenlet, handing it `value`: starts the body with it, or makes the
    /// greenlet's pending `switch` return it. Returns what is handed back when a greenlet next
    /// switches to the caller (or its child's return value); throws what is thrown into it.
    @discardableResult
    public func `switch`(_ value: Any?) throws -> Any? {
        try Greenlet.switchValue(to: self, value)
    }

    /// Switches to this greenlet handing it nil (greenlet's `switch()` with no arguments).
    @discardableResult
    public func `switch`() throws -> Any? {
        try Greenlet.switchEmpty(to: self)
    }

    /// Throws `error` into this greenlet where it is suspended (`GreenletExit` by default). A
    /// greenlet that has not started dies without running, and its parent receives the error.
    /// Returns or throws what comes back to the caller, as `switch` does.
    @discardableResult
    public func `throw`(_ error: any Error = GreenletExit()) throws -> Any? {
        if state == .unstarted {
            state = .dead
            body = nil
            let outcome: Transfer = error is GreenletExit ? .value(error) : .error(error)
            return try Greenlet.transfer(to: aliveAncestor(), outcome)
        }
        return try Greenlet.transfer(to: self, .error(error))
    }
}

/// What a switch hands over: a value, or an error to throw where the greenlet resumes.
@usableFromInline enum Transfer {
    case value(Any?)
    case error(any Error)

    @inlinable consuming func get() throws -> Any? {
        switch consume self {
        case .value(let value): return value
        case .error(let error): throw error
        }
    }
}
