// The system zlib (Debian's zlib1g-dev), for gzip and deflate content codings.
#include <zlib.h>

/// inflateInit2 is a macro in zlib.h; Swift cannot call it directly.
static inline int czlib_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}

/// deflateInit2 is a macro too.
static inline int czlib_deflate_init2(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}
