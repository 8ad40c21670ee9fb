// ExceptionGroup: several errors thrown as one (a task group's), split by type as except* does.

/// Every failure of a task group's children (and of its body), as Python's ExceptionGroup.
/// `errors` may hold other groups (a task group inside a task group).
///
/// Swift has no `except*`; `split` stands for it: handle the part that matches, rethrow the rest.
///
///     do {
///         try await asyncio.taskGroup { tg in … }
///     } catch let group as ExceptionGroup {
///         let (timeouts, rest) = group.split(TimeoutError.self)   // except* TimeoutError:
///         if let timeouts { print("timed out:", timeouts.errors.count) }
///         if let rest { throw rest }                              // what no except* took
///     }
public struct ExceptionGroup: Error, CustomStringConvertible, Sendable {
    /// The group's own message (Python's `eg.message`).
    public let message: String
    /// The errors in the group, in order (Python's `eg.exceptions`).
    public let errors: [any Error]

    /// A group of `errors` with `message`.
    public init(message: String, errors: [any Error]) {
        self.message = message
        self.errors = errors
    }

    public var description: String {
        "\(message) (\(errors.count) sub-exception\(errors.count == 1 ? "" : "s"))"
    }

    /// The errors that match, with the nesting and messages of their groups kept, or nil when
    /// none does (Python's `eg.subgroup(cond)`). A group that itself matches is kept whole.
    public func subgroup(where matches: (any Error) -> Bool) -> ExceptionGroup? {
        split(where: matches).match
    }

    /// `subgroup` of the errors of type `type` (`eg.subgroup(ValueError)`).
    public func subgroup<E: Error>(_ type: E.Type) -> ExceptionGroup? {
        subgroup { $0 is E }
    }

    /// The matching errors and the rest, each as a group with the same message and nesting, nil
    /// when empty (Python's `eg.split(cond)`). The condition sees each group too: a group that
    /// matches goes to `match` whole.
    public func split(where matches: (any Error) -> Bool) -> (match: ExceptionGroup?, rest: ExceptionGroup?) {
        if matches(self) { return (self, nil) }
        var matched: [any Error] = [], rest: [any Error] = []
        for error in errors {
            if let group = error as? ExceptionGroup {
                let (inner, outer) = group.split(where: matches)
                if let inner { matched.append(inner) }
                if let outer { rest.append(outer) }
            } else if matches(error) {
                matched.append(error)
            } else {
                rest.append(error)
            }
        }
        return (derive(matched), derive(rest))
    }

    /// `split` by type (`eg.split(ValueError)`).
    public func split<E: Error>(_ type: E.Type) -> (match: ExceptionGroup?, rest: ExceptionGroup?) {
        split { $0 is E }
    }

    /// A group of `kept` with this message; nil when there are none.
    private func derive(_ kept: [any Error]) -> ExceptionGroup? {
        if kept.isEmpty { return nil }
        return ExceptionGroup(message: message, errors: kept)
    }
}
