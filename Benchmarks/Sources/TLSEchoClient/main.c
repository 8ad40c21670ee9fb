// The TLS echo load generator: N TLS 1.3 connections (cipher TLS_AES_128_GCM_SHA256 only, so
// every server runs the same cipher), each sending a SIZE-byte message and waiting for it to come
// back, for SECONDS. The same native client (system OpenSSL) drives every server.
// Prints "msgs N seconds S".   Usage: TLSEchoClient PORT CONNECTIONS SIZE SECONDS CAFILE
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn { int fd; SSL *ssl; size_t sent; size_t received; int writing; };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Sends what is left of the message: 1 when all is sent, 0 when it must wait, -1 on error. */
static int pump(struct conn *c, const char *message, size_t size) {
    while (c->sent < size) {
        size_t written = 0;
        if (SSL_write_ex(c->ssl, message + c->sent, size - c->sent, &written) != 1) {
            int e = SSL_get_error(c->ssl, 0);
            return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
        }
        c->sent += written;
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: TLSEchoClient PORT CONNECTIONS SIZE SECONDS CAFILE\n"); return 2; }
    int port = atoi(argv[1]), count = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    double seconds = atof(argv[4]);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_load_verify_locations(ctx, argv[5], NULL) != 1) { ERR_print_errors_fp(stderr); return 1; }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    char *message = malloc(size), *sink = malloc(1 << 16);
    memset(message, 'x', size);
    int ep = epoll_create1(0);
    struct conn *conns = calloc((size_t)count, sizeof *conns);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 1; }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, "localhost");
        SSL_set1_host(ssl, "localhost");
        if (SSL_connect(ssl) != 1) { ERR_print_errors_fp(stderr); return 1; }   /* blocking handshake */
        fcntl(fd, F_SETFL, O_NONBLOCK);
        conns[i] = (struct conn){ .fd = fd, .ssl = ssl };
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (unsigned)i };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        if (pump(&conns[i], message, size) < 0) { ERR_print_errors_fp(stderr); return 1; }
    }
    long messages = 0;
    double start = now(), end = start + seconds;
    struct epoll_event events[256];
    while (now() < end) {
        int n = epoll_wait(ep, events, 256, 100);
        for (int k = 0; k < n; k++) {
            struct conn *c = &conns[events[k].data.u32];
            if (c->sent < size) {
                int done = pump(c, message, size);
                if (done < 0) { ERR_print_errors_fp(stderr); return 1; }
                if (done) {
                    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = events[k].data.u32 };
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
                continue;
            }
            for (;;) {
                size_t got = 0;
                if (SSL_read_ex(c->ssl, sink, 1 << 16, &got) == 1) { c->received += got; continue; }
                int e = SSL_get_error(c->ssl, 0);
                if (e == SSL_ERROR_WANT_READ) break;
                fprintf(stderr, "read failed (%d)\n", e);
                ERR_print_errors_fp(stderr);
                return 1;
            }
            while (c->received >= size && c->sent == size) {
                messages++;
                c->received -= size;
                c->sent = 0;
                int done = pump(c, message, size);
                if (done < 0) { ERR_print_errors_fp(stderr); return 1; }
                struct epoll_event ev = { .events = done ? EPOLLIN : EPOLLIN | EPOLLOUT, .data.u32 = events[k].data.u32 };
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
            }
        }
    }
    printf("msgs %ld seconds %.3f\n", messages, now() - start);
    return 0;
}
