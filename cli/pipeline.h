/*
 * cli/pipeline.h — the nightly pipeline, shared by `nightly`, `rerun` and
 * `demo`: the stages in dependency order for every account, under one
 * database advisory lock, each stage recorded in xetl.run_stages.
 *
 * A stage that fails stops the stages after it (they depend on it) and the
 * run's exit status and error line name the stage, the account and why.
 * Every stage commits its own work and is idempotent for its as-of, so a
 * run killed anywhere and run again ends with the same tables and files.
 */
#ifndef XETL_PIPELINE_H
#define XETL_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "common/xtime.h"

enum pipeline_stage {
    PIPE_PULL = 1 << 0,
    PIPE_REPLAY = 1 << 1, /* re-derive typed rows from landed responses (rerun without --pull) */
    PIPE_FIT = 1 << 2,
    PIPE_ATTRIBUTE = 1 << 3,
    PIPE_LEARN = 1 << 4,
    PIPE_HEALTH = 1 << 5,
    PIPE_REPORT = 1 << 6,
    PIPE_MAIL = 1 << 7,
};

struct pipeline_plan {
    unsigned stages;          /* enum pipeline_stage bits */
    int64_t as_of;            /* the run's now */
    struct xrange posts;      /* fit/attribute: posts posted in this range */
    struct xrange days;       /* health: whole days */
    struct xrange report;     /* report: whole days, to exclusive */
    struct xrange landed;     /* replay: responses landed with as-of in this range */
    struct xrange pull;       /* pull: fetch every post posted in this range, due or not, and
                                 scan the timeline over it (rerun --pull); zero: the schedule */
    int shard_k, shard_n;     /* --shard K/N: the accounts with (account_id - 1) mod N = K - 1;
                                 0/0: every account (docs/scaling.md, Shards) */
    int jobs;                 /* --jobs: accounts run at once (a process and session each); 0: nightly.jobs */
};

/*
 * Parses --shard K/N (1 <= K <= N <= PIPELINE_MAX_SHARDS) into plan; a
 * malformed value is a usage error (64) of cmd.
 */
#define PIPELINE_MAX_SHARDS 1000
int pipeline_parse_shard(struct ctx *ctx, const char *cmd, const char *arg, struct pipeline_plan *plan);

/* Parses --jobs N (1 <= N <= 64) into plan; anything else is a usage error (64) of cmd. */
int pipeline_parse_jobs(struct ctx *ctx, const char *cmd, const char *arg, struct pipeline_plan *plan);

/*
 * Takes the nightly lock (75 naming the holder's run and start time when
 * another run has it), marks runs left 'running' by a killed process as
 * failed, runs the plan for ctx's accounts, and releases the lock.
 *
 * A shard (plan->shard_n > 0) takes the nightly lock shared and its own
 * shard's lock exclusive: shards run beside each other, never beside a
 * second run of the same shard, an unsharded run, a stage command, or a shard
 * of another N.  A shard skips the roll-up (report.rollup): only an unsharded
 * run writes it.
 *
 * With jobs > 1 the accounts are dealt to that many worker processes, each
 * with its own database session, taking the next account as it finishes one;
 * this process keeps the locks, then writes the roll-up and mails.  The first
 * failure stops every worker at its next account; the run fails with the
 * error of the earliest account (in list order) that failed.  Tables and files
 * are those of jobs = 1.
 */
int pipeline_run(struct ctx *ctx, const struct pipeline_plan *plan);

/*
 * The one lock of every command that changes data (nightly, rerun and the
 * stage commands pull, import, fit, attribute, learn, health, report): a
 * session advisory lock, 75 naming the holder when another session has it.
 * Once held, the run log's rows of killed runs are closed (runlog_close_stale).  The server drops
 * it with the session; pipeline_unlock() releases it before that.
 */
int pipeline_lock(struct ctx *ctx, struct db *db);
void pipeline_unlock(struct db *db);

/* The plan of `nightly` at as_of (docs/operations.md states the windows). */
int pipeline_nightly_plan(struct ctx *ctx, struct pipeline_plan *plan);

#endif
