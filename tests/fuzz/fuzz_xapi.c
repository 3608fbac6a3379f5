/*
 * fuzz_xapi — what xetl derives from an X API response without the network:
 * header lines (rate limits, Retry-After, etl/xapi.c), the error text of a
 * body, and the rows parsed from a 200 body for each endpoint (etl/pull_parse.c).
 * The input is header lines, a blank line, then the body.  Invariants: the
 * rate-limit wait is at least a second; the secret never survives into an
 * error text; every parsed row has a valid tweet id, and metrics extras only
 * with metrics.
 */
#include <string.h>

#include "common/sbuf.h"
#include "common/json.h"
#include "etl/pull_parse.h"
#include "etl/xapi.h"
#include "tests/fuzz/fuzz.h"

#define SECRET "AAAAfuzzsecretBBBB"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    long remaining = -1, retry_after = -1;
    int64_t reset = 0;

    /* Header lines up to a blank one, each handed over with its CRLF as curl does. */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (n <= 2 && (p[0] == '\n' || p[0] == '\r')) {
            p += n;
            break;
        }
        xapi_parse_header(p, n, &remaining, &reset, &retry_after);
        p += n;
    }
    long w = xapi_rate_limit_wait(1764000000, reset, retry_after);
    FUZZ_CHECK(w >= 1);

    size_t blen = (size_t)(end - p);
    char msg[300];
    xapi_problem(p, blen, SECRET, msg, sizeof msg);
    FUZZ_CHECK(!strstr(msg, SECRET));

    static const char *const endpoints[] = { "/2/tweets", "/2/users/:id/tweets", "/2/users/:id" };
    struct jv *body = jv_parse(p, blen, NULL, 0);
    for (size_t i = 0; body && i < sizeof endpoints / sizeof endpoints[0]; i++) {
        struct pull_parse pp;
        pull_parse_init(&pp, "42", NULL, 1764000000);
        int rows = pull_parse_body(&pp, endpoints[i], body, 1);
        FUZZ_CHECK(rows == pp.n_rows && rows >= 0);
        for (int k = 0; k < pp.n_rows; k++)
            FUZZ_CHECK(pull_valid_id(pp.rows[k].tweet_id) && (pp.rows[k].has_metrics || !pp.rows[k].metrics_extra));
        pull_parse_release(&pp);
    }
    jv_free(body);
    return 0;
}
