/*
 * reports/report_gather.c — gathers the tables of one account's ROI report
 * (report_gather, report.h) from the statements in sql/queries/report/.
 *
 * Every table comes from one query whose numbers are rounded in SQL, so the
 * CSV bytes are exactly what PostgreSQL prints and two runs on the same data
 * give the same files.  Every ORDER BY ends on a unique key, with text keys
 * in the "C" collation so the order does not depend on the server's locale.
 */
#include "reports/report.h"
#include "reports/rtab.h"

#include "common/config.h"
#include "common/sbuf.h"
#include "etl/db.h"
#include "stats/decay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAT_DAYS 90
#define NCOLS(cols) ((int)(sizeof cols / sizeof cols[0]))

/* ---------------------------------------------------------------- columns (docs/reports.md) */

static const struct rcol summary_cols[] = {
    { "section", "Section", RC_TEXT, 18 },
    { "rank", "Rank", RC_INT, 6 },
    { "item", "Metric", RC_TEXT, 30 },
    { "basis", "Basis", RC_TEXT, 34 },
    { "unit", "Unit", RC_UNIT, 7 },
    { "current", "This period", RC_NUM, 14 },
    { "previous", "Previous period", RC_NUM, 14 },
    { "change", "Change", RC_NUM, 12 },
    { "change_pct", "Change %", RC_PCT, 10 },
    { "posts", "Posts (evidence)", RC_INT, 10 },
    { "followers_per_post", "Followers per post (evidence)", RC_NUM, 12 },
    { "note", "Note", RC_TEXT, 50 },
};
enum { S_SECTION, S_RANK, S_ITEM, S_BASIS, S_UNIT, S_CUR, S_PREV, S_CHANGE, S_CHANGE_PCT, S_POSTS, S_FPP,
       S_NOTE, S_NCOLS };

static const struct rcol posts_cols[] = {
    { "tweet_id", "Tweet id", RC_ID, 21 },
    { "posted_at", "Posted (UTC)", RC_TIME, 17 },
    { "kind", "Kind", RC_TEXT, 7 },
    { "status", "Status", RC_TEXT, 8 },
    { "content_type", "Content type", RC_TEXT, 14 },
    { "formula", "Formula", RC_TEXT, 14 },
    { "hook", "Hook", RC_TEXT, 14 },
    { "text", "Text", RC_TEXT, 40 },
    /* Printed, the 22 columns go in three readable groups, id and time repeated on each. */
    { "impressions_lifetime", "Impressions (lifetime)", RC_INT, 12, true },
    { "likes_lifetime", "Likes (lifetime)", RC_INT, 9 },
    { "retweets_lifetime", "Reposts (lifetime)", RC_INT, 9 },
    { "replies_lifetime", "Replies (lifetime)", RC_INT, 9 },
    { "quotes_lifetime", "Quotes (lifetime)", RC_INT, 9 },
    { "bookmarks_lifetime", "Bookmarks (lifetime)", RC_INT, 10 },
    { "engagement_rate_lifetime", "Engagement rate (lifetime)", RC_PCT, 11 },
    { "half_life_minutes", "Half-life (min)", RC_INT, 9, true },
    { "predicted_likes_7d", "Predicted likes at 7 d", RC_INT, 10 },
    { "actual_likes_7d", "Actual likes at 7 d", RC_INT, 10 },
    { "prediction_accuracy", "Prediction accuracy", RC_PCT, 10 },
    { "followers_attributed_7d", "Followers attributed (7 d)", RC_INT, 11 },
    { "attribution_confidence", "Attribution confidence", RC_PCT, 11 },
    { "attribution_method", "Attribution method", RC_TEXT, 18 },
};


