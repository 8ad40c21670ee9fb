// What generators throw: the end of iteration with its return value, the exit request, misuse.

/// Thrown by `send`, `throw` and `next`-style calls when the generator finishes (Python's
/// `StopIteration`). `value` is the body's return value; nil when the generator had already
/// finished before the call.
public struct StopIteration<Value>: Error, @unchecked Sendable {
    // Sendable by declaration only: a generator and what it returns stay on the thread that
    // runs it, and this error is thrown and caught there.
    /// The generator's return value, or nil when it had finished before the call.
    public let value: Value?
    /// A stop carrying `value`.
    public init(value: Value?) { self.value = value }
}

/// Thrown into a suspended generator by `close()` (Python's `GeneratorExit`). A body that lets it
/// escape, or returns, is closed; one that yields again is an error (`ignoredGeneratorExit`).
public struct GeneratorExit: Error, Sendable, Equatable {
    /// The exit request.
    public init() {}
}

/// A misuse of a generator, with Python's messages.
public enum GeneratorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The generator was resumed from inside its own body (`ValueError` in Python).
    case alreadyExecuting
    /// A value other than nil was sent before the first yield (`TypeError` in Python).
    case nonNilSentToJustStarted
    /// `close()` threw `GeneratorExit` in and the body yielded again (`RuntimeError` in Python).
    case ignoredGeneratorExit
    /// `yieldFrom` was given a generator that had already finished: it has no return value to give.
    case exhausted

    public var description: String {
        switch self {
        case .alreadyExecuting: "generator already executing"
        case .nonNilSentToJustStarted: "can't send non-None value to a just-started generator"
        case .ignoredGeneratorExit: "generator ignored GeneratorExit"
        case .exhausted: "yieldFrom of a generator that had already finished"
        }
    }
}
