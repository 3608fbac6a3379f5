/* etl/import_rows.c — see import_rows.h. */
#include "etl/import_rows.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/utf8.h"
#include "common/xtime.h"
#include "etl/db.h"
#include "etl/import_parse.h"

/* The per-post staging columns after (line, raw, reason, tweet_id, posted_at, text, permalink). */
static const enum import_col stage_counts[] = {
    C_IMPRESSIONS, C_ENGAGEMENTS, C_ENG_RATE, C_RETWEETS, C_REPLIES, C_LIKES, C_QUOTES,
    C_BOOKMARKS, C_PROFILE_CLICKS, C_URL_CLICKS, C_HASHTAG_CLICKS, C_DETAIL_EXPANDS,
    C_MEDIA_VIEWS, C_MEDIA_ENGAGEMENTS, C_FOLLOWS, C_PROMO_IMPRESSIONS,
};
#define N_STAGE_COUNTS (sizeof stage_counts / sizeof stage_counts[0])
/* Columns after (line, raw, reason): NULL in a reject's row. */
#define STAGE_DATA_COLS (4 + N_STAGE_COUNTS + 1)
#define DAYS_DATA_COLS 4

struct row {
    bool have[C_N];
    long num[C_N];
    double rate;
    int64_t t;
    bool date_only;
};

const char *import_rows_copy_sql(enum import_format f)
{
    return f == IMPORT_OVERVIEW ? "COPY import_days FROM STDIN" : "COPY import_stage FROM STDIN";
}

void import_rows_init(struct import_rows *R)
{
    memset(R, 0, sizeof *R);
    sbuf_init(&R->json);
    sbuf_init(&R->raw);
}

void import_rows_release(struct import_rows *R)
{
    sbuf_release(&R->json);
    sbuf_release(&R->raw);
}

/* Columns that performance_snapshots holds itself; every other value goes to its metadata. */
static bool snapshot_column(enum import_col c)
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

/* Line, raw text (valid UTF-8 whatever the file held) and reason: the first three columns. */
static void put_head(struct import_rows *R, const struct csv_record *rec, const char *why)
{
    sbuf_reset(&R->raw);
    utf8_add_scrubbed(&R->raw, rec->raw, rec->raw_len);
    db_copy_int64(R->copy, rec->line);
    db_copy_textn(R->copy, R->raw.buf, R->raw.len);
    db_copy_text(R->copy, why);
}

int import_rows_reject(struct import_rows *R, const struct csv_record *rec, const char *why, struct xerr *err)
{
    char reason[300];
    snprintf(reason, sizeof reason, "%s", why);
    utf8_scrub(reason); /* "%.40s" may have cut a character in half */
    R->rejects++;
    if (!R->copy)
        return 0;
    put_head(R, rec, reason);
    size_t n = R->format == IMPORT_OVERVIEW ? DAYS_DATA_COLS : STAGE_DATA_COLS;
    for (size_t i = 0; i < n; i++)
        db_copy_null(R->copy);
    return db_copy_end_row(R->copy, err);
}

/* Metadata of a row: every value not stored in a column of its own, unknown columns by name. */
static void build_json(struct import_rows *R, const struct csv_record *rec, const struct row *r)
{
    const struct colmap *m = R->map;
    bool overview = R->format == IMPORT_OVERVIEW;
    struct jw w;

    sbuf_reset(&R->json);
    jw_init(&w, &R->json);
    jw_obj(&w);
    for (int i = 0; i < m->ncols && i < rec->nfields; i++) {
        int c = m->known[i];
        size_t n;
        const char *v = import_trim(rec->fields[i], &n);
        if (c < 0) {
            if (!import_no_value(v, n) && m->names[i][0]) {
                jw_key(&w, m->names[i]);
                jw_str(&w, rec->fields[i]);
            }
            continue;
        }
        if ((!overview && snapshot_column((enum import_col)c)) || (overview && c == C_TIME))
            continue;
        switch (import_col_kind((enum import_col)c)) {
        case K_COUNT:
            if (r->have[c]) {
                jw_key(&w, import_col_key((enum import_col)c));
                jw_int(&w, r->num[c]);
            }
            break;
        case K_RATE:
            if (r->have[c] && isfinite(r->rate)) {
                jw_key(&w, import_col_key((enum import_col)c));
                jw_num(&w, r->rate);
            }
            break;
        default:
            if (!import_no_value(v, n)) {
                jw_key(&w, import_col_key((enum import_col)c));
                jw_str(&w, rec->fields[i]);
            }
            break;
        }
    }
    jw_obj_end(&w);
}

/* Why a record's shape (fields, encoding) keeps it from loading, or false. */
static bool bad_shape(const struct colmap *m, const struct csv_record *rec, char *why, size_t wn)
{
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
        import_trim(rec->fields[i], &n);
        if (n) {
            snprintf(why, wn, "wrong number of fields: %d, the header has %d", rec->nfields, m->ncols);
            return true;
        }
    }
    for (int i = 0; i < m->ncols; i++) {
        if (!utf8_valid(rec->fields[i], strlen(rec->fields[i]))) {
            snprintf(why, wn, "column '%s' is not valid UTF-8 text", m->names[i]);
            return true;
        }
    }
    return false;
}

