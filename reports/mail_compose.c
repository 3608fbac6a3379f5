/*
 * reports/mail_compose.c — the subject and body of a report mail
 * (mail_compose, mail.h), from the reports' own CSV files.
 *
 * A CSV is read back into rows of named cells: its header row says which
 * column is which, so the mail follows the report's column tables by name
 * (docs/reports.md), never by position; the figures then travel as
 * struct mail_headline / struct mail_board rows.
 */
#include "reports/mail.h"

#include "common/sbuf.h"
#include "etl/csv_in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one report contributes to the subject and body. */
struct report_ref {
    char base[160];      /* xetl-roi-H-FROM_TO */
    char dir[4096];
    char handle[64];
    char from[11], to[11];
};

/* Parses ".../xetl-roi-H-YYYY-MM-DD_YYYY-MM-DD[-x].{csv,xlsx}"; false when not a report name. */
static bool parse_report_name(const char *path, struct report_ref *r)
{
    const char *name = strrchr(path, '/');
    const char *p, *us;
    size_t hl;

    name = name ? name + 1 : path;
    if (strncmp(name, "xetl-roi-", 9))
        return false;
    p = name + 9;
    /* Handles are [A-Za-z0-9_]: the first '-' ends it. */
    hl = strcspn(p, "-");
    if (hl == 0 || hl >= sizeof r->handle || p[hl] != '-')
        return false;
    us = p + hl + 1;
    if (strlen(us) < 21 || us[10] != '_')
        return false;
    memcpy(r->handle, p, hl);
    r->handle[hl] = '\0';
    memcpy(r->from, us, 10);
    r->from[10] = '\0';
    memcpy(r->to, us + 11, 10);
    r->to[10] = '\0';
    snprintf(r->base, sizeof r->base, "%.*s", (int)(us + 21 - name), name);
    snprintf(r->dir, sizeof r->dir, "%.*s", (int)(name - path), path);
    return true;
}

/* ------------------------------------------------------------ a CSV read back by column name */

#define CSV_COLS 32

/*
 * Reads path with the project's one CSV reader (etl/csv_in.h), handing each
 * data row's wanted columns (want: names from the report's column tables,
 * NULL-terminated) to row() as vals[k] ("" when absent); false when the
 * file cannot be opened.
 */
static bool csv_read_named(const char *path, const char *const *want, void (*row)(void *, const char *const *),
                           void *arg)
{
    struct csv_in *in;
    const struct csv_record *rec;
    struct xerr err = { 0 };
    int idx[CSV_COLS], nwant = 0;
    bool header = true;

    if (csv_in_open(path, &in, &err))
        return false;
    while (want[nwant] && nwant < CSV_COLS)
        idx[nwant++] = -1;
    while (csv_in_next(in, &rec, &err) == 0 && rec) {
        if (rec->error)
            continue;
        if (header) {
            for (int k = 0; k < nwant; k++)
                for (int i = 0; i < rec->nfields; i++)
                    if (!strcmp(rec->fields[i], want[k]))
                        idx[k] = i;
            header = false;
            continue;
        }
        const char *vals[CSV_COLS];
        for (int k = 0; k < nwant; k++)
            vals[k] = idx[k] >= 0 && idx[k] < rec->nfields ? rec->fields[idx[k]] : "";
        row(arg, vals);
    }
    csv_in_close(in);
    return true;
}

/* ------------------------------------------------------------ the lines of the mail */

static void fmt_value(const char *unit, const char *v, char *out, size_t n)
{
    double x;
    char *end;
    if (!v || !*v) {
        snprintf(out, n, "no data");
        return;
    }
    x = strtod(v, &end);
    if (*end) {
        snprintf(out, n, "%s", v);
    } else if (unit && !strcmp(unit, "ratio")) {
        snprintf(out, n, "%.2f%%", x * 100.0);
    } else if (unit && !strcmp(unit, "usd")) {
        snprintf(out, n, "$%.2f", x);
    } else {
        snprintf(out, n, "%s", v);
    }
}

void mail_headline_line(const struct mail_headline *h, struct sbuf *body, char *followers, size_t n)
{
    char cur[64], prev[64];
    fmt_value(h->unit, h->current, cur, sizeof cur);
    fmt_value(h->unit, h->previous, prev, sizeof prev);
    sbuf_addf(body, "  %-30s %14s   (previous period %s)\n", h->item, cur, prev);
    if (!strcmp(h->item, "followers gained") && h->current[0])
        snprintf(followers, n, "%s", h->current);
}

void mail_board_line(const struct mail_board *b, struct sbuf *body)
{
    char cost[64], roi[64];
    bool agency = !strcmp(b->section, "agency");
    fmt_value("usd", b->cost_usd, cost, sizeof cost);
    fmt_value("ratio", b->roi, roi, sizeof roi);
    sbuf_addf(body, "  %-2s %-18s %8s followers  cost %-10s ROI %-10s %s\n", agency ? "" : b->rank,
              agency ? "all accounts" : b->name, b->followers_gained[0] ? b->followers_gained : "no data", cost, roi,
              b->trend);
}

/* The summary CSV's headline rows (its columns: reports/report_gather.c summary_cols). */
struct summary_read {
    struct sbuf *body;
    char followers[64];
};

static void on_summary_row(void *arg, const char *const *v)
{
    struct summary_read *s = arg;
    if (strcmp(v[0], "headline"))
        return;
    struct mail_headline h = { .item = v[1], .unit = v[2], .current = v[3], .previous = v[4] };
    mail_headline_line(&h, s->body, s->followers, sizeof s->followers);
}

