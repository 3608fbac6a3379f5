/*
 * etl/xapi.c — see xapi.h.  The fault policy is described in docs/pull.md;
 * what to retry and how long to wait is common/retry's, shared with SMTP.
 *
 * Every request is a struct xreq: its easy handle, its body and headers, its
 * attempts.  One request at a time (xapi_get) uses the client's own handle,
 * so the connection is reused; many (xapi_get_many) run on one curl multi
 * handle, which keeps a pool of connections and multiplexes streams over
 * HTTP/2 when the server offers it.  Both end every attempt in req_finish(),
 * so the fault policy is written once.  (About 650 lines: the one file that
 * may use libcurl for X; what needs no curl is in xapi_text.c.)
 */
#include "etl/xapi.h"
#include "common/json.h"
#include "common/log.h"
#include "common/retry.h"
#include "common/sbuf.h"
#include "common/xtime.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (64u << 20) /* a response larger than this is not X's */
#define XAPI_AGAIN (-1)      /* req_finish: try again after *delay_ms */

/* One request and its current attempt. */
struct xreq {
    CURL *h;
    const char *endpoint;    /* label (no ids), borrowed */
    const char *path;        /* path and query, borrowed */
    struct sbuf url;
    struct sbuf body;
    long rl_remaining;
    int64_t rl_reset;
    long retry_after;
    char errbuf[CURL_ERROR_SIZE];
    int attempt, failures;
    long waited_s;           /* waiting for rate-limit resets, in all */
    double t0;               /* this attempt's start */
    double start_at;         /* wall clock before which the next attempt must not start */
    bool active, done;
    void *land_arg;          /* the lander's argument (NULL: the client's) */
    struct xapi_response out;
};

struct xapi {
    CURL *h;                 /* xapi_get's handle */
    CURLM *multi;            /* xapi_get_many's, made on first use */
    char *base;              /* without trailing '/' */
    char *token;             /* secret: only ever copied into the Authorization header */
    char *ca;
    struct curl_slist *headers;
    long timeout_s;
    long max_wait_s;
    long requests;
    double hold_until;       /* a 429 holds every new attempt until its reset */
    bool probed;             /* a response other than 429 came since the start or the last 429 */
    long rl_remaining;       /* the last x-rate-limit-remaining seen, -1 unknown */
    struct retry retry;
    xapi_lander lander;
    void *lander_arg;
};

/* libcurl's results that may pass on another attempt (the rest never will). */
static enum retry_fault curl_fault(int curl_code)
{
    switch (curl_code) {
    case CURLE_OK:
        return RETRY_FAULT_NONE;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return RETRY_FAULT_TRANSIENT;
    default:
        return RETRY_FAULT_PERMANENT;
    }
}

bool xapi_retryable(long http_status, int curl_code)
{
    return retry_retryable(RETRY_HTTP, curl_fault(curl_code), curl_code == CURLE_OK ? http_status : 0);
}

/* --- curl callbacks ------------------------------------------------------- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct xreq *q = arg;
    size_t n = size * nmemb;
    if (q->body.len + n > BODY_MAX)
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    sbuf_add(&q->body, ptr, n);
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xreq *q = arg;
    size_t n = size * nmemb;
    xapi_parse_header(data, n, &q->rl_remaining, &q->rl_reset, &q->retry_after);
    return n;
}

/* curl's verbose output, through our log and with the token removed. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    struct xapi *x = arg;
    const char *tag;
    (void)h;

    switch (type) {
    case CURLINFO_TEXT: tag = "*"; break;
    case CURLINFO_HEADER_IN: tag = "<"; break;
    case CURLINFO_HEADER_OUT: tag = ">"; break;
    default: return 0; /* bodies are landed, not logged */
    }
    char *copy = xmalloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    xapi_redact(copy, x->token);
    for (char *line = copy, *next; line && *line; line = next) {
        next = strpbrk(line, "\r\n");
        if (next) {
            *next++ = '\0';
            while (*next == '\r' || *next == '\n')
                next++;
        }
        /* Belt and braces: the whole Authorization value goes, whatever it is. */
        if (strncasecmp(line, "authorization:", 14) == 0)
            log_debug("curl %s authorization: [redacted]", tag);
        else if (*line)
            log_debug("curl %s %s", tag, line);
    }
    free(copy);
    return 0;
}

