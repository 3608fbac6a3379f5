/*
 * reports/rollup.c — the agency roll-up across the accounts of a run
 * (report_rollup, report.h; its columns: docs/reports.md).  Each account's
 * leaderboard row comes from the same headline statement as its own report.
 */
#include "reports/report.h"
#include "reports/csv_out.h"
#include "reports/report_files.h"
#include "reports/rtab.h"
#include "reports/xlsx.h"

#include "common/config.h"
#include "common/log.h"
#include "common/sbuf.h"
#include "etl/db.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct rcol rollup_cols[] = {
    { "section", "Section", RC_TEXT, 18 },
    { "rank", "Rank", RC_INT, 6 },
    { "name", "Account or name", RC_TEXT, 22 },
    { "accounts", "Accounts (evidence)", RC_INT, 10 },
    { "posts", "Posts in period (evidence)", RC_INT, 10 },
    { "followers_gained", "Followers gained", RC_INT, 11 },
    { "followers_gained_previous", "Followers gained, previous period", RC_INT, 12 },
    { "followers_change", "Change in followers gained", RC_INT, 11 },
    { "cost_usd", "Cost (USD)", RC_USD, 11 },
    { "cost_per_follower_usd", "Cost per follower (USD)", RC_USD_PER, 11 },
    { "roi", "ROI", RC_PCT, 10 },
    { "roi_previous", "ROI, previous period", RC_PCT, 10 },
    { "followers_attributed_7d", "Followers attributed (7 d)", RC_INT, 11 },
    { "followers_per_post_7d", "Followers per post (7 d)", RC_NUM, 11 },
    { "trend", "Trend (followers gained)", RC_TEXT, 34 },
    { "note", "Note", RC_TEXT, 60 },
};
enum { R_SECTION, R_RANK, R_NAME, R_ACCOUNTS, R_POSTS, R_FG, R_FG_PREV, R_FG_CHANGE, R_COST, R_CPF, R_ROI,
       R_ROI_PREV, R_ATTR, R_FPP, R_TREND, R_NOTE, R_NCOLS };

struct board_row {
    const struct account *acct;
    char *v[R_NCOLS]; /* owned copies, NULL = no value */
    bool cost_complete;
    double fg; bool has_fg;
};

static int board_cmp(const void *x, const void *y)
{
    const struct board_row *a = x, *b = y;
    if (a->has_fg != b->has_fg)
        return a->has_fg ? -1 : 1;
    if (a->has_fg && a->fg != b->fg)
        return a->fg > b->fg ? -1 : 1;
    return strcmp(a->acct->handle, b->acct->handle);
}

static char *dupnum(int places, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", places, v);
    return xstrdup(buf);
}

/* "up 120 (+15.2 %) on the previous period" from two follower gains. */
static char *trend_text(const char *cur, const char *prev)
{
    char buf[128];
    if (!cur)
        return xstrdup("no data: no follower samples in the period");
    if (!prev)
        return xstrdup("no previous period to compare");
    double c = strtod(cur, NULL), p = strtod(prev, NULL), d = c - p;
    if (d == 0)
        return xstrdup("flat on the previous period");
    if (p != 0)
        snprintf(buf, sizeof buf, "%s %.0f (%+.1f %%) on the previous period", d > 0 ? "up" : "down", fabs(d),
                 100.0 * d / fabs(p));
    else
        snprintf(buf, sizeof buf, "%s %.0f on the previous period", d > 0 ? "up" : "down", fabs(d));
    return xstrdup(buf);
}

