// C shims for the event loop: epoll, eventfd, thread-local loop slots, main-queue hooks.
#if !defined(__linux__)
// The one place other platforms are fenced off: the selector is epoll, cross-thread wake-ups are an
// eventfd, child processes are reaped through pidfds. A kqueue port would replace this file and
// Poller.swift/SelectorRegistration.swift; until then the build stops here with this message.
#error "swift-asyncio runs on Linux only (epoll, eventfd, pidfd); other platforms are not supported yet"
#endif
#define _GNU_SOURCE
#include <malloc.h>
#include <dlfcn.h>
#include <execinfo.h>
#include "CAsyncio.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int casyncio_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int casyncio_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    int cop = op == 1 ? EPOLL_CTL_ADD : (op == 2 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD);
    return epoll_ctl(epfd, cop, fd, &ev);
}

int casyncio_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        tokens[i] = evs[i].data.u64;
        events[i] = evs[i].events;
    }
    return n;
}

int casyncio_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void casyncio_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t r;
    do { r = write(fd, &one, sizeof one); } while (r < 0 && errno == EINTR);
}

void casyncio_eventfd_drain(int fd) {
    uint64_t value;
    ssize_t r;
    do { r = read(fd, &value, sizeof value); } while (r < 0 && errno == EINTR);
}

static __thread void *running_loop __attribute__((tls_model("initial-exec"))) = 0;
static __thread void *current_loop __attribute__((tls_model("initial-exec"))) = 0;

void *casyncio_get_running_loop(void) { return running_loop; }
void casyncio_set_running_loop(void *loop) { running_loop = loop; }
void *casyncio_get_current_loop(void) { return current_loop; }
void casyncio_set_current_loop(void *loop) { current_loop = loop; }

extern void *swift_task_getCurrent(void);

void *casyncio_current_task(void) { return swift_task_getCurrent(); }

uint64_t casyncio_thread_id(void) { return (uint64_t)pthread_self(); }

int casyncio_native_thread_id(void) { return (int)syscall(SYS_gettid); }

// The watchdog's stack capture: a signal to the loop's thread, whose handler records the
// return addresses (backtrace, warmed up at install so it does not load libgcc in the handler)
// and the Swift task running there. One capture at a time (the watchdog's thread).
static void *stack_frames[128];
static volatile int stack_count = -1;
static void *volatile stack_task;
static void *(*stack_hook)(void);

void casyncio_set_stack_hook(void *(*hook)(void)) { stack_hook = hook; }

// 0: no capture wanted; 1: armed (a signal is on its way); 2: the handler is recording. A
// handler that comes after the capture gave up finds 0 and does nothing (no stale stack, no
// retained task left behind).
static int stack_armed;

static void stack_handler(int sig) {
    (void)sig;
    int expected = 1;
    if (!__atomic_compare_exchange_n(&stack_armed, &expected, 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
    int saved = errno;
    stack_task = stack_hook ? stack_hook() : NULL;
    int count = backtrace(stack_frames, 128);
    __atomic_store_n(&stack_count, count, __ATOMIC_RELEASE);
    errno = saved;
}

int casyncio_install_stack_handler(void) {
    void *warm[2];
    backtrace(warm, 2);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = stack_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGRTMIN + 4, &action, NULL);
}

void casyncio_unblock_stack_signal(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 4);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int casyncio_capture_stack(uint64_t thread, void **frames, int max, void **task, int timeout_ms) {
    __atomic_store_n(&stack_count, -1, __ATOMIC_RELEASE);
    __atomic_store_n(&stack_armed, 1, __ATOMIC_RELEASE);
    if (pthread_kill((pthread_t)thread, SIGRTMIN + 4) != 0) {
        __atomic_store_n(&stack_armed, 0, __ATOMIC_RELEASE);
        return -1;
    }
    for (int waited = 0; waited < timeout_ms * 10 && __atomic_load_n(&stack_count, __ATOMIC_ACQUIRE) < 0; waited++) usleep(100);
    int expected = 1;
    if (__atomic_compare_exchange_n(&stack_armed, &expected, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return -1;   // gave up first
    // The handler claimed the capture: let it finish.
    while (__atomic_load_n(&stack_count, __ATOMIC_ACQUIRE) < 0) usleep(100);
    __atomic_store_n(&stack_armed, 0, __ATOMIC_RELEASE);
    int count = __atomic_load_n(&stack_count, __ATOMIC_ACQUIRE);
    if (count > max) count = max;
    memcpy(frames, stack_frames, (size_t)count * sizeof(void *));
    *task = stack_task;
    return count;
}

const char *casyncio_symbol_name(void *address, const char **file, void **base) {
    Dl_info info;
    if (dladdr(address, &info) == 0) { *file = NULL; *base = NULL; return NULL; }
    *file = info.dli_fname;
    *base = info.dli_fbase;
    return info.dli_sname;
}

long casyncio_peer_uid(int fd) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    return (long)credentials.uid;
}

int casyncio_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int casyncio_accept(int fd, void *address, unsigned int *length) {
    return accept4(fd, (struct sockaddr *)address, (socklen_t *)length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int casyncio_pidfd_open(int pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    return (int)syscall(434, pid, 0);
#endif
}

static volatile int signal_fd = -1;

static void casyncio_signal_handler(int signo) {
    int saved = errno;
    unsigned char byte = (unsigned char)signo;
    if (signal_fd >= 0) { ssize_t ignored = write(signal_fd, &byte, 1); (void)ignored; }
    errno = saved;
}

void casyncio_signal_set_fd(int fd) { signal_fd = fd; }

int casyncio_signal_catch(int signo) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = casyncio_signal_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(signo, &action, 0);
}

int casyncio_signal_default(int signo) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    return sigaction(signo, &action, 0);
}

int casyncio_signal_is_default(int signo) {
    struct sigaction action;
    if (sigaction(signo, 0, &action) != 0) return 0;
    return action.sa_handler == SIG_DFL;
}

void casyncio_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

int casyncio_is_main_thread(void) { return getpid() == (pid_t)syscall(SYS_gettid); }

extern int _dispatch_get_main_queue_handle_4CF(void) __attribute__((weak));
extern void _dispatch_main_queue_callback_4CF(void *msg) __attribute__((weak));

int casyncio_main_queue_handle(void) {
    if (!_dispatch_get_main_queue_handle_4CF) return -1;
    return _dispatch_get_main_queue_handle_4CF();
}

void casyncio_drain_main_queue(void) {
    if (_dispatch_main_queue_callback_4CF) _dispatch_main_queue_callback_4CF(0);
}

const void *casyncio_memmem(const void *haystack, size_t length, const void *needle, size_t needle_length) {
    return memmem(haystack, length, needle, needle_length);
}

static __thread void *worker_pool;
void *casyncio_get_worker_pool(void) { return worker_pool; }
void casyncio_set_worker_pool(void *pool) { worker_pool = pool; }

int casyncio_set_malloc_thresholds(int mmap_threshold, int trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1;
}

int casyncio_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}
