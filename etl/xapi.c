/*
 * etl/xapi.c — see xapi.h.  The fault policy is described in docs/pull.md.
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
#define XAPI_RESET_MAX 253402300799LL /* 9999-12-31T23:59:59Z: the last instant xetl can print */

struct xapi {
    CURL *h;
    char *base;              /* without trailing '/' */
    char *token;             /* secret: only ever copied into auth_header */
    struct curl_slist *headers;
    long timeout_s;
    long max_wait_s;
    long requests;
    struct retry retry;
    xapi_lander lander;
    void *lander_arg;
    /* per attempt */
    struct sbuf body;
    long rl_remaining;
    int64_t rl_reset;
    long retry_after;
    char errbuf[CURL_ERROR_SIZE];
};

/* --- pure helpers -------------------------------------------------------- */

void xapi_redact(char *s, const char *secret)
{
    size_t sl;
    char *p;

    if (!s || !secret || !*secret)
        return;
    sl = strlen(secret);
    while ((p = strstr(s, secret)) != NULL) {
        /* "***" is never longer than a token worth redacting (>= 3 chars). */
        size_t keep = sl < 3 ? sl : 3;
        memset(p, '*', keep);
        memmove(p + keep, p + sl, strlen(p + sl) + 1);
    }
}

/* Characters of a bearer credential (RFC 6750 b64token, and the %-escapes X's tokens carry). */
static bool cred_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' ||
           c == '%';
}

void xapi_redact_body(const char *body, size_t len, const char *secret, struct sbuf *out)
{
    static const char mark[] = "[redacted]";
    size_t sl = secret ? strlen(secret) : 0;

    sbuf_reset(out);
    sbuf_grow(out, len);
    for (size_t i = 0; i < len;) {
        /* The token itself, wherever it stands. */
        if (sl >= 3 && len - i >= sl && memcmp(body + i, secret, sl) == 0) {
            sbuf_adds(out, mark);
            i += sl;
            continue;
        }
        /*
         * Anything shaped like a bearer credential: "Bearer" (any case), blanks
         * or "%20", then at least XAPI_CRED_MIN credential characters.  Shorter
         * runs are left alone so that prose ("bearer bonds") survives.
         */
        if (len - i > 7 && strncasecmp(body + i, "bearer", 6) == 0 && (i == 0 || !isalnum((unsigned char)body[i - 1]))) {
            size_t j = i + 6, k;
            bool sep = false;
            for (;;) {
                if (j < len && (body[j] == ' ' || body[j] == '\t')) {
                    j++;
                    sep = true;
                } else if (len - j >= 3 && memcmp(body + j, "%20", 3) == 0) {
                    j += 3;
                    sep = true;
                } else {
                    break;
                }
            }
            for (k = j; k < len && cred_char((unsigned char)body[k]); k++)
                ;
            if (sep && k - j >= XAPI_CRED_MIN) {
                sbuf_add(out, body + i, j - i);
                sbuf_adds(out, mark);
                i = k;
                continue;
            }
        }
        sbuf_addc(out, body[i]);
        i++;
    }
}

long xapi_rate_limit_wait(int64_t now, int64_t rl_reset, long retry_after)
{
    int64_t w;
    /*
     * Headers come from the other end: any value, however absurd, is clamped
     * to [1, XAPI_WAIT_CAP_S] before it is added to anything.  A wait that
     * long is over pull.max_rate_limit_wait anyway, so the run ends with 75.
     */
    if (rl_reset > 0 && now >= 0 && rl_reset < INT64_MAX - XAPI_WAIT_CAP_S)
        w = rl_reset > now ? rl_reset - now + 1 : 1; /* +1: the reset second itself, and clock skew */
    else if (rl_reset > 0)
        w = XAPI_WAIT_CAP_S;
    else if (retry_after >= 0)
        w = retry_after;
    else
        w = 60;
    if (w > XAPI_WAIT_CAP_S)
        w = XAPI_WAIT_CAP_S;
    return w < 1 ? 1 : (long)w;
}

/* A header's integer, saturated (strtoll does), -1 when it is not a number. */
static long long header_int(const char *v)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end == v)
        return -1;
    return n;
}

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

static bool is_loopback_host(const char *host, size_t n)
{
    if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
        return true;
    if (n == 5 && strncmp(host, "[::1]", 5) == 0)
        return true;
    if (n >= 4 && strncmp(host, "127.", 4) == 0) {
        for (size_t i = 4; i < n; i++)
            if (!isdigit((unsigned char)host[i]) && host[i] != '.')
                return false;
        return true;
    }
    return false;
}

