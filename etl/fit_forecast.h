/*
 * etl/fit_forecast.h — the fit stage's stacked forecaster (stats/forecast.h)
 * over one account's batch: trained on its matured posts, or restored from
 * xetl.fit_models when the training set is the one kept (the batch's fcm[]),
 * and applied to the posts in range.  No database (etl/fit.c loads, and
 * etl/fit_write.c stores, what is kept).
 */
#ifndef XETL_FIT_FORECAST_H
#define XETL_FIT_FORECAST_H

#include "common/xerr.h"
#include "etl/fit_model.h"

/*
 * The stacked forecaster of every metric, trained on the account's matured
 * posts (the metrics on up to |threads| threads: each depends only on the
 * batch and its prior), replacing the curve's 7-day value of the posts idx
 * 1–72 h old, and each post's half-life source (res/fc/hl_pooled).  The
 * posts in range (in_range, idx) must have their curves (res) fitted with
 * pools' priors: a reference post's own curve is taken from there.
 */
int fit_forecasters(struct fit_batch *b, const struct fit_pool *pools, double horizon, int threads, const int *idx,
                    int n, struct xerr *err);

#endif