static const struct rcol group_cols[] = {
    { "name", "Name", RC_TEXT, 24 },
    { "posts_in_period", "Posts published in period", RC_INT, 11 },
    { "impressions_lifetime", "Impressions (lifetime of posts in period)", RC_INT, 14 },
    { "engagement_rate_lifetime", "Engagement rate (lifetime of posts in period)", RC_PCT, 14 },
    { "followers_attributed_7d", "Followers attributed (7 d, posts in period)", RC_INT, 14 },
    { "followers_per_post_7d", "Followers per post (7 d, posts in period)", RC_NUM, 14 },
    { "learned_posts", "Matured posts (learning)", RC_INT, 11 },
    { "learned_followers_per_post", "Followers per post (learning)", RC_NUM, 12 },
    { "learned_engagement_rate", "Engagement rate (learning)", RC_PCT, 12 },
    { "thompson_alpha", "Learning: weighted followers (alpha)", RC_NUM, 12 },
    { "thompson_beta", "Learning: weighted posts (beta)", RC_NUM, 12 },
    { "selection_score", "Chance of being the best (selection score)", RC_PCT, 13 },
    { "note", "Note", RC_TEXT, 40 },
};
enum { G_NAME, G_POSTS, G_FPP = 5, G_LEARNED = 6, G_NOTE = 12, G_NCOLS };


static const struct rcol attribution_cols[] = {
    { "tweet_id", "Tweet id", RC_ID, 21 },
    { "posted_at", "Posted (UTC)", RC_TIME, 17 },
    { "window_hours", "Window (hours)", RC_INT, 9 },
    { "followers_before", "Followers before", RC_INT, 11 },
    { "followers_after", "Followers after", RC_INT, 11 },
    { "followers_attributed", "Followers attributed", RC_INT, 11 },
    { "confidence", "Confidence", RC_PCT, 11 },
    { "method", "Method", RC_TEXT, 20 },
    { "retention_rate", "Retention rate", RC_PCT, 10 },
};


static const struct rcol daily_cols[] = {
    { "day", "Day (UTC)", RC_DATE, 11 },
    { "followers_end_of_day", "Followers (end of day)", RC_INT, 11 },
    { "followers_change", "Follower change (activity)", RC_INT, 11 },
    { "new_follows", "New follows (export)", RC_INT, 10 },
    { "unfollows", "Unfollows (export)", RC_INT, 10 },
    { "posts_published", "Posts published", RC_INT, 10 },
    { "impressions_lifetime", "Impressions (lifetime of posts published that day)", RC_INT, 14 },
    { "engagement_rate_lifetime", "Engagement rate (lifetime of posts published that day)", RC_PCT, 14 },
    { "posting_success_rate", "Posting success rate", RC_PCT, 10 },
    { "api_success_rate", "API success rate", RC_PCT, 10 },
    { "cost_usd", "Cost (USD)", RC_USD, 10 },
    { "cost_per_follower_usd", "Cost per follower (USD)", RC_USD_PER, 11 },
    { "roi", "ROI", RC_PCT, 10 },
};

static const double curve_ages[REPORT_CURVE_AGES] = { 0, 1, 2, 4, 6, 8, 12, 18, 24, 36, 48, 72, 96, 120, 144, 168 };

/* ---------------------------------------------------------------- gathering */

static long cell_long(const char *s)
{
    return s ? strtol(s, NULL, 10) : 0;
}

/*
 * The three group tables (content types, formulas, hooks) from one query,
 * each in the query's order, then its small groups (fewer than
 * REPORT_MIN_POSTS posts in the period) moved to the end with a note saying
 * how few: the workbook colours and charts only the rows above them, so two
 * lucky posts never look like a winner.
 */
