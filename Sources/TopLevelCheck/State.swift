// Shared state of the top-level check: @MainActor globals, as a Swift program would keep them.
@MainActor var counter = 0
@MainActor func bump() { counter += 1 }
