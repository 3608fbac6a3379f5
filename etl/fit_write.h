/*
 * etl/fit_write.h — the fit stage's writer: one account's fitted batch into
 * tweet_analytics_comprehensive, reply_performance and xetl.predictions, and
 * the scoring of earlier predictions.  Loads three temp tables by COPY, then
 * runs the set-based statements of sql/queries/fit/ inside the caller's
 * transaction.
 */
#ifndef XETL_FIT_WRITE_H
#define XETL_FIT_WRITE_H

#include "common/sbuf.h"
#include "common/stage.h"
#include "common/xerr.h"
#include "etl/fit_model.h"

struct db;

/* The analytics_metadata fragment of one post, {"decay": {METRIC: CURVE}} (docs/schema.md), into sb. */
void fit_decay_json(struct sbuf *sb, const struct fit_post *p, const char *asof_txt);

/* Writes b; *rows gets the rows changed added. */
int fit_write(struct db *db, int64_t account_id, const struct stage_args *a, const struct fit_batch *b,
              double horizon, long *rows, struct xerr *err);

#endif
