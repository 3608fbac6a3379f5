/* etl/import.c — see import.h; the formats and what goes where: docs/import.md. */
#include "etl/import.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sbuf.h"
#include "common/xtime.h"
#include "etl/accounts.h"
#include "etl/csv_in.h"
#include "etl/db.h"

/* ---- columns ---- */

enum col {
    C_ID, C_PERMALINK, C_TEXT, C_TIME,
    C_IMPRESSIONS, C_ENGAGEMENTS, C_ENG_RATE, C_RETWEETS, C_REPLIES, C_LIKES, C_QUOTES,
    C_BOOKMARKS, C_SHARES, C_PROFILE_CLICKS, C_URL_CLICKS, C_HASHTAG_CLICKS, C_DETAIL_EXPANDS,
    C_PERMALINK_CLICKS, C_APP_OPENS, C_APP_INSTALLS, C_FOLLOWS, C_UNFOLLOWS, C_EMAIL_TWEET,
    C_DIAL_PHONE, C_MEDIA_VIEWS, C_MEDIA_ENGAGEMENTS, C_VIDEO_VIEWS, C_CREATE_POST,
    C_PROMO_IMPRESSIONS,
    C_N
};

enum kind { K_ID, K_TEXT, K_TIME, K_COUNT, K_RATE };

/* key: the name used in metadata JSON. */
static const struct { const char *key; enum kind kind; } colinfo[C_N] = {
    [C_ID] = { "post_id", K_ID },
    [C_PERMALINK] = { "permalink", K_TEXT },
    [C_TEXT] = { "text", K_TEXT },
    [C_TIME] = { "time", K_TIME },
    [C_IMPRESSIONS] = { "impressions", K_COUNT },
    [C_ENGAGEMENTS] = { "engagements", K_COUNT },
    [C_ENG_RATE] = { "engagement_rate", K_RATE },
    [C_RETWEETS] = { "retweets", K_COUNT },
    [C_REPLIES] = { "replies", K_COUNT },
    [C_LIKES] = { "likes", K_COUNT },
    [C_QUOTES] = { "quotes", K_COUNT },
    [C_BOOKMARKS] = { "bookmarks", K_COUNT },
    [C_SHARES] = { "shares", K_COUNT },
    [C_PROFILE_CLICKS] = { "user_profile_clicks", K_COUNT },
    [C_URL_CLICKS] = { "url_clicks", K_COUNT },
    [C_HASHTAG_CLICKS] = { "hashtag_clicks", K_COUNT },
    [C_DETAIL_EXPANDS] = { "detail_expands", K_COUNT },
    [C_PERMALINK_CLICKS] = { "permalink_clicks", K_COUNT },
    [C_APP_OPENS] = { "app_opens", K_COUNT },
    [C_APP_INSTALLS] = { "app_installs", K_COUNT },
    [C_FOLLOWS] = { "follows", K_COUNT },
    [C_UNFOLLOWS] = { "unfollows", K_COUNT },
    [C_EMAIL_TWEET] = { "email_tweet", K_COUNT },
    [C_DIAL_PHONE] = { "dial_phone", K_COUNT },
    [C_MEDIA_VIEWS] = { "media_views", K_COUNT },
    [C_MEDIA_ENGAGEMENTS] = { "media_engagements", K_COUNT },
    [C_VIDEO_VIEWS] = { "video_views", K_COUNT },
    [C_CREATE_POST] = { "create_post", K_COUNT },
    [C_PROMO_IMPRESSIONS] = { "impressions_promoted", K_COUNT },
};

/* Header names (normalised: lowercase, '_' as space, single spaces). */
static const struct { const char *name; enum col col; } aliases[] = {
    { "tweet id", C_ID }, { "post id", C_ID }, { "tweetid", C_ID }, { "postid", C_ID },
    { "tweet permalink", C_PERMALINK }, { "post link", C_PERMALINK }, { "permalink", C_PERMALINK },
    { "tweet link", C_PERMALINK }, { "link", C_PERMALINK },
    { "tweet text", C_TEXT }, { "post text", C_TEXT }, { "text", C_TEXT },
    { "time", C_TIME }, { "date", C_TIME }, { "created at", C_TIME }, { "post date", C_TIME },
    { "posted at", C_TIME }, { "post time", C_TIME },
    { "impressions", C_IMPRESSIONS },
    { "engagements", C_ENGAGEMENTS },
    { "engagement rate", C_ENG_RATE },
    { "retweets", C_RETWEETS }, { "reposts", C_RETWEETS },
    { "replies", C_REPLIES },
    { "likes", C_LIKES },
    { "quotes", C_QUOTES }, { "quote tweets", C_QUOTES },
    { "bookmarks", C_BOOKMARKS },
    { "shares", C_SHARES },
    { "user profile clicks", C_PROFILE_CLICKS }, { "profile visits", C_PROFILE_CLICKS },
    { "profile clicks", C_PROFILE_CLICKS },
    { "url clicks", C_URL_CLICKS },
    { "hashtag clicks", C_HASHTAG_CLICKS },
    { "detail expands", C_DETAIL_EXPANDS },
    { "permalink clicks", C_PERMALINK_CLICKS },
    { "app opens", C_APP_OPENS },
    { "app installs", C_APP_INSTALLS },
    { "follows", C_FOLLOWS }, { "new follows", C_FOLLOWS },
    { "unfollows", C_UNFOLLOWS },
    { "email tweet", C_EMAIL_TWEET },
    { "dial phone", C_DIAL_PHONE },
    { "media views", C_MEDIA_VIEWS },
    { "media engagements", C_MEDIA_ENGAGEMENTS },
    { "video views", C_VIDEO_VIEWS },
    { "create post", C_CREATE_POST },
    { "promoted impressions", C_PROMO_IMPRESSIONS },
};

struct colmap {
    int ncols;
    int idx[C_N];    /* field index of each known column, -1 when absent */
    int *known;      /* per field: its enum col, or -1 (kept in metadata by name) */
    char **names;    /* per field: the header as written */
};

static void normalise(const char *in, char *out, size_t n)
{
    size_t o = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < n; p++) {
        unsigned char c = *p;
        if (c == '_' || isspace(c)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < n)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
}

static void colmap_release(struct colmap *m)
{
    if (m->names)
        for (int i = 0; i < m->ncols; i++)
            free(m->names[i]);
    free(m->names);
    free(m->known);
    memset(m, 0, sizeof *m);
}

static void colmap_build(struct colmap *m, char *const *fields, int n)
{
    m->ncols = n;
    m->known = xcalloc((size_t)n, sizeof *m->known);
    m->names = xcalloc((size_t)n, sizeof *m->names);
    for (int c = 0; c < C_N; c++)
        m->idx[c] = -1;
    for (int i = 0; i < n; i++) {
        char norm[128];
        normalise(fields[i], norm, sizeof norm);
        m->names[i] = xstrdup(fields[i]);
        m->known[i] = -1;
        for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++) {
            if (!strcmp(norm, aliases[a].name)) {
                enum col c = aliases[a].col;
                if (m->idx[c] < 0) { /* a repeated column is kept as an unknown one */
                    m->idx[c] = i;
                    m->known[i] = (int)c;
                }
                break;
            }
        }
    }
}

