/*
 * etl/pull.c — see pull.h and docs/pull.md.
 *
 * DESIGN
 * ------
 * Phase 1 talks to X: the follower count, the timeline pages, then the due
 * posts in batches of 100.  Every attempt is landed in xetl.raw_responses
 * (autocommitted, so the log survives a failed run) before its body is used.
 * Phase 2 derives typed rows from the landed bodies only — read back from
 * the database, the very path `rerun` takes — in one transaction: the rows
 * go through COPY into a temporary stage table, and set-based upserts move
 * them into place.  A run killed anywhere leaves either all typed rows of
 * the account or none.
 */
#include "etl/pull.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "common/xtime.h"
#include "etl/db.h"
#include "etl/xapi.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 100
#define TIMELINE_MAX_PAGES 40     /* X serves at most 3,200 posts: 32 pages of 100 */
#define PRIVATE_MAX_AGE_S (30 * XTIME_DAY - 3600) /* non-public metrics: < 30 days, with margin */

#define TWEET_FIELDS "created_at,author_id,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets"

/* --- the refresh schedule ------------------------------------------------- */

static int parse_dur(const char *s, size_t n, int64_t *out)
{
    char buf[32], *end;
    long long v;
    int64_t mult = 1;

    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (end == buf || v < 0 || errno == ERANGE)
        return -1;
    if (*end) {
        switch (*end) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = XTIME_DAY; break;
        default: return -1;
        }
        if (end[1])
            return -1;
    }
    /* No age a schedule could mean is near 2^63 s: refuse what would overflow. */
    if (v > INT64_MAX / mult)
        return -1;
    *out = (int64_t)v * mult;
    return 0;
}

int pull_parse_schedule(const char *s, struct pull_tier *tiers, int *n, struct xerr *err)
{
    const char *p = s ? s : "";
    *n = 0;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *colon = memchr(p, ':', len);
        struct pull_tier t;
        while (len && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        if (!colon || *n >= PULL_MAX_TIERS || parse_dur(p, (size_t)(colon - p), &t.age_s) ||
            parse_dur(colon + 1, len - (size_t)(colon + 1 - p), &t.every_s) || t.age_s <= 0 ||
            (*n > 0 && t.age_s <= tiers[*n - 1].age_s))
            return xerr_set(err, XETL_EX_CONFIG,
                            "pull.refresh_schedule '%s' is not AGE:EVERY pairs of increasing age (e.g. 6h:0,48h:3h)",
                            s ? s : "");
        tiers[(*n)++] = t;
        p += len;
        if (*p == ',')
            p++;
    }
    if (*n == 0)
        return xerr_set(err, XETL_EX_CONFIG, "pull.refresh_schedule is empty");
    return 0;
}

bool pull_due(const struct pull_tier *tiers, int n, int64_t age_s, int64_t since_last_s)
{
    if (since_last_s < 0)
        return true;
    if (since_last_s == 0)
        return false;
    for (int i = 0; i < n; i++)
        if (age_s < tiers[i].age_s)
            return since_last_s >= tiers[i].every_s;
    return n > 0 && since_last_s >= tiers[n - 1].every_s;
}

/* --- the bot's rows ------------------------------------------------------- */

struct botrow {
    char *tweet_id;
    char *decision_id;  /* NULL when the bot's id is not a UUID */
    char *kind;         /* post|reply|thread */
    int64_t posted_at;  /* 0 unknown */
    char *parent_tweet_id, *parent_username;
    char *ct_id, *ct_name, *formula, *hook, *genmeta;
};

struct bots {
    struct botrow *v;
    int n;
};

static int cmp_bot(const void *a, const void *b)
{
    return strcmp(((const struct botrow *)a)->tweet_id, ((const struct botrow *)b)->tweet_id);
}

static const struct botrow *bot_find(const struct bots *b, const char *tweet_id)
{
    struct botrow key = { .tweet_id = (char *)tweet_id };
    return b->n ? bsearch(&key, b->v, (size_t)b->n, sizeof *b->v, cmp_bot) : NULL;
}