static int gather_groups(struct db *db, struct report_data *d, const char *const *p3, struct xerr *err)
{
    static const char *const dims[3] = { "content_type", "formula", "hook" };
    struct rtab *tabs[3] = { &d->content_types, &d->formulas, &d->hooks };
    const char *vals[G_NCOLS];
    char note[160];
    struct db_res *res;
    int rc;

    if ((rc = db_query(db, "report/groups", 1, p3, &res, err)))
        return rc;
    int got = db_ncols(res);
    if (got != G_NCOLS) { /* dim, then the table's columns but the note */
        db_res_free(res);
        return xerr_set(err, XETL_EX_SOFTWARE, "report/groups returned %d columns, expected %d", got, G_NCOLS);
    }
    for (int g = 0; g < 3; g++)
        for (int pass = 0; pass < 2; pass++)
            for (int r = 0; r < db_nrows(res); r++) {
                const char *dim = db_get_text(res, r, 0);
                long n = cell_long(db_get_text(res, r, 1 + G_POSTS));
                bool small = n < REPORT_MIN_POSTS;
                if (!dim || strcmp(dim, dims[g]) || small != (pass == 1))
                    continue;
                for (int c = 0; c < G_NCOLS - 1; c++)
                    vals[c] = db_get_text(res, r, 1 + c);
                vals[G_NOTE] = NULL;
                if (small) {
                    snprintf(note, sizeof note, "few posts: %ld in the period (fewer than %d), not ranked or coloured",
                             n, REPORT_MIN_POSTS);
                    vals[G_NOTE] = note;
                }
                rtab_add_row(tabs[g], vals);
            }
    db_res_free(res);
    return 0;
}

/* The summary's rows, by the result's column names. */
static void summary_row(struct rtab *s, const struct db_res *res, int r, const char *section, const char *basis,
                        const char *unit)
{
    const char *vals[S_NCOLS] = { 0 };
    vals[S_SECTION] = section;
    vals[S_RANK] = db_get_text(res, r, db_col(res, "ord"));
    vals[S_ITEM] = db_get_text(res, r, db_col(res, "item"));
    vals[S_BASIS] = basis ? basis : db_get_text(res, r, db_col(res, "basis"));
    vals[S_UNIT] = unit ? unit : db_get_text(res, r, db_col(res, "unit"));
    vals[S_CUR] = db_get_text(res, r, db_col(res, "cur"));
    vals[S_PREV] = db_get_text(res, r, db_col(res, "prev"));
    vals[S_CHANGE] = db_get_text(res, r, db_col(res, "change"));
    vals[S_CHANGE_PCT] = db_get_text(res, r, db_col(res, "change_pct"));
    vals[S_NOTE] = db_get_text(res, r, db_col(res, "note"));
    if (db_col(res, "n") >= 0)
        vals[S_POSTS] = db_get_text(res, r, db_col(res, "n"));
    rtab_add_row(s, vals);
}

/* The "no data" and "not ranked" rows of one component's arms. */
static void arms_notes(struct rtab *s, const char *what, const char *best, const char *worst, int all, int n,
                       int nworst, const char *small)
{
    const char *vals[S_NCOLS] = { 0 };
    vals[S_BASIS] = "learning (matured posts, all time)";
    vals[S_UNIT] = "score";
    const char *none = all == 0 ? "no data: xetl learn has not scored any yet"
                                : "no data: none has enough matured posts to rank yet";
    if (n == 0) {
        vals[S_SECTION] = best;
        vals[S_NOTE] = none;
        rtab_add_row(s, vals);
    }
    if (nworst == 0) {
        vals[S_SECTION] = worst;
        vals[S_NOTE] = n == 0 ? none : "no data: 3 or fewer scored, all listed as best";
        rtab_add_row(s, vals);
    }
    if (*small) {
        char sec[80], note[96];
        snprintf(sec, sizeof sec, "not ranked %s", what);
        snprintf(note, sizeof note, "fewer than %d matured posts each (posts in brackets): too few to rank",
                 REPORT_MIN_POSTS);
        vals[S_SECTION] = sec;
        vals[S_ITEM] = small;
        vals[S_NOTE] = note;
        rtab_add_row(s, vals);
    }
}

/* Best and worst three arms of one component (dim: 'content_type', 'formula', 'hook') as summary rows. */
static int add_arms(struct db *db, const char *dim, const char *what, const char *acct_id, struct rtab *s,
                    struct xerr *err)
{
    char best[64], worst[64];
    const char *vals[S_NCOLS];
    const char *p[] = { acct_id, dim };
    struct db_res *res;
    int rc, n, nbest, nworst;