/* One account's leaderboard row, from the same headline query as its own report. */
static int board_account(struct db *db, const char *const *params, struct board_row *b, struct xerr *err)
{
    struct db_res *res;
    int rc;
    if ((rc = db_query(db, "report/headline", 5, params, &res, err)))
        return rc;
    int c_ord = db_col(res, "ord"), c_cur = db_col(res, "cur"), c_prev = db_col(res, "prev");
    int c_chg = db_col(res, "change"), c_note = db_col(res, "note");
    for (int r = 0; r < db_nrows(res); r++) {
        int64_t ord = db_get_int64(res, r, c_ord, 0);
        const char *cur = db_get_text(res, r, c_cur), *prev = db_get_text(res, r, c_prev);
        const char *chg = db_get_text(res, r, c_chg), *note = db_get_text(res, r, c_note);
#define KEEP(col, val) (b->v[col] = (val) ? xstrdup(val) : NULL)
        if (ord == 1) {
            KEEP(R_FG, cur);
            KEEP(R_FG_PREV, prev);
            KEEP(R_FG_CHANGE, chg);
            b->has_fg = cur != NULL;
            b->fg = cur ? strtod(cur, NULL) : 0;
            b->v[R_TREND] = trend_text(cur, prev);
        } else if (ord == 2) {
            KEEP(R_COST, cur);
            b->cost_complete = cur && !note;
            if (note)
                KEEP(R_NOTE, note);
        } else if (ord == 3) {
            KEEP(R_CPF, cur);
        } else if (ord == 4) {
            KEEP(R_ROI, cur);
            KEEP(R_ROI_PREV, prev);
        } else if (ord == 5) {
            KEEP(R_POSTS, cur);
        } else if (ord == 7) {
            KEEP(R_ATTR, cur);
        }
#undef KEEP
    }
    db_res_free(res);
    if (b->v[R_ATTR] && b->v[R_POSTS] && strtod(b->v[R_POSTS], NULL) > 0)
        b->v[R_FPP] = dupnum(2, strtod(b->v[R_ATTR], NULL) / strtod(b->v[R_POSTS], NULL));
    return 0;
}

/* What works across the accounts (dim: 'content_type', 'formula', 'hook'), with its evidence. */
static int rollup_groups(struct db *db, const char *dim, const char *what, const char *const *gp,
                         struct rtab *t, struct xerr *err)
{
    char sec[64], rank[8], note[1024];
    const char *vals[R_NCOLS];
    const char *params[] = { gp[0], gp[1], gp[2], gp[3], dim };
    struct db_res *res;
    int rc;

    if ((rc = db_query(db, "report/rollup_groups", 5, params, &res, err)))
        return rc;
    int c_name = db_col(res, "name"), c_acc = db_col(res, "accounts"), c_posts = db_col(res, "posts");
    int c_fol = db_col(res, "followers"), c_fpp = db_col(res, "followers_per_post");
    int c_attr = db_col(res, "attributed"), c_handles = db_col(res, "handles");
    snprintf(sec, sizeof sec, "best %s", what);
    for (int r = 0; r < db_nrows(res); r++) {
        const char *handles = db_get_text(res, r, c_handles);
        memset(vals, 0, sizeof vals);
        snprintf(rank, sizeof rank, "%d", r + 1);
        snprintf(note, sizeof note, "evidence: %s posts with a 7-day attribution, on %s (%.900s)",
                 db_get_text(res, r, c_attr), !strcmp(db_get_text(res, r, c_acc), "1") ? "1 account" : "these accounts",
                 handles ? handles : "");
        vals[R_SECTION] = sec;
        vals[R_RANK] = rank;
        vals[R_NAME] = db_get_text(res, r, c_name);
        vals[R_ACCOUNTS] = db_get_text(res, r, c_acc);
        vals[R_POSTS] = db_get_text(res, r, c_posts);
        vals[R_ATTR] = db_get_text(res, r, c_fol);
        vals[R_FPP] = db_get_text(res, r, c_fpp);
        vals[R_NOTE] = note;
        rtab_add_row(t, vals);
    }
    if (db_nrows(res) == 0) {
        memset(vals, 0, sizeof vals);
        vals[R_SECTION] = sec;
        snprintf(note, sizeof note, "no data: none with %d or more attributed posts in the period", REPORT_MIN_POSTS);
        vals[R_NOTE] = note;
        rtab_add_row(t, vals);
    }
    db_res_free(res);
    return 0;
}

