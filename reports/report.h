/*
 * reports/report.h — the ROI report of one account over one date range.
 *
 * report_generate() gathers the tables of the report from the database
 * (summary beside the previous period of the same length, posts, content
 * types, formulas, hooks, attribution, daily health, the best-time heatmap
 * and the fitted engagement curves of the top posts) into a struct
 * report_data, then hands it to the writers: reports/csv_out.h (one CSV per
 * table) and reports/xlsx.h (one workbook).  The per-post tables are
 * streamed (struct rtab), not held, so memory does not grow with the number
 * of posts; it all runs in one read-only snapshot.  Every file is written under a
 * temporary name and renamed into place, so a crash never leaves a half file
 * under its final name.
 *
 * It reads only: it never writes to the database, and it works on whatever
 * the other stages have written so far (empty learning or attribution tables
 * give "no data" sections, not errors).  It is not a general table exporter:
 * the tables and their columns are the ones docs/reports.md defines.
 */
#ifndef XETL_REPORT_H
#define XETL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/stage.h"
#include "common/xerr.h"
#include "common/xtime.h"
#include "etl/accounts.h"

struct db;
struct db_rows;
struct config;

/* How a column's values are typed: CSV writes them all as text; XLSX formats by kind. */
enum rcol_kind {
    RC_TEXT,   /* free text */
    RC_ID,     /* an X id: always text (Excel would round it to 15 digits) */
    RC_TIME,   /* ISO 8601 UTC timestamp text "YYYY-MM-DDTHH:MM:SSZ" */
    RC_DATE,   /* "YYYY-MM-DD" */
    RC_INT,    /* a count (thousands separator) */
    RC_NUM,    /* a decimal number, 2 places shown */
    RC_PCT,    /* a fraction shown as a percentage (0.0123 = 1.23 %) */
    RC_USD,    /* money in US dollars */
    RC_SCORE,  /* a probability or score in [0, 1], 3 places shown */
    RC_UNIT,   /* summary only: the row's value kind ("count", "usd", "ratio", "score") */
    RC_USD_PER, /* money per unit (cost per follower): 3 places shown, on every sheet */
};

/*
 * Groups (content types, formulas, hooks) with fewer posts than this in the
 * period, or arms with fewer matured posts, are listed but never ranked best
 * or worst, coloured or charted: two lucky posts are not evidence.
 */
#define REPORT_MIN_POSTS 5

struct rcol {
    const char *name;   /* CSV header (snake_case) */
    const char *label;  /* XLSX header, for people; says "in period" or "lifetime" */
    enum rcol_kind kind;
    double width;       /* XLSX column width in characters */
    bool page_before;   /* XLSX print: a wide sheet starts a new page (column group) here */
};

#define RTAB_MAX_COLS 32

/*
 * One table: nrows x ncols cells of text (NULL = no value), as PostgreSQL
 * printed them.  A small table is gathered (cells held); a per-post one is
 * streamed: no cells are held, nrows and nonnull come from a count over its
 * query, and each writer reads the rows again from the query through
 * rtab_rows_open() (in the report's one read-only snapshot, so the counts
 * and the rows agree), so memory does not grow with the number of posts.
 */
struct rtab {
    const struct rcol *cols;
    int ncols;
    int nrows;
    int cap_rows;       /* rows allocated */
    char **cells;       /* row-major; owned; NULL when streamed */
    long nonnull[RTAB_MAX_COLS]; /* cells with a value, per column */
    /* Streamed tables: the statement's name (sql/queries/report/) and its parameters (not owned). */
    struct db *db;
    const char *sql;
    int nparams;
    const char *const *params;
    /* Every row a reader reads is also handed to tee, when set (one pass writes two files). */
    int (*tee)(void *arg, const char *const *vals, struct xerr *err);
    void *tee_arg;
};

/* A gathered table's cell; never for a streamed one (use rtab_rows_*). */
static inline const char *rtab_cell(const struct rtab *t, int row, int col)
{
    return t->cells[(long)row * t->ncols + col];
}

