// Fiber stacks with a guard page, the switch wrapper (with AddressSanitizer's fiber annotations
// when built with it), and the per-thread current-greenlet slot.
#define _GNU_SOURCE
#include "include/casyncio_fiber.h"
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CASYNCIO_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CASYNCIO_ASAN 1
#endif

#ifdef CASYNCIO_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
#endif

void *casyncio_context_switch(void **save_sp, void *load_sp, void *value);
void casyncio_context_trampoline(void);

#ifdef CASYNCIO_ASAN
/// The fiber that switched last on this thread: the one a resumed fiber came from.
static __thread casyncio_fiber *switched_from __attribute__((tls_model("initial-exec"))) = 0;
#define NOTE_SWITCHED_FROM(fiber) (switched_from = (fiber))
#else
#define NOTE_SWITCHED_FROM(fiber) ((void)(fiber))
#endif

__thread void *casyncio_current_greenlet __attribute__((tls_model("initial-exec"))) = 0;
__thread void *casyncio_pending_greenlet __attribute__((tls_model("initial-exec"))) = 0;

size_t casyncio_page_size(void) {
    static size_t page;
    if (!page) page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

int casyncio_fiber_stack_allocate(casyncio_fiber *fiber, size_t size) {
    size_t page = casyncio_page_size();
    size = (size + page - 1) / page * page;
    size_t total = size + page;
    void *mapping = mmap(0, total, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED) return -1;
    if (madvise(mapping, page, MADV_GUARD_INSTALL) != 0 && mprotect(mapping, page, PROT_NONE) != 0) {
        int saved = errno;
        munmap(mapping, total);
        errno = saved;
        return -1;
    }
    fiber->mapping = mapping;
    fiber->mapping_size = total;
    fiber->stack_low = (char *)mapping + page;
    fiber->stack_size = size;
    return 0;
}

void casyncio_fiber_stack_free(casyncio_fiber *fiber) {
    if (fiber->mapping) munmap(fiber->mapping, fiber->mapping_size);
    fiber->mapping = 0;
    fiber->mapping_size = 0;
}

void casyncio_fiber_prepare(casyncio_fiber *fiber, void (*entry)(void *value)) {
    uintptr_t top = ((uintptr_t)fiber->stack_low + fiber->stack_size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    // Popped by the switch: r15, r14, r13, r12 (entry), rbx, rbp, then the return address.
    uint64_t *frame = (uint64_t *)(top - 56);
    memset(frame, 0, 56);
    frame[3] = (uint64_t)(uintptr_t)entry;
    frame[6] = (uint64_t)(uintptr_t)casyncio_context_trampoline;
#elif defined(__aarch64__)
    // Loaded by the switch: x19 (entry) .. x28, x29 = 0, x30 = trampoline, d8 .. d15.
    uint64_t *frame = (uint64_t *)(top - 160);
    memset(frame, 0, 160);
    frame[0] = (uint64_t)(uintptr_t)entry;
    frame[11] = (uint64_t)(uintptr_t)casyncio_context_trampoline;
#endif
    fiber->sp = frame;
}

#ifdef CASYNCIO_ASAN
/// Completes a switch for AddressSanitizer on the resumed side and learns the bounds of the
/// stack switched away from (how a thread's own stack gets its bounds).
static void finish_switch(void *fake_stack) {
    const void *low = 0;
    size_t size = 0;
    __sanitizer_finish_switch_fiber(fake_stack, &low, &size);
    if (switched_from && !switched_from->mapping) {
        switched_from->stack_low = low;
        switched_from->stack_size = size;
    }
}
#endif

void *casyncio_fiber_switch(casyncio_fiber *from, casyncio_fiber *to, void *value) {
#ifdef CASYNCIO_ASAN
    __sanitizer_start_switch_fiber(&from->fake_stack, to->stack_low, to->stack_size);
#endif
    NOTE_SWITCHED_FROM(from);
    void *result = casyncio_context_switch(&from->sp, to->sp, value);
#ifdef CASYNCIO_ASAN
    finish_switch(from->fake_stack);
#endif
    return result;
}

void casyncio_fiber_exit(casyncio_fiber *from, casyncio_fiber *to, void *value) {
#ifdef CASYNCIO_ASAN
    __sanitizer_start_switch_fiber(0, to->stack_low, to->stack_size);
#endif
    NOTE_SWITCHED_FROM(from);
    casyncio_context_switch(&from->sp, to->sp, value);
    __builtin_unreachable();
}

void casyncio_fiber_entered(void) {
#ifdef CASYNCIO_ASAN
    finish_switch(0);
#endif
}