static void bots_release(struct bots *b)
{
    for (int i = 0; i < b->n; i++) {
        struct botrow *r = &b->v[i];
        free(r->tweet_id);
        free(r->decision_id);
        free(r->kind);
        free(r->parent_tweet_id);
        free(r->parent_username);
        free(r->ct_id);
        free(r->ct_name);
        free(r->formula);
        free(r->hook);
        free(r->genmeta);
    }
    free(b->v);
    b->v = NULL;
    b->n = 0;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/*
 * The value of one of the bot's optional columns: posted_decisions' when it
 * has one (it records what was actually posted), else content_metadata's,
 * else NULL; the bot's shapes differ in which of them exist (the uuid shape
 * has no target_username, a bare posted_decisions only decision_id and
 * tweet_id).
 */
static int bot_col(struct db *db, bool pd, const char *col, const char *type, struct sbuf *out, struct xerr *err)
{
    bool in_pd = false, in_cm = false;
    int rc;
    if ((pd && (rc = db_column_exists(db, "posted_decisions", col, &in_pd, err))) ||
        (rc = db_column_exists(db, "content_metadata", col, &in_cm, err)))
        return rc;
    if (in_pd && in_cm)
        sbuf_addf(out, "coalesce(pd.%s::%s, cm.%s::%s)", col, type, col, type);
    else if (in_pd || in_cm)
        sbuf_addf(out, "%s.%s::%s", in_pd ? "pd" : "cm", col, type);
    else
        sbuf_addf(out, "NULL::%s", type);
    return 0;
}

/*
 * The bot's posted rows with their tweet ids, for whichever shape of
 * content_metadata this database has (docs/pull.md): xetl's standalone shape
 * (a tweet_id column), the text-id shape with posted_decisions, or the uuid
 * shape with posted_decisions.  Tweets another account already owns are left
 * out.  Columns: tweet_id, decision_id (uuid text or NULL), kind, posted_at
 * epoch, parent tweet, parent username, the four generation keys, metadata.
 */
static int load_bots(struct db *db, const struct account *acct, struct bots *out, struct xerr *err)
{
    bool has_tweet_id = false, has_pd = false, has_decision_uuid = false, has_gm = false;
    struct sbuf src = SBUF_INIT, q = SBUF_INIT;
    char aid[24];
    const char *params[1];
    PGresult *res;
    int n, rc;

    out->v = NULL;
    out->n = 0;
    if (!acct->bot_content)
        return 0;
    if ((rc = db_column_exists(db, "content_metadata", "tweet_id", &has_tweet_id, err)) ||
        (rc = db_column_exists(db, "content_metadata", "decision_id", &has_decision_uuid, err)) ||
        (rc = db_column_exists(db, "content_metadata", "generation_metadata", &has_gm, err)) ||
        (rc = db_table_exists(db, "posted_decisions", &has_pd, err)))
        return rc;
    if (!has_tweet_id && !has_pd) {
        log_debug("pull: content_metadata records no tweet ids (no tweet_id column, no posted_decisions)");
        return 0;
    }
    has_pd = has_pd && !has_tweet_id; /* xetl's standalone shape records the tweet id itself */
    sbuf_init(&src);
    sbuf_init(&q);
    /* decision id: the uuid shapes' decision_id, the text-id shape's id */
    sbuf_addf(&src, "SELECT %s AS tid, cm.%s::text AS did, ", has_pd ? "pd.tweet_id::text" : "cm.tweet_id::text",
              has_decision_uuid ? "decision_id" : "id");
    if ((rc = bot_col(db, has_pd, "decision_type", "text", &src, err)))
        goto out;
    sbuf_adds(&src, " AS dtype, ");
    if ((rc = bot_col(db, has_pd, "posted_at", "timestamptz", &src, err)))
        goto out;
    sbuf_adds(&src, " AS pat, ");
    if ((rc = bot_col(db, has_pd, "target_tweet_id", "text", &src, err)))
        goto out;
    sbuf_adds(&src, " AS ptid, ");
    if ((rc = bot_col(db, has_pd, "target_username", "text", &src, err)))
        goto out;
    sbuf_addf(&src, " AS puser, %s AS gm FROM ", has_gm ? "cm.generation_metadata::jsonb" : "NULL::jsonb");
    if (has_pd)
        sbuf_addf(&src, "posted_decisions pd JOIN content_metadata cm ON cm.%s::text = pd.decision_id::text",
                  has_decision_uuid ? "decision_id" : "id");
    else
        sbuf_adds(&src, "content_metadata cm WHERE cm.tweet_id IS NOT NULL");
    sbuf_addf(&q,
              "SELECT b.tid,"
              " CASE WHEN b.did ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'"
              "  THEN b.did::uuid::text END,"
              " CASE WHEN b.dtype = 'reply' THEN 'reply' WHEN b.dtype = 'thread' THEN 'thread' ELSE 'post' END,"
              " extract(epoch from b.pat)::bigint, b.ptid, b.puser,"
              " b.gm->>'content_type_id', b.gm->>'content_type_name', b.gm->>'viral_formula',"
              " b.gm->>'hook_used', b.gm::text"
              " FROM (%s) b LEFT JOIN xetl.posts p ON p.tweet_id = b.tid"
              " WHERE b.tid ~ '^[0-9]{1,20}$' AND (p.account_id IS NULL OR p.account_id = $1::bigint)"
              /* A tweet recorded under two decisions takes the smallest, as import does. */
              " ORDER BY b.tid, b.did",
              src.buf);
    params[0] = db_fmt_long(aid, sizeof aid, (long)acct->id);
    res = db_exec(db, q.buf, 1, params, err);
    if (!res) {
        rc = err->code;
        goto out;
    }
    n = PQntuples(res);
    out->v = xcalloc((size_t)(n ? n : 1), sizeof *out->v);
    for (int i = 0; i < n; i++) {
        /* Duplicates (a tweet under two decisions) are adjacent: keep the first. */
        if (out->n && strcmp(out->v[out->n - 1].tweet_id, db_str(res, i, 0)) == 0)
            continue;
        struct botrow *r = &out->v[out->n++];
        r->tweet_id = xstrdup(db_str(res, i, 0));
        r->decision_id = dup_or_null(db_str(res, i, 1));
        r->kind = xstrdup(db_str(res, i, 2));
        r->posted_at = db_epoch(res, i, 3, 0);
        r->parent_tweet_id = dup_or_null(db_str(res, i, 4));
        r->parent_username = dup_or_null(db_str(res, i, 5));
        r->ct_id = dup_or_null(db_str(res, i, 6));
        r->ct_name = dup_or_null(db_str(res, i, 7));
        r->formula = dup_or_null(db_str(res, i, 8));
        r->hook = dup_or_null(db_str(res, i, 9));
        r->genmeta = dup_or_null(db_str(res, i, 10));
    }
    PQclear(res);
    /* Sorted with strcmp so bsearch agrees with the order. */
    qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_bot);
out:
    sbuf_release(&src);
    sbuf_release(&q);
    return rc;
}

/* --- landing -------------------------------------------------------------- */

struct lander_ctx {
    struct db *db;
    const struct account *acct;
    int64_t as_of;
    int64_t run_id;
    int64_t *ids;        /* successful responses of this run, in order */
    int n_ids, cap_ids;
};

static int land_attempt(void *arg, const struct xapi_attempt *a, int64_t *id, struct xerr *err)
{
    struct lander_ctx *lc = arg;
    static const char hex[] = "0123456789abcdef";
    char acct[24], run[24], asof[40], att[16], st[16], dur[24], rem[24], reset[40];
    struct sbuf body = SBUF_INIT;
    int rc = 0;

    sbuf_init(&body);
    sbuf_grow(&body, a->body_len * 2 + 1);
    for (size_t i = 0; i < a->body_len; i++) {
        unsigned char c = (unsigned char)a->body[i];
        body.buf[body.len++] = hex[c >> 4];
        body.buf[body.len++] = hex[c & 15];
    }
    body.buf[body.len] = '\0';
    const char *p[] = {
        db_fmt_long(acct, sizeof acct, (long)lc->acct->id),
        lc->run_id ? db_fmt_long(run, sizeof run, (long)lc->run_id) : NULL,
        db_fmt_time(asof, sizeof asof, lc->as_of),
        a->endpoint,
        a->path,
        db_fmt_long(att, sizeof att, a->attempt),
        db_fmt_long(st, sizeof st, a->http_status),
        db_fmt_long(dur, sizeof dur, a->duration_ms),
        a->error,
        a->rl_remaining >= 0 ? db_fmt_long(rem, sizeof rem, a->rl_remaining) : NULL,
        a->rl_reset > 0 ? db_fmt_time(reset, sizeof reset, a->rl_reset) : NULL,
        body.buf,
    };
    PGresult *res = db_exec(lc->db,
                            "INSERT INTO xetl.raw_responses (account_id, run_id, as_of, requested_at, endpoint,"
                            " request_path, attempt, http_status, duration_ms, error, rate_limit_remaining,"
                            " rate_limit_reset, body)"
                            " VALUES ($1, $2, $3, clock_timestamp(), $4, $5, $6, $7, $8, $9, $10, $11,"
                            " decode($12, 'hex')) RETURNING response_id",
                            12, p, err);
    if (!res) {
        rc = xerr_prefix(err, "cannot land the response of %s: ", a->endpoint);
        goto out;
    }
    *id = db_epoch(res, 0, 0, 0);
    PQclear(res);
    if (!a->error) {
        if (lc->n_ids == lc->cap_ids) {
            lc->cap_ids = lc->cap_ids ? lc->cap_ids * 2 : 64;
            lc->ids = xrealloc(lc->ids, (size_t)lc->cap_ids * sizeof *lc->ids);
        }
        lc->ids[lc->n_ids++] = *id;
    }
out:
    sbuf_release(&body);
    return rc;
}

/* --- deriving typed rows from landed bodies ------------------------------- */

