// concurrent.futures.wait and as_completed: block a thread until concurrent futures complete.

/// Collects completions of several concurrent futures for a blocked thread.
final class CompletionWatcher: @unchecked Sendable {
    // `completedFutures` is guarded by `condition`'s lock.
    let condition = ThreadCondition()
    var completedFutures: [AnyConcurrentFuture] = []

    func completed(_ future: AnyConcurrentFuture) {
        condition.locked {
            completedFutures.append(future)
            condition.broadcast()
        }
    }

    /// Registers with every future; the ones already done are recorded at once.
    func watch(_ futures: some Collection<AnyConcurrentFuture>) {
        for future in futures {
            let done: Bool = future.condition.locked {
                if future.state == .cancelled || future.state == .finished { return true }
                future.completionWatchers.append(self)
                return false
            }
            if done { completed(future) }
        }
    }

    func unwatch(_ futures: some Collection<AnyConcurrentFuture>) {
        for future in futures {
            future.condition.locked { future.completionWatchers.removeAll { $0 === self } }
        }
    }
}

/// Python's `concurrent` package: `concurrent.futures.wait(...)`, `concurrent.futures.asCompleted(...)`.
public enum concurrent {
    /// Python's `concurrent.futures` module.
    public enum futures {
        /// Blocks until the futures complete as `returnWhen` says, or `timeout` seconds pass;
        /// returns the done and the not-done ones (concurrent.futures.wait).
        @discardableResult
        public static func wait<F: AnyConcurrentFuture>(
            _ futures: [F], timeout: Double? = nil, returnWhen: ReturnWhen = .allCompleted
        ) -> (done: Set<F>, notDone: Set<F>) {
            let unique = Set(futures)
            let watcher = CompletionWatcher()
            watcher.watch(unique.map { $0 as AnyConcurrentFuture })
            defer { watcher.unwatch(unique.map { $0 as AnyConcurrentFuture }) }
            watcher.condition.locked {
                _ = watcher.condition.wait(timeout: timeout) {
                    let finished = watcher.completedFutures
                    switch returnWhen {
                    case .allCompleted: return finished.count >= unique.count
                    case .firstCompleted: return !finished.isEmpty
                    case .firstException:
                        return finished.count >= unique.count
                            || finished.contains { $0.state == .finished && $0.error != nil }
                    }
                }
            }
            var done = Set<F>(), notDone = Set<F>()
            for future in unique {
                if future.done() { done.insert(future) } else { notDone.insert(future) }
            }
            return (done, notDone)
        }

        /// Yields the futures as they complete (concurrent.futures.as_completed). `next()` throws
        /// `TimeoutError` once `timeout` seconds passed since the call.
        public static func asCompleted<F: AnyConcurrentFuture>(_ futures: [F], timeout: Double? = nil) -> Completions<F> {
            Completions(futures: futures, timeout: timeout)
        }

        /// Iterates concurrent futures in completion order, blocking the thread.
        public struct Completions<F: AnyConcurrentFuture> {
            private let watcher = CompletionWatcher()
            private let total: Int
            private let deadline: Double?
            private var yielded = 0

            init(futures: [F], timeout: Double?) {
                let unique = Array(Set(futures))
                total = unique.count
                deadline = timeout.map { MonotonicClock().now() + $0 }
                watcher.watch(unique.map { $0 as AnyConcurrentFuture })
            }

            /// The next future to complete, nil when all were yielded; throws `TimeoutError`.
            public mutating func next() throws -> F? {
                guard yielded < total else { return nil }
                let index = yielded
                let remaining = deadline.map { $0 - MonotonicClock().now() }
                let ready = watcher.condition.locked {
                    watcher.condition.wait(timeout: remaining) { watcher.completedFutures.count > index }
                }
                guard ready else { throw TimeoutError() }
                yielded += 1
                return watcher.condition.locked { watcher.completedFutures[index] } as? F
            }
        }
    }
}