    if ((rc = db_query(db, "report/arms", 2, p, &res, err)))
        return rc;
    int c_name = db_col(res, "name"), c_score = db_col(res, "score"), c_posts = db_col(res, "posts_count");
    int c_fpp = db_col(res, "followers_per_post");
    /* Only arms with enough matured posts are ranked; the others are named once, below. */
    int all = db_nrows(res), *idx = xcalloc((size_t)all + 1, sizeof *idx), nsmall = 0;
    struct sbuf small = SBUF_INIT;
    sbuf_init(&small);
    n = 0;
    for (int r = 0; r < all; r++) {
        const char *name = db_get_text(res, r, c_name), *posts = db_get_text(res, r, c_posts);
        if (cell_long(posts) >= REPORT_MIN_POSTS) {
            idx[n++] = r;
        } else {
            sbuf_addf(&small, "%s%s (%s)", nsmall ? ", " : "", name ? name : "?", posts ? posts : "0");
            nsmall++;
        }
    }
    nbest = n < 3 ? n : 3;
    nworst = n - nbest < 3 ? n - nbest : 3;
    snprintf(best, sizeof best, "best %s", what);
    snprintf(worst, sizeof worst, "worst %s", what);
    memset(vals, 0, sizeof vals);
    vals[S_BASIS] = "learning (matured posts, all time)";
    vals[S_UNIT] = "score";
    for (int i = 0; i < nbest + nworst; i++) {
        /* Worst are listed worst first: the last rows of the descending order. */
        int row = idx[i < nbest ? i : n - 1 - (i - nbest)];
        char rank[8];
        snprintf(rank, sizeof rank, "%d", i < nbest ? i + 1 : i - nbest + 1);
        vals[S_SECTION] = i < nbest ? best : worst;
        vals[S_RANK] = rank;
        vals[S_ITEM] = db_get_text(res, row, c_name);
        vals[S_CUR] = db_get_text(res, row, c_score);
        vals[S_POSTS] = db_get_text(res, row, c_posts);
        vals[S_FPP] = db_get_text(res, row, c_fpp);
        vals[S_NOTE] = NULL; /* what the score means is said once, in the workbook's legend */
        rtab_add_row(s, vals);
    }
    arms_notes(s, what, best, worst, all, n, nworst, small.buf);
    sbuf_release(&small);
    free(idx);
    db_res_free(res);
    return 0;
}

static int gather_summary(struct db *db, const struct config *cfg, struct report_data *d,
                          const char *const *p3, struct xerr *err)
{
    char prev_from[40], vbuf[64];
    const char *value = config_get(cfg, "value.per_follower_usd");
    const char *params[5] = { p3[0], p3[1], p3[2], prev_from, NULL };
    struct db_res *res;
    int rc;

    if (value && *value) {
        double v;
        if ((rc = config_get_double(cfg, "value.per_follower_usd", &v, err)))
            return rc;
        params[4] = db_fmt_double(vbuf, sizeof vbuf, v);
    }
    db_fmt_time(prev_from, sizeof prev_from, d->prev.from);
    if ((rc = db_query(db, "report/headline", 5, params, &res, err)))
        return rc;
    for (int r = 0; r < db_nrows(res); r++)
        summary_row(&d->summary, res, r, "headline", NULL, NULL);
    db_res_free(res);
    if ((rc = db_query(db, "report/prediction", 4, params, &res, err)))
        return rc;
    for (int r = 0; r < db_nrows(res); r++)
        summary_row(&d->summary, res, r, "prediction quality", "posts whose 7th day ended in the period", "ratio");
    db_res_free(res);
    if ((rc = add_arms(db, "content_type", "content types", p3[0], &d->summary, err)) ||
        (rc = add_arms(db, "formula", "formulas", p3[0], &d->summary, err)))
        return rc;
    return add_arms(db, "hook", "hooks", p3[0], &d->summary, err);
}