/* --- client ---------------------------------------------------------------- */

/* The options every handle of this client carries; per request: where its body and headers go. */
static void easy_setup(struct xapi *x, CURL *h, struct xreq *q)
{
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    /* HTTP/2 where TLS offers it (one connection, many streams), else HTTP/1.1 keep-alive. */
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    if (x->ca && *x->ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, x->ca);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, x->timeout_s * 1000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (x->timeout_s < 10 ? x->timeout_s : 10) * 1000L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, q);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, q->errbuf);
    curl_easy_setopt(h, CURLOPT_PRIVATE, q);
    if (log_get_level() >= LOG_DEBUG) {
        curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(h, CURLOPT_DEBUGDATA, x);
        curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    }
}

static int open_settings(const struct config *cfg, struct xapi *x, struct xerr *err)
{
    const char *base = config_get(cfg, "x_api_base");
    const char *ca = config_get(cfg, "ca_bundle");
    long retries = 0, backoff_ms = 0;
    int rc;

    if ((rc = xapi_check_base_url(base, err)))
        return rc;
    x->base = xstrdup(base);
    for (size_t n = strlen(x->base); n > 0 && x->base[n - 1] == '/'; n--)
        x->base[n - 1] = '\0';
    x->ca = ca ? xstrdup(ca) : NULL;
    if ((rc = config_get_long(cfg, "pull.timeout", &x->timeout_s, err)) ||
        (rc = config_get_long(cfg, "pull.retries", &retries, err)) ||
        (rc = config_get_long(cfg, "pull.backoff_ms", &backoff_ms, err)) ||
        (rc = config_get_long(cfg, "pull.max_rate_limit_wait", &x->max_wait_s, err)))
        return rc;
    retry_init(&x->retry, retries, backoff_ms, ((uint64_t)getpid() << 32) ^ (uint64_t)(log_wallclock() * 1e6));
    if ((rc = config_get_secret(cfg, "x_bearer_token", &x->token, err)))
        return rc;
    if (!x->token || !*x->token)
        return xerr_set(err, XETL_EX_CONFIG,
                        "no X API bearer token; set XETL_X_BEARER_TOKEN or XETL_X_BEARER_TOKEN_FILE");
    if (strpbrk(x->token, "\r\n"))
        return xerr_set(err, XETL_EX_CONFIG, "the X API bearer token contains a line break");
    return 0;
}

int xapi_global_init(struct xerr *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot initialise libcurl");
    return 0;
}

void xapi_global_cleanup(void)
{
    curl_global_cleanup();
}

int xapi_open(const struct config *cfg, struct xapi **out, struct xerr *err)
{
    struct xapi *x = xcalloc(1, sizeof *x);
    struct sbuf auth = SBUF_INIT;
    int rc;

    *out = NULL;
    if ((rc = open_settings(cfg, x, err)))
        goto out;
    x->rl_remaining = -1;
    x->h = curl_easy_init();
    if (!x->h) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "cannot initialise libcurl");
        goto out;
    }
    sbuf_init(&auth);
    sbuf_addf(&auth, "Authorization: Bearer %s", x->token);
    x->headers = curl_slist_append(x->headers, auth.buf);
    x->headers = curl_slist_append(x->headers, "Accept: application/json");
    x->headers = curl_slist_append(x->headers, "User-Agent: xetl/" XETL_VERSION);
    if (!x->headers) {
        rc = xerr_set(err, XETL_EX_SOFTWARE, "out of memory");
        goto out;
    }
    *out = x;
    x = NULL;
out:
    if (auth.buf) {
        memset(auth.buf, 0, auth.len); /* do not leave the token lying in freed memory */
        sbuf_release(&auth);
    }
    xapi_close(x);
    return rc;
}