#define STAGE_COLS \
    "tweet_id, raw_response_id, has_metrics, created_at, text, kind, parent_tweet_id, parent_username," \
    " decision_id, origin, content_type_id, content_type_name, viral_formula, hook_used, generation_metadata," \
    " likes, retweets, replies, quotes, bookmarks, impressions, url_clicks, profile_clicks," \
    " impressions_organic, metrics_extra, err_status, err_detail"

static const char stage_ddl[] =
    "CREATE TEMP TABLE pull_stage ("
    " tweet_id text NOT NULL, raw_response_id bigint NOT NULL, has_metrics boolean NOT NULL,"
    " created_at timestamptz, text text, kind text, parent_tweet_id text, parent_username text,"
    " decision_id uuid, origin text, content_type_id text, content_type_name text, viral_formula text,"
    " hook_used text, generation_metadata jsonb, likes integer, retweets integer, replies integer,"
    " quotes integer, bookmarks integer, impressions integer, url_clicks integer, profile_clicks integer,"
    " impressions_organic integer, metrics_extra jsonb, err_status text, err_detail text"
    ") ON COMMIT DROP";

static void col_sep(struct sbuf *sb)
{
    sbuf_addc(sb, '\t');
}

static void col_text(struct sbuf *sb, const char *s)
{
    if (s)
        sbuf_add_copy_text(sb, s);
    else
        sbuf_adds(sb, "\\N");
    col_sep(sb);
}

static void col_int(struct sbuf *sb, json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 2147483647)
        sbuf_addf(sb, "%lld", (long long)json_integer_value(v));
    else
        sbuf_adds(sb, "\\N");
    col_sep(sb);
}

static const char *jstr(json_t *obj, const char *key)
{
    return obj ? json_string_value(json_object_get(obj, key)) : NULL;
}

static bool valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

struct derive {
    struct db *db;
    const struct account *acct;
    const struct bots *bots;
    int64_t as_of;
    struct sbuf copy;       /* stage rows in COPY text format */
    long stage_rows;
    long followers;         /* -1 unknown */
    long following, tweets, listed;
    int64_t followers_response;
    long warnings;
    long foreign;
    long field_refused;     /* posts whose private metrics X refused: not the token user's */
    char last_refused[24];
};

/* One tweet object (from /2/tweets or the timeline) → one stage row. */
static void stage_tweet(struct derive *d, json_t *tw, json_t *users, int64_t resp_id, bool metrics)
{
    const char *id = jstr(tw, "id");
    const char *author = jstr(tw, "author_id");
    const char *created = jstr(tw, "created_at");
    const char *reply_to = NULL, *reply_user = jstr(tw, "in_reply_to_user_id");
    const char *reply_username = NULL;
    json_t *pm = json_object_get(tw, "public_metrics");
    json_t *np = json_object_get(tw, "non_public_metrics");
    json_t *om = json_object_get(tw, "organic_metrics");
    const struct botrow *b;
    const char *kind;
    int64_t t;
    size_t i;
    json_t *ref, *u;
    char ts[40];

    if (!valid_id(id))
        return;
    if (author && strcmp(author, d->acct->user_id) != 0) {
        d->foreign++;
        return; /* not this account's post (the bot's table is shared) */
    }
    json_array_foreach(json_object_get(tw, "referenced_tweets"), i, ref) {
        const char *type = jstr(ref, "type");
        if (type && strcmp(type, "replied_to") == 0)
            reply_to = jstr(ref, "id");
    }
    json_array_foreach(users, i, u) {
        if (reply_user && jstr(u, "id") && strcmp(jstr(u, "id"), reply_user) == 0)
            reply_username = jstr(u, "username");
    }
    b = bot_find(d->bots, id);
    if (b)
        kind = b->kind;
    else if (reply_to && reply_user && strcmp(reply_user, d->acct->user_id) == 0)
        kind = "thread";
    else if (reply_to)
        kind = "reply";
    else
        kind = "post";
    metrics = metrics && json_is_object(pm);

    struct sbuf *sb = &d->copy;
    col_text(sb, id);
    sbuf_addf(sb, "%lld\t%s\t", (long long)resp_id, metrics ? "t" : "f");
    if (created && xtime_parse(created, &t, NULL) == 0) {
        xtime_format(t, ts, sizeof ts);
        col_text(sb, ts);
    } else {
        col_text(sb, NULL);
    }
    col_text(sb, jstr(tw, "text"));
    col_text(sb, kind);
    col_text(sb, b && b->parent_tweet_id ? b->parent_tweet_id : reply_to);
    col_text(sb, b && b->parent_username ? b->parent_username : reply_username);
    col_text(sb, b ? b->decision_id : NULL);
    col_text(sb, b ? "bot" : "timeline");
    col_text(sb, b ? b->ct_id : NULL);
    col_text(sb, b ? b->ct_name : NULL);
    col_text(sb, b ? b->formula : NULL);
    col_text(sb, b ? b->hook : NULL);
    col_text(sb, b ? b->genmeta : NULL);
    col_int(sb, metrics ? pm : NULL, "like_count");
    col_int(sb, metrics ? pm : NULL, "retweet_count");
    col_int(sb, metrics ? pm : NULL, "reply_count");
    col_int(sb, metrics ? pm : NULL, "quote_count");
    col_int(sb, metrics ? pm : NULL, "bookmark_count");
    col_int(sb, metrics ? pm : NULL, "impression_count");
    col_int(sb, metrics ? np : NULL, "url_link_clicks");
    col_int(sb, metrics ? np : NULL, "user_profile_clicks");
    col_int(sb, metrics ? om : NULL, "impression_count");
    if (metrics && (np || om)) {
        json_t *extra = json_object();
        if (np)
            json_object_set(extra, "non_public_metrics", np);
        if (om)
            json_object_set(extra, "organic_metrics", om);
        char *s = json_dumps(extra, JSON_COMPACT | JSON_SORT_KEYS);
        col_text(sb, s);
        free(s);
        json_decref(extra);
    } else {
        col_text(sb, NULL);
    }
    sbuf_adds(sb, "\\N\t\\N\n");
    d->stage_rows++;
}

