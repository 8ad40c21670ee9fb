// except* as do/catch: split and subgroup by type and by predicate, nesting kept.
import Asyncio
import XCTest

/// A group's shape as text: `outer[a, inner[b]]`.
private func shape(_ error: (any Error)?) -> String {
    guard let error else { return "nil" }
    guard let group = error as? ExceptionGroup else { return "\(error)" }
    return group.message + "[" + group.errors.map { shape($0) }.joined(separator: ", ") + "]"
}

final class ExceptionGroupTests: XCTestCase {
    struct Other: Error, CustomStringConvertible { var description: String { "other" } }

    private func sample() -> ExceptionGroup {
        ExceptionGroup(message: "outer", errors: [
            ValueError("a"), TimeoutError(), Other(),
            ExceptionGroup(message: "inner", errors: [ValueError("b"), Other()]),
            ExceptionGroup(message: "timeouts", errors: [TimeoutError()]),
        ])
    }

    func testSplitByTypeKeepsNestingAndMessages() {
        let (values, rest) = sample().split(ValueError.self)
        XCTAssertEqual(shape(values), "outer[a, inner[b]]")
        XCTAssertEqual(shape(rest), "outer[\(TimeoutError()), other, inner[other], timeouts[\(TimeoutError())]]")
        XCTAssertEqual(shape(sample().subgroup(TimeoutError.self)), "outer[\(TimeoutError()), timeouts[\(TimeoutError())]]")
        XCTAssertNil(sample().subgroup(CancelledError.self))
        XCTAssertEqual(shape(sample().subgroup(ExceptionGroup.self)), shape(sample()), "a group that matches is kept whole")
    }

    func testSplitByPredicateSeesGroupsToo() {
        let (inner, rest) = sample().split { ($0 as? ExceptionGroup)?.message == "inner" }
        XCTAssertEqual(shape(inner), "outer[inner[b, other]]")
        XCTAssertEqual(shape(rest), "outer[a, \(TimeoutError()), other, timeouts[\(TimeoutError())]]")
        let (all, none) = sample().split { _ in true }
        XCTAssertEqual(shape(all), shape(sample()))
        XCTAssertNil(none)
    }

    /// `except* ValueError:` around a task group: the ValueErrors are handled, the rest goes on.
    func testExceptStarOverATaskGroup() throws {
        let loop = try EventLoop()
        defer { try? loop.close() }
        let (handled, escaped) = try loop.runUntilComplete { () async throws -> (Int, String) in
            var handled = 0
            do {
                do {
                    try await asyncio.taskGroup { group in
                        try group.createTask { throw ValueError("one") }
                        try group.createTask { throw ValueError("two") }
                        try group.createTask { throw Other() }
                    }
                } catch let group as ExceptionGroup {
                    let (values, rest) = group.split(ValueError.self)
                    handled = values?.errors.count ?? 0
                    if let rest { throw rest }
                }
            } catch let rest as ExceptionGroup {
                return (handled, shape(rest))
            }
            return (handled, "nothing")
        }
        XCTAssertEqual(handled, 2)
        XCTAssertEqual(escaped, "unhandled errors in a TaskGroup[other]")
    }
}