static enum import_format detect_map(const struct colmap *m, char *const *fields)
{
    bool metric = m->idx[C_IMPRESSIONS] >= 0 || m->idx[C_LIKES] >= 0 || m->idx[C_ENGAGEMENTS] >= 0;
    if (m->idx[C_ID] >= 0) {
        if (m->idx[C_TIME] < 0 || !metric)
            return IMPORT_UNKNOWN;
        char norm[128];
        normalise(fields[m->idx[C_ID]], norm, sizeof norm);
        return !strcmp(norm, "tweet id") || !strcmp(norm, "tweetid") ? IMPORT_TWEET_ACTIVITY : IMPORT_CONTENT;
    }
    if (m->idx[C_TIME] >= 0 &&
        (m->idx[C_FOLLOWS] >= 0 || m->idx[C_UNFOLLOWS] >= 0 || metric))
        return IMPORT_OVERVIEW;
    return IMPORT_UNKNOWN;
}

enum import_format import_detect(char *const *fields, int n)
{
    struct colmap m = { 0 };
    colmap_build(&m, fields, n);
    enum import_format f = detect_map(&m, fields);
    colmap_release(&m);
    return f;
}

const char *import_format_name(enum import_format f)
{
    switch (f) {
    case IMPORT_TWEET_ACTIVITY: return "tweet activity";
    case IMPORT_CONTENT: return "content";
    case IMPORT_OVERVIEW: return "account overview";
    default: return "unknown";
    }
}

/* ---- values ---- */

static const char *trim(const char *s, size_t *len)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

static bool no_value(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '-') || (n == 3 && !memcmp(s, "\xe2\x80\x94", 3)); /* em dash */
}

const char *import_parse_count(const char *in, long *out, bool *present)
{
    size_t n;
    const char *s = trim(in, &n);
    long v = 0;
    size_t i = 0, group = 0;
    bool grouped = false, digits = false;
    char sep = 0;

    *present = false;
    *out = 0;
    if (no_value(s, n))
        return NULL;
    if (s[0] == '-')
        return n > 1 && isdigit((unsigned char)s[1]) ? "negative count" : "not a number";
    if (s[0] == '+')
        i = 1;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c)) {
            if (v > (LONG_MAX - 9) / 10)
                return "number out of range";
            v = v * 10 + (c - '0');
            group++;
            digits = true;
        } else if ((c == ',' || c == ' ' || c == '\'') && digits) {
            /* thousands separator: one kind, groups of exactly three after the first */
            if ((sep && sep != (char)c) || (grouped ? group != 3 : group > 3) || i + 1 >= n)
                return "not a number";
            sep = (char)c;
            grouped = true;
            group = 0;
        } else if (c == '.' && digits) {
            for (i++; i < n; i++)
                if (s[i] != '0')
                    return isdigit((unsigned char)s[i]) ? "not a whole number" : "not a number";
            break;
        } else {
            return "not a number";
        }
    }
    if (!digits || (grouped && group != 3))
        return "not a number";
    if (v > INT_MAX)
        return "number out of range";
    *out = v;
    *present = true;
    return NULL;
}

const char *import_parse_rate(const char *in, double *out, bool *present)
{
    size_t n;
    const char *s = trim(in, &n);
    char buf[64];
    bool pct = false;

    *present = false;
    *out = 0;
    if (no_value(s, n))
        return NULL;
    if (n > 0 && s[n - 1] == '%') {
        pct = true;
        n--;
        while (n > 0 && s[n - 1] == ' ')
            n--;
    }
    if (n == 0 || n >= sizeof buf)
        return "not a rate";
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)buf[i]) && buf[i] != '.' && buf[i] != '-' && buf[i] != '+' &&
            buf[i] != 'e' && buf[i] != 'E')
            return "not a rate";
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (*end || errno || !isfinite(v))
        return "not a rate";
    if (v < 0)
        return "negative rate";
    *out = pct ? v / 100.0 : v;
    *present = true;
    return NULL;
}

static int month_of(const char *s)
{
    static const char *const mon[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec" };
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(s, mon[i], 3))
            return i + 1;
    return 0;
}

/* "Sat, Nov 23, 2024" or "Nov 23, 2024" -> "2024-11-23" for xtime_parse. */
static bool english_date(const char *s, char *out, size_t n)
{
    const char *p = s;
    if (isalpha((unsigned char)p[0]) && p[1] && p[2] && p[3] == ',') /* weekday */
        for (p += 4; *p == ' '; p++)
            ;
    int mo = month_of(p);
    if (!mo)
        return false;
    while (isalpha((unsigned char)*p) || *p == '.')
        p++;
    while (*p == ' ')
        p++;
    char *end;
    long d = strtol(p, &end, 10);
    if (end == p || *end != ',' || d < 1 || d > 31)
        return false;
    for (p = end + 1; *p == ' '; p++)
        ;
    long y = strtol(p, &end, 10);
    if (end - p != 4)
        return false;
    while (*end == ' ')
        end++;
    if (*end)
        return false;
    snprintf(out, n, "%04ld-%02d-%02ld", y, mo, d);
    return true;
}

const char *import_parse_time(const char *in, int64_t *out, bool *date_only)
{
    size_t n;
    const char *s = trim(in, &n);
    char buf[64], alt[16];
    bool d = false;

    if (date_only)
        *date_only = false;
    if (no_value(s, n))
        return "missing time";
    if (n >= sizeof buf)
        return "not a time";
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (xtime_parse(buf, out, &d) == 0) {
        if (date_only)
            *date_only = d;
        return NULL;
    }
    if (english_date(buf, alt, sizeof alt) && xtime_parse(alt, out, &d) == 0) {
        if (date_only)
            *date_only = true;
        return NULL;
    }
    /* Tell an impossible calendar date (2019-02-30) from text that is no date at all. */
    if (n >= 10 && isdigit((unsigned char)buf[0]) && buf[4] == '-' && buf[7] == '-')
        return "impossible date or time";
    return "not a time";
}

bool import_valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

bool import_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c == 0)
                return false;
            i++;
            continue;
        }
        int extra;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) extra = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) extra = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) extra = 3, cp = c & 0x07;
        else return false;
        for (int k = 1; k <= extra; k++) {
            if (i + (size_t)k >= len || (s[i + (size_t)k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + (size_t)k] & 0x3F);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += (size_t)extra + 1;
    }
    return true;
}

/* Raw text for the rejects table: invalid UTF-8 bytes become '?', so the row always stores. */
static void add_sanitised(struct sbuf *sb, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + k <= len && import_utf8_valid(s + i, k)) {
            sbuf_add(sb, s + i, k);
            i += k;
        } else {
            sbuf_addc(sb, '?');
            i++;
        }
    }
}