/* A partial error for one tweet ("errors" of /2/tweets) → a stage row. */
static void stage_error(struct derive *d, json_t *e, int64_t resp_id)
{
    const char *id = jstr(e, "resource_id");
    const char *type = jstr(e, "type");
    const char *title = jstr(e, "title");
    const char *detail = jstr(e, "detail");
    const char *status = "error";
    const struct botrow *b;
    char ts[40];

    if (!id)
        id = jstr(e, "value");
    if (!valid_id(id))
        return;
    if ((type && strstr(type, "not-authorized-for-field")) ||
        (title && strcmp(title, "Field Authorization Error") == 0)) {
        /*
         * X withholds a post instead of its private metrics when the token's
         * user did not write it: another account's post in the bot's shared
         * table, never this account's (nor "protected").  One error per field.
         */
        if (strcmp(d->last_refused, id) != 0) {
            d->field_refused++;
            snprintf(d->last_refused, sizeof d->last_refused, "%s", id);
        }
        return;
    }
    if ((type && strstr(type, "resource-not-found")) || (title && strcmp(title, "Not Found Error") == 0))
        status = "deleted";
    else if ((type && strstr(type, "not-authorized")) || (title && strcmp(title, "Authorization Error") == 0))
        status = "protected";
    b = bot_find(d->bots, id);
    struct sbuf *sb = &d->copy;
    col_text(sb, id);
    sbuf_addf(sb, "%lld\tf\t", (long long)resp_id);
    if (b && b->posted_at) {
        xtime_format(b->posted_at, ts, sizeof ts);
        col_text(sb, ts);
    } else {
        col_text(sb, NULL);
    }
    col_text(sb, NULL);
    col_text(sb, b ? b->kind : NULL);
    col_text(sb, b ? b->parent_tweet_id : NULL);
    col_text(sb, b ? b->parent_username : NULL);
    col_text(sb, b ? b->decision_id : NULL);
    col_text(sb, b ? "bot" : NULL);
    col_text(sb, b ? b->ct_id : NULL);
    col_text(sb, b ? b->ct_name : NULL);
    col_text(sb, b ? b->formula : NULL);
    col_text(sb, b ? b->hook : NULL);
    col_text(sb, b ? b->genmeta : NULL);
    for (int i = 0; i < 10; i++)
        sbuf_adds(sb, "\\N\t");
    col_text(sb, status);
    {
        char msg[300];
        snprintf(msg, sizeof msg, "%s%s%s", title ? title : "error", detail ? ": " : "", detail ? detail : "");
        sbuf_add_copy_text(sb, msg);
    }
    sbuf_addc(sb, '\n');
    d->stage_rows++;
    d->warnings++;
}

static void derive_body(struct derive *d, const char *endpoint, json_t *j, int64_t resp_id)
{
    size_t i;
    json_t *tw;

    if (strcmp(endpoint, "/2/users/:id") == 0) {
        json_t *pm = json_object_get(json_object_get(j, "data"), "public_metrics");
        json_t *fc = json_object_get(pm, "followers_count");
        if (json_is_integer(fc) && json_integer_value(fc) >= 0) {
            d->followers = (long)json_integer_value(fc);
            d->following = json_is_integer(json_object_get(pm, "following_count"))
                               ? (long)json_integer_value(json_object_get(pm, "following_count")) : -1;
            d->tweets = json_is_integer(json_object_get(pm, "tweet_count"))
                            ? (long)json_integer_value(json_object_get(pm, "tweet_count")) : -1;
            d->listed = json_is_integer(json_object_get(pm, "listed_count"))
                            ? (long)json_integer_value(json_object_get(pm, "listed_count")) : -1;
            d->followers_response = resp_id;
        }
        return;
    }
    bool metrics = strcmp(endpoint, "/2/tweets") == 0;
    bool timeline = strcmp(endpoint, "/2/users/:id/tweets") == 0;
    json_t *users = json_object_get(json_object_get(j, "includes"), "users");
    json_array_foreach(json_object_get(j, "data"), i, tw) {
        const char *created = jstr(tw, "created_at");
        int64_t t;
        /* A timeline asked without end_time lists posts made after the as-of too. */
        if (timeline && created && xtime_parse(created, &t, NULL) == 0 && t > d->as_of)
            continue;
        stage_tweet(d, tw, users, resp_id, metrics);
    }
    if (metrics)
        json_array_foreach(json_object_get(j, "errors"), i, tw)
            stage_error(d, tw, resp_id);
}

/*
 * The upserts from pull_stage into the tables ($1 account, $2 as-of, $3 followers).
 * RETURNING makes the row count the rows an upsert changed on Citus too (for an
 * INSERT ... SELECT it otherwise counts the rows offered), as on PostgreSQL.
 */
static const char sql_posts[] =
    "INSERT INTO xetl.posts AS p (tweet_id, account_id, decision_id, kind, posted_at, text, parent_tweet_id,"
    " parent_username, content_type_id, content_type_name, viral_formula, hook_used, generation_metadata,"
    " origin, status, last_error, last_error_at, first_seen_at, last_snapshot_at, updated_at)"
    " SELECT s.tweet_id, $1::bigint, coalesce(s.decision_id, xetl.derived_decision_id(s.tweet_id)),"
    "  coalesce(s.kind, 'post'), s.created_at, s.text, s.parent_tweet_id, s.parent_username,"
    "  s.content_type_id, s.content_type_name, s.viral_formula, s.hook_used, s.generation_metadata,"
    "  coalesce(s.origin, 'timeline'), coalesce(s.err_status, 'active'), s.err_detail,"
    "  CASE WHEN s.err_status IS NOT NULL THEN $2::timestamptz END, $2::timestamptz,"
    "  CASE WHEN s.has_metrics THEN $2::timestamptz END, now()"
    " FROM (SELECT DISTINCT ON (tweet_id) * FROM pull_stage"
    "       ORDER BY tweet_id, (err_status IS NOT NULL OR has_metrics) DESC, raw_response_id DESC) s"
    " ON CONFLICT (account_id, tweet_id) DO UPDATE SET"
    "  decision_id = CASE WHEN EXCLUDED.origin = 'bot' AND EXCLUDED.decision_id IS NOT NULL"
    "                     THEN EXCLUDED.decision_id ELSE p.decision_id END,"
    "  origin = CASE WHEN EXCLUDED.origin = 'bot' THEN 'bot' ELSE p.origin END,"
    "  kind = CASE WHEN EXCLUDED.origin = 'bot' OR EXCLUDED.posted_at IS NOT NULL THEN EXCLUDED.kind ELSE p.kind END,"
    "  posted_at = coalesce(EXCLUDED.posted_at, p.posted_at),"
    "  text = coalesce(EXCLUDED.text, p.text),"
    "  parent_tweet_id = coalesce(EXCLUDED.parent_tweet_id, p.parent_tweet_id),"
    "  parent_username = coalesce(EXCLUDED.parent_username, p.parent_username),"
    "  content_type_id = coalesce(EXCLUDED.content_type_id, p.content_type_id),"
    "  content_type_name = coalesce(EXCLUDED.content_type_name, p.content_type_name),"
    "  viral_formula = coalesce(EXCLUDED.viral_formula, p.viral_formula),"
    "  hook_used = coalesce(EXCLUDED.hook_used, p.hook_used),"
    "  generation_metadata = coalesce(EXCLUDED.generation_metadata, p.generation_metadata),"
    "  status = CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.status"
    "                WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN 'active' ELSE p.status END,"
    "  last_error = CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.last_error"
    "                    WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN NULL ELSE p.last_error END,"
    "  last_error_at = CASE WHEN EXCLUDED.last_error_at IS NOT NULL THEN EXCLUDED.last_error_at"
    "                       WHEN EXCLUDED.last_snapshot_at IS NOT NULL THEN NULL ELSE p.last_error_at END,"
    "  last_snapshot_at = greatest(p.last_snapshot_at, EXCLUDED.last_snapshot_at),"
    "  updated_at = EXCLUDED.updated_at"
    " RETURNING 1";