/* The agency's totals row: a sum only where every account's part is known (v: value of a follower). */
static void agency_row(const struct board_row *b, int nacc, double v, struct rtab *t)
{
    double fg = 0, fg_prev = 0, cost = 0, posts = 0, attr = 0;
    bool all_fg = true, any_fg = false, all_prev = true, all_cost = true, any_attr = false;
    struct sbuf missing = SBUF_INIT, no_fg = SBUF_INIT;
    sbuf_init(&missing);
    sbuf_init(&no_fg);
    for (int i = 0; i < nacc; i++) {
        /* An account without follower samples (new, or import-only) is left out of the total, by name. */
        if (b[i].has_fg) {
            fg += b[i].fg;
            any_fg = true;
            if (b[i].v[R_FG_PREV])
                fg_prev += strtod(b[i].v[R_FG_PREV], NULL);
            else
                all_prev = false;
        } else {
            all_fg = false;
            sbuf_addf(&no_fg, "%s%s", no_fg.len ? ", " : "", b[i].acct->handle);
        }
        if (b[i].cost_complete)
            cost += strtod(b[i].v[R_COST], NULL);
        else {
            all_cost = false;
            sbuf_addf(&missing, "%s%s", missing.len ? ", " : "", b[i].acct->handle);
        }
        posts += b[i].v[R_POSTS] ? strtod(b[i].v[R_POSTS], NULL) : 0;
        if (b[i].v[R_ATTR]) {
            attr += strtod(b[i].v[R_ATTR], NULL);
            any_attr = true;
        }
    }

    /* The agency's totals: a sum only where every account's part is known. */
    {
        const char *vals[R_NCOLS] = { 0 };
        char n[16], note[1024];
        char *sfg = any_fg ? dupnum(0, fg) : NULL, *sprev = any_fg && all_prev ? dupnum(0, fg_prev) : NULL;
        char *schg = sfg && sprev ? dupnum(0, fg - fg_prev) : NULL;
        char *scost = all_cost ? dupnum(2, cost) : NULL;
        char *scpf = all_cost && all_fg && fg > 0 ? dupnum(4, cost / fg) : NULL;
        char *sroi = all_cost && all_fg && cost > 0 && isfinite(v) ? dupnum(4, (fg * v - cost) / cost) : NULL;
        char *sposts = dupnum(0, posts), *sattr = any_attr ? dupnum(0, attr) : NULL;
        char *sfpp = any_attr && posts > 0 ? dupnum(2, attr / posts) : NULL;
        char *strend = trend_text(sfg, sprev);
        snprintf(n, sizeof n, "%d", nacc);
        struct sbuf nb = SBUF_INIT;
        sbuf_init(&nb);
        if (!all_fg)
            sbuf_addf(&nb, "followers gained without %s (no follower samples); ", no_fg.buf);
        if (!all_cost)
            sbuf_addf(&nb, "cost, cost per follower and ROI need every account's whole cost; not complete for: %s",
                      missing.buf);
        else if (!isfinite(v))
            sbuf_adds(&nb, "no ROI: value.per_follower_usd not set");
        snprintf(note, sizeof note, "%s", nb.buf);
        sbuf_release(&nb);
        size_t nl = strlen(note);
        if (nl >= 2 && !strcmp(note + nl - 2, "; "))
            note[nl - 2] = '\0';
        vals[R_SECTION] = "agency";
        vals[R_NAME] = "all accounts";
        vals[R_ACCOUNTS] = n;
        vals[R_POSTS] = sposts;
        vals[R_FG] = sfg;
        vals[R_FG_PREV] = sprev;
        vals[R_FG_CHANGE] = schg;
        vals[R_COST] = scost;
        vals[R_CPF] = scpf;
        vals[R_ROI] = sroi;
        vals[R_ATTR] = sattr;
        vals[R_FPP] = sfpp;
        vals[R_TREND] = strend;
        vals[R_NOTE] = note[0] ? note : NULL;
        rtab_add_row(t, vals);
        free(sfg), free(sprev), free(schg), free(scost), free(scpf), free(sroi), free(sposts), free(sattr);
        free(sfpp), free(strend);
    }
    sbuf_release(&missing);
    sbuf_release(&no_fg);
}