/* Length of a date at p: 8 for YYYYMMDD, 10 for YYYY-MM-DD, else 0; the ISO text in iso. */
static int date_at(const char *p, char iso[11])
{
    if (strspn(p, "0123456789") == 8) {
        snprintf(iso, 11, "%.4s-%.2s-%.2s", p, p + 4, p + 6);
        return 8;
    }
    if (strspn(p, "0123456789") == 4 && p[4] == '-' && strspn(p + 5, "0123456789") == 2 && p[7] == '-' &&
        strspn(p + 8, "0123456789") == 2 && !isdigit((unsigned char)p[10])) {
        memcpy(iso, p, 10);
        iso[10] = '\0';
        return 10;
    }
    return 0;
}

bool import_name_range_end(const char *path, int64_t *end)
{
    const char *base = strrchr(path, '/');
    bool found = false;

    base = base ? base + 1 : path;
    /* FROM_TO with each a date; the last such pair in the name wins. */
    for (const char *p = base; *p; p++) {
        char d1[11], d2[11];
        int64_t t1, t2;
        bool d;
        if (p > base && isdigit((unsigned char)p[-1]))
            continue;
        int l1 = date_at(p, d1);
        if (!l1 || p[l1] != '_')
            continue;
        if (!date_at(p + l1 + 1, d2))
            continue;
        if (xtime_parse(d1, &t1, &d) == 0 && xtime_parse(d2, &t2, &d) == 0 && t2 >= t1) {
            *end = t2 + XTIME_DAY;
            found = true;
        }
    }
    return found;
}

/* ---- loading ---- */

#define STAGE_COLS                                                                               \
    "line, raw, tweet_id, posted_at, text, permalink, impressions, engagements, engagement_rate,"  \
    " retweets, replies, likes, quotes, bookmarks, profile_clicks, url_clicks, hashtag_clicks,"  \
    " detail_expands, media_views, media_engagements, follows, impressions_promoted, extra"

/* The per-post staging columns after (line, raw, tweet_id, posted_at, text, permalink). */
static const enum col stage_counts[] = {
    C_IMPRESSIONS, C_ENGAGEMENTS, C_ENG_RATE, C_RETWEETS, C_REPLIES, C_LIKES, C_QUOTES,
    C_BOOKMARKS, C_PROFILE_CLICKS, C_URL_CLICKS, C_HASHTAG_CLICKS, C_DETAIL_EXPANDS,
    C_MEDIA_VIEWS, C_MEDIA_ENGAGEMENTS, C_FOLLOWS, C_PROMO_IMPRESSIONS,
};

/* Columns that performance_snapshots holds itself; every other value goes to its metadata. */
static bool snapshot_column(enum col c)
{
    switch (c) {
    case C_ID: case C_TIME: case C_TEXT: case C_IMPRESSIONS: case C_RETWEETS: case C_REPLIES:
    case C_LIKES: case C_QUOTES: case C_BOOKMARKS: case C_PROFILE_CLICKS: case C_URL_CLICKS:
    case C_DETAIL_EXPANDS:
        return true; /* the export's engagement rate counts clicks too: kept in metadata */
    default:
        return false;
    }
}

struct row {
    bool have[C_N];
    long num[C_N];
    double rate;
    int64_t t;
    bool date_only;
};

struct loader {
    struct db *db;
    const struct account *acct;
    const struct import_opts *o;
    struct import_result *res;
    struct colmap map;
    struct sbuf batch;     /* COPY text of staged rows */
    struct sbuf rejbatch;  /* COPY text of rejects */
    struct sbuf json;
    struct csv_in *in;
    int batch_n, rej_n;
    long staged;
    int64_t max_t;
    bool any_t;
};

static void add_copy_field(struct sbuf *sb, const char *s, bool first)
{
    if (!first)
        sbuf_addc(sb, '\t');
    if (!s)
        sbuf_add(sb, "\\N", 2);
    else
        sbuf_add_copy_text(sb, s);
}

static void add_copy_long(struct sbuf *sb, bool have, long v)
{
    if (have)
        sbuf_addf(sb, "\t%ld", v);
    else
        sbuf_add(sb, "\t\\N", 3);
}

