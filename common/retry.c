/*
 * common/retry.c — see retry.h.
 */
#include "common/retry.h"

#include <errno.h>
#include <time.h>

bool retry_retryable(enum retry_proto proto, enum retry_fault fault, long code)
{
    /* A negative reply, when the server gave one, says more than how the exchange ended. */
    if (code >= 400) {
        if (proto == RETRY_SMTP)
            return code < 500; /* 4yz: transient negative completion (RFC 5321) */
        return code == 408 || (code >= 500 && code <= 599);
    }
    return fault == RETRY_FAULT_TRANSIENT;
}

long retry_backoff_ms(long base_ms, int failures, uint32_t rnd)
{
    double d = (double)(base_ms > 0 ? base_ms : 1);
    for (int i = 1; i < failures && d < RETRY_CAP_MS; i++)
        d *= 2.0;
    d *= 0.5 + (double)rnd / 4294967296.0; /* jitter: 0.5 .. 1.5 */
    if (d > RETRY_CAP_MS)
        d = RETRY_CAP_MS;
    return (long)d;
}

void retry_init(struct retry *r, long max_retries, long base_ms, uint64_t seed)
{
    r->max_retries = max_retries;
    r->base_ms = base_ms;
    r->rng = seed ^ 0x9E3779B97F4A7C15ULL;
    if (!r->rng)
        r->rng = 1;
}

bool retry_allowed(const struct retry *r, int failures)
{
    return failures <= r->max_retries;
}

static uint32_t next_rand(struct retry *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return (uint32_t)((r->rng * 2685821657736338717ULL) >> 32);
}

long retry_delay_ms(struct retry *r, int failures)
{
    return retry_backoff_ms(r->base_ms, failures, next_rand(r));
}

void retry_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}
