/*
 * etl/replay.h — the replay stage of `rerun` without --pull: the typed rows
 * (snapshots, analytics, follower samples) re-derived from the X API
 * responses already landed, without calling X.
 */
#ifndef XETL_REPLAY_H
#define XETL_REPLAY_H

#include "common/config.h"
#include "common/stage.h"
#include "common/xerr.h"
#include "etl/accounts.h"

struct db;

/*
 * The stage contract (common/stage.h): for every as-of at which acct landed
 * successful responses in a->range, oldest first, pull_replay() of that
 * as-of.  Nothing landed is nothing to do (0).
 */
int replay_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
               struct stage_counts *counts, struct xerr *err);

#endif