/* Latest metrics row per tweet, joined to its post (for the account). */
#define STAGE_METRICS \
    " FROM (SELECT DISTINCT ON (tweet_id) * FROM pull_stage WHERE has_metrics" \
    "       ORDER BY tweet_id, raw_response_id DESC) s" \
    " JOIN xetl.posts p ON p.tweet_id = s.tweet_id AND p.account_id = $1::bigint"

static const char sql_snapshots[] =
    "INSERT INTO performance_snapshots AS ps (decision_id, tweet_id, snapshot_at, hours_since_post, likes,"
    " retweets, replies, quotes, bookmarks, impressions, views, profile_clicks, url_clicks, detail_expands,"
    " engagement_rate, viral_coefficient, reply_rate, bookmark_rate, followers_at_snapshot, snapshot_metadata,"
    " account_id, source, raw_response_id)"
    " SELECT p.decision_id, s.tweet_id, $2::timestamptz,"
    "  greatest(0, round(extract(epoch from ($2::timestamptz - coalesce(s.created_at, p.posted_at)))::numeric"
    "                    / 3600, 6)),"
    "  s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions, s.impressions,"
    "  s.profile_clicks, s.url_clicks, NULL,"
    "  CASE WHEN s.impressions > 0 THEN (s.likes + s.retweets + s.replies)::numeric / s.impressions END,"
    "  CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END,"
    "  CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END,"
    "  CASE WHEN s.impressions > 0 THEN s.bookmarks::numeric / s.impressions END,"
    "  $3::integer, s.metrics_extra, $1::bigint, 'api', s.raw_response_id"
    STAGE_METRICS
    " ON CONFLICT (account_id, tweet_id, snapshot_at, source) DO UPDATE SET"
    "  decision_id = EXCLUDED.decision_id, hours_since_post = EXCLUDED.hours_since_post,"
    "  likes = EXCLUDED.likes, retweets = EXCLUDED.retweets, replies = EXCLUDED.replies,"
    "  quotes = EXCLUDED.quotes, bookmarks = EXCLUDED.bookmarks, impressions = EXCLUDED.impressions,"
    "  views = EXCLUDED.views, profile_clicks = EXCLUDED.profile_clicks, url_clicks = EXCLUDED.url_clicks,"
    "  engagement_rate = EXCLUDED.engagement_rate, viral_coefficient = EXCLUDED.viral_coefficient,"
    "  reply_rate = EXCLUDED.reply_rate, bookmark_rate = EXCLUDED.bookmark_rate,"
    "  followers_at_snapshot = EXCLUDED.followers_at_snapshot, snapshot_metadata = EXCLUDED.snapshot_metadata,"
    "  raw_response_id = EXCLUDED.raw_response_id"
    " WHERE (ps.likes, ps.retweets, ps.replies, ps.quotes, ps.bookmarks, ps.impressions, ps.profile_clicks,"
    "        ps.url_clicks, ps.followers_at_snapshot, ps.decision_id, ps.snapshot_metadata)"
    "   IS DISTINCT FROM (EXCLUDED.likes, EXCLUDED.retweets, EXCLUDED.replies, EXCLUDED.quotes,"
    "        EXCLUDED.bookmarks, EXCLUDED.impressions, EXCLUDED.profile_clicks, EXCLUDED.url_clicks,"
    "        EXCLUDED.followers_at_snapshot, EXCLUDED.decision_id, EXCLUDED.snapshot_metadata)"
    " RETURNING 1";

/* The latest counters; an older as-of (a replay) never overwrites a newer one. */
static const char sql_tac[] =
    "INSERT INTO tweet_analytics_comprehensive AS t (account_id, decision_id, tweet_id, posted_at, content_type,"
    " viral_formula, hook_used, likes, retweets, replies, quotes, bookmarks, impressions, impressions_organic,"
    " url_clicks, profile_clicks, user_profile_clicks, content_length, has_url, has_hashtags,"
    " engagement_rate, viral_coefficient, conversation_rate, last_scraped_at, updated_at)"
    " SELECT $1::bigint, p.decision_id, s.tweet_id, p.posted_at,"
    "  coalesce(p.content_type_name, p.content_type_id), p.viral_formula, p.hook_used,"
    "  s.likes, s.retweets, s.replies, s.quotes, s.bookmarks, s.impressions, s.impressions_organic,"
    "  s.url_clicks, s.profile_clicks, s.profile_clicks, char_length(p.text),"
    "  p.text ~ 'https?://', p.text ~ '#[[:alnum:]_]',"
    "  CASE WHEN s.impressions > 0 THEN (s.likes + s.retweets + s.replies)::numeric / s.impressions END,"
    "  CASE WHEN s.impressions > 0 THEN s.retweets::numeric / s.impressions END,"
    "  CASE WHEN s.impressions > 0 THEN s.replies::numeric / s.impressions END,"
    "  $2::timestamptz, now()"
    STAGE_METRICS
    " ON CONFLICT (account_id, tweet_id) DO UPDATE SET"
    "  decision_id = EXCLUDED.decision_id, posted_at = EXCLUDED.posted_at,"
    "  content_type = EXCLUDED.content_type, viral_formula = EXCLUDED.viral_formula,"
    "  hook_used = EXCLUDED.hook_used, likes = EXCLUDED.likes, retweets = EXCLUDED.retweets,"
    "  replies = EXCLUDED.replies, quotes = EXCLUDED.quotes, bookmarks = EXCLUDED.bookmarks,"
    "  impressions = EXCLUDED.impressions,"
    "  impressions_organic = coalesce(EXCLUDED.impressions_organic, t.impressions_organic),"
    "  url_clicks = coalesce(EXCLUDED.url_clicks, t.url_clicks),"
    "  profile_clicks = coalesce(EXCLUDED.profile_clicks, t.profile_clicks),"
    "  user_profile_clicks = coalesce(EXCLUDED.user_profile_clicks, t.user_profile_clicks),"
    "  content_length = EXCLUDED.content_length, has_url = EXCLUDED.has_url,"
    "  has_hashtags = EXCLUDED.has_hashtags, engagement_rate = EXCLUDED.engagement_rate,"
    "  viral_coefficient = EXCLUDED.viral_coefficient, conversation_rate = EXCLUDED.conversation_rate,"
    "  last_scraped_at = EXCLUDED.last_scraped_at, updated_at = EXCLUDED.updated_at"
    " WHERE (t.last_scraped_at IS NULL OR t.last_scraped_at < EXCLUDED.last_scraped_at"
    "        OR (t.last_scraped_at = EXCLUDED.last_scraped_at"
    "            AND (t.likes, t.retweets, t.replies, t.quotes, t.bookmarks, t.impressions, t.decision_id,"
    "                 t.content_type, t.viral_formula, t.hook_used)"
    "                IS DISTINCT FROM (EXCLUDED.likes, EXCLUDED.retweets, EXCLUDED.replies, EXCLUDED.quotes,"
    "                 EXCLUDED.bookmarks, EXCLUDED.impressions, EXCLUDED.decision_id, EXCLUDED.content_type,"
    "                 EXCLUDED.viral_formula, EXCLUDED.hook_used)))"
    " RETURNING 1";