void xapi_close(struct xapi *x)
{
    if (!x)
        return;
    if (x->h)
        curl_easy_cleanup(x->h);
    if (x->multi)
        curl_multi_cleanup(x->multi);
    curl_slist_free_all(x->headers);
    if (x->token) {
        memset(x->token, 0, strlen(x->token));
        free(x->token);
    }
    free(x->base);
    free(x->ca);
    free(x);
}

void xapi_set_lander(struct xapi *x, xapi_lander fn, void *arg)
{
    x->lander = fn;
    x->lander_arg = arg;
}

long xapi_requests(const struct xapi *x)
{
    return x->requests;
}

void xapi_response_release(struct xapi_response *r)
{
    if (r && r->json) {
        jv_free(r->json);
        r->json = NULL;
    }
}

static int land(struct xapi *x, struct xreq *q, long status, long dur, const char *error, int64_t *id,
                struct xerr *err)
{
    struct xapi_attempt a = {
        .endpoint = q->endpoint, .path = q->path, .attempt = q->attempt, .http_status = status,
        .duration_ms = dur, .error = error, .rl_remaining = q->rl_remaining, .rl_reset = q->rl_reset,
    };
    struct sbuf body = SBUF_INIT, text = SBUF_INIT;
    int rc;

    *id = 0;
    if (!x->lander)
        return 0;
    /*
     * Nothing secret is stored: a body may echo the Authorization header (a
     * proxy's error page, a debug field), so the token and anything shaped
     * like a bearer credential go before the body leaves this file.  The
     * error text is stored as text, so it is made valid UTF-8 as well.
     */
    sbuf_init(&body);
    xapi_redact_body(q->body.buf, q->body.len, x->token, &body);
    a.body = body.buf;
    a.body_len = body.len;
    if (error) {
        sbuf_init(&text);
        xapi_redact_body(error, strlen(error), x->token, &text);
        utf8_scrub(text.buf);
        a.error = text.buf;
    }
    rc = x->lander(q->land_arg ? q->land_arg : x->lander_arg, &a, id, err);
    sbuf_release(&body);
    sbuf_release(&text);
    return rc;
}

/* --- one request's attempts ----------------------------------------------- */

static void req_init(struct xapi *x, struct xreq *q, CURL *h, const char *endpoint, const char *path)
{
    memset(q, 0, sizeof *q);
    q->h = h;
    q->endpoint = endpoint;
    q->path = path;
    sbuf_init(&q->url);
    sbuf_init(&q->body);
    sbuf_addf(&q->url, "%s%s", x->base, path);
    easy_setup(x, h, q);
    curl_easy_setopt(h, CURLOPT_URL, q->url.buf);
}

static void req_release(struct xreq *q)
{
    sbuf_release(&q->url);
    sbuf_release(&q->body);
    xapi_response_release(&q->out);
}

static void req_begin(struct xapi *x, struct xreq *q)
{
    q->attempt++;
    sbuf_reset(&q->body);
    q->rl_remaining = -1;
    q->rl_reset = 0;
    q->retry_after = -1;
    q->errbuf[0] = '\0';
    q->t0 = log_wallclock();
    x->requests++;
}

/* A transfer that failed below HTTP: landed, then retried when it may pass. */
static int transport_failure(struct xapi *x, struct xreq *q, CURLcode cc, long status, long dur, char *msg,
                             size_t n, struct xerr *err)
{
    const char *what = q->errbuf[0] ? q->errbuf : curl_easy_strerror(cc);
    int64_t id;
    int rc;
    if (cc == CURLE_PARTIAL_FILE)
        snprintf(msg, n, "truncated body (%s)", what);
    else if (cc == CURLE_OPERATION_TIMEDOUT)
        snprintf(msg, n, "timed out after %ld s", x->timeout_s);
    else
        snprintf(msg, n, "%s", what);
    xapi_redact(msg, x->token);
    if ((rc = land(x, q, cc == CURLE_PARTIAL_FILE ? status : 0, dur, msg, &id, err)))
        return rc;
    if (!xapi_retryable(0, cc))
        return xerr_set(err, XETL_EX_UNAVAILABLE, "x api unavailable: GET %s failed: %s", q->endpoint, msg);
    return XAPI_AGAIN;
}