int xapi_check_base_url(const char *url, struct xerr *err)
{
    const char *host;
    size_t n;

    if (!url || !*url)
        return xerr_set(err, XETL_EX_CONFIG, "x_api_base is empty");
    if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        return xerr_set(err, XETL_EX_CONFIG, "x_api_base '%s' is not an https:// url", url);
    if (strpbrk(url, " \t\r\n@"))
        return xerr_set(err, XETL_EX_CONFIG, "x_api_base '%s' is not a plain base url", url);
    if (*host == '[') {
        const char *e = strchr(host, ']');
        n = e ? (size_t)(e - host) + 1 : strlen(host);
    } else {
        n = strcspn(host, ":/");
    }
    if (n == 0)
        return xerr_set(err, XETL_EX_CONFIG, "x_api_base '%s' has no host", url);
    if (host == url + 7 && !is_loopback_host(host, n))
        return xerr_set(err, XETL_EX_CONFIG,
                        "x_api_base '%s' uses plain http to a non-loopback host; use https://", url);
    return 0;
}

/* --- curl callbacks ------------------------------------------------------- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct xapi *x = arg;
    size_t n = size * nmemb;
    if (x->body.len + n > BODY_MAX)
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    sbuf_add(&x->body, ptr, n);
    return n;
}

static bool header_is(const char *line, size_t n, const char *name, const char **val)
{
    size_t l = strlen(name);
    if (n <= l || strncasecmp(line, name, l) != 0 || line[l] != ':')
        return false;
    *val = line + l + 1;
    return true;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct xapi *x = arg;
    size_t n = size * nmemb;
    const char *v;
    long long iv;
    /* curl's header line is not NUL-terminated: the number parsers must not read past it. */
    char line[128];
    size_t len = n < sizeof line - 1 ? n : sizeof line - 1;
    memcpy(line, data, len);
    line[len] = '\0';
    /* Out-of-range values are clamped here, so nothing downstream can overflow. */
    if (header_is(line, len, "x-rate-limit-remaining", &v)) {
        iv = header_int(v);
        x->rl_remaining = iv < 0 ? -1 : iv > INT32_MAX ? INT32_MAX : (long)iv;
    } else if (header_is(line, len, "x-rate-limit-reset", &v)) {
        iv = header_int(v);
        x->rl_reset = iv <= 0 ? 0 : iv > XAPI_RESET_MAX ? XAPI_RESET_MAX : (int64_t)iv;
    } else if (header_is(line, len, "retry-after", &v)) {
        iv = header_int(v);
        x->retry_after = iv < 0 ? -1 : iv > XAPI_WAIT_CAP_S ? XAPI_WAIT_CAP_S : (long)iv;
    }
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