static int gather_heat(struct db *db, struct report_data *d, const char *const *p3, struct xerr *err)
{
    char days[16];
    const char *params[3] = { p3[0], p3[2], days };
    struct db_res *res;
    int rc;

    for (int i = 0; i < 7; i++)
        for (int h = 0; h < 24; h++) {
            d->heat[i][h] = NAN;
            d->heat_n[i][h] = 0;
        }
    d->heat_days = HEAT_DAYS;
    snprintf(days, sizeof days, "%d", HEAT_DAYS);
    if ((rc = db_query(db, "report/heat", 3, params, &res, err)))
        return rc;
    int c_dow = db_col(res, "dow"), c_hour = db_col(res, "hour"), c_f = db_col(res, "followers");
    int c_n = db_col(res, "n");
    for (int r = 0; r < db_nrows(res); r++) {
        int64_t dow = db_get_int64(res, r, c_dow, -1), hour = db_get_int64(res, r, c_hour, -1);
        if (dow < 0 || dow > 6 || hour < 0 || hour > 23)
            continue;
        d->heat[dow][hour] = db_get_double(res, r, c_f, NAN);
        d->heat_n[dow][hour] = (int)db_get_int64(res, r, c_n, 0);
    }
    db_res_free(res);
    return 0;
}

/* A curve's label: the first words of the post, cut on a UTF-8 boundary, else its id. */
static void curve_label(char *out, size_t n, const char *text, const char *id)
{
    size_t len;
    snprintf(out, n, "%.28s", text);
    len = strlen(out);
    while (len > 0 && ((unsigned char)out[len - 1] & 0xC0) == 0x80)
        len--;
    if (len > 0 && (unsigned char)out[len - 1] >= 0xC0)
        len--;
    out[len] = '\0';
    for (char *q = out; *q; q++)
        if (*q == '\n' || *q == '\r' || *q == '\t')
            *q = ' ';
    if (strlen(text) > len)
        snprintf(out + len, n - len, "...");
    if (!out[0])
        snprintf(out, n, "%s", id);
}

/* The fitted likes of the top posts at fixed ages (stats/decay's Lomax curve). */
static int gather_curves(struct db *db, struct report_data *d, struct xerr *err)
{
    struct db_res *res;
    int rc;
    if ((rc = db_query(db, "report/curves", 0, NULL, &res, err)))
        return rc;
    int c_id = db_col(res, "tweet_id"), c_text = db_col(res, "text"), c_a = db_col(res, "a");
    int c_c = db_col(res, "c_h"), c_th = db_col(res, "theta");
    for (int i = 0; i < REPORT_CURVE_AGES; i++)
        d->curve_age_h[i] = curve_ages[i];
    d->n_curves = 0;
    for (int r = 0; r < db_nrows(res) && d->n_curves < REPORT_CURVE_POSTS; r++) {
        double a = db_get_double(res, r, c_a, NAN), c = db_get_double(res, r, c_c, NAN);
        double th = db_get_double(res, r, c_th, NAN);
        int k = d->n_curves;
        if (!(isfinite(a) && isfinite(c) && isfinite(th) && a > 0 && c > 0 && th > 0))
            continue;
        curve_label(d->curve_label[k], sizeof d->curve_label[k], db_get_text(res, r, c_text),
                    db_get_text(res, r, c_id));
        for (int i = 0; i < REPORT_CURVE_AGES; i++)
            d->curve[i][k] = decay_curve_eval(a, c, th, curve_ages[i]);
        d->n_curves++;
    }
    db_res_free(res);
    return 0;
}

/* Followers gained since the start of the period by each day's end, from a daily table. */
static void gain_series(const struct rtab *daily, double *out, int n)
{
    double start = NAN;
    for (int i = 0; i < n; i++) {
        out[i] = NAN;
        if (i >= daily->nrows)
            continue;
        const char *end = rtab_cell(daily, i, 1), *chg = rtab_cell(daily, i, 2);
        if (i == 0 && end && chg)
            start = strtod(end, NULL) - strtod(chg, NULL);
        if (end && isfinite(start))
            out[i] = strtod(end, NULL) - start;
    }
}

