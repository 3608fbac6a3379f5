/*
 * common/stage.h — what every pipeline stage reports back.
 *
 * Each stage of the nightly job is a library function of the form
 *
 *     int STAGE_run(struct db *db, const struct config *cfg,
 *                   const struct account *acct, const struct stage_args *a,
 *                   struct stage_counts *counts, struct xerr *err);
 *
 * returning 0 or an exit status with err set.  A stage commits its own work
 * atomically (one transaction per account, or per batch with an idempotent
 * key) so that a killed run, rerun, ends with the same tables.  The command
 * (cli/cmd_STAGE.c) and `nightly`/`rerun` both call it.
 */
#ifndef XETL_STAGE_H
#define XETL_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/xtime.h"

struct report_files;

struct stage_args {
    int64_t as_of;        /* the run's now */
    struct xrange range;  /* the stage's date range (posts posted in it, days in it) */
    int64_t run_id;       /* xetl.runs row, 0 when run outside a logged run */
    bool replay;          /* rerun: derive from landed data, do not call X */
    struct report_files *files; /* a stage that writes files (report) appends their paths here;
                                   NULL: they are not kept */
};

struct stage_counts {
    long requests;      /* HTTP requests made */
    long rows;          /* rows landed or written */
    long rejects;       /* input rows rejected */
    long fits;          /* models fitted */
    long attributions;  /* follower_attributions rows */
    long reports;       /* files written */
    long warnings;      /* partial errors recorded and tolerated */
    long cpu_ms;        /* CPU of xetl's process in the stage (user + system), ms */
};

#endif