/* A 200: its JSON object is the result; anything else in it is a bad body, retried. */
static int ok_body(struct xapi *x, struct xreq *q, long dur, char *msg, size_t n, struct xerr *err)
{
    char why[160] = "";
    int64_t id;
    int rc;
    struct jv *j = jv_parse(q->body.buf, q->body.len, why, sizeof why);
    if (jv_is_object(j)) {
        if ((rc = land(x, q, 200, dur, NULL, &id, err))) {
            jv_free(j);
            return rc;
        }
        q->out.json = j;
        q->out.landed_id = id;
        return 0;
    }
    if (j)
        snprintf(why, sizeof why, "not an object");
    jv_free(j);
    snprintf(msg, n, "invalid or truncated json body (%zu bytes): %s", q->body.len, q->body.len ? why : "empty");
    xapi_redact(msg, x->token); /* the parser quotes the bytes near the error */
    if ((rc = land(x, q, 200, dur, msg, &id, err)))
        return rc;
    return XAPI_AGAIN;
}

/* A 429: wait for the reset (every request of this client holds) unless that is too long. */
static int rate_limited(struct xapi *x, struct xreq *q, long *delay_ms, struct xerr *err)
{
    int64_t now = (int64_t)time(NULL); /* real time: X's reset is wall-clock */
    long w = xapi_rate_limit_wait(now, q->rl_reset, q->retry_after);
    char until[40];
    xtime_format(now + w, until, sizeof until);
    if (q->waited_s + w > x->max_wait_s)
        return xerr_set(err, XETL_EX_TEMPFAIL,
                        "rate limited on %s until %s (pull.max_rate_limit_wait is %ld s); retry later", q->endpoint,
                        until, x->max_wait_s);
    log_warn("rate limited on %s, waiting until %s", q->endpoint, until);
    q->waited_s += w;
    x->probed = false;
    *delay_ms = w * 1000L;
    if (log_wallclock() + (double)w > x->hold_until)
        x->hold_until = log_wallclock() + (double)w;
    return XAPI_AGAIN;
}

/* Any other HTTP status: landed, then the verdict of docs/pull.md. */
static int http_failure(struct xapi *x, struct xreq *q, long status, long dur, char *msg, size_t n,
                        long *delay_ms, struct xerr *err)
{
    char prob[300];
    int64_t id;
    int rc;
    xapi_problem(q->body.buf, q->body.len, x->token, prob, sizeof prob);
    snprintf(msg, n, "http %ld%s%s", status, prob[0] ? " " : "", prob);
    if ((rc = land(x, q, status, dur, msg, &id, err)))
        return rc;
    if (status == 429)
        return rate_limited(x, q, delay_ms, err); /* a rate limit is not a failure of the service */
    if (status == 401)
        return xerr_set(err, XETL_EX_CONFIG,
                        "x api refused the bearer token on %s (%s); hint: check XETL_X_BEARER_TOKEN "
                        "or XETL_X_BEARER_TOKEN_FILE",
                        q->endpoint, msg);
    if (status == 403)
        return xerr_set(err, XETL_EX_CONFIG,
                        "x api forbids %s with this token (%s); hint: the token's app or plan lacks "
                        "access, or x_user_context is true for a token that is not the account's own",
                        q->endpoint, msg);
    if (status == 404)
        return xerr_set(err, XETL_EX_CONFIG, "x api has no endpoint %s (%s); hint: check x_api_base", q->endpoint,
                        msg);
    if (!xapi_retryable(status, 0))
        return xerr_set(err, XETL_EX_SOFTWARE, "x api rejected GET %s: %s", q->endpoint, msg);
    return XAPI_AGAIN;
}