static const char sql_replies[] =
    "INSERT INTO reply_performance AS r (decision_id, reply_tweet_id, parent_tweet_id, parent_username, likes,"
    " replies, impressions, engagement_rate, reply_metadata, account_id, updated_at)"
    " SELECT p.decision_id, s.tweet_id, coalesce(p.parent_tweet_id, ''), coalesce(p.parent_username, ''),"
    "  s.likes, s.replies, s.impressions,"
    "  CASE WHEN s.impressions > 0 THEN (s.likes + s.retweets + s.replies)::numeric / s.impressions END,"
    "  jsonb_build_object('as_of', $2::timestamptz, 'retweets', s.retweets, 'quotes', s.quotes,"
    "                     'bookmarks', s.bookmarks, 'source', 'api'),"
    "  $1::bigint, now()"
    STAGE_METRICS
    " WHERE p.kind = 'reply'"
    " ON CONFLICT (account_id, reply_tweet_id) DO UPDATE SET"
    "  decision_id = EXCLUDED.decision_id, parent_tweet_id = EXCLUDED.parent_tweet_id,"
    "  parent_username = EXCLUDED.parent_username, likes = EXCLUDED.likes, replies = EXCLUDED.replies,"
    "  impressions = EXCLUDED.impressions, engagement_rate = EXCLUDED.engagement_rate,"
    "  reply_metadata = coalesce(r.reply_metadata, '{}'::jsonb) || EXCLUDED.reply_metadata,"
    "  updated_at = EXCLUDED.updated_at"
    " WHERE (xetl.json_ts(r.reply_metadata->>'as_of') IS NULL"
    "        OR xetl.json_ts(r.reply_metadata->>'as_of') < xetl.json_ts(EXCLUDED.reply_metadata->>'as_of')"
    "        OR (xetl.json_ts(r.reply_metadata->>'as_of') = xetl.json_ts(EXCLUDED.reply_metadata->>'as_of')"
    "            AND (r.likes, r.replies, r.impressions, r.decision_id)"
    "                IS DISTINCT FROM (EXCLUDED.likes, EXCLUDED.replies, EXCLUDED.impressions, EXCLUDED.decision_id)))"
    " RETURNING 1";

static const char sql_followers[] =
    "INSERT INTO xetl.follower_samples AS f (account_id, sampled_at, followers_count, following_count,"
    " tweet_count, listed_count, source, raw_response_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, 'api', $7)"
    " ON CONFLICT (account_id, sampled_at, source) DO UPDATE SET"
    "  followers_count = EXCLUDED.followers_count, following_count = EXCLUDED.following_count,"
    "  tweet_count = EXCLUDED.tweet_count, listed_count = EXCLUDED.listed_count,"
    "  raw_response_id = EXCLUDED.raw_response_id"
    " WHERE (f.followers_count, f.following_count, f.tweet_count, f.listed_count)"
    "   IS DISTINCT FROM (EXCLUDED.followers_count, EXCLUDED.following_count, EXCLUDED.tweet_count,"
    "                     EXCLUDED.listed_count)";

/*
 * Derives the typed rows of one account and as-of from landed responses
 * (ids: those of this run; NULL: every successful one for the as-of).
 * Runs inside the caller's transaction.
 */
static int derive_landed(struct db *db, const struct account *acct, const struct bots *bots, int64_t as_of,
                         const int64_t *ids, int n_ids, struct stage_counts *counts, struct xerr *err)
{
    struct derive d = { .db = db, .acct = acct, .bots = bots, .as_of = as_of, .followers = -1 };
    struct sbuf idlist = SBUF_INIT;
    char aid[24], asof[40], fol[24], fing[24], tc[24], lc[24], frid[24];
    PGresult *res = NULL;
    long n;
    int rc = 0;

    sbuf_init(&d.copy);
    sbuf_init(&idlist);
    sbuf_addc(&idlist, '{');
    for (int i = 0; ids && i < n_ids; i++)
        sbuf_addf(&idlist, "%s%lld", i ? "," : "", (long long)ids[i]);
    sbuf_addc(&idlist, '}');
    const char *p3[] = { db_fmt_long(aid, sizeof aid, (long)acct->id), db_fmt_time(asof, sizeof asof, as_of),
                         ids ? idlist.buf : NULL };
    res = db_exec(db,
                  "SELECT response_id, endpoint, convert_from(body, 'UTF8') FROM xetl.raw_responses"
                  " WHERE account_id = $1 AND as_of = $2 AND http_status = 200 AND error IS NULL"
                  "   AND ($3::bigint[] IS NULL OR response_id = ANY ($3::bigint[]))"
                  " ORDER BY response_id",
                  3, p3, err);
    if (!res) {
        rc = err->code;
        goto out;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        json_error_t jerr;
        const char *body = db_str(res, i, 2);
        json_t *j = body ? json_loads(body, 0, &jerr) : NULL;
        if (!j) {
            rc = xerr_set(err, XETL_EX_SOFTWARE, "landed response %s is not json: %s", db_str(res, i, 0),
                          body ? jerr.text : "empty");
            goto out;
        }
        derive_body(&d, db_str(res, i, 1), j, db_epoch(res, i, 0, 0));
        json_decref(j);
    }
    PQclear(res);
    res = NULL;
    if (d.foreign)
        log_warn("pull: %ld posts of other accounts skipped for '%s'", d.foreign, acct->handle);
    if (d.field_refused)
        log_warn("pull: %ld posts skipped for '%s': x refused their private metrics, so the token's user did not "
                 "write them (if they are this account's, x_user_context must be false for this token)",
                 d.field_refused, acct->handle);

    if ((rc = db_cmd(db, stage_ddl, 0, NULL, NULL, err)) ||
        (rc = db_copy_begin(db, "COPY pull_stage (" STAGE_COLS ") FROM STDIN", err)))
        goto out;
    if ((rc = db_copy_put(db, d.copy.buf, d.copy.len, err))) {
        long dummy;
        struct xerr e2;
        db_copy_end(db, "stage rows could not be sent", &dummy, &e2);
        goto out;
    }
    if ((rc = db_copy_end(db, NULL, &n, err)))
        goto out;

    const char *fp = d.followers >= 0 ? db_fmt_long(fol, sizeof fol, d.followers) : NULL;
    const char *p2[] = { aid, asof };
    const char *p3f[] = { aid, asof, fp };
    if ((rc = db_cmd(db, sql_posts, 2, p2, &n, err)))
        goto out;
    if ((rc = db_cmd(db, sql_snapshots, 3, p3f, &n, err)))
        goto out;
    counts->rows += n;
    if ((rc = db_cmd(db, sql_tac, 2, p2, &n, err)))
        goto out;
    if ((rc = db_cmd(db, sql_replies, 2, p2, &n, err)))
        goto out;
    if (d.followers >= 0) {
        const char *pf[] = { aid, asof, fp,
                             d.following >= 0 ? db_fmt_long(fing, sizeof fing, d.following) : NULL,
                             d.tweets >= 0 ? db_fmt_long(tc, sizeof tc, d.tweets) : NULL,
                             d.listed >= 0 ? db_fmt_long(lc, sizeof lc, d.listed) : NULL,
                             db_fmt_long(frid, sizeof frid, (long)d.followers_response) };
        if ((rc = db_cmd(db, sql_followers, 7, pf, &n, err)))
            goto out;
        counts->rows += n;
    }
    counts->warnings += d.warnings;
out:
    PQclear(res);
    sbuf_release(&d.copy);
    sbuf_release(&idlist);
    return rc;
}

