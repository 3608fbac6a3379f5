/*
 * common/retry.h — the one retry policy of xetl's network clients (the X API
 * over HTTP in etl/xapi.c, SMTP in reports/mail.c).
 *
 * What it decides: whether a failed attempt is worth another (a transport
 * fault that may pass — connect, resolve, timeout, reset, a truncated body —
 * or a reply the protocol calls temporary: HTTP 408 and 5xx, SMTP 4xx), and
 * how long to wait before it: base_ms * 2^(n-1) for the n-th retry, scaled by
 * a jitter factor in [0.5, 1.5) so that many clients failing together do not
 * retry together, capped at RETRY_CAP_MS.  The callers keep what is theirs:
 * mapping libcurl's result codes to a fault (libcurl stays in those two
 * files), rate limits, and the SMTP rule that a message possibly delivered is
 * never sent again.
 */
#ifndef XETL_RETRY_H
#define XETL_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#define RETRY_CAP_MS 30000L

enum retry_proto { RETRY_HTTP, RETRY_SMTP };

/* What the transport said, before any protocol reply is read. */
enum retry_fault {
    RETRY_FAULT_NONE,      /* the exchange completed; the reply code decides */
    RETRY_FAULT_TRANSIENT, /* connect/resolve refused, timeout, reset, truncated: may pass */
    RETRY_FAULT_PERMANENT, /* anything else (bad URL, TLS verification, refused login) */
};

/*
 * Whether an attempt that failed with this fault and reply code (0: none) is
 * worth retrying.  A negative reply (code >= 400) decides by the protocol:
 * HTTP 408 and 5xx, SMTP 4xx (a 429 is a rate limit, waited for by the
 * caller, not retried here); without one, a transient fault is retried.
 */
bool retry_retryable(enum retry_proto proto, enum retry_fault fault, long code);

/* The policy of one client: retries allowed, base delay, and its jitter source. */
struct retry {
    long max_retries;
    long base_ms;
    uint64_t rng; /* xorshift64* state: jitter only, never a result */
};

/* Seeds the jitter from seed (any value; 0 is replaced). */
void retry_init(struct retry *r, long max_retries, long base_ms, uint64_t seed);
/* Whether retry number `failures` (1-based: the count of failed attempts so far) may happen. */
bool retry_allowed(const struct retry *r, int failures);
/* The delay before retry number `failures`, with the next jitter draw. */
long retry_delay_ms(struct retry *r, int failures);

/* The pure formula: rnd is a uniform 32-bit draw (0x80000000 = no jitter). */
long retry_backoff_ms(long base_ms, int failures, uint32_t rnd);

/* Sleeps ms milliseconds, resumed across signals. */
void retry_sleep_ms(long ms);

#endif
