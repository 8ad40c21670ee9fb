// The echo load generator: N connections, each sending a SIZE-byte message and waiting for it to
// come back, for SECONDS. The same native client drives every server. Prints "msgs N seconds S".
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
#include <time.h>
#include <unistd.h>

struct conn { int fd; size_t sent; size_t received; };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int pump(struct conn *c, const char *message, size_t size) {
    while (c->sent < size) {
        ssize_t n = send(c->fd, message + c->sent, size - c->sent, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        c->sent += (size_t)n;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: EchoClient PORT CONNECTIONS SIZE SECONDS\n"); return 2; }
    int port = atoi(argv[1]), count = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    double seconds = atof(argv[4]);
    char *message = malloc(size), *sink = malloc(1 << 20);
    memset(message, 'x', size);
    int ep = epoll_create1(0);
    struct conn *conns = calloc((size_t)count, sizeof *conns);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 1; }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        conns[i].fd = fd;
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u32 = (unsigned)i };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    long messages = 0;
    double start = now(), end = start + seconds;
    struct epoll_event events[256];
    while (now() < end) {
        int n = epoll_wait(ep, events, 256, 100);
        for (int k = 0; k < n; k++) {
            struct conn *c = &conns[events[k].data.u32];
            if (events[k].events & EPOLLOUT) {
                if (pump(c, message, size) < 0) { perror("send"); return 1; }
                if (c->sent == size) {
                    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = events[k].data.u32 };
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
            }
            if (events[k].events & EPOLLIN) {
                for (;;) {
                    ssize_t got = recv(c->fd, sink, 1 << 20, 0);
                    if (got > 0) { c->received += (size_t)got; continue; }
                    if (got == 0) { fprintf(stderr, "server closed\n"); return 1; }
                    break;
                }
                if (c->received >= size && c->sent == size) {
                    messages++;
                    c->received -= size;
                    c->sent = 0;
                    int done = pump(c, message, size);
                    if (done < 0) { perror("send"); return 1; }
                    struct epoll_event ev = { .events = done ? EPOLLIN : EPOLLIN | EPOLLOUT, .data.u32 = events[k].data.u32 };
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
            }
        }
    }
    printf("msgs %ld seconds %.3f\n", messages, now() - start);
    return 0;
}
