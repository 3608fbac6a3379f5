/*
 * etl/import.h — X analytics CSV exports into the database.
 *
 * For: the legacy per-post "tweet activity" export, the current per-post
 * "content" export and the daily "account overview" export (docs/import.md).
 * The format is detected from the header row, columns are matched by name
 * (case-insensitive, any order), unknown columns are kept in the row's
 * metadata.  Each file is one transaction: its rows are COPYed into a
 * temporary staging table as the file is read, then upserted into
 * performance_snapshots (source 'import'), xetl.posts,
 * tweet_analytics_comprehensive, xetl.platform_follows and xetl.daily_follows
 * by the statements of sql/queries/import/, so importing the same file twice
 * changes nothing.  Rows that cannot load go to xetl.import_rejects
 * with file, line, raw text and reason; the good rows of the file still load.
 *
 * Not for: calling the X API (etl/pull), deriving models from what is
 * loaded (fit, attribute), printing (the command summarises on stderr).
 */
#ifndef XETL_IMPORT_H
#define XETL_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/xerr.h"

struct db;
struct account;

enum import_format {
    IMPORT_UNKNOWN = 0,
    IMPORT_TWEET_ACTIVITY,   /* legacy per-post export: "Tweet id", "time", ... */
    IMPORT_CONTENT,          /* current per-post export: "Post id", "Date", ... */
    IMPORT_OVERVIEW,         /* current per-day export: "Date", "New follows", ... */
};

/* "tweet activity", "content", "account overview" or "unknown". */
const char *import_format_name(enum import_format f);

struct import_opts {
    const char *path;        /* file to read; "-" = standard input */
    int64_t as_of;           /* used when as_of_given */
    bool as_of_given;        /* else the export's own date range end */
    int64_t run_id;          /* xetl.runs row, 0 when none */
    int max_listed_rejects;  /* how many rejects to keep in the result (0 = 10) */
    bool any_handle;         /* load an export whose every permalink names another handle */
};

struct import_reject_note {
    long line;
    char reason[200];
};

struct import_result {
    enum import_format format;
    char source_file[256];   /* base name recorded in the tables ("-" for stdin) */
    char sha256[65];
    int64_t as_of;
    char as_of_source[64];   /* "--as-of", "file name range", "latest date in the file" */
    long records;            /* data records read (header excluded) */
    long loaded;             /* rows written (per post or per day) */
    long rejects;            /* rows rejected, all causes */
    long snapshots;          /* performance_snapshots rows inserted or changed */
    long new_posts;          /* xetl.posts rows created */
    long other_handle;       /* loaded rows whose permalink names another handle than the account's */
    long linked;             /* loaded rows with an x.com/twitter.com permalink */
    char other_handle_name[64]; /* the handle most of those name */
    struct import_reject_note *notes; /* the first rejects (caller frees with import_result_release) */
    int n_notes;
};

/*
 * Imports one export file for one account.  Returns 0 when every row loaded;
 * XETL_EX_DATAERR (65) when rows were rejected (the others loaded, err says
 * how many) or the file is not a known export (nothing loaded); 66 when the
 * file cannot be opened; 69/70 for database failures (the file's
 * transaction is rolled back).  res is filled in every case it can be.
 */
int import_file(struct db *db, const struct account *acct, const struct import_opts *o,
                struct import_result *res, struct xerr *err);
void import_result_release(struct import_result *res);

/*
 * Reads an export from f and validates every row as import_file does, with no
 * database (for tests and the fuzzer): res gets the format, records, loaded
 * (rows that would be staged), rejects and SHA-256.  The checks the database
 * makes (a repeated id, another account's post) are not made.  0, or 65.
 */
int import_check_stream(FILE *f, struct import_result *res, struct xerr *err);

/* Detects the export format from a header row (etl/import_cols.h maps the columns). */
enum import_format import_detect(char *const *fields, int n);

#endif