int xapi_open(const struct config *cfg, struct xapi **out, struct xerr *err)
{
    struct xapi *x = xcalloc(1, sizeof *x);
    const char *base = config_get(cfg, "x_api_base");
    const char *ca = config_get(cfg, "ca_bundle");
    struct sbuf auth = SBUF_INIT;
    long retries = 0, backoff_ms = 0;
    int rc;

    *out = NULL;
    sbuf_init(&x->body);
    if ((rc = xapi_check_base_url(base, err)))
        goto out;
    x->base = xstrdup(base);
    for (size_t n = strlen(x->base); n > 0 && x->base[n - 1] == '/'; n--)
        x->base[n - 1] = '\0';
    if ((rc = config_get_long(cfg, "pull.timeout", &x->timeout_s, err)) ||
        (rc = config_get_long(cfg, "pull.retries", &retries, err)) ||
        (rc = config_get_long(cfg, "pull.backoff_ms", &backoff_ms, err)) ||
        (rc = config_get_long(cfg, "pull.max_rate_limit_wait", &x->max_wait_s, err)))
        goto out;
    retry_init(&x->retry, retries, backoff_ms, ((uint64_t)getpid() << 32) ^ (uint64_t)(log_wallclock() * 1e6));
    if ((rc = config_get_secret(cfg, "x_bearer_token", &x->token, err)))
        goto out;
    if (!x->token || !*x->token) {
        rc = xerr_set(err, XETL_EX_CONFIG,
                      "no X API bearer token; set XETL_X_BEARER_TOKEN or XETL_X_BEARER_TOKEN_FILE");
        goto out;
    }
    if (strpbrk(x->token, "\r\n")) {
        rc = xerr_set(err, XETL_EX_CONFIG, "the X API bearer token contains a line break");
        goto out;
    }
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

    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ca && *ca)
        curl_easy_setopt(x->h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, x->timeout_s * 1000L);
    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, (x->timeout_s < 10 ? x->timeout_s : 10) * 1000L);
    curl_easy_setopt(x->h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
    if (log_get_level() >= LOG_DEBUG) {
        curl_easy_setopt(x->h, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(x->h, CURLOPT_DEBUGDATA, x);
        curl_easy_setopt(x->h, CURLOPT_VERBOSE, 1L);
    }
    *out = x;
    x = NULL;
    rc = 0;
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
    curl_slist_free_all(x->headers);
    if (x->token) {
        memset(x->token, 0, strlen(x->token));
        free(x->token);
    }
    free(x->base);
    sbuf_release(&x->body);
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

/* "title: detail" of an RFC 7807 problem body, shortened, for messages. */
static void problem_text(const char *body, size_t len, const char *secret, char *out, size_t n)
{
    struct jv *j = jv_parse(body, len, NULL, 0);
    const char *title = jv_str(jv_get(j, "title")), *detail = jv_str(jv_get(j, "detail"));
    out[0] = '\0';
    if (title || detail)
        snprintf(out, n, "%s%s%s", title ? title : "", title && detail ? ": " : "", detail ? detail : "");
    else
        snprintf(out, n, "%.*s", (int)(len < 120 ? len : 120), body);
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    xapi_redact(out, secret);
    jv_free(j);
}

static int land(struct xapi *x, const char *endpoint, const char *path, int attempt, long status, long dur,
                const char *error, int64_t *id, struct xerr *err)
{
    struct xapi_attempt a = {
        .endpoint = endpoint, .path = path, .attempt = attempt, .http_status = status,
        .duration_ms = dur, .error = error, .rl_remaining = x->rl_remaining, .rl_reset = x->rl_reset,
        .body = x->body.buf, .body_len = x->body.len,
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
    xapi_redact_body(x->body.buf, x->body.len, x->token, &body);
    a.body = body.buf;
    a.body_len = body.len;
    if (error) {
        sbuf_init(&text);
        xapi_redact_body(error, strlen(error), x->token, &text);
        utf8_scrub(text.buf);
        a.error = text.buf;
    }
    rc = x->lander(x->lander_arg, &a, id, err);
    sbuf_release(&body);
    sbuf_release(&text);
    return rc;
}

int xapi_get(struct xapi *x, const char *endpoint, const char *path_query, struct xapi_response *out,
             struct xerr *err)
{
    struct sbuf url = SBUF_INIT;
    char last[256] = "";
    long waited_s = 0;
    int failures = 0, attempt = 0, rc = 0;

    memset(out, 0, sizeof *out);
    sbuf_init(&url);
    sbuf_addf(&url, "%s%s", x->base, path_query);
    curl_easy_setopt(x->h, CURLOPT_URL, url.buf);

    for (;;) {
        char msg[512];
        long status = 0;
        int64_t id = 0;
        struct jv *j = NULL;
        char why[160] = "";

        attempt++;
        sbuf_reset(&x->body);
        x->rl_remaining = -1;
        x->rl_reset = 0;
        x->retry_after = -1;
        x->errbuf[0] = '\0';
        double t0 = log_wallclock();
        CURLcode cc = curl_easy_perform(x->h);
        long dur = (long)((log_wallclock() - t0) * 1000.0);
        x->requests++;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        out->status = status;

        if (cc != CURLE_OK) {
            const char *what = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
            if (cc == CURLE_PARTIAL_FILE)
                snprintf(msg, sizeof msg, "truncated body (%s)", what);
            else if (cc == CURLE_OPERATION_TIMEDOUT)
                snprintf(msg, sizeof msg, "timed out after %ld s", x->timeout_s);
            else
                snprintf(msg, sizeof msg, "%s", what);
            xapi_redact(msg, x->token);
            if (cc != CURLE_PARTIAL_FILE)
                status = 0;
            if ((rc = land(x, endpoint, path_query, attempt, status, dur, msg, &id, err)))
                goto out;
            if (!xapi_retryable(0, cc)) {
                rc = xerr_set(err, XETL_EX_UNAVAILABLE, "x api unavailable: GET %s failed: %s", endpoint, msg);
                goto out;
            }
        } else if (status == 200) {
            j = jv_parse(x->body.buf, x->body.len, why, sizeof why);
            if (jv_is_object(j)) {
                if ((rc = land(x, endpoint, path_query, attempt, status, dur, NULL, &id, err))) {
                    jv_free(j);
                    goto out;
                }
                out->json = j;
                out->landed_id = id;
                rc = 0;
                goto out;
            }
            if (j)
                snprintf(why, sizeof why, "not an object");
            jv_free(j);
            snprintf(msg, sizeof msg, "invalid or truncated json body (%zu bytes): %s", x->body.len,
                     x->body.len ? why : "empty");
            xapi_redact(msg, x->token); /* jansson quotes the bytes near the error */
            if ((rc = land(x, endpoint, path_query, attempt, status, dur, msg, &id, err)))
                goto out;
        } else {
            char prob[300];
            problem_text(x->body.buf, x->body.len, x->token, prob, sizeof prob);
            snprintf(msg, sizeof msg, "http %ld%s%s", status, prob[0] ? " " : "", prob);
            if ((rc = land(x, endpoint, path_query, attempt, status, dur, msg, &id, err)))
                goto out;
            if (status == 429) {
                int64_t now = (int64_t)time(NULL); /* real time: X's reset is wall-clock */
                long w = xapi_rate_limit_wait(now, x->rl_reset, x->retry_after);
                char until[40];
                xtime_format(now + w, until, sizeof until);
                if (waited_s + w > x->max_wait_s) {
                    rc = xerr_set(err, XETL_EX_TEMPFAIL,
                                  "rate limited on %s until %s (pull.max_rate_limit_wait is %ld s); retry later",
                                  endpoint, until, x->max_wait_s);
                    goto out;
                }
                log_warn("rate limited on %s, waiting until %s", endpoint, until);
                retry_sleep_ms(w * 1000L);
                waited_s += w;
                continue; /* a rate limit is not a failure of the service */
            }
            if (status == 401) {
                rc = xerr_set(err, XETL_EX_CONFIG,
                              "x api refused the bearer token on %s (%s); hint: check XETL_X_BEARER_TOKEN "
                              "or XETL_X_BEARER_TOKEN_FILE",
                              endpoint, msg);
                goto out;
            }
            if (status == 403) {
                rc = xerr_set(err, XETL_EX_CONFIG,
                              "x api forbids %s with this token (%s); hint: the token's app or plan lacks "
                              "access, or x_user_context is true for a token that is not the account's own",
                              endpoint, msg);
                goto out;
            }
            if (status == 404) {
                rc = xerr_set(err, XETL_EX_CONFIG, "x api has no endpoint %s (%s); hint: check x_api_base",
                              endpoint, msg);
                goto out;
            }
            if (!xapi_retryable(status, 0)) {
                rc = xerr_set(err, XETL_EX_SOFTWARE, "x api rejected GET %s: %s", endpoint, msg);
                goto out;
            }
        }

        /* Retryable: 5xx, 408, transport faults, bad bodies. */
        snprintf(last, sizeof last, "%s", msg);
        failures++;
        if (!retry_allowed(&x->retry, failures)) {
            rc = xerr_set(err, XETL_EX_UNAVAILABLE, "x api unavailable: GET %s failed after %d attempts (last: %s)",
                          endpoint, failures, last);
            goto out;
        }
        long d = retry_delay_ms(&x->retry, failures);
        log_info("GET %s: %s; retry %d of %ld in %ld ms", endpoint, msg, failures, x->retry.max_retries, d);
        retry_sleep_ms(d);
    }
out:
    sbuf_release(&url);
    return rc;
}

/* --- pure wrappers over the callbacks, for tests and the fuzzer ------------ */

void xapi_parse_header(const char *line, size_t n, long *rl_remaining, int64_t *rl_reset, long *retry_after)
{
    struct xapi x;
    memset(&x, 0, sizeof x);
    x.rl_remaining = *rl_remaining;
    x.rl_reset = *rl_reset;
    x.retry_after = *retry_after;
    on_header((char *)line, 1, n, &x);
    *rl_remaining = x.rl_remaining;
    *rl_reset = x.rl_reset;
    *retry_after = x.retry_after;
}

void xapi_problem(const char *body, size_t len, const char *secret, char *out, size_t n)
{
    problem_text(body, len, secret, out, n);
}
