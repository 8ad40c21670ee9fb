// A C-only check of the fiber layer (stacks, guard page, context switch), meant to be built for
// another architecture and run under emulation: `Tests/FiberCheck/run-arm64.sh` does arm64 with
// qemu-user. Two fibers ping-pong values, one switches from deep recursion, callee-saved
// registers (and the FP registers the ABI preserves) survive the switches.
#include "../../Sources/CAsyncio/include/casyncio_fiber.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static casyncio_fiber root, worker;
static long deepest;

static long descend(long depth) {
    volatile char pad[64];
    pad[0] = (char)depth;
    if (depth == 0) return (long)(intptr_t)casyncio_fiber_switch(&worker, &root, (void *)(intptr_t)1000) + pad[0];
    return descend(depth - 1) + 1;
}

static void body(void *first) {
    casyncio_fiber_entered();
    long value = (long)(intptr_t)first;
    double kept = 1.5;
    for (int i = 0; i < 5; i++) {
        value = (long)(intptr_t)casyncio_fiber_switch(&worker, &root, (void *)(intptr_t)(value * 2));
        kept *= 2;
    }
    deepest = descend(10000);
    casyncio_fiber_exit(&worker, &root, (void *)(intptr_t)(kept == 48.0 ? -1 : -2));
}

int main(void) {
    if (casyncio_fiber_stack_allocate(&worker, 4 * 1024 * 1024) != 0) { perror("stack"); return 1; }
    casyncio_fiber_prepare(&worker, body);
    double kept = 3.25;
    long sum = 0;
    long value = (long)(intptr_t)casyncio_fiber_switch(&root, &worker, (void *)(intptr_t)1);
    for (int i = 0; i < 5; i++) {
        sum += value;
        value = (long)(intptr_t)casyncio_fiber_switch(&root, &worker, (void *)(intptr_t)(i + 2));
    }
    // value is now 1000, from the bottom of the recursion; resume it.
    long last = (long)(intptr_t)casyncio_fiber_switch(&root, &worker, (void *)(intptr_t)7);
    printf("sum %ld bottom %ld deepest %ld fp %s end %ld\n", sum, value, deepest, kept == 3.25 ? "ok" : "bad", last);
    casyncio_fiber_stack_free(&worker);
    return !(sum == 2 + 4 + 6 + 8 + 10 && value == 1000 && deepest == 10007 && last == -1);
}
