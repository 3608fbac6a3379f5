/*
 * etl/runlog.h — the run log: xetl.runs (one row per command that changes
 * data) and xetl.run_stages (one row per stage of a nightly or rerun, per
 * account).  Every statement on those two tables is here, its SQL in
 * sql/queries/runlog/.
 *
 * A run row is 'running' from runlog_begin() to runlog_end(); a process
 * killed in between leaves it so, and the next command of any kind closes it
 * (runlog_close_stale): its session's backend is gone.  Stage rows likewise.
 */
#ifndef XETL_RUNLOG_H
#define XETL_RUNLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/stage.h"
#include "common/xerr.h"
#include "common/xtime.h"

struct db;

/*
 * Records the start of command at as_of (with this process's pid, host and
 * xetl version, and the session's backend pid); *run_id gets the new row.
 */
int runlog_begin(struct db *db, const char *command, int64_t as_of, int64_t *run_id, struct xerr *err);

/* Deletes a run that did nothing (a usage error): it leaves no row behind. */
int runlog_forget(struct db *db, int64_t run_id, struct xerr *err);

/*
 * Closes run_id: 'ok' when rc is 0, else 'failed' with error; counts, the
 * range it covered (NULL or zero: none) and its as-of (which a command may
 * have settled itself, rerun: the end of its range).
 */
int runlog_end(struct db *db, int64_t run_id, int rc, const char *error, const struct stage_counts *counts,
               const struct xrange *range, int64_t as_of, struct xerr *err);

/* Records the shard ("K/N") a run covers, before it takes the shard's lock. */
int runlog_set_shard(struct db *db, int64_t run_id, const char *shard, struct xerr *err);

/*
 * Marks runs left 'running' by killed processes failed, with their running
 * stages: those whose session backend is gone and, when locked (the caller
 * holds the nightly lock, so no other run can be alive), those from before
 * backend_pid was recorded.  own_run_id (0: none) is never touched.
 */
int runlog_close_stale(struct db *db, int64_t own_run_id, bool locked, struct xerr *err);

/*
 * Records the start of a stage of run_id (account_id 0: of the whole run).
 * Returns the stage row's id, 0 when there is no run (run_id 0) or the row
 * could not be written: the stage runs anyway, unrecorded.  While it runs,
 * the session's application_name is "xetl STAGE HANDLE" (handle NULL: "xetl
 * STAGE"); runlog_stage_end sets it back to "xetl".
 */
int64_t runlog_stage_begin(struct db *db, int64_t run_id, const char *stage, int64_t account_id,
                           const char *handle);

/*
 * Closes stage stage_id ('ok' when rc is 0, else 'failed' with error).  It
 * first rolls back whatever transaction a failed stage left open; nothing to
 * do when stage_id is 0 or the connection is gone.  A refusal is logged, not
 * returned: the stage's own outcome is what the run reports.
 */
void runlog_stage_end(struct db *db, int64_t stage_id, int rc, const struct stage_counts *counts,
                      const char *error);

/* The running run that most probably holds a lock (runlog_holder). */
struct runlog_holder {
    char run_id[24];
    char command[32];
    char pid[16];
    char host[256];
    char started[32];   /* ISO 8601 UTC */
    char shard[48];     /* ", shard K/N" or "" */
};
/*
 * The latest running run started before own_run_id (0: any), of shard
 * ("K/N") when not NULL; *found false when there is none.
 */
int runlog_holder(struct db *db, int64_t own_run_id, const char *shard, struct runlog_holder *h, bool *found,
                  struct xerr *err);

/* A running run of a shard of another N than n (the first by run_id); *found false when none. */
int runlog_other_shard(struct db *db, int64_t own_run_id, int n, char *run_id, size_t run_id_len, char *shard,
                       size_t shard_len, bool *found, struct xerr *err);

/* One row of `xetl runs`, as text (valid during the callback only). */
struct runlog_run {
    const char *run_id, *command, *status, *started, *seconds, *as_of, *exit_code, *error, *shard;
};
/* One row of `xetl runs --run ID`. */
struct runlog_stage {
    const char *stage, *account, *status, *started, *seconds, *counts, *error;
};

/* The limit latest runs, newest first (pipeline_only: nightly, rerun, demo), one call each. */
int runlog_list_runs(struct db *db, long limit, bool pipeline_only,
                     void (*fn)(void *arg, const struct runlog_run *r), void *arg, struct xerr *err);
/*
 * The stages of run_id in order, one call each; *exists says whether the run
 * is in the log at all (a run of a stage command has no stages).
 */
int runlog_list_stages(struct db *db, int64_t run_id, void (*fn)(void *arg, const struct runlog_stage *s),
                       void *arg, bool *exists, struct xerr *err);

/* The counts as the JSON object stored in runs.counts / run_stages.counts (malloc'd). */
char *runlog_counts_json(const struct stage_counts *c);

#endif
