// Starting a detached pthread that runs a closure (the pool's workers, the inspector's server).
import Glibc

/// The closure a new thread runs, carried across `pthread_create`.
private final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// Starts a detached thread running `body`. Returns false when the system refuses a thread
/// (then `body` is released without running).
package func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    let context = Unmanaged.passRetained(ThreadStart(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    defer { pthread_attr_destroy(&attributes) }
    var thread = pthread_t()
    let status = pthread_create(&thread, &attributes, { raw in
        Unmanaged<ThreadStart>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, context)
    if status != 0 { Unmanaged<ThreadStart>.fromOpaque(context).release() }
    return status == 0
}
