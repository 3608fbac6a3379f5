/*
 * etl/xapi_text.c — the X client's pure helpers (see xapi.h): redaction, base
 * URL policy, rate-limit headers and waits, problem texts.  No libcurl here,
 * so all of it is testable and fuzzable without a connection.
 */
#include "etl/xapi.h"
#include "common/json.h"
#include "common/sbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XAPI_RESET_MAX 253402300799LL /* 9999-12-31T23:59:59Z: the last instant xetl can print */

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
        /* Most bytes start neither: copied in runs, a compare or two each (every body passes here). */
        size_t run = i;
        while (run < len && body[run] != (sl ? secret[0] : '\0') && (body[run] | 0x20) != 'b')
            run++;
        if (run > i) {
            sbuf_add(out, body + i, run - i);
            i = run;
            continue;
        }
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

static bool header_is(const char *line, size_t n, const char *name, const char **val)
{
    size_t l = strlen(name);
    if (n <= l || strncasecmp(line, name, l) != 0 || line[l] != ':')
        return false;
    *val = line + l + 1;
    return true;
}

void xapi_parse_header(const char *data, size_t n, long *rl_remaining, int64_t *rl_reset, long *retry_after)
{
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
        *rl_remaining = iv < 0 ? -1 : iv > INT32_MAX ? INT32_MAX : (long)iv;
    } else if (header_is(line, len, "x-rate-limit-reset", &v)) {
        iv = header_int(v);
        *rl_reset = iv <= 0 ? 0 : iv > XAPI_RESET_MAX ? XAPI_RESET_MAX : (int64_t)iv;
    } else if (header_is(line, len, "retry-after", &v)) {
        iv = header_int(v);
        *retry_after = iv < 0 ? -1 : iv > XAPI_WAIT_CAP_S ? XAPI_WAIT_CAP_S : (long)iv;
    }
}

/* "title: detail" of an RFC 7807 problem body, shortened, for messages. */
void xapi_problem(const char *body, size_t len, const char *secret, char *out, size_t n)
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