static int derive_tx(struct db *db, const struct account *acct, const struct bots *bots, int64_t as_of,
                     const int64_t *ids, int n_ids, struct stage_counts *counts, struct xerr *err)
{
    int rc;
    if ((rc = db_begin(db, err)))
        return rc;
    if ((rc = derive_landed(db, acct, bots, as_of, ids, n_ids, counts, err))) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, err);
}

int pull_replay(struct db *db, const struct config *cfg, const struct account *acct, int64_t as_of,
                struct stage_counts *counts, struct xerr *err)
{
    struct bots bots;
    int rc;
    (void)cfg;
    if ((rc = load_bots(db, acct, &bots, err)))
        return xerr_prefix(err, "pull: ");
    rc = derive_tx(db, acct, &bots, as_of, NULL, 0, counts, err);
    bots_release(&bots);
    return rc ? xerr_prefix(err, "pull: replay of '%s': ", acct->handle) : 0;
}

/* --- choosing what to fetch ---------------------------------------------- */

struct cand {
    char id[24];
    int64_t posted_at;  /* 0 unknown */
    int64_t last_snap;  /* 0 never */
    bool deleted;
};

struct cands {
    struct cand *v;
    int n, cap;
};

static void cand_add(struct cands *c, const char *id, int64_t posted_at, int64_t last_snap, bool deleted)
{
    if (!valid_id(id))
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->v = xrealloc(c->v, (size_t)c->cap * sizeof *c->v);
    }
    struct cand *x = &c->v[c->n++];
    snprintf(x->id, sizeof x->id, "%s", id);
    x->posted_at = posted_at;
    x->last_snap = last_snap;
    x->deleted = deleted;
}

/* Numeric order of ids = time order; equal ids end up adjacent for merging. */
static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    size_t lx = strlen(x->id), ly = strlen(y->id);
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void cands_merge(struct cands *c)
{
    int o = 0;
    if (c->n == 0)
        return;
    qsort(c->v, (size_t)c->n, sizeof *c->v, cmp_cand);
    for (int i = 1; i < c->n; i++) {
        struct cand *k = &c->v[o];
        if (strcmp(k->id, c->v[i].id) == 0) {
            /* Keep what is known: X's created_at, the latest snapshot, a deletion. */
            if (c->v[i].posted_at && (!k->posted_at || c->v[i].last_snap || c->v[i].deleted))
                k->posted_at = c->v[i].posted_at;
            if (c->v[i].last_snap > k->last_snap)
                k->last_snap = c->v[i].last_snap;
            k->deleted = k->deleted || c->v[i].deleted;
        } else {
            c->v[++o] = c->v[i];
        }
    }
    c->n = o + 1;
}

static int load_known(struct db *db, const struct account *acct, struct cands *c, struct xerr *err)
{
    char aid[24];
    const char *p[] = { db_fmt_long(aid, sizeof aid, (long)acct->id) };
    PGresult *res = db_exec(db,
                            "SELECT tweet_id, extract(epoch from posted_at)::bigint,"
                            " extract(epoch from last_snapshot_at)::bigint, status = 'deleted'"
                            " FROM xetl.posts WHERE account_id = $1",
                            1, p, err);
    if (!res)
        return err->code;
    for (int i = 0; i < PQntuples(res); i++)
        cand_add(c, db_str(res, i, 0), db_epoch(res, i, 1, 0), db_epoch(res, i, 2, 0),
                 PQgetvalue(res, i, 3)[0] == 't');
    PQclear(res);
    return 0;
}

struct plan {
    int64_t as_of;
    int64_t window_from;   /* posts posted before this are not refreshed */
    int64_t tl_from, tl_to;
    bool user_context;
    struct pull_tier tiers[PULL_MAX_TIERS];
    int n_tiers;
};

static int timeline(struct xapi *x, const struct account *acct, const struct plan *pl, struct cands *c,
                    struct xerr *err)
{
    char from[40], to[40];
    char token[128] = "";
    struct sbuf path = SBUF_INIT;
    int rc = 0;

    sbuf_init(&path);
    xtime_format(pl->tl_from, from, sizeof from);
    xtime_format(pl->tl_to, to, sizeof to);
    for (int page = 0; page < TIMELINE_MAX_PAGES; page++) {
        struct xapi_response r;
        size_t i;
        json_t *tw;

        sbuf_reset(&path);
        sbuf_addf(&path, "/2/users/%s/tweets?max_results=100&start_time=%s", acct->user_id, from);
        /* X rejects an end_time less than 10 s before its own clock, so only the real
         * time can say whether one may be sent (30 s allows for skew).  Results do not
         * depend on it: posts made after the as-of that X lists without end_time are
         * dropped here and in derive_body. */
        if (pl->tl_to < (int64_t)time(NULL) - 30)
            sbuf_addf(&path, "&end_time=%s", to);
        sbuf_adds(&path, "&tweet.fields=" TWEET_FIELDS);
        if (*token)
            sbuf_addf(&path, "&pagination_token=%s", token);
        if ((rc = xapi_get(x, "/2/users/:id/tweets", path.buf, &r, err)))
            goto out;
        json_array_foreach(json_object_get(r.json, "data"), i, tw) {
            const char *created = jstr(tw, "created_at");
            int64_t t = 0;
            if (created)
                xtime_parse(created, &t, NULL);
            if (t && t <= pl->as_of)
                cand_add(c, jstr(tw, "id"), t, 0, false);
        }
        const char *next = jstr(json_object_get(r.json, "meta"), "next_token");
        bool more = next && *next && strlen(next) < sizeof token && !strpbrk(next, "&#? %");
        if (more)
            snprintf(token, sizeof token, "%s", next);
        xapi_response_release(&r);
        if (!more)
            break;
    }
out:
    sbuf_release(&path);
    return rc;
}

static int fetch_batch(struct xapi *x, char (*ids)[24], int n, bool private_fields, int *landed_ok,
                       struct xerr *err)
{
    struct sbuf path = SBUF_INIT;
    struct xapi_response r;
    int rc;

