// Ctrl-C during asyncio.run: the main task is cancelled, run throws KeyboardInterrupt (tested).
import Asyncio
import Glibc

// Started as a background job SIGINT arrives ignored, and asyncio.run (like CPython) leaves an
// ignored SIGINT alone: give it its default action, as an interactive terminal would.
signal(SIGINT, SIG_DFL)
var interruptOnly = sigset_t()   // and the launcher's thread may have it blocked
sigemptyset(&interruptOnly)
sigaddset(&interruptOnly, SIGINT)
pthread_sigmask(SIG_UNBLOCK, &interruptOnly, nil)

do {
    try asyncio.run {
        print("ready")
        fflush(nil)   // all C streams: stdout is a pipe in the test
        do {
            try await asyncio.sleep(3600)
        } catch let error as CancelledError {
            print("main cancelled")
            throw error
        }
    }
} catch is KeyboardInterrupt {
    print("KeyboardInterrupt")
    exit(130)
}
