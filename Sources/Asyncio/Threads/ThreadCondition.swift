// A mutex with a condition variable (pthreads), for state that threads block on.
import Glibc

/// A pthread mutex and condition variable. Whoever holds the lock owns the guarded state.
package final class ThreadCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    package func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// With the lock held: waits until `predicate` is true or `timeout` seconds pass.
    /// Returns the predicate's last value.
    package func wait(timeout: Double?, until predicate: () -> Bool) -> Bool {
        guard let timeout else {
            while !predicate() { pthread_cond_wait(condition, mutex) }
            return true
        }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let deadline = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9 + max(0, timeout)
        var spec = timespec(tv_sec: Int(deadline), tv_nsec: Int((deadline - deadline.rounded(.down)) * 1e9))
        while !predicate() {
            if pthread_cond_timedwait(condition, mutex, &spec) == ETIMEDOUT { return predicate() }
        }
        return true
    }

    /// Wakes every waiting thread (call with the lock held).
    package func broadcast() { pthread_cond_broadcast(condition) }
}