/*
 * Ends one attempt (cc, status as curl reported them): 0 with q->out set,
 * XAPI_AGAIN with *delay_ms before the next attempt, or an exit status.
 */
static int req_finish(struct xapi *x, struct xreq *q, CURLcode cc, long status, long *delay_ms, struct xerr *err)
{
    char msg[512];
    long dur = (long)((log_wallclock() - q->t0) * 1000.0);
    int rc;

    q->out.status = status;
    *delay_ms = 0;
    if (status && status != 429) {
        x->probed = true;
        if (q->rl_remaining >= 0)
            x->rl_remaining = q->rl_remaining;
    }
    if (cc != CURLE_OK)
        rc = transport_failure(x, q, cc, status, dur, msg, sizeof msg, err);
    else if (status == 200)
        rc = ok_body(x, q, dur, msg, sizeof msg, err);
    else
        rc = http_failure(x, q, status, dur, msg, sizeof msg, delay_ms, err);
    if (rc != XAPI_AGAIN || (cc == CURLE_OK && status == 429))
        return rc; /* done, failed, or waiting for a reset (not a failure of the service) */
    /* Retryable: 5xx, 408, transport faults, bad bodies. */
    q->failures++;
    if (!retry_allowed(&x->retry, q->failures))
        return xerr_set(err, XETL_EX_UNAVAILABLE, "x api unavailable: GET %s failed after %d attempts (last: %s)",
                        q->endpoint, q->failures, msg);
    *delay_ms = retry_delay_ms(&x->retry, q->failures);
    log_info("GET %s: %s; retry %d of %ld in %ld ms", q->endpoint, msg, q->failures, x->retry.max_retries,
             *delay_ms);
    return XAPI_AGAIN;
}

int xapi_get(struct xapi *x, const char *endpoint, const char *path_query, struct xapi_response *out,
             struct xerr *err)
{
    struct xreq q;
    long status, delay;
    int rc;

    req_init(x, &q, x->h, endpoint, path_query);
    do {
        double hold = x->hold_until - log_wallclock();
        if (hold > 0)
            retry_sleep_ms((long)(hold * 1000.0)); /* a reset another request was told of */
        req_begin(x, &q);
        CURLcode cc = curl_easy_perform(x->h);
        status = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        if ((rc = req_finish(x, &q, cc, status, &delay, err)) == XAPI_AGAIN)
            retry_sleep_ms(delay);
    } while (rc == XAPI_AGAIN);
    *out = q.out;
    q.out.json = NULL; /* handed over */
    req_release(&q);
    return rc;
}

/* --- many requests at once ------------------------------------------------ */

/*
 * Starts the attempts that may start now.  Within the token's rate limit: one
 * request alone until a response other than a 429 arrives (at the start, and
 * after each 429's wait), then up to `limit` in flight, never more than the
 * requests X last said remain in the window.
 */
static int start_ready(struct xapi *x, struct xreq *q, int n, int limit, int *active, struct xerr *err)
{
    double now = log_wallclock();
    if (!x->probed)
        limit = 1;
    else if (x->rl_remaining >= 0 && x->rl_remaining < limit)
        limit = x->rl_remaining > 0 ? (int)x->rl_remaining : 1;
    for (int i = 0; i < n && *active < limit && now >= x->hold_until; i++) {
        if (q[i].active || q[i].done || now < q[i].start_at)
            continue;
        req_begin(x, &q[i]);
        if (curl_multi_add_handle(x->multi, q[i].h) != CURLM_OK)
            return xerr_set(err, XETL_EX_SOFTWARE, "cannot start a request on %s", q[i].endpoint);
        q[i].active = true;
        (*active)++;
    }
    return 0;
}

