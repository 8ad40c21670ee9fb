// What Swift cannot call directly: epoll with its packed event struct, eventfd,
// per-thread slots for the running and the current event loop, and libdispatch's
// main-queue hooks (so a loop driven on the main thread can also run @MainActor work).
#ifndef CASYNCIO_H
#define CASYNCIO_H

#include <stddef.h>
#include <stdint.h>
#include "casyncio_fiber.h"

/// Creates an epoll instance (close-on-exec). Returns the fd or -1 with errno set.
int casyncio_epoll_create(void);
/// Registers or modifies `fd` for `events` with `data` as the user token. op: 1 add, 2 del, 3 mod.
int casyncio_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits up to `timeout_ms` (-1 forever). Fills `tokens` and `events` (parallel arrays of `max`).
/// Returns the number of events, 0 on timeout or EINTR, -1 on other errors.
int casyncio_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms);

/// Creates a non-blocking close-on-exec eventfd.
int casyncio_eventfd(void);
/// Adds 1 to the eventfd counter; EAGAIN is ignored (the counter is already non-zero).
void casyncio_eventfd_signal(int fd);
/// Resets the eventfd counter to zero.
void casyncio_eventfd_drain(int fd);

/// Per-thread slot holding the loop running on this thread (unretained), or NULL.
void *casyncio_get_running_loop(void);
void casyncio_set_running_loop(void *loop);
/// Per-thread slot holding the loop set with set_event_loop (unretained by C; Swift keeps it alive).
void *casyncio_get_current_loop(void);
void casyncio_set_current_loop(void *loop);

/// The Swift task running on this thread, or NULL (the runtime's `swift_task_getCurrent`).
void *casyncio_current_task(void);

/// The calling thread's id as an integer.
uint64_t casyncio_thread_id(void);
/// The kernel's id of the calling thread (gettid).
int casyncio_native_thread_id(void);
/// The user id of the process at the other end of Unix socket `fd` (SO_PEERCRED), or -1.
long casyncio_peer_uid(int fd);
/// Installs the handler of the watchdog's stack-capture signal (SIGRTMIN+4).
int casyncio_install_stack_handler(void);
/// What the capture signal's handler calls on the loop's thread for the running loop task
/// (a retained reference, or NULL); set once before any capture.
void casyncio_set_stack_hook(void *(*hook)(void));
/// Lets the calling thread (a loop's) receive the stack-capture signal: Dispatch and the
/// concurrency runtime's threads block signals.
void casyncio_unblock_stack_signal(void);
/// Signals `thread` and copies up to `max` return addresses of its stack at that moment, and the
/// Swift task running there; -1 when it did not answer within `timeout_ms`.
int casyncio_capture_stack(uint64_t thread, void **frames, int max, void **task, int timeout_ms);
/// The exported symbol containing `address` (or NULL), its binary's path and load address (dladdr).
const char *casyncio_symbol_name(void *address, const char **file, void **base);
/// Demangles a Swift symbol (the Swift runtime's own); the result is malloc'd, or NULL.
char *swift_demangle(const char *mangled, size_t length, char *buffer, size_t *size, uint32_t flags);
/// The thread pool whose worker runs on this thread (NULL elsewhere).
void *casyncio_get_worker_pool(void);
void casyncio_set_worker_pool(void *pool);

/// A close-on-exec pipe: fds[0] reads, fds[1] writes. Returns 0 or -1 with errno set.
int casyncio_pipe_cloexec(int fds[2]);

/// memmem(3): the first occurrence of a byte string in a buffer, or NULL.
const void *casyncio_memmem(const void *haystack, size_t length, const void *needle, size_t needle_length);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC. Returns the new fd or -1 with errno set.
int casyncio_accept(int fd, void *address, unsigned int *length);

/// A pidfd for `pid` (Linux 5.3+), close-on-exec; -1 when the kernel has none.
int casyncio_pidfd_open(int pid);

/// Signals: the C handler writes the signal number to `fd` (a non-blocking pipe), nothing else.
void casyncio_signal_set_fd(int fd);
/// Catches `signo` with that handler. Returns 0 or -1 with errno set.
int casyncio_signal_catch(int signo);
/// Restores the default action of `signo`.
int casyncio_signal_default(int signo);
/// 1 when `signo` has its default action now.
int casyncio_signal_is_default(int signo);

/// Names the calling thread (at most 15 bytes are kept).
void casyncio_set_thread_name(const char *name);

/// 1 when the calling thread is the process's main thread.
int casyncio_is_main_thread(void);

/// libdispatch's main-queue wake-up descriptor (an eventfd on Linux), or -1 when unavailable.
int casyncio_main_queue_handle(void);
/// Runs the work queued on the main dispatch queue (main thread only).
void casyncio_drain_main_queue(void);

/// glibc's malloc tunables (mallopt; macro constants Swift cannot see): allocations of at
/// least `mmap_threshold` bytes get their own mapping (M_MMAP_THRESHOLD, which also stops glibc
/// moving it), and up to `trim_threshold` free bytes at the top of the heap are kept instead of
/// given back to the kernel (M_TRIM_THRESHOLD). Returns 1 when both were set.
int casyncio_set_malloc_thresholds(int mmap_threshold, int trim_threshold);

/// rename(2) that fails with EEXIST instead of replacing an existing `to` (renameat2 with
/// RENAME_NOREPLACE). EINVAL: the file system cannot do it. Returns 0 or -1 with errno set.
int casyncio_rename_noreplace(const char *from, const char *to);

#endif