static void reject(struct loader *L, const struct csv_record *rec, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reject(struct loader *L, const struct csv_record *rec, const char *fmt, ...)
{
    char reason[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    utf8_scrub(reason); /* "%.40s" may have cut a character in half */

    struct sbuf raw = SBUF_INIT;
    sbuf_init(&raw);
    add_sanitised(&raw, rec->raw, rec->raw_len);
    sbuf_addf(&L->rejbatch, "%ld\t", rec->line);
    sbuf_add_copy_text(&L->rejbatch, raw.buf);
    sbuf_addc(&L->rejbatch, '\t');
    sbuf_add_copy_text(&L->rejbatch, reason);
    sbuf_addc(&L->rejbatch, '\n');
    sbuf_release(&raw);
    L->rej_n++;
    L->res->rejects++;
}

static int flush(struct loader *L, struct xerr *err)
{
    int rc = 0;
    if (L->batch_n) {
        const char *copy = L->res->format == IMPORT_OVERVIEW
                               ? "COPY import_days (line, raw, day, new_follows, unfollows, metrics) FROM STDIN"
                               : "COPY import_stage (" STAGE_COLS ") FROM STDIN";
        if ((rc = db_copy_begin(L->db, copy, err)) ||
            (rc = db_copy_put(L->db, L->batch.buf, L->batch.len, err)) ||
            (rc = db_copy_end(L->db, NULL, NULL, err)))
            return rc;
        sbuf_reset(&L->batch);
        L->batch_n = 0;
    }
    if (L->rej_n) {
        if ((rc = db_copy_begin(L->db, "COPY import_rej (line, raw, reason) FROM STDIN", err)) ||
            (rc = db_copy_put(L->db, L->rejbatch.buf, L->rejbatch.len, err)) ||
            (rc = db_copy_end(L->db, NULL, NULL, err)))
            return rc;
        sbuf_reset(&L->rejbatch);
        L->rej_n = 0;
    }
    return 0;
}

/* Metadata of a row: every value not stored in a column of its own, unknown columns by name. */
static void build_json(struct loader *L, const struct csv_record *rec, const struct row *r, bool overview)
{
    struct sbuf *j = &L->json;
    bool first = true;
    sbuf_reset(j);
    sbuf_addc(j, '{');
    for (int i = 0; i < L->map.ncols && i < rec->nfields; i++) {
        int c = L->map.known[i];
        size_t n;
        const char *v = trim(rec->fields[i], &n);
        if (c >= 0) {
            if (!overview && snapshot_column((enum col)c))
                continue;
            if (overview && c == C_TIME)
                continue;
            if (colinfo[c].kind == K_COUNT) {
                if (!r->have[c])
                    continue;
                sbuf_addf(j, "%s\"%s\":%ld", first ? "" : ",", colinfo[c].key, r->num[c]);
            } else if (colinfo[c].kind == K_RATE) {
                char buf[40];
                if (!r->have[c] || !db_fmt_double(buf, sizeof buf, r->rate))
                    continue;
                sbuf_addf(j, "%s\"%s\":%s", first ? "" : ",", colinfo[c].key, buf);
            } else {
                if (no_value(v, n))
                    continue;
                sbuf_addf(j, "%s\"%s\":", first ? "" : ",", colinfo[c].key);
                sbuf_add_json_str(j, rec->fields[i]);
            }
        } else {
            if (no_value(v, n) || !L->map.names[i][0])
                continue;
            if (!first)
                sbuf_addc(j, ',');
            sbuf_add_json_str(j, L->map.names[i]);
            sbuf_addc(j, ':');
            sbuf_add_json_str(j, rec->fields[i]);
        }
        first = false;
    }
    sbuf_addc(j, '}');
}

/*
 * Why a data record cannot load, written to why, or false when it can; fills *rp.
 * Changes nothing in L, so it can also ask whether a line would load on its own.
 */
static bool bad_record(const struct loader *L, const struct csv_record *rec, struct row *rp, char *why, size_t wn)
{
    const struct colmap *m = &L->map;
    struct row r;
    const char *bad;

    memset(&r, 0, sizeof r);
    if (rec->error) {
        if (rec->error_field > 0 && rec->error_field <= m->ncols)
            snprintf(why, wn, "%s (column '%s')", rec->error, m->names[rec->error_field - 1]);
        else
            snprintf(why, wn, "%s", rec->error);
        return true;
    }
    if (rec->nfields < m->ncols) {
        if (rec->no_newline)
            snprintf(why, wn, "truncated last line (%d of %d fields)", rec->nfields, m->ncols);
        else
            snprintf(why, wn, "wrong number of fields: %d, the header has %d", rec->nfields, m->ncols);
        return true;
    }
    for (int i = m->ncols; i < rec->nfields; i++) {
        size_t n;
        trim(rec->fields[i], &n);
        if (n) {
            snprintf(why, wn, "wrong number of fields: %d, the header has %d", rec->nfields, m->ncols);
            return true;
        }
    }
    for (int i = 0; i < m->ncols; i++) {
        if (!import_utf8_valid(rec->fields[i], strlen(rec->fields[i]))) {
            snprintf(why, wn, "column '%s' is not valid UTF-8 text", m->names[i]);
            return true;
        }
    }
    for (int i = 0; i < m->ncols; i++) {
        int c = m->known[i];
        const char *v = rec->fields[i];
        if (c < 0)
            continue;
        switch (colinfo[c].kind) {
        case K_COUNT:
            if ((bad = import_parse_count(v, &r.num[c], &r.have[c]))) {
                snprintf(why, wn, "%s in column '%s': '%.40s'", bad, m->names[i], v);
                return true;
            }
            break;
        case K_RATE:
            if ((bad = import_parse_rate(v, &r.rate, &r.have[c]))) {
                snprintf(why, wn, "%s in column '%s': '%.40s'", bad, m->names[i], v);
                return true;
            }
            break;
        case K_TIME:
            if ((bad = import_parse_time(v, &r.t, &r.date_only))) {
                snprintf(why, wn, "%s in column '%s': '%.40s'", bad, m->names[i], v);
                return true;
            }
            r.have[c] = true;
            break;
        case K_ID: {
            size_t n;
            const char *s = trim(v, &n);
            if (n == 0 || n > 20 || strspn(s, "0123456789") != n) {
                snprintf(why, wn, "post id is not 1 to 20 digits: '%.40s'", v);
                return true;
            }
            break;
        }
        default:
            break;
        }
    }
    if (L->o->as_of_given && r.t > L->o->as_of && L->res->format != IMPORT_OVERVIEW) {
        char a[32], b[32];
        xtime_format(r.t, a, sizeof a);
        xtime_format(L->o->as_of, b, sizeof b);
        snprintf(why, wn, "posted at %s, after the as-of %s", a, b);
        return true;
    }
    *rp = r;
    return false;
}

/*
 * A record over several lines whose later line is a row that would load on its own
 * has swallowed it: two stray quotes that pair up read as one quoted field.
 */
static bool swallowed_row(struct loader *L, const struct csv_record *rec, char *why, size_t wn)
{
    const char *p = rec->raw, *end = rec->raw + rec->raw_len;
    long line = rec->line;
    p += strcspn(p, "\r\n");
    while (p < end) {
        p += *p == '\r' && p + 1 < end && p[1] == '\n' ? 2 : 1;
        line++;
        size_t len = strcspn(p, "\r\n");
        struct csv_record alone = { 0 };
        struct row r;
        char ignore[8];
        alone.line = line;
        alone.nfields = csv_in_line_fields(L->in, p, len, &alone.fields);
        if (alone.nfields >= L->map.ncols && !bad_record(L, &alone, &r, ignore, sizeof ignore)) {
            snprintf(why, wn, "unbalanced quote: line %ld, inside this record's quoted field, is a row of its own",
                     line);
            return true;
        }
        p += len;
    }
    return false;
}

/* Validates one data record; stages it or rejects it. */
static void take_record(struct loader *L, const struct csv_record *rec)
{
    const struct colmap *m = &L->map;
    struct row r;
    char why[300];

    if (rec->last_line > rec->line && !rec->error && swallowed_row(L, rec, why, sizeof why)) {
        csv_in_split_record(L->in, why); /* rec is now its first line; the rest is read again */
        reject(L, rec, "%s", rec->error);
        return;
    }
    if (bad_record(L, rec, &r, why, sizeof why)) {
        reject(L, rec, "%s", why);
        return;
    }
    if (!L->any_t || r.t > L->max_t)
        L->max_t = r.t;
    L->any_t = true;

    struct sbuf *b = &L->batch;
    char ts[32];
    sbuf_addf(b, "%ld\t", rec->line);
    {
        struct sbuf raw;
        sbuf_init(&raw);
        add_sanitised(&raw, rec->raw, rec->raw_len);
        sbuf_add_copy_text(b, raw.buf);
        sbuf_release(&raw);
    }
    if (L->res->format == IMPORT_OVERVIEW) {
        xtime_format_date(r.t, ts, sizeof ts);
        sbuf_addf(b, "\t%s", ts);
        add_copy_long(b, r.have[C_FOLLOWS], r.num[C_FOLLOWS]);
        add_copy_long(b, r.have[C_UNFOLLOWS], r.num[C_UNFOLLOWS]);
        build_json(L, rec, &r, true);
        sbuf_addc(b, '\t');
        sbuf_add_copy_text(b, L->json.buf);
    } else {
        size_t n;
        const char *id = trim(rec->fields[m->idx[C_ID]], &n);
        char idbuf[24];
        memcpy(idbuf, id, n);
        idbuf[n] = '\0';
        xtime_format(r.t, ts, sizeof ts);
        sbuf_addf(b, "\t%s\t%s", idbuf, ts);
        add_copy_field(b, m->idx[C_TEXT] >= 0 ? rec->fields[m->idx[C_TEXT]] : NULL, false);
        add_copy_field(b, m->idx[C_PERMALINK] >= 0 && rec->fields[m->idx[C_PERMALINK]][0]
                              ? rec->fields[m->idx[C_PERMALINK]] : NULL, false);
        for (size_t k = 0; k < sizeof stage_counts / sizeof stage_counts[0]; k++) {
            enum col c = stage_counts[k];
            if (c == C_ENG_RATE) {
                char buf[40];
                const char *f = r.have[c] ? db_fmt_double(buf, sizeof buf, r.rate) : NULL;
                add_copy_field(b, f, false);
            } else {
                add_copy_long(b, r.have[c], r.num[c]);
            }
        }
        build_json(L, rec, &r, false);
        sbuf_addc(b, '\t');
        sbuf_add_copy_text(b, L->json.buf);
    }
    sbuf_addc(b, '\n');
    L->batch_n++;
    L->staged++;
}

static int cmd(struct loader *L, const char *sql, int n, const char *const *p, long *affected, struct xerr *err)
{
    return db_cmd(L->db, sql, n, p, affected, err);
}

static int count_of(struct db *db, const char *sql, long *out, struct xerr *err)
{
    PGresult *res = db_exec(db, sql, 0, NULL, err);
    if (!res)
        return err->code;
    *out = db_long(res, 0, 0, 0);
    PQclear(res);
    return 0;
}

/* Rows the database must refuse: repeated keys in the file, posts of another account. */
static int sql_rejects(struct loader *L, struct xerr *err)
{
    char acct[24];
    const char *p[] = { db_fmt_long(acct, sizeof acct, (long)L->acct->id) };
    int rc;

    if (L->res->format == IMPORT_OVERVIEW)
        return cmd(L,
                   "WITH k AS (SELECT day, max(line) AS keep FROM import_days GROUP BY day HAVING count(*) > 1),"
                   " d AS (DELETE FROM import_days s USING k WHERE s.day = k.day AND s.line < k.keep"
                   "       RETURNING s.line, s.raw, s.day, k.keep)"
                   " INSERT INTO import_rej (line, raw, reason)"
                   " SELECT line, raw, 'duplicate day ' || day || ': the row at line ' || keep || ' is loaded instead'"
                   " FROM d",
                   0, NULL, NULL, err);
    if ((rc = cmd(L,
                  "WITH k AS (SELECT tweet_id, max(line) AS keep FROM import_stage GROUP BY tweet_id"
                  "           HAVING count(*) > 1),"
                  " d AS (DELETE FROM import_stage s USING k WHERE s.tweet_id = k.tweet_id AND s.line < k.keep"
                  "       RETURNING s.line, s.raw, s.tweet_id, k.keep)"
                  " INSERT INTO import_rej (line, raw, reason)"
                  " SELECT line, raw, 'duplicate post id ' || tweet_id || ': the row at line ' || keep"
                  "        || ' is loaded instead' FROM d",
                  0, NULL, NULL, err)))
        return rc;
    return cmd(L,
               "WITH d AS (DELETE FROM import_stage s USING xetl.posts p, xetl.accounts a"
               "           WHERE p.tweet_id = s.tweet_id AND p.account_id <> $1::bigint"
               "             AND a.account_id = p.account_id"
               "           RETURNING s.line, s.raw, a.handle)"
               " INSERT INTO import_rej (line, raw, reason)"
               " SELECT line, raw, 'post belongs to another account ''' || handle || '''' FROM d",
               1, p, NULL, err);
}

/*
 * The decision id: the post's known one, else the bot's record of it, else the
 * derived one.  Only the found ones are stored (import_dec, usually few rows);
 * the view import_rows derives the rest, so the staged rows are never rewritten.
 */
static int resolve_decisions(struct loader *L, struct xerr *err)
{
    bool has_col = false, has_pd = false;
    int rc;

    if ((rc = cmd(L,
                  "INSERT INTO import_dec (tweet_id, decision_id, bot)"
                  " SELECT p.tweet_id, p.decision_id, p.origin = 'bot'"
                  " FROM xetl.posts p JOIN import_stage s ON s.tweet_id = p.tweet_id",
                  0, NULL, NULL, err)))
        return rc;
    if (L->acct->bot_content) {
        bool has_dec = false;
        if ((rc = db_column_exists(L->db, "content_metadata", "tweet_id", &has_col, err)) ||
            (rc = db_column_exists(L->db, "content_metadata", "decision_id", &has_dec, err)) ||
            (rc = db_table_exists(L->db, "posted_decisions", &has_pd, err)))
            return rc;
        if (has_col && has_dec &&
            (rc = cmd(L,
                      "INSERT INTO import_dec (tweet_id, decision_id, bot)"
                      " SELECT DISTINCT ON (s.tweet_id) s.tweet_id, cm.decision_id::text::uuid, true"
                      " FROM import_stage s JOIN content_metadata cm ON cm.tweet_id = s.tweet_id"
                      " WHERE NOT EXISTS (SELECT 1 FROM import_dec d WHERE d.tweet_id = s.tweet_id)"
                      " ORDER BY s.tweet_id, cm.decision_id::text",
                      0, NULL, NULL, err)))
            return rc;
        if (has_pd &&
            (rc = cmd(L,
                      "INSERT INTO import_dec (tweet_id, decision_id, bot)"
                      " SELECT DISTINCT ON (s.tweet_id) s.tweet_id, pd.decision_id::text::uuid, true"
                      " FROM import_stage s JOIN posted_decisions pd ON pd.tweet_id = s.tweet_id"
                      " WHERE NOT EXISTS (SELECT 1 FROM import_dec d WHERE d.tweet_id = s.tweet_id)"
                      "   AND pd.decision_id::text ~*"
                      "       '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'"
                      " ORDER BY s.tweet_id, pd.decision_id::text",
                      0, NULL, NULL, err)))
            return rc;
    }
    return 0;
}

/* tweet_analytics_comprehensive columns import writes: the API's counters follow
 * last_scraped_at ('r'), the export-only ones the as-of of the last import ('i'). */
static const struct { const char *col, *src; char rule; } tac_cols[] = {
    { "likes", "likes", 'r' }, { "retweets", "retweets", 'r' }, { "replies", "replies", 'r' },
    { "quotes", "quotes", 'r' }, { "bookmarks", "bookmarks", 'r' }, { "impressions", "impressions", 'r' },
    { "media_views", "media_views", 'i' }, { "media_engagements", "media_engagements", 'i' },
    { "url_clicks", "url_clicks", 'i' }, { "hashtag_clicks", "hashtag_clicks", 'i' },
    { "detail_expands", "detail_expands", 'i' }, { "user_profile_clicks", "profile_clicks", 'i' },
    { "impressions_promoted", "impressions_promoted", 'i' },
};

/* One upsert; the same merged expressions in SET and in the "anything changed" test. */
static void tac_sql(struct sbuf *q)
{
    static const char fr[] = "(t.last_scraped_at IS NULL OR t.last_scraped_at <= excluded.last_scraped_at)";
    static const char fi[] = "(t.analytics_metadata->'import'->>'as_of' IS NULL"
                             " OR xetl.json_ts(t.analytics_metadata->'import'->>'as_of') <= excluded.last_scraped_at)";
    const size_t n = sizeof tac_cols / sizeof tac_cols[0];
    struct sbuf merged[2];

    sbuf_adds(q, "INSERT INTO tweet_analytics_comprehensive AS t (account_id, decision_id, tweet_id, posted_at,"
                 " last_scraped_at, analytics_metadata");
    for (size_t i = 0; i < n; i++)
        sbuf_addf(q, ", %s", tac_cols[i].col);
    sbuf_adds(q, ") SELECT $1::bigint, s.decision_id, s.tweet_id, s.posted_at, $2::timestamptz,"
                 " jsonb_build_object('import', jsonb_build_object('as_of', $2::timestamptz, 'file', $3::text,"
                 " 'format', $4::text, 'columns', s.extra))");
    for (size_t i = 0; i < n; i++)
        sbuf_addf(q, ", s.%s", tac_cols[i].src);
    sbuf_adds(q, " FROM import_rows s ON CONFLICT (account_id, tweet_id) DO UPDATE SET ");
    /* merged[0]: the new values; merged[1]: the same list of current values */
    sbuf_init(&merged[0]);
    sbuf_init(&merged[1]);
    sbuf_adds(&merged[0], "coalesce(t.posted_at, excluded.posted_at)");
    sbuf_adds(&merged[1], "t.posted_at");
    for (size_t i = 0; i < n; i++) {
        const char *c = tac_cols[i].col;
        sbuf_addf(&merged[0], ", CASE WHEN %s THEN coalesce(excluded.%s, t.%s) ELSE t.%s END",
                  tac_cols[i].rule == 'r' ? fr : fi, c, c, c);
        sbuf_addf(&merged[1], ", t.%s", c);
    }
    sbuf_addf(&merged[0], ", CASE WHEN %s THEN coalesce(t.analytics_metadata::jsonb, '{}'::jsonb)"
                          " || excluded.analytics_metadata"
                          " ELSE t.analytics_metadata::jsonb END", fi);
    sbuf_adds(&merged[1], ", t.analytics_metadata::jsonb");
    sbuf_adds(&merged[0], ", greatest(t.last_scraped_at, excluded.last_scraped_at)");
    sbuf_adds(&merged[1], ", t.last_scraped_at");
    sbuf_adds(q, "(posted_at");
    for (size_t i = 0; i < n; i++)
        sbuf_addf(q, ", %s", tac_cols[i].col);
    sbuf_adds(q, ", analytics_metadata, last_scraped_at) = ROW(");
    sbuf_add(q, merged[0].buf, merged[0].len);
    sbuf_adds(q, "), updated_at = excluded.updated_at WHERE (");
    sbuf_add(q, merged[1].buf, merged[1].len);
    sbuf_adds(q, ") IS DISTINCT FROM (");
    sbuf_add(q, merged[0].buf, merged[0].len);
    sbuf_adds(q, ") RETURNING 1");
    sbuf_release(&merged[0]);
    sbuf_release(&merged[1]);
}

static int write_posts(struct loader *L, const char *const *p4, struct xerr *err)
{
    PGresult *res;
    int rc;

    if ((rc = sql_rejects(L, err)) || (rc = resolve_decisions(L, err)))
        return rc;

    /* $1 account, $2 as-of, $3 file, $4 format */
    res = db_exec(L->db,
                  "WITH ins AS ("
                  " INSERT INTO xetl.posts AS p (tweet_id, account_id, decision_id, kind, posted_at, text,"
                  "                             origin, first_seen_at)"
                  " SELECT tweet_id, $1::bigint, decision_id, 'post', posted_at, text,"
                  "        CASE WHEN bot THEN 'bot' ELSE 'import' END, $2::timestamptz FROM import_rows"
                  " ON CONFLICT (account_id, tweet_id) DO UPDATE"
                  "   SET posted_at = coalesce(p.posted_at, excluded.posted_at),"
                  "       text = coalesce(p.text, excluded.text), updated_at = excluded.updated_at"
                  "   WHERE (p.posted_at IS NULL AND excluded.posted_at IS NOT NULL)"
                  "      OR (p.text IS NULL AND excluded.text IS NOT NULL)"
                  " RETURNING (xmax = 0) AS created)"
                  " SELECT count(*) FILTER (WHERE created) FROM ins",
                  2, p4, err);
    if (!res)
        return err->code;
    L->res->new_posts = db_long(res, 0, 0, 0);
    PQclear(res);

    res = db_exec(L->db,
                  "WITH ins AS ("
                  " INSERT INTO performance_snapshots AS ps (account_id, decision_id, tweet_id, snapshot_at,"
                  "   source, hours_since_post, likes, retweets, replies, quotes, bookmarks, impressions,"
                  "   profile_clicks, url_clicks, detail_expands, engagement_rate, viral_coefficient,"
                  "   reply_rate, bookmark_rate, snapshot_metadata)"
                  " SELECT $1::bigint, s.decision_id, s.tweet_id, $2::timestamptz, 'import',"
                  "   extract(epoch FROM $2::timestamptz - s.posted_at)::numeric / 3600,"
                  "   s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions,"
                  "   s.profile_clicks, s.url_clicks, s.detail_expands,"
                  "   CASE WHEN s.impressions > 0 AND s.likes IS NOT NULL THEN"
                  "     (s.likes + coalesce(s.retweets, 0) + coalesce(s.replies, 0))::numeric / s.impressions END,"
                  "   CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END,"
                  "   CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END,"
                  "   CASE WHEN s.impressions > 0 THEN s.bookmarks::numeric / s.impressions END,"
                  "   jsonb_build_object('import', jsonb_build_object('file', $3::text, 'format', $4::text,"
                  "                      'line', s.line), 'columns', s.extra)"
                  " FROM import_rows s"
                  " ON CONFLICT (account_id, tweet_id, snapshot_at, source) DO UPDATE SET"
                  "   decision_id = excluded.decision_id,"
                  "   hours_since_post = excluded.hours_since_post, likes = excluded.likes,"
                  "   retweets = excluded.retweets, replies = excluded.replies, quotes = excluded.quotes,"
                  "   bookmarks = excluded.bookmarks, impressions = excluded.impressions,"
                  "   profile_clicks = excluded.profile_clicks, url_clicks = excluded.url_clicks,"
                  "   detail_expands = excluded.detail_expands, engagement_rate = excluded.engagement_rate,"
                  "   viral_coefficient = excluded.viral_coefficient, reply_rate = excluded.reply_rate,"
                  "   bookmark_rate = excluded.bookmark_rate, snapshot_metadata = excluded.snapshot_metadata"
                  " WHERE (ps.account_id, ps.decision_id, ps.hours_since_post, ps.likes, ps.retweets,"
                  "        ps.replies, ps.quotes, ps.bookmarks, ps.impressions, ps.profile_clicks,"
                  "        ps.url_clicks, ps.detail_expands, ps.engagement_rate, ps.viral_coefficient,"
                  "        ps.reply_rate, ps.bookmark_rate, ps.snapshot_metadata::jsonb)"
                  "   IS DISTINCT FROM"
                  "       (excluded.account_id, excluded.decision_id, excluded.hours_since_post,"
                  "        excluded.likes, excluded.retweets, excluded.replies, excluded.quotes,"
                  "        excluded.bookmarks, excluded.impressions, excluded.profile_clicks,"
                  "        excluded.url_clicks, excluded.detail_expands, excluded.engagement_rate,"
                  "        excluded.viral_coefficient, excluded.reply_rate, excluded.bookmark_rate,"
                  "        excluded.snapshot_metadata::jsonb)"
                  " RETURNING 1)"
                  " SELECT count(*) FROM ins",
                  4, p4, err);
    if (!res)
        return err->code;
    L->res->snapshots = db_long(res, 0, 0, 0);
    PQclear(res);

    {
        struct sbuf q;
        sbuf_init(&q);
        tac_sql(&q);
        rc = cmd(L, q.buf, 4, p4, NULL, err);
        sbuf_release(&q);
        if (rc)
            return rc;
    }

    /* Platform-reported follows: the export with the latest as-of wins. */
    return cmd(L,
               "INSERT INTO xetl.platform_follows AS pf (tweet_id, account_id, follows, as_of, source_file)"
               " SELECT tweet_id, $1::bigint, follows, $2::timestamptz, $3::text FROM import_stage"
               " WHERE follows IS NOT NULL"
               " ON CONFLICT (account_id, tweet_id) DO UPDATE SET"
               "   follows = excluded.follows, as_of = excluded.as_of, source_file = excluded.source_file"
               " WHERE pf.as_of <= excluded.as_of AND (pf.account_id, pf.follows, pf.as_of, pf.source_file)"
               "   IS DISTINCT FROM (excluded.account_id, excluded.follows, excluded.as_of, excluded.source_file)"
               " RETURNING 1", /* counts changed rows on Citus too (pull.c) */
               3, p4, NULL, err);
}

static int write_days(struct loader *L, const char *const *p4, struct xerr *err)
{
    int rc;
    if ((rc = sql_rejects(L, err)))
        return rc;
    const char *p[] = { p4[0], p4[2] };
    return cmd(L,
               "INSERT INTO xetl.daily_follows AS df (account_id, day, new_follows, unfollows, source_file,"
               "                                      metrics)"
               " SELECT $1::bigint, day, new_follows, unfollows, $2::text, metrics FROM import_days"
               " ON CONFLICT (account_id, day) DO UPDATE SET"
               "   new_follows = coalesce(excluded.new_follows, df.new_follows),"
               "   unfollows = coalesce(excluded.unfollows, df.unfollows),"
               "   source_file = excluded.source_file, metrics = excluded.metrics"
               " WHERE (df.new_follows, df.unfollows, df.source_file, df.metrics)"
               "   IS DISTINCT FROM (coalesce(excluded.new_follows, df.new_follows),"
               "                     coalesce(excluded.unfollows, df.unfollows),"
               "                     excluded.source_file, excluded.metrics) RETURNING 1",
               2, p, NULL, err);
}

static int create_temp(struct db *db, struct xerr *err)
{
    return db_script(db,
                     "CREATE TEMP TABLE import_stage ("
                     "  line integer, raw text, tweet_id text, posted_at timestamptz, text text,"
                     "  permalink text, impressions integer, engagements integer, engagement_rate numeric,"
                     "  retweets integer, replies integer, likes integer, quotes integer, bookmarks integer,"
                     "  profile_clicks integer, url_clicks integer, hashtag_clicks integer,"
                     "  detail_expands integer, media_views integer, media_engagements integer,"
                     "  follows integer, impressions_promoted integer, extra jsonb) ON COMMIT DROP;"
                     "CREATE TEMP TABLE import_dec (tweet_id text PRIMARY KEY, decision_id uuid NOT NULL,"
                     "  bot boolean NOT NULL) ON COMMIT DROP;"
                     "CREATE TEMP VIEW import_rows AS SELECT s.*,"
                     "  coalesce(d.decision_id, xetl.derived_decision_id(s.tweet_id)) AS decision_id,"
                     "  coalesce(d.bot, false) AS bot"
                     "  FROM import_stage s LEFT JOIN import_dec d ON d.tweet_id = s.tweet_id;"
                     "CREATE TEMP TABLE import_days (line integer, raw text, day date, new_follows integer,"
                     "  unfollows integer, metrics jsonb) ON COMMIT DROP;"
                     "CREATE TEMP TABLE import_rej (line integer, raw text, reason text) ON COMMIT DROP;",
                     err);
}

static void decide_as_of(struct loader *L)
{
    struct import_result *res = L->res;
    int64_t name_end = 0;
    bool named = strcmp(L->o->path, "-") != 0 && import_name_range_end(L->o->path, &name_end);

    if (L->o->as_of_given) {
        res->as_of = L->o->as_of;
        snprintf(res->as_of_source, sizeof res->as_of_source, "--as-of");
    } else if (named && (!L->any_t || name_end > L->max_t)) {
        res->as_of = name_end;
        snprintf(res->as_of_source, sizeof res->as_of_source, "the date range in the file name");
    } else if (L->any_t) {
        /* The export covers whole days: its as-of is the end of the last day it has. */
        res->as_of = xtime_day_start(L->max_t) + XTIME_DAY;
        snprintf(res->as_of_source, sizeof res->as_of_source, "the last day in the file");
    } else {
        res->as_of = 0;
        snprintf(res->as_of_source, sizeof res->as_of_source, "none (no rows)");
    }
}

/* Why a header row cannot be used (out "" when it can). */
static void header_problem(const struct csv_record *rec, char *out, size_t n)
{
    out[0] = '\0';
    if (rec->error)
        snprintf(out, n, "%s", rec->error);
    for (int i = 0; !out[0] && i < rec->nfields; i++)
        if (!import_utf8_valid(rec->fields[i], strlen(rec->fields[i])))
            snprintf(out, n, "column %d's name is not valid UTF-8 text", i + 1);
}

int import_file(struct db *db, const struct account *acct, const struct import_opts *o,
                struct import_result *res, struct xerr *err)
{
    struct loader L;
    struct csv_in *in = NULL;
    const struct csv_record *rec;
    char acct_s[24], run_s[24];
    bool in_tx = false;
    int rc, batch = o->batch_rows > 0 ? o->batch_rows : 5000;
    char header_bad[200] = "";

    memset(res, 0, sizeof *res);
    memset(&L, 0, sizeof L);
    L.db = db, L.acct = acct, L.o = o, L.res = res;
    sbuf_init(&L.batch);
    sbuf_init(&L.rejbatch);
    sbuf_init(&L.json);
    {
        const char *base = strrchr(o->path, '/');
        snprintf(res->source_file, sizeof res->source_file, "%s", base ? base + 1 : o->path);
    }

    if ((rc = csv_in_open(o->path, &in, err)))
        goto out;
    L.in = in;
    if ((rc = csv_in_next(in, &rec, err)))
        goto out;
    if (!rec) {
        rc = xerr_set(err, XETL_EX_DATAERR, "'%s' is empty: not an X analytics export", res->source_file);
        goto out;
    }
    header_problem(rec, header_bad, sizeof header_bad);
    if (header_bad[0]) {
        /* Column names that cannot be read exactly mean no row can be: the file is
         * refused with its header as the one reject, so the refusal is on record. */
        if ((rc = db_begin(db, err)))
            goto out;
        in_tx = true;
        if ((rc = create_temp(db, err)))
            goto out;
        reject(&L, rec, "header: %s; nothing in the file is loaded", header_bad);
        do {
            if ((rc = csv_in_next(in, &rec, err)))
                goto out;
        } while (rec); /* read to the end for the file's SHA-256 */
        goto rejects;
    }
    colmap_build(&L.map, rec->fields, rec->nfields);
    res->format = detect_map(&L.map, rec->fields);
    if (res->format == IMPORT_UNKNOWN) {
        rc = xerr_set(err, XETL_EX_DATAERR,
                      "'%s' is not a known X analytics export (header: '%.80s')", res->source_file, rec->raw);
        goto out;
    }
    log_info("'%s': %s export, %d columns", res->source_file, import_format_name(res->format), L.map.ncols);

    {
        /* Staging lives in temp tables: give them memory before the session first uses one
         * (later files of the same run cannot change it, which is harmless). */
        struct xerr ignore = { 0 };
        db_cmd(db, "SET temp_buffers = '256MB'", 0, NULL, NULL, &ignore);
    }
    if ((rc = db_begin(db, err)))
        goto out;
    in_tx = true;
    if ((rc = create_temp(db, err)))
        goto out;

    /* A million-row export takes minutes: count records on a terminal. */
    struct progress prog;
    progress_begin(&prog, "import: records read", 0);
    for (;;) {
        if ((rc = csv_in_next(in, &rec, err)))
            goto out;
        if (!rec)
            break;
        res->records++;
        progress_step(&prog, 1);
        take_record(&L, rec);
        if (L.batch_n >= batch || L.rej_n >= batch) {
            if ((rc = flush(&L, err)))
                goto out;
        }
    }
    progress_end(&prog);
    if (rc || (rc = flush(&L, err)))
        goto out;
    csv_in_sha256_hex(in, res->sha256);
    decide_as_of(&L);

    {
        char asof_s[40];
        const char *p4[] = { db_fmt_long(acct_s, sizeof acct_s, (long)acct->id),
                             db_fmt_time(asof_s, sizeof asof_s, res->as_of), res->source_file,
                             import_format_name(res->format) };
        if (res->format == IMPORT_OVERVIEW)
            rc = write_days(&L, p4, err);
        else
            rc = write_posts(&L, p4, err);
        if (rc)
            goto out;
    }
    if ((rc = count_of(db,
                       res->format == IMPORT_OVERVIEW ? "SELECT count(*) FROM import_days"
                                                      : "SELECT count(*) FROM import_stage",
                       &res->loaded, err)))
        goto out;
rejects:
    if (header_bad[0]) {
        if ((rc = flush(&L, err)))
            goto out;
        csv_in_sha256_hex(in, res->sha256);
    }
    if ((rc = count_of(db, "SELECT count(*) FROM import_rej", &res->rejects, err)))
        goto out;
    {
        const char *p[] = { db_fmt_long(acct_s, sizeof acct_s, (long)acct->id), o->run_id ? db_fmt_long(run_s, sizeof run_s, (long)o->run_id) : NULL,
                            res->source_file, res->sha256 };
        if ((rc = db_cmd(db,
                         "INSERT INTO xetl.import_rejects (account_id, run_id, file_name, file_sha256, line, raw,"
                         "                                 reason)"
                         " SELECT $1::bigint, $2::bigint, $3, $4, line, raw, reason FROM import_rej"
                         " ON CONFLICT (account_id, file_sha256, line) DO NOTHING",
                         4, p, NULL, err)))
            goto out;
    }
    if (res->rejects) {
        int max = o->max_listed_rejects > 0 ? o->max_listed_rejects : 10;
        char lim[16];
        snprintf(lim, sizeof lim, "%d", max);
        const char *p[] = { lim };
        PGresult *r = db_exec(db, "SELECT line, reason FROM import_rej ORDER BY line LIMIT $1::int", 1, p, err);
        if (!r) {
            rc = err->code;
            goto out;
        }
        res->n_notes = PQntuples(r);
        res->notes = xcalloc((size_t)res->n_notes + 1, sizeof *res->notes);
        for (int i = 0; i < res->n_notes; i++) {
            res->notes[i].line = db_long(r, i, 0, 0);
            snprintf(res->notes[i].reason, sizeof res->notes[i].reason, "%s", PQgetvalue(r, i, 1));
        }
        PQclear(r);
    }
    if ((rc = db_cmd(db, "DROP VIEW import_rows", 0, NULL, NULL, err)) || (rc = db_commit(db, err)))
        goto out;
    in_tx = false;

    if (header_bad[0])
        rc = xerr_set(err, XETL_EX_DATAERR, "'%s' line 1: the header cannot be read (%s): nothing loaded"
                      " (see xetl.import_rejects)", res->source_file, header_bad);
    else if (res->rejects)
        rc = xerr_set(err, XETL_EX_DATAERR, "'%s': %ld of %ld rows rejected (see xetl.import_rejects)",
                      res->source_file, res->rejects, res->records);
out:
    if (in_tx)
        db_rollback(db);
    csv_in_close(in);
    colmap_release(&L.map);
    sbuf_release(&L.batch);
    sbuf_release(&L.rejbatch);
    sbuf_release(&L.json);
    return rc;
}

void import_result_release(struct import_result *res)
{
    free(res->notes);
    res->notes = NULL;
    res->n_notes = 0;
}

int import_check_stream(FILE *f, struct import_result *res, struct xerr *err)
{
    static const struct account none = { 0 };
    static const struct import_opts o = { .path = "-" };
    struct loader L;
    const struct csv_record *rec;
    char bad[200];
    int rc;

    memset(res, 0, sizeof *res);
    memset(&L, 0, sizeof L);
    L.acct = &none, L.o = &o, L.res = res;
    sbuf_init(&L.batch);
    sbuf_init(&L.rejbatch);
    sbuf_init(&L.json);
    L.in = csv_in_from_stream(f);
    if ((rc = csv_in_next(L.in, &rec, err)))
        goto out;
    if (!rec) {
        rc = xerr_set(err, XETL_EX_DATAERR, "empty: not an X analytics export");
        goto out;
    }
    header_problem(rec, bad, sizeof bad);
    if (bad[0]) {
        res->rejects = 1;
        rc = xerr_set(err, XETL_EX_DATAERR, "line 1: the header cannot be read (%s)", bad);
        goto out;
    }
    colmap_build(&L.map, rec->fields, rec->nfields);
    res->format = detect_map(&L.map, rec->fields);
    if (res->format == IMPORT_UNKNOWN) {
        rc = xerr_set(err, XETL_EX_DATAERR, "not a known X analytics export");
        goto out;
    }
    for (;;) {
        if ((rc = csv_in_next(L.in, &rec, err)))
            goto out;
        if (!rec)
            break;
        res->records++;
        take_record(&L, rec);
        sbuf_reset(&L.batch); /* nothing is sent anywhere */
        sbuf_reset(&L.rejbatch);
    }
    res->loaded = L.staged;
    csv_in_sha256_hex(L.in, res->sha256);
    if (res->rejects)
        rc = xerr_set(err, XETL_EX_DATAERR, "%ld of %ld rows rejected", res->rejects, res->records);
out:
    csv_in_close(L.in);
    colmap_release(&L.map);
    sbuf_release(&L.batch);
    sbuf_release(&L.rejbatch);
    sbuf_release(&L.json);
    return rc;
}