/* Appends the headline of one report to body; followers gets the followers figure or "". */
static void read_summary(const struct report_ref *r, struct sbuf *body, char *followers, size_t n)
{
    static const char *const want[] = { "section", "item", "unit", "current", "previous", NULL };
    char path[4400];
    struct summary_read s = { .body = body };

    snprintf(path, sizeof path, "%s%s-summary.csv", r->dir, r->base);
    if (!csv_read_named(path, want, on_summary_row, &s))
        sbuf_addf(body, "  (no summary: %s-summary.csv not found)\n", r->base);
    snprintf(followers, n, "%s", s.followers);
}

/* The roll-up CSV's leaderboard and agency rows (its columns: reports/rollup.c rollup_cols). */
struct rollup_read {
    struct sbuf out;
    char followers[64]; /* the agency's, "" when unknown */
    int accounts;
};

static void on_rollup_row(void *arg, const char *const *v)
{
    struct rollup_read *r = arg;
    if (strcmp(v[0], "leaderboard") && strcmp(v[0], "agency"))
        return;
    struct mail_board b = { .section = v[0], .rank = v[1], .name = v[2], .followers_gained = v[4],
                            .cost_usd = v[5], .roi = v[6], .trend = v[7] };
    mail_board_line(&b, &r->out);
    if (!strcmp(v[0], "agency")) {
        snprintf(r->followers, sizeof r->followers, "%s", v[4]);
        r->accounts = atoi(v[3]);
    }
}

/* A roll-up among the files: "xetl-rollup-FROM_TO.csv|.xlsx" — its body section and subject. */
static bool read_rollup(char *const *files, int nfiles, struct sbuf *subj, struct sbuf *text)
{
    static const char *const want[] = { "section", "rank",     "name", "accounts", "followers_gained",
                                        "cost_usd", "roi",     "trend", NULL };
    for (int i = 0; i < nfiles; i++) {
        const char *name = strrchr(files[i], '/');
        name = name ? name + 1 : files[i];
        if (strncmp(name, "xetl-rollup-", 12) || strlen(name) < 33 || name[22] != '_')
            continue;
        char path[4400], from[11], to[11];
        struct rollup_read r = { .accounts = 0 };
        memcpy(from, name + 12, 10);
        from[10] = '\0';
        memcpy(to, name + 23, 10);
        to[10] = '\0';
        snprintf(path, sizeof path, "%.*sxetl-rollup-%s_%s.csv", (int)(name - files[i]), files[i], from, to);
        sbuf_init(&r.out);
        bool found = csv_read_named(path, want, on_rollup_row, &r);
        sbuf_addf(subj, "xetl ROI roll-up %s to %s: %s%s followers across %d account%s", from, to,
                  r.followers[0] && r.followers[0] != '-' ? "+" : "", r.followers[0] ? r.followers : "no data on",
                  r.accounts, r.accounts == 1 ? "" : "s");
        sbuf_addf(text, "Agency roll-up, %s to %s (most followers gained first):\n%s\n", from, to,
                  found ? r.out.buf : "  (no roll-up CSV beside the workbook)\n");
        sbuf_release(&r.out);
        return true;
    }
    return false;
}

void mail_compose(char *const *files, int nfiles, char **subject, char **body)
{
    struct sbuf subj, text;
    struct report_ref seen[16];
    int nseen = 0;

    sbuf_init(&subj);
    sbuf_init(&text);
    /* A roll-up leads: its subject names the agency's total; the accounts follow in the body. */
    bool rollup = read_rollup(files, nfiles, &subj, &text);
    for (int i = 0; i < nfiles && nseen < 16; i++) {
        struct report_ref r;
        bool dup = false;
        if (!parse_report_name(files[i], &r))
            continue;
        for (int j = 0; j < nseen; j++)
            dup = dup || (!strcmp(seen[j].base, r.base) && !strcmp(seen[j].dir, r.dir));
        if (!dup)
            seen[nseen++] = r;
    }
    if (nseen == 0 && !rollup) {
        sbuf_addf(&subj, "xetl: %d file%s", nfiles, nfiles == 1 ? "" : "s");
        sbuf_adds(&text, "Files from xetl are attached.\n");
    }
    for (int j = 0; j < nseen; j++) {
        char followers[64], head[96];
        sbuf_addf(&text, "%s@%s, %s to %s\n", j ? "\n" : "", seen[j].handle, seen[j].from, seen[j].to);
        read_summary(&seen[j], &text, followers, sizeof followers);
        if (followers[0])
            snprintf(head, sizeof head, "%s%s followers", followers[0] == '-' ? "" : "+", followers);
        else
            snprintf(head, sizeof head, "followers gained: no data");
        if (rollup)
            continue;
        if (j == 0)
            sbuf_addf(&subj, "xetl ROI @%s %s to %s: %s", seen[j].handle, seen[j].from, seen[j].to, head);
        else if (j < 4)
            sbuf_addf(&subj, "; @%s: %s", seen[j].handle, head);
        else if (j == 4)
            sbuf_adds(&subj, "; ...");
    }
    sbuf_adds(&text, "\nAttached:\n");
    for (int i = 0; i < nfiles; i++) {
        const char *b = strrchr(files[i], '/');
        sbuf_addf(&text, "  %s\n", b ? b + 1 : files[i]);
    }
    sbuf_adds(&text, "\nColumns are defined in reports.md, installed with xetl as " XETL_DOCDIR "/reports.md\n"
                     "(docs/reports.md in its source).\n");
    *subject = sbuf_detach(&subj);
    *body = sbuf_detach(&text);
}