int report_rollup_gather(struct db *db, const struct config *cfg, const struct account_list *accts,
                         const struct stage_args *a, struct rollup_data *d, struct xerr *err)
{
    char id[32], from[40], to[40], pfrom[40], vbuf[64], minp[16];
    const char *value = config_get(cfg, "value.per_follower_usd");
    double v = NAN;
    struct board_row *b = NULL;
    struct sbuf ids = SBUF_INIT;
    int rc = 0;

    memset(d, 0, sizeof *d);
    d->range = a->range;
    d->prev.to = a->range.from;
    d->prev.from = a->range.from - (a->range.to - a->range.from);
    d->as_of = a->as_of;
    d->n_accounts = accts->n;
    xtime_format_date(a->range.from, d->from_date, sizeof d->from_date);
    xtime_format_date(a->range.to - 1, d->to_date, sizeof d->to_date);
    snprintf(d->base, sizeof d->base, "xetl-rollup-%s_%s", d->from_date, d->to_date);
    rtab_init(&d->rows, rollup_cols, R_NCOLS);
    if (a->range.to <= a->range.from)
        return xerr_set(err, XETL_EX_USAGE, "report: empty range");
    if ((rc = report_file_mode(cfg, &d->file_mode, err)))
        return rc;
    if (value && *value && (rc = config_get_double(cfg, "value.per_follower_usd", &v, err)))
        return rc;
    const char *params[5] = { id, db_fmt_time(from, sizeof from, a->range.from), db_fmt_time(to, sizeof to, a->range.to),
                              db_fmt_time(pfrom, sizeof pfrom, d->prev.from),
                              isfinite(v) ? db_fmt_double(vbuf, sizeof vbuf, v) : NULL };

    /* The leaderboard: each account as its own report's headline says. */
    b = xcalloc((size_t)accts->n + 1, sizeof *b);
    sbuf_init(&ids);
    sbuf_adds(&ids, "{");
    for (int i = 0; i < accts->n && !rc; i++) {
        snprintf(id, sizeof id, "%lld", (long long)accts->v[i].id);
        sbuf_addf(&ids, "%s%s", i ? "," : "", id);
        b[i].acct = &accts->v[i];
        rc = board_account(db, params, &b[i], err);
    }
    sbuf_adds(&ids, "}");
    if (rc)
        goto out;
    qsort(b, (size_t)accts->n, sizeof *b, board_cmp);

    for (int i = 0; i < accts->n; i++) {
        char rank[8];
        snprintf(rank, sizeof rank, "%d", i + 1);
        b[i].v[R_SECTION] = xstrdup("leaderboard");
        b[i].v[R_RANK] = xstrdup(rank);
        b[i].v[R_NAME] = xstrdup(b[i].acct->handle);
        b[i].v[R_ACCOUNTS] = xstrdup("1");
        rtab_add_row(&d->rows, (const char *const *)b[i].v);
    }
    agency_row(b, accts->n, v, &d->rows);

    /* What works across the accounts, with its evidence. */
    snprintf(minp, sizeof minp, "%d", REPORT_MIN_POSTS);
    const char *gp[4] = { ids.buf, from, to, minp };
    if ((rc = rollup_groups(db, "content_type", "content types", gp, &d->rows, err)) ||
        (rc = rollup_groups(db, "formula", "formulas", gp, &d->rows, err)) ||
        (rc = rollup_groups(db, "hook", "hooks", gp, &d->rows, err)))
        goto out;
out:
    for (int i = 0; b && i < accts->n; i++)
        for (int c = 0; c < R_NCOLS; c++)
            free(b[i].v[c]);
    free(b);
    sbuf_release(&ids);
    if (rc)
        xerr_prefix(err, "roll-up: ");
    return rc;
}

void report_rollup_release(struct rollup_data *d)
{
    rtab_release(&d->rows);
}

int report_rollup(struct db *db, const struct config *cfg, const struct account_list *accts,
                  const struct stage_args *a, const struct report_opts *opts, struct report_files *files,
                  struct stage_counts *counts, struct xerr *err)
{
    struct rollup_data d;
    char path[4096];
    int rc;

    if ((rc = report_rollup_gather(db, cfg, accts, a, &d, err)) || (rc = report_mkdir_p(opts->out_dir, err)))
        goto out;
    int swept = report_sweep_tmp(opts->out_dir);
    if (swept)
        log_info("roll-up: removed %d temporary file%s left by a killed run", swept, swept == 1 ? "" : "s");
    if (opts->csv) {
        snprintf(path, sizeof path, "%s/%s.csv", opts->out_dir, d.base);
        if ((rc = csvout_write(&d.rows, path, d.file_mode, err)))
            goto out;
        report_files_add(files, path, counts);
    }
    if (opts->xlsx) {
        snprintf(path, sizeof path, "%s/%s.xlsx", opts->out_dir, d.base);
        if ((rc = xlsx_write_rollup(&d, path, err)))
            goto out;
        report_files_add(files, path, counts);
    }
    log_info("roll-up %s..%s: %d account%s", d.from_date, d.to_date, d.n_accounts, d.n_accounts == 1 ? "" : "s");
out:
    report_rollup_release(&d);
    return rc;
}
