// The floor of the echo benchmark: a minimal C epoll echo server (no framework at all).
// Listens on 127.0.0.1 with a free port, prints "ready PORT", echoes until killed.
// Reads until EAGAIN on each readiness. Argument "edge": edge-triggered epoll (EPOLLET) instead of
// level-triggered, to measure what the trigger mode alone costs.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct pending { char *data; size_t length; size_t offset; };

static struct pending pendings[65536];
static int ep;
static unsigned edge;

static void watch(int fd, int op, unsigned events) {
    struct epoll_event ev = { .events = events | edge, .data.fd = fd };
    epoll_ctl(ep, op, fd, &ev);
}

static void drop(int fd) {
    struct pending *p = &pendings[fd];
    close(fd);
    free(p->data); p->data = 0; p->length = p->offset = 0;
}

/// Sends what is pending; returns 1 when nothing is left.
static int flush(int fd) {
    struct pending *p = &pendings[fd];
    while (p->offset < p->length) {
        ssize_t w = send(fd, p->data + p->offset, p->length - p->offset, MSG_NOSIGNAL);
        if (w < 0) return 0;
        p->offset += (size_t)w;
    }
    p->length = p->offset = 0;
    return 1;
}

int main(int argc, char **argv) {
    edge = (argc > 1 && strcmp(argv[1], "edge") == 0) ? EPOLLET : 0;
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET };
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    bind(listener, (struct sockaddr *)&address, sizeof address);
    listen(listener, 128);
    socklen_t length = sizeof address;
    getsockname(listener, (struct sockaddr *)&address, &length);
    printf("ready %d\n", ntohs(address.sin_port));
    fflush(stdout);
    ep = epoll_create1(0);
    struct epoll_event lev = { .events = EPOLLIN, .data.fd = listener };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev);
    static char buffer[256 * 1024];
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int c;
                while ((c = accept4(listener, 0, 0, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    // Edge-triggered: one registration for both directions, never modified.
                    watch(c, EPOLL_CTL_ADD, edge ? (EPOLLIN | EPOLLOUT) : EPOLLIN);
                }
                continue;
            }
            struct pending *p = &pendings[fd];
            if (p->length > 0) {
                if (!(events[i].events & EPOLLOUT) || !flush(fd)) continue;
                if (!edge) watch(fd, EPOLL_CTL_MOD, EPOLLIN);
            }
            for (;;) {
                ssize_t r = recv(fd, buffer, sizeof buffer, 0);
                if (r < 0 && errno == EAGAIN) break;
                if (r <= 0) { drop(fd); break; }
                ssize_t w = send(fd, buffer, (size_t)r, MSG_NOSIGNAL);
                if (w < 0) w = 0;
                if (w < r) {
                    p->data = realloc(p->data, (size_t)(r - w));
                    memcpy(p->data, buffer + w, (size_t)(r - w));
                    p->length = (size_t)(r - w);
                    p->offset = 0;
                    if (!edge) watch(fd, EPOLL_CTL_MOD, EPOLLOUT);
                    break;
                }
            }
        }
    }
}
