/*
 * etl/xapi.h — the X API v2 HTTP client (the only file that includes libcurl
 * for X; SMTP has its own).
 *
 * What it is for: one GET at a time against the X API base URL with the
 * bearer token, a timeout, TLS verification always on, and the fault policy
 * of docs/pull.md: retries with exponential backoff and jitter for 5xx, 408,
 * timeouts, resets and invalid or truncated JSON bodies; waits for a 429's
 * x-rate-limit-reset (or Retry-After) up to pull.max_rate_limit_wait, then
 * 75; 401/403 → 78 with a hint; anything else that never succeeds → 69
 * naming the endpoint.  Every attempt, failed or not, is handed to a
 * "lander" callback before anything else happens, so the caller can store
 * the response as it came (xetl.raw_responses) before deriving from it.
 *
 * What it is not for: knowing X's response shapes beyond "a JSON body" and
 * the problem fields used in messages (etl/pull.c interprets bodies), or
 * deciding what to fetch.
 *
 * Secrets: the token lives only in the Authorization header.  It is never
 * put into a URL, a message, a log line or curl's verbose output (which is
 * routed through a redacting debug callback when logging at debug level).
 */
#ifndef XETL_XAPI_H
#define XETL_XAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/json.h"
#include "common/xerr.h"

struct xapi;

/* One attempt, as handed to the lander.  Pointers are valid during the call only. */
struct xapi_attempt {
    const char *endpoint;   /* label such as "/2/tweets" (no ids) */
    const char *path;       /* path and query as requested, without base URL */
    int attempt;            /* 1, 2, … */
    long http_status;       /* 0 when no response (timeout, reset, refused) */
    long duration_ms;
    const char *error;      /* NULL when the attempt succeeded (200 with a JSON body) */
    long rl_remaining;      /* x-rate-limit-remaining, -1 when absent */
    int64_t rl_reset;       /* x-rate-limit-reset (epoch seconds), 0 when absent */
    const char *body;       /* as received (may be truncated or empty), NUL-terminated */
    size_t body_len;
};

/*
 * Stores one attempt; *id receives the stored row's id (or 0).  A non-zero
 * return (with err set) stops the request at once with that code: a request
 * whose response cannot be landed must not be used.
 */
typedef int (*xapi_lander)(void *arg, const struct xapi_attempt *a, int64_t *id, struct xerr *err);

struct xapi_response {
    long status;            /* 200 */
    struct jv *json;        /* the parsed body, an object (owned; freed by xapi_response_release) */
    int64_t landed_id;      /* the lander's id for the successful attempt */
};

/*
 * Opens a client from the settings x_api_base, x_bearer_token(_file),
 * ca_bundle, pull.timeout, pull.retries, pull.backoff_ms and
 * pull.max_rate_limit_wait.  Missing token or a bad base URL → 78.
 */
/*
 * Process-wide set-up and tear-down of the HTTP library (also used by the
 * SMTP client), once, before any thread starts: main() calls them.
 */
int xapi_global_init(struct xerr *err);
void xapi_global_cleanup(void);

int xapi_open(const struct config *cfg, struct xapi **out, struct xerr *err);
void xapi_close(struct xapi *x);

/* Sets the callback that lands every attempt (may be NULL: nothing stored). */
void xapi_set_lander(struct xapi *x, xapi_lander fn, void *arg);

/*
 * GET base + path_query (path_query starts with "/2/").  endpoint is the label
 * used in messages and landing.  On 0, *out holds the parsed JSON body of a
 * 200 response; otherwise err says why (69, 75, 78, or 70 for a 4xx that is
 * our own fault).
 */
int xapi_get(struct xapi *x, const char *endpoint, const char *path_query, struct xapi_response *out,
             struct xerr *err);
void xapi_response_release(struct xapi_response *r);

/*
 * Many GETs at once, on one curl multi handle: up to `concurrency` in flight,
 * connections reused, HTTP/2 streams multiplexed where the server offers it.
 * Each call has the fault policy of xapi_get (retries, backoff, 429 waits; a
 * 429 holds every call of this client, i.e. of its token, until its reset).
 * Every attempt is landed, in the order they end, with the call's land_arg
 * (NULL: the client's).  calls[i].rc, .status and .err say how each ended; a
 * refused token or a rate limit too long to wait for ends the calls of the
 * same group not yet started (they carry that verdict), never another
 * group's.  Returns 0 when every call succeeded, else the first failed
 * call's status (in calls' order) with its message in err.
 */
struct xapi_call {
    const char *endpoint;   /* in: label, as for xapi_get */
    const char *path;       /* in: path and query */
    void *land_arg;         /* in: the lander's argument for this call (NULL: the client's) */
    int group;              /* in: calls that stand or fall together (one account's) */
    bool keep_json;         /* in: hand the parsed body over in json */
    int rc;                 /* out: 0 or an exit status */
    long status;            /* out: the last HTTP status (0: none) */
    struct xerr err;        /* out: why, when rc != 0 */
    struct jv *json;        /* out, with keep_json: the body (caller frees with jv_free) */
};
int xapi_get_many(struct xapi *x, struct xapi_call *calls, int n, int concurrency, struct xerr *err);

/* HTTP requests made by this client so far (every attempt counts). */
long xapi_requests(const struct xapi *x);

/* --- pure helpers, exposed for tests ------------------------------------ */

/*
 * 0 when url is https://…, or http://… to a loopback host (127.0.0.0/8,
 * localhost, [::1]); else 78 naming the problem.
 */
int xapi_check_base_url(const char *url, struct xerr *err);

/* Replaces every occurrence of secret in s (in place) with "***". */
void xapi_redact(char *s, const char *secret);

/*
 * out = body (len bytes, may hold NULs) with every occurrence of secret and
 * every bearer-shaped credential ("Bearer " then XAPI_CRED_MIN or more
 * b64token characters) replaced by "[redacted]".  What is landed.
 */
#define XAPI_CRED_MIN 16
struct sbuf;
void xapi_redact_body(const char *body, size_t len, const char *secret, struct sbuf *out);

/*
 * Seconds to wait after a 429 received at `now`: until rl_reset (+1 s for
 * clock skew) when known, else retry_after when >= 0, else 60.  Never < 1,
 * never more than XAPI_WAIT_CAP_S, whatever the headers said.
 */
#define XAPI_WAIT_CAP_S 86400L
long xapi_rate_limit_wait(int64_t now, int64_t rl_reset, long retry_after);

/*
 * Whether a status (with curl's result, 0 = CURLE_OK) is worth retrying: curl's
 * result mapped to a fault, then common/retry.h's one policy (the backoff too).
 */
bool xapi_retryable(long http_status, int curl_code);

/*
 * One response header line ("x-rate-limit-reset: 1700000000\r\n", n bytes, not
 * NUL-terminated) read as the client reads it: updates the values it names.
 */
void xapi_parse_header(const char *line, size_t n, long *rl_remaining, int64_t *rl_reset, long *retry_after);
/* The "title: detail" text of an error body, as used in messages, secret removed. */
void xapi_problem(const char *body, size_t len, const char *secret, char *out, size_t n);

#endif
