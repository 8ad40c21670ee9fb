// Fibers under greenlets: stacks with a guard page, the machine context switch, and the
// per-thread slot for the current greenlet. The Swift module AsyncioGreenlets builds on these.
#ifndef CASYNCIO_FIBER_H
#define CASYNCIO_FIBER_H

#include <stddef.h>

/// One execution context. A thread's own stack is a fiber without a mapping.
typedef struct casyncio_fiber {
    /// The saved stack pointer while the fiber is not running.
    void *sp;
    /// The whole mapping (guard page first, at the low end), or NULL for a thread's own stack.
    void *mapping;
    size_t mapping_size;
    /// Usable stack: [stack_low, stack_low + stack_size). For sanitizers; learned for a thread's stack.
    const void *stack_low;
    size_t stack_size;
    /// AddressSanitizer's fake stack of this fiber while it is switched out.
    void *fake_stack;
} casyncio_fiber;

/// The size of one page.
size_t casyncio_page_size(void);

/// Maps a stack of at least `size` bytes (rounded up to pages) plus one guard page below it. The
/// guard page is a kernel guard region (MADV_GUARD_INSTALL, Linux 6.13+: no extra memory map
/// entry) or, on older kernels, a PROT_NONE page. Returns 0, or -1 with errno set.
int casyncio_fiber_stack_allocate(casyncio_fiber *fiber, size_t size);
/// Unmaps the stack of `fiber` (nothing for a thread's own stack).
void casyncio_fiber_stack_free(casyncio_fiber *fiber);

/// Lays out `fiber`'s stack so that the first switch into it calls `entry(value)` with the
/// value passed to that switch. `entry` must never return: it ends with casyncio_fiber_exit.
void casyncio_fiber_prepare(casyncio_fiber *fiber, void (*entry)(void *value));

/// Saves the running context into `from` and resumes `to`, handing it `value`. Returns the value
/// handed back when something switches to `from` again.
void *casyncio_fiber_switch(casyncio_fiber *from, casyncio_fiber *to, void *value);
/// Like casyncio_fiber_switch, for a fiber that has finished and is never resumed.
void casyncio_fiber_exit(casyncio_fiber *from, casyncio_fiber *to, void *value) __attribute__((noreturn));
/// Must be the first call of a fiber's entry function (it completes the switch for sanitizers).
void casyncio_fiber_entered(void);

/// Per-thread slots: the current greenlet (retained by the Swift side) and the greenlet that
/// switched away last, until the resumed side releases it. Inline: they are on every switch.
extern __thread void *casyncio_current_greenlet __attribute__((tls_model("initial-exec")));
extern __thread void *casyncio_pending_greenlet __attribute__((tls_model("initial-exec")));
static inline void *casyncio_greenlet_current(void) { return casyncio_current_greenlet; }
static inline void casyncio_greenlet_set_current(void *greenlet) { casyncio_current_greenlet = greenlet; }
static inline void *casyncio_greenlet_pending(void) { return casyncio_pending_greenlet; }
static inline void casyncio_greenlet_set_pending(void *greenlet) { casyncio_pending_greenlet = greenlet; }

#endif
