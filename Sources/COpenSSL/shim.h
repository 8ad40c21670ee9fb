// The system OpenSSL (Debian's libssl-dev, OpenSSL 3) for the TLS layer, and inline wrappers for
// the OpenSSL macros Swift cannot import (they expand to *_ctrl calls).
#ifndef ASYNCIO_COPENSSL_SHIM_H
#define ASYNCIO_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static inline int asyncio_bio_set_mem_eof_return(BIO *bio, long value) {
    return (int)BIO_set_mem_eof_return(bio, value);
}
static inline long asyncio_bio_pending(BIO *bio) { return (long)BIO_pending(bio); }

static inline long asyncio_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline int asyncio_ctx_set_min_proto(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int asyncio_ctx_set_max_proto(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline int asyncio_ctx_get_min_proto(SSL_CTX *ctx) { return (int)SSL_CTX_get_min_proto_version(ctx); }
static inline int asyncio_ctx_get_max_proto(SSL_CTX *ctx) { return (int)SSL_CTX_get_max_proto_version(ctx); }
static inline int asyncio_set_sni(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }

/// The library and reason of a packed OpenSSL error code (ERR_GET_LIB/ERR_GET_REASON).
static inline int asyncio_err_lib(unsigned long code) { return ERR_GET_LIB(code); }
static inline int asyncio_err_reason(unsigned long code) { return ERR_GET_REASON(code); }

static inline int asyncio_ssl_verify_none(void) { return SSL_VERIFY_NONE; }
static inline int asyncio_ssl_verify_peer(void) { return SSL_VERIFY_PEER; }
static inline int asyncio_ssl_verify_fail_if_no_peer_cert(void) { return SSL_VERIFY_FAIL_IF_NO_PEER_CERT; }
static inline uint64_t asyncio_ssl_default_options(void) {
    return SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION;
}
static inline uint64_t asyncio_ssl_op_no_renegotiation(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline long asyncio_ssl_default_modes(void) {
    return SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS;
}

/// Subject alternative names of a certificate (nil when it has none); free with
/// GENERAL_NAMES_free.
static inline GENERAL_NAMES *asyncio_subject_alt_names(X509 *cert) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}
static inline int asyncio_general_names_count(GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
static inline int asyncio_general_name_type(GENERAL_NAMES *names, int index) {
    return sk_GENERAL_NAME_value(names, index)->type;
}
/// The string of a DNS, URI, email or IP address entry (the address's raw bytes for IP).
static inline ASN1_STRING *asyncio_general_name_string(GENERAL_NAMES *names, int index) {
    GENERAL_NAME *name = sk_GENERAL_NAME_value(names, index);
    switch (name->type) {
    case GEN_DNS: case GEN_URI: case GEN_EMAIL: return name->d.ia5;
    case GEN_IPADD: return name->d.iPAddress;
    default: return NULL;
    }
}
static inline void asyncio_openssl_free(void *pointer) { OPENSSL_free(pointer); }

#endif
