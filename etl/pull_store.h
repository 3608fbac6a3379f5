/*
 * etl/pull_store.h — the pull stage's database half: the bot's posted rows,
 * landing every X attempt in xetl.raw_responses, and deriving the typed rows
 * of one account and as-of from what was landed (etl/pull_parse.h reads the
 * bodies), in one transaction.
 *
 * What it is not for: deciding what to fetch or talking to X (etl/pull.c).
 */
#ifndef XETL_PULL_STORE_H
#define XETL_PULL_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/stage.h"
#include "common/xerr.h"
#include "etl/accounts.h"
#include "etl/pull_parse.h"
#include "etl/xapi.h"

struct db;

/*
 * The run's share of the bot posts no account tracks (xetl.pull_bot_free,
 * filled by the run's first pull), as one pull read it.  The run's first pull
 * to read posts whose author nobody knows yet holds the run's probe lock until
 * its typed rows are derived: it asks X for them and records their authors,
 * so the run's other pulls (any worker) wait for it and then read only the
 * posts they may own.
 */
struct pull_free {
    int64_t key;      /* the run (minus the backend's pid without one); 0: not read */
    int64_t from, to; /* the window read */
    bool probing;     /* holds the probe lock */
};

/*
 * The bot's posted tweets this account's pull may fetch or see (none unless it
 * has bot_content), sorted: those it tracks, posted in [from, to] or at no known
 * time, and those no account tracks, posted in [from, to] or at no known time
 * (read once per run and window into xetl.pull_bot_free) that it may have
 * written.  may_probe: this pull asks X for what it reads (not a replay), so it
 * may be the one that learns the unknown authors (fr->probing).
 */
int pull_load_bots(struct db *db, const struct account *acct, int64_t run_id, int64_t from, int64_t to,
                   bool may_probe, struct pull_bots *out, struct pull_free *fr, struct xerr *err);

/* Releases the probe lock if held; probed: the authors were recorded, nobody need wait again. */
void pull_free_done(struct db *db, struct pull_free *fr, bool probed);

/* What the lander needs, and the ids of this run's successful responses, in order. */
struct pull_lander {
    struct db *db;
    const struct account *acct;
    int64_t as_of;
    int64_t run_id;   /* 0: none */
    int64_t *ids;     /* owned; free() */
    int n_ids, cap_ids;
    long attempts;    /* every attempt landed, failed or not */
};

/* An xapi_lander: stores one attempt, autocommitted, before its body is used. */
int pull_land(void *arg, const struct xapi_attempt *a, int64_t *id, struct xerr *err);

/*
 * Derives the typed rows of one account and as-of from landed responses (ids:
 * those of this run; NULL: every successful one for the as-of) in one
 * transaction: xetl.posts, performance_snapshots, tweet_analytics_comprehensive,
 * reply_performance, xetl.follower_samples.
 */
int pull_derive(struct db *db, const struct account *acct, const struct pull_bots *bots,
                const struct pull_free *fr, int64_t as_of, const int64_t *ids, int n_ids,
                struct stage_counts *counts, struct xerr *err);

#endif