/* The trend chart's two lines: this period and the previous one, day by day. */
static int gather_gain(struct db *db, struct report_data *d, const char *const *p3, struct xerr *err)
{
    char pf[40], pt[40];
    const char *pp[3] = { p3[0], db_fmt_time(pf, sizeof pf, d->prev.from), db_fmt_time(pt, sizeof pt, d->prev.to) };
    struct rtab prev;
    int rc;

    d->n_gain = d->daily.nrows;
    d->gain_cur = xcalloc((size_t)d->n_gain + 1, sizeof *d->gain_cur);
    d->gain_prev = xcalloc((size_t)d->n_gain + 1, sizeof *d->gain_prev);
    rtab_init(&prev, daily_cols, 3); /* report/gain: the daily table's first three columns */
    if ((rc = rtab_query(db, "report/gain", 3, pp, &prev, err)) == 0) {
        gain_series(&d->daily, d->gain_cur, d->n_gain);
        gain_series(&prev, d->gain_prev, d->n_gain);
    }
    rtab_release(&prev);
    return rc;
}

int report_gather(struct db *db, const struct config *cfg, const struct account *acct,
                  const struct stage_args *a, struct report_data *d, struct xerr *err)
{
    const char *const *p3 = d->q_params;
    int rc;

    memset(d, 0, sizeof *d);
    d->q_params[0] = d->q_id;
    d->q_params[1] = d->q_from;
    d->q_params[2] = d->q_to;
    d->acct = *acct;
    d->range = a->range;
    d->prev.to = a->range.from;
    d->prev.from = a->range.from - (a->range.to - a->range.from);
    d->as_of = a->as_of;
    xtime_format_date(a->range.from, d->from_date, sizeof d->from_date);
    xtime_format_date(a->range.to - 1, d->to_date, sizeof d->to_date);
    report_base_name(acct->handle, &a->range, d->base, sizeof d->base);
    rtab_init(&d->summary, summary_cols, S_NCOLS);
    rtab_init(&d->posts, posts_cols, NCOLS(posts_cols));
    rtab_init(&d->content_types, group_cols, NCOLS(group_cols));
    rtab_init(&d->formulas, group_cols, NCOLS(group_cols));
    rtab_init(&d->hooks, group_cols, NCOLS(group_cols));
    rtab_init(&d->attribution, attribution_cols, NCOLS(attribution_cols));
    rtab_init(&d->daily, daily_cols, NCOLS(daily_cols));

    if (a->range.to <= a->range.from)
        return xerr_set(err, XETL_EX_USAGE, "report: empty range");
    snprintf(d->q_id, sizeof d->q_id, "%lld", (long long)acct->id);
    db_fmt_time(d->q_from, sizeof d->q_from, a->range.from);
    db_fmt_time(d->q_to, sizeof d->q_to, a->range.to);

    /* The period's posts joined once (report/period); the tables after it read them. */
    if ((rc = gather_summary(db, cfg, d, p3, err)) || (rc = db_cmd(db, "report/period", 3, p3, NULL, err)) ||
        (rc = rtab_stream(db, "report/posts", 0, NULL, &d->posts, err)) ||
        (rc = gather_groups(db, d, p3, err)) ||
        (rc = rtab_stream_counted(db, "report/attribution", "report/attribution_counts", 1, p3, &d->attribution,
                                   err)) ||
        (rc = rtab_query(db, "report/daily", 3, p3, &d->daily, err)) || (rc = gather_gain(db, d, p3, err)) ||
        (rc = gather_heat(db, d, p3, err)) || (rc = gather_curves(db, d, err)))
        xerr_prefix(err, "report '%s': ", acct->handle);
    return rc;
}

void report_data_release(struct report_data *d)
{
    free(d->gain_cur);
    free(d->gain_prev);
    d->gain_cur = d->gain_prev = NULL;
    d->n_gain = 0;
    rtab_release(&d->summary);
    rtab_release(&d->posts);
    rtab_release(&d->content_types);
    rtab_release(&d->formulas);
    rtab_release(&d->hooks);
    rtab_release(&d->attribution);
    rtab_release(&d->daily);
}
