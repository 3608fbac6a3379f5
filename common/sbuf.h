/*
 * common/sbuf.h — a growable string buffer (after git's strbuf).
 *
 * Invariant: after sbuf_init, buf is never NULL and is always NUL-terminated.
 * Allocation failure aborts the process: xetl cannot do anything useful
 * without memory, and threading ENOMEM through every append buys nothing.
 */
#ifndef XETL_SBUF_H
#define XETL_SBUF_H

#include <stddef.h>

/* utf8_scrub moved to common/utf8.h; its callers still find it through here. */
#include "common/utf8.h"

struct sbuf {
    char *buf;
    size_t len;
    size_t cap;
};

#define SBUF_INIT { NULL, 0, 0 }

void sbuf_init(struct sbuf *sb);
void sbuf_release(struct sbuf *sb);   /* frees the buffer; sb may be reused after sbuf_init */
void sbuf_reset(struct sbuf *sb);     /* empties without freeing */
void sbuf_grow(struct sbuf *sb, size_t extra);
void sbuf_add(struct sbuf *sb, const void *data, size_t len);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addc(struct sbuf *sb, char c);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_detach(struct sbuf *sb);   /* caller owns the string; sb is reset */



/* Allocation helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
