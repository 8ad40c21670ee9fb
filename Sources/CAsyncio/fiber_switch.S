// The machine context switch under greenlets: saves the callee-saved registers on the current
// stack, stores the stack pointer, loads the other one and restores its registers. No syscall.
// The floating-point control state (MXCSR, the x87 control word, FPCR) is not switched: it
// belongs to the thread and all of its greenlets (reading and loading it costs more than the
// rest of the switch).
//
// void *casyncio_context_switch(void **save_sp, void *load_sp, void *value)
//   returns `value` on the stack switched to (and passes it as the first argument to a new
//   fiber's entry, see casyncio_fiber_prepare in fiber.c).

#if defined(__x86_64__)
    .text
    .globl casyncio_context_switch
    .hidden casyncio_context_switch
    .type casyncio_context_switch, @function
    .p2align 4
casyncio_context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdx, %rax
    movq %rdx, %rdi
    ret
    .size casyncio_context_switch, .-casyncio_context_switch

// First code a new fiber runs: r12 holds the entry function, rdi the value switched in with.
// The stack is 16-byte aligned here, so the call leaves the entry ABI-aligned.
    .globl casyncio_context_trampoline
    .hidden casyncio_context_trampoline
    .type casyncio_context_trampoline, @function
    .p2align 4
casyncio_context_trampoline:
    xorl %ebp, %ebp
    callq *%r12
    ud2
    .size casyncio_context_trampoline, .-casyncio_context_trampoline

#elif defined(__aarch64__)
    .text
    .globl casyncio_context_switch
    .hidden casyncio_context_switch
    .type casyncio_context_switch, %function
    .p2align 4
casyncio_context_switch:
    sub sp, sp, #160
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #160
    mov x0, x2
    ret
    .size casyncio_context_switch, .-casyncio_context_switch

// First code a new fiber runs: x19 holds the entry function, x0 the value switched in with.
    .globl casyncio_context_trampoline
    .hidden casyncio_context_trampoline
    .type casyncio_context_trampoline, %function
    .p2align 4
casyncio_context_trampoline:
    mov x29, #0
    mov x30, #0
    blr x19
    brk #0
    .size casyncio_context_trampoline, .-casyncio_context_trampoline

#else
#error "greenlets: the context switch is written for x86_64 and arm64 only"
#endif

    .section .note.GNU-stack,"",%progbits