    sbuf_init(&path);
    sbuf_adds(&path, "/2/tweets?ids=");
    for (int i = 0; i < n; i++)
        sbuf_addf(&path, "%s%s", i ? "," : "", ids[i]);
    sbuf_adds(&path, "&tweet.fields=" TWEET_FIELDS);
    if (private_fields)
        sbuf_adds(&path, ",non_public_metrics,organic_metrics");
    sbuf_adds(&path, "&expansions=in_reply_to_user_id&user.fields=username");
    rc = xapi_get(x, "/2/tweets", path.buf, &r, err);
    if (rc && private_fields && r.status == 400) {
        /* A post crossed X's 30-day line for private metrics: ask without them. */
        log_warn("pull: private metrics refused for a batch (%s); asking without them", err->msg);
        xerr_clear(err);
        sbuf_release(&path);
        return fetch_batch(x, ids, n, false, landed_ok, err);
    }
    if (!rc) {
        (*landed_ok)++;
        xapi_response_release(&r);
    }
    sbuf_release(&path);
    return rc;
}

int pull_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
             struct stage_counts *counts, struct xerr *err)
{
    struct lander_ctx lc = { .db = db, .acct = acct, .as_of = a->as_of, .run_id = a->run_id };
    struct plan pl = { .as_of = a->as_of };
    struct bots bots = { NULL, 0 };
    struct cands c = { NULL, 0, 0 };
    struct xapi *x = NULL;
    char (*young)[24] = NULL, (*old)[24] = NULL;
    int n_young = 0, n_old = 0, ok = 0, rc;
    long track_days, tl_days;
    double t0 = log_wallclock();

    if (a->replay)
        return pull_replay(db, cfg, acct, a->as_of, counts, err);

    if ((rc = pull_parse_schedule(config_get(cfg, "pull.refresh_schedule"), pl.tiers, &pl.n_tiers, err)) ||
        (rc = config_get_long(cfg, "pull.track_days", &track_days, err)) ||
        (rc = config_get_long(cfg, "pull.timeline_days", &tl_days, err)) ||
        (rc = config_get_bool(cfg, "x_user_context", &pl.user_context, err)))
        goto out;
    pl.window_from = a->as_of - track_days * XTIME_DAY;
    pl.tl_from = a->as_of - tl_days * XTIME_DAY;
    pl.tl_to = a->as_of;
    if (a->range.from && a->range.from < pl.window_from)
        pl.window_from = a->range.from;
    if (a->range.from && a->range.from < pl.tl_from)
        pl.tl_from = a->range.from;
    if (a->range.to && a->range.to < pl.tl_to)
        pl.tl_to = a->range.to;

    if ((rc = xapi_open(cfg, &x, err)))
        goto out;
    xapi_set_lander(x, land_attempt, &lc);
    if ((rc = load_bots(db, acct, &bots, err)) || (rc = load_known(db, acct, &c, err)))
        goto out;
    for (int i = 0; i < bots.n; i++)
        cand_add(&c, bots.v[i].tweet_id, bots.v[i].posted_at, 0, false);

    /* 1. the follower count */
    {
        char path[96];
        struct xapi_response r;
        snprintf(path, sizeof path, "/2/users/%s?user.fields=public_metrics", acct->user_id);
        if ((rc = xapi_get(x, "/2/users/:id", path, &r, err)))
            goto out;
        bool found = json_is_object(json_object_get(r.json, "data"));
        xapi_response_release(&r);
        if (!found) {
            rc = xerr_set(err, XETL_EX_CONFIG, "x has no user with id '%s' (account '%s')", acct->user_id,
                          acct->handle);
            goto out;
        }
    }
    /* 2. the timeline: posts the bot did not record */
    if (pl.tl_from < pl.tl_to && (rc = timeline(x, acct, &pl, &c, err)))
        goto out;

    /* 3. the due posts, young (private metrics) and old apart */
    cands_merge(&c);
    young = xcalloc((size_t)(c.n ? c.n : 1), sizeof *young);
    old = xcalloc((size_t)(c.n ? c.n : 1), sizeof *old);
    for (int i = 0; i < c.n; i++) {
        const struct cand *k = &c.v[i];
        int64_t age = k->posted_at ? a->as_of - k->posted_at : 0;
        if (k->deleted || (k->posted_at && (k->posted_at > a->as_of || k->posted_at < pl.window_from)))
            continue;
        if (k->last_snap > a->as_of)
            continue; /* a later as-of was already pulled; an older one cannot add to it */
        /* A range asked for (pull --since, rerun --pull) is fetched whatever the schedule
         * says, once per as-of; elsewhere the schedule decides. */
        bool asked = a->range.from && k->posted_at >= a->range.from && (!a->range.to || k->posted_at < a->range.to);
        if (asked ? k->last_snap == a->as_of
                  : !pull_due(pl.tiers, pl.n_tiers, age, k->last_snap ? a->as_of - k->last_snap : -1))
            continue;
        if (pl.user_context && k->posted_at && age < PRIVATE_MAX_AGE_S)
            memcpy(young[n_young++], k->id, 24);
        else
            memcpy(old[n_old++], k->id, 24);
    }
    log_info("pull: '%s': %d posts known, %d due (%d with private metrics)", acct->handle, c.n, n_young + n_old,
             n_young);
    /* Rate-limit waits can make this long: show posts fetched, rate and ETA on a terminal. */
    struct progress prog;
    progress_begin(&prog, "pull: posts fetched", n_young + n_old);
    for (int i = 0; i < n_young; i += BATCH) {
        int nb = n_young - i < BATCH ? n_young - i : BATCH;
        if ((rc = fetch_batch(x, young + i, nb, true, &ok, err)))
            break;
        progress_step(&prog, nb);
    }
    for (int i = 0; i < n_old && !rc; i += BATCH) {
        int nb = n_old - i < BATCH ? n_old - i : BATCH;
        if ((rc = fetch_batch(x, old + i, nb, false, &ok, err)))
            break;
        progress_step(&prog, nb);
    }
    progress_end(&prog);
    if (rc)
        goto out;

    /* 4. typed rows from what was landed, all or nothing */
    if ((rc = derive_tx(db, acct, &bots, a->as_of, lc.ids, lc.n_ids, counts, err)))
        goto out;
    log_info("pull: '%s': %d posts refreshed with %ld requests in %.1f s", acct->handle, n_young + n_old,
             xapi_requests(x), log_wallclock() - t0);
out:
    if (x)
        counts->requests += xapi_requests(x); /* every attempt counts */
    if (rc)
        xerr_prefix(err, "pull: ");
    xapi_close(x);
    bots_release(&bots);
    free(c.v);
    free(young);
    free(old);
    free(lc.ids);
    return rc;
}

long pull_derive_text(const char *endpoint, const char *body, size_t len, const char *user_id, int64_t as_of,
                      struct sbuf *copy)
{
    struct account acct = { 0 };
    struct bots none = { 0 };
    struct derive d = { .acct = &acct, .bots = &none, .as_of = as_of, .followers = -1 };
    json_t *j = json_loadb(body, len, 0, NULL);
    if (!j)
        return -1;
    snprintf(acct.user_id, sizeof acct.user_id, "%s", user_id);
    d.copy = *copy;
    derive_body(&d, endpoint, j, 1);
    *copy = d.copy;
    json_decref(j);
    return d.stage_rows;
}