/* Reads a table's rows in order, gathered or streamed alike. */
struct rtab_rows {
    const struct rtab *t;
    int row;                       /* rows read so far */
    struct db_rows *it;            /* streamed: the query being read */
    const char *vals[RTAB_MAX_COLS]; /* the current row (valid until the next call) */
};
int rtab_rows_open(struct rtab_rows *r, const struct rtab *t, struct xerr *err);
/* 1 with the row in r->vals, 0 after the last (never more than t->nrows), or an exit status. */
int rtab_rows_next(struct rtab_rows *r, struct xerr *err);
void rtab_rows_close(struct rtab_rows *r);

#define REPORT_CURVE_POSTS 5
#define REPORT_CURVE_AGES 16

struct report_data {
    struct account acct;
    struct xrange range;       /* [from, to) */
    struct xrange prev;        /* the previous period of the same length */
    int64_t as_of;
    char from_date[11];        /* YYYY-MM-DD */
    char to_date[11];          /* YYYY-MM-DD, inclusive (the day before range.to) */
    char base[128];            /* "xetl-roi-H-FROM_TO" */
    char q_id[32], q_from[40], q_to[40]; /* the parameters of the streamed tables' queries */
    const char *q_params[3];
    mode_t file_mode;          /* of the files written (report.file_mode) */

    struct rtab summary;       /* headline + best/worst rows */
    struct rtab posts;         /* streamed */
    struct rtab content_types;
    struct rtab formulas;
    struct rtab hooks;
    struct rtab attribution;   /* streamed */
    struct rtab daily;

    /* Best time to post: mean attributed followers per post by UTC weekday (0 = Monday) and hour. */
    int heat_days;             /* lookback of the heatmap, in days up to range.to */
    double heat[7][24];        /* NAN where no post */
    int heat_n[7][24];

    /*
     * Followers gained since the start of the period, day by day, for this
     * period and the previous one (n_gain days each; NAN where unknown): the
     * Summary's trend chart.  Malloc'd; report_data_release frees them.
     */
    int n_gain;
    double *gain_cur, *gain_prev;

    /* Fitted cumulative likes of the top posts at fixed ages (stats/decay's Lomax curve). */
    int n_curves;
    char curve_label[REPORT_CURVE_POSTS][64];
    double curve_age_h[REPORT_CURVE_AGES];
    double curve[REPORT_CURVE_AGES][REPORT_CURVE_POSTS];
};

/* Which files to write and where. */
struct report_opts {
    const char *out_dir;   /* created when missing */
    bool csv;
    bool xlsx;
};

/* The paths written by one report_generate() call (malloc'd; report_files_release frees). */
struct report_files {
    char **paths;
    int n;
};

/*
 * Parses a format list such as "csv,xlsx" (either or both) into opts.
 * Returns 0 or 64 naming the unknown format.
 */
int report_parse_formats(const char *s, struct report_opts *opts, struct xerr *err);

/*
 * The file base name of a report, "xetl-roi-H-FROM_TO" (FROM/TO dates, TO
 * inclusive: the day before r->to).
 */
void report_base_name(const char *handle, const struct xrange *r, char *out, size_t n);

/*
 * Gathers the report of one account for a->range (as of a->as_of) and writes
 * the files opts asks for.  Appends each path written to *files (which may
 * already hold paths of other accounts).  Returns 0 or an exit status.
 */
int report_generate(struct db *db, const struct config *cfg, const struct account *acct,
                    const struct stage_args *a, const struct report_opts *opts,
                    struct report_files *files, struct stage_counts *counts, struct xerr *err);

/*
 * The agency roll-up: one table across the accounts of a run for one range,
 * in sections — "leaderboard" (one row per account: followers gained, cost,
 * cost per follower, ROI, each beside the previous period, and the trend),
 * "agency" (their totals), and "best content types" / "best formulas" /
 * "best hooks" across accounts with their evidence (accounts, posts,
 * followers attributed).  Columns: docs/reports.md.
 */
