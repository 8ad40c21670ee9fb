// Runs a greenlet into its guard page, for the test that pins what a stack overflow does.
//
//   GreenletOverflowCheck plain      dies of SIGSEGV (the documented crash)
//   GreenletOverflowCheck handler    exits 42 when a SIGSEGV handler on an alternate stack sees
//                                    the fault inside the guard page just below the stack, 43 if
//                                    anywhere else
import AsyncioGreenlets
import Glibc

nonisolated(unsafe) var guardLow: UInt = 0
nonisolated(unsafe) var guardHigh: UInt = 0

/// Recurses until the stack runs out; the sum keeps each frame alive.
@inline(never)
func descend(_ depth: Int) -> Int {
    var frame = (depth, depth &+ 1, depth &+ 2, depth &+ 3)
    return withUnsafeMutablePointer(to: &frame) { pointer in
        descend(depth &+ 1) &+ pointer.pointee.0
    }
}

let mode = CommandLine.arguments.dropFirst().first ?? "plain"
let root = Greenlet.current
let doomed = Greenlet(stackSize: 64 * 1024) { _ in
    try root.switch()  // once started, its stack is mapped: report where the guard page is
    return descend(0)
}
try doomed.switch()
let stack = doomed.stackRange!
let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
guardLow = stack.lowerBound - page
guardHigh = stack.lowerBound

if mode == "handler" {
    let altSize = 64 * 1024
    var alternate = stack_t()
    alternate.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: altSize, alignment: 16)
    alternate.ss_size = altSize
    sigaltstack(&alternate, nil)
    var action = sigaction()
    action.__sigaction_handler.sa_sigaction = { _, info, _ in
        let address = UInt(bitPattern: info!.pointee._sifields._sigfault.si_addr)
        _exit(address >= guardLow && address < guardHigh ? 42 : 43)
    }
    action.sa_flags = SA_SIGINFO | SA_ONSTACK
    sigaction(SIGSEGV, &action, nil)
}
print("overflowing", terminator: "\n")
fflush(nil)
_ = try doomed.switch()
print("returned: the guard page did not stop the overflow")
exit(1)
