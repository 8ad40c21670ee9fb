// The floor of the echo benchmark: a minimal C epoll echo server (no framework at all).
// Listens on 127.0.0.1 with a free port, prints "ready PORT", echoes until killed.
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

int main(void) {
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
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = listener };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    static char buffer[256 * 1024];
    static struct pending pendings[65536];
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int c;
                while ((c = accept4(listener, 0, 0, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            struct pending *p = &pendings[fd];
            if (events[i].events & EPOLLOUT) {
                while (p->offset < p->length) {
                    ssize_t w = send(fd, p->data + p->offset, p->length - p->offset, MSG_NOSIGNAL);
                    if (w < 0) break;
                    p->offset += (size_t)w;
                }
                if (p->offset == p->length) {
                    p->length = p->offset = 0;
                    struct epoll_event cev = { .events = EPOLLIN, .data.fd = fd };
                    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
                }
                continue;
            }
            ssize_t r = recv(fd, buffer, sizeof buffer, 0);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                close(fd);
                free(p->data); p->data = 0; p->length = p->offset = 0;
                continue;
            }
            ssize_t w = send(fd, buffer, (size_t)r, MSG_NOSIGNAL);
            if (w < 0) w = 0;
            if (w < r) {
                p->data = realloc(p->data, (size_t)(r - w));
                memcpy(p->data, buffer + w, (size_t)(r - w));
                p->length = (size_t)(r - w);
                p->offset = 0;
                struct epoll_event cev = { .events = EPOLLOUT, .data.fd = fd };
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &cev);
            }
        }
    }
}