struct rollup_data {
    struct xrange range, prev;
    int64_t as_of;
    char from_date[11], to_date[11];
    char base[64];             /* "xetl-rollup-FROM_TO" */
    int n_accounts;
    struct rtab rows;
    mode_t file_mode;          /* of the files written (report.file_mode) */
};

/*
 * Gathers and writes xetl-rollup-FROM_TO.csv and .xlsx (as opts asks) for
 * the accounts of accts over a->range, appending the paths to *files.
 */
int report_rollup(struct db *db, const struct config *cfg, const struct account_list *accts,
                  const struct stage_args *a, const struct report_opts *opts, struct report_files *files,
                  struct stage_counts *counts, struct xerr *err);
int report_rollup_gather(struct db *db, const struct config *cfg, const struct account_list *accts,
                         const struct stage_args *a, struct rollup_data *d, struct xerr *err);
void report_rollup_release(struct rollup_data *d);

/* The stage contract: report_generate() with report.out and report.format from cfg; the
 * paths written are appended to a->files when it is set. */
int report_run(struct db *db, const struct config *cfg, const struct account *acct,
               const struct stage_args *a, struct stage_counts *counts, struct xerr *err);

/*
 * Only the gathering part: fills *d; report_data_release frees it.  The
 * streamed tables keep db and point into *d (their query parameters): read
 * them while db is open, in the same transaction, without moving *d.
 */
int report_gather(struct db *db, const struct config *cfg, const struct account *acct,
                  const struct stage_args *a, struct report_data *d, struct xerr *err);
void report_data_release(struct report_data *d);

void report_files_release(struct report_files *f);

/*
 * Atomic output helpers shared by the writers: report_tmp_open() creates a
 * fresh temp file in the same directory ("DIR/.NAME.tmp-HOST-PID.XXXXXX",
 * O_EXCL, mode 0600; report_tmp_name() gives the part before ".XXXXXX") and
 * returns its descriptor, or minus an exit status with err set; then
 * report_commit_file() sets the file's mode, fsyncs it, renames it to its
 * final name and fsyncs the directory.
 */
void report_tmp_name(const char *final_path, char *out, size_t n);
int report_tmp_open(const char *final_path, char *tmp, size_t n, struct xerr *err);
int report_commit_file(const char *tmp_path, const char *final_path, mode_t mode, struct xerr *err);

/*
 * A run of many accounts defers those two fsyncs: after report_defer_sync(true)
 * (inherited by forked workers) report_commit_file() only sets the mode and
 * renames, and report_sync_files() makes the run's files and their
 * directories durable in one pass before the run counts as done.  Beside a
 * busy database every fsync waits for the filesystem's journal to commit the
 * server's writes too (seconds each at agency scale), and a worker waiting
 * there does no other account's work.  A run that dies before the pass is
 * not done, and its rerun writes the files again.  report_sync_files()
 * returns 0, or an exit status with err naming the file (report_io_error).
 */
void report_defer_sync(bool on);
int report_sync_files(const struct report_files *files, struct xerr *err);

/* Mode of report files: report.file_mode (octal), REPORT_FILE_MODE when unset; bad value → 78. */
#define REPORT_FILE_MODE 0640
int report_file_mode(const struct config *cfg, mode_t *mode, struct xerr *err);

/*
 * Exit class of a failed write: ENOSPC, EFBIG (the file size limit) and
 * EDQUOT → 74; a path that cannot be made (EACCES, ENOENT, ENOTDIR, EEXIST,
 * EROFS, …) → 73; anything else → 70.  report_io_error() sets err saying what
 * failed on path, and returns that class.
 */
int report_io_code(int e);
int report_io_error(struct xerr *err, int e, const char *what, const char *path);
/*
 * Removes "DIR/.xetl-roi-*.tmp-HOST-PID" files that a writer on this host
 * left when it was killed (PID no longer runs and the file is older than
 * REPORT_TMP_STALE_S), whatever account or range they were for.  Returns
 * how many were removed.
 */
#define REPORT_TMP_STALE_S (15 * 60)
int report_sweep_tmp(const char *dir);

#endif