/* How long the loop may wait for sockets: until the next attempt is due, at most 1 s. */
static int idle_ms(const struct xapi *x, const struct xreq *q, int n)
{
    double now = log_wallclock(), next = now + 1.0;
    for (int i = 0; i < n; i++)
        if (!q[i].active && !q[i].done && q[i].start_at < next)
            next = q[i].start_at;
    if (x->hold_until > now && x->hold_until < next)
        next = x->hold_until;
    double ms = (next - now) * 1000.0;
    return ms < 1 ? 1 : (int)ms;
}

/* A verdict every call of the group would meet: the calls of it not yet started take it. */
static void end_group(struct xreq *q, struct xapi_call *calls, int n, int from, int *left)
{
    for (int j = 0; j < n; j++) {
        if (q[j].done || q[j].active || calls[j].group != calls[from].group)
            continue;
        q[j].done = true;
        calls[j].rc = calls[from].rc;
        calls[j].err = calls[from].err;
        (*left)--;
    }
}

/* Ends the attempts curl reports done; a finished call's verdict goes into calls[i]. */
static void reap(struct xapi *x, struct xreq *q, struct xapi_call *calls, int n, int *active, int *left)
{
    CURLMsg *m;
    int queued;
    while ((m = curl_multi_info_read(x->multi, &queued))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        long status = 0, delay = 0;
        CURLcode cc = m->data.result;
        CURL *h = m->easy_handle;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv);
        struct xreq *r = (struct xreq *)priv;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(x->multi, h);
        r->active = false;
        (*active)--;
        struct xapi_call *c = &calls[r - q];
        int rc = req_finish(x, r, cc, status, &delay, &c->err);
        if (rc == XAPI_AGAIN) {
            r->start_at = log_wallclock() + (double)delay / 1000.0;
            continue;
        }
        c->rc = rc;
        c->status = r->out.status;
        r->done = true;
        if (c->keep_json && !rc) {
            c->json = r->out.json;
            r->out.json = NULL;
        }
        xapi_response_release(&r->out); /* landed: the caller reads it from there */
        (*left)--;
        /* The token refused, or a rate limit too long to wait for: the group's other calls would meet it too. */
        if (rc == XETL_EX_CONFIG || rc == XETL_EX_TEMPFAIL)
            end_group(q, calls, n, (int)(r - q), left);
    }
}

int xapi_get_many(struct xapi *x, struct xapi_call *calls, int n, int concurrency, struct xerr *err)
{
    struct xreq *q = xcalloc((size_t)(n ? n : 1), sizeof *q);
    int active = 0, left = n, rc = 0;

    if (!x->multi && !(x->multi = curl_multi_init())) {
        free(q);
        return xerr_set(err, XETL_EX_SOFTWARE, "cannot initialise libcurl");
    }
    curl_multi_setopt(x->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    for (int i = 0; i < n; i++) {
        CURL *h = curl_easy_init();
        if (!h) {
            n = i;
            rc = xerr_set(err, XETL_EX_SOFTWARE, "cannot initialise libcurl");
            goto out;
        }
        req_init(x, &q[i], h, calls[i].endpoint, calls[i].path);
        q[i].land_arg = calls[i].land_arg;
        calls[i].rc = 0;
        calls[i].status = 0;
        calls[i].json = NULL;
        xerr_clear(&calls[i].err);
    }
    while (left > 0 && !rc) {
        int running;
        if ((rc = start_ready(x, q, n, concurrency < 1 ? 1 : concurrency, &active, err)))
            break;
        curl_multi_perform(x->multi, &running);
        reap(x, q, calls, n, &active, &left);
        if (left > 0)
            curl_multi_poll(x->multi, NULL, 0, idle_ms(x, q, n), NULL);
    }
    /* The first call that failed, in the caller's order, speaks for all. */
    for (int i = 0; i < n && !rc; i++)
        if (calls[i].rc) {
            rc = calls[i].rc;
            *err = calls[i].err;
        }
out:
    for (int i = 0; i < n; i++) {
        if (q[i].active)
            curl_multi_remove_handle(x->multi, q[i].h);
        curl_easy_cleanup(q[i].h);
        req_release(&q[i]);
    }
    free(q);
    return rc;
}
