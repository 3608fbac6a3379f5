/*
 * common/utf8.h — xetl's one UTF-8 validator, and what is built on it.
 *
 * For: telling whether text is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing past U+10FFFF, no NUL byte) before it reaches the
 * database, which refuses invalid UTF-8 and would take the whole write down
 * with it; and making text valid when it must be stored anyway (an error
 * message, a rejected row's raw bytes).
 *
 * Not for: decoding code points, normalisation, display width.
 */
#ifndef XETL_UTF8_H
#define XETL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf;

/*
 * Length (1-4) of the well-formed sequence at s, which has avail bytes;
 * 0 when the bytes there are not one (a NUL byte is not one either).
 */
size_t utf8_seq_len(const char *s, size_t avail);

/* Whether len bytes at s are well-formed UTF-8 with no NUL byte. */
bool utf8_valid(const char *s, size_t len);

/* Appends len bytes of s to sb with every byte that starts no valid sequence as '?'. */
void utf8_add_scrubbed(struct sbuf *sb, const char *s, size_t len);

/*
 * Makes the NUL-terminated s valid in place: an invalid byte becomes '?', a
 * sequence cut off by the end (a message truncated by "%.40s") is dropped.
 */
void utf8_scrub(char *s);

#endif