/* Why the value of field i (known column c) cannot load, or NULL; fills r. */
static const char *bad_value(const char *v, enum import_col c, struct row *r)
{
    const char *bad = NULL;
    switch (import_col_kind(c)) {
    case K_COUNT:
        bad = import_parse_count(v, &r->num[c], &r->have[c]);
        break;
    case K_RATE:
        bad = import_parse_rate(v, &r->rate, &r->have[c]);
        break;
    case K_TIME:
        bad = import_parse_time(v, &r->t, &r->date_only);
        r->have[c] = !bad;
        break;
    case K_ID: {
        size_t n;
        const char *s = import_trim(v, &n);
        if (n == 0 || n > 20 || strspn(s, "0123456789") != n)
            return "post id";
        break;
    }
    default:
        break;
    }
    return bad;
}

/*
 * Why a data record cannot load, written to why, or false when it can; fills *rp.
 * Changes nothing in R, so it can also ask whether a line would load on its own.
 */
static bool bad_record(const struct import_rows *R, const struct csv_record *rec, struct row *rp, char *why,
                       size_t wn)
{
    const struct colmap *m = R->map;
    struct row r;

    memset(&r, 0, sizeof r);
    if (bad_shape(m, rec, why, wn))
        return true;
    for (int i = 0; i < m->ncols; i++) {
        int c = m->known[i];
        const char *v = rec->fields[i], *bad;
        if (c < 0 || !(bad = bad_value(v, (enum import_col)c, &r)))
            continue;
        if (import_col_kind((enum import_col)c) == K_ID)
            snprintf(why, wn, "post id is not 1 to 20 digits: '%.40s'", v);
        else
            snprintf(why, wn, "%s in column '%s': '%.40s'", bad, m->names[i], v);
        return true;
    }
    if (R->as_of_given && r.t > R->as_of && R->format != IMPORT_OVERVIEW) {
        char a[32], b[32];
        xtime_format(r.t, a, sizeof a);
        xtime_format(R->as_of, b, sizeof b);
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
static bool swallowed_row(struct import_rows *R, const struct csv_record *rec, char *why, size_t wn)
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
        alone.nfields = csv_in_line_fields(R->in, p, len, &alone.fields);
        if (alone.nfields >= R->map->ncols && !bad_record(R, &alone, &r, ignore, sizeof ignore)) {
            snprintf(why, wn, "unbalanced quote: line %ld, inside this record's quoted field, is a row of its own",
                     line);
            return true;
        }
        p += len;
    }
    return false;
}

static void put_count(struct db_copy *c, const struct row *r, enum import_col col)
{
    if (r->have[col])
        db_copy_int64(c, r->num[col]);
    else
        db_copy_null(c);
}

/* A field's text, NULL when the column is absent (or empty, if empty_null). */
static const char *field(const struct import_rows *R, const struct csv_record *rec, enum import_col c,
                         bool empty_null)
{
    int i = R->map->idx[c];
    if (i < 0 || (empty_null && !rec->fields[i][0]))
        return NULL;
    return rec->fields[i];
}

static void put_post(struct import_rows *R, const struct csv_record *rec, const struct row *r)
{
    struct db_copy *c = R->copy;
    size_t n;
    const char *id = import_trim(rec->fields[R->map->idx[C_ID]], &n);

    db_copy_textn(c, id, n);
    db_copy_time(c, r->t);
    db_copy_text(c, field(R, rec, C_TEXT, false));
    db_copy_text(c, field(R, rec, C_PERMALINK, true));
    for (size_t k = 0; k < N_STAGE_COUNTS; k++) {
        enum import_col col = stage_counts[k];
        if (col == C_ENG_RATE)
            r->have[col] ? db_copy_double(c, r->rate) : db_copy_null(c);
        else
            put_count(c, r, col);
    }
}

int import_rows_take(struct import_rows *R, const struct csv_record *rec, struct xerr *err)
{
    struct row r;
    char why[300];

    if (rec->last_line > rec->line && !rec->error && swallowed_row(R, rec, why, sizeof why)) {
        csv_in_split_record(R->in, why); /* rec is now its first line; the rest is read again */
        return import_rows_reject(R, rec, rec->error, err);
    }
    if (bad_record(R, rec, &r, why, sizeof why))
        return import_rows_reject(R, rec, why, err);
    if (!R->any_t || r.t > R->max_t)
        R->max_t = r.t;
    R->any_t = true;
    R->staged++;
    if (!R->copy)
        return 0;

    put_head(R, rec, NULL);
    if (R->format == IMPORT_OVERVIEW) {
        char day[16];
        xtime_format_date(r.t, day, sizeof day);
        db_copy_text(R->copy, day);
        put_count(R->copy, &r, C_FOLLOWS);
        put_count(R->copy, &r, C_UNFOLLOWS);
    } else {
        put_post(R, rec, &r);
    }
    build_json(R, rec, &r);
    db_copy_textn(R->copy, R->json.buf, R->json.len);
    return db_copy_end_row(R->copy, err);
}
