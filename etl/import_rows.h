/*
 * etl/import_rows.h — one export's data records, validated and staged.
 *
 * For: deciding, record by record, whether a row can load (its fields, their
 * values, the as-of) and writing it to the file's staging table through one
 * COPY (etl/db.h's row writer): a row that loads as its typed columns, its
 * other values as metadata JSON; a row that cannot as its line, its raw text
 * (made valid UTF-8) and the reason.  Both go to the same table, so one COPY
 * carries the whole file while it is read.
 *
 * The staging tables' columns (sql/queries/import/stage_tables.sql), in order:
 *   import_stage: line, raw, reason, tweet_id, posted_at, text, permalink,
 *                 impressions, engagements, engagement_rate, retweets, replies,
 *                 likes, quotes, bookmarks, profile_clicks, url_clicks,
 *                 hashtag_clicks, detail_expands, media_views,
 *                 media_engagements, follows, impressions_promoted, extra
 *   import_days:  line, raw, reason, day, new_follows, unfollows, metrics
 *
 * Not for: the database's own checks (a repeated id, another account's post:
 * etl/import.c runs them on the staged rows).
 */
#ifndef XETL_IMPORT_ROWS_H
#define XETL_IMPORT_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sbuf.h"
#include "common/xerr.h"
#include "etl/csv_in.h"
#include "etl/import.h"
#include "etl/import_cols.h"

struct db_copy;

struct import_rows {
    /* set by the caller */
    const struct colmap *map;
    enum import_format format;
    bool as_of_given;       /* a row posted after as_of is refused */
    int64_t as_of;
    struct csv_in *in;      /* to split a record that swallowed rows */
    struct db_copy *copy;   /* the staging COPY; NULL: validate and count only */
    /* kept by import_rows_* */
    long staged, rejects;
    int64_t max_t;          /* latest time of a staged row, when any_t */
    bool any_t;
    struct sbuf json, raw;
};

/* The COPY statement for a format's staging table (import_days for the overview). */
const char *import_rows_copy_sql(enum import_format f);

void import_rows_init(struct import_rows *R);
void import_rows_release(struct import_rows *R);

/* Validates one data record and stages it or its reject.  0, or the COPY's failure. */
int import_rows_take(struct import_rows *R, const struct csv_record *rec, struct xerr *err);

/* Stages rec as a reject with reason why (already one line of text). */
int import_rows_reject(struct import_rows *R, const struct csv_record *rec, const char *why, struct xerr *err);

#endif
