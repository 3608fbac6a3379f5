/*
 * etl/attribute_model.h — the attribute stage's pure part: one account's
 * posts, follower samples and daily exports in memory, and what the writer
 * derives from them besides the model (stats/attrib.h): each post's exposure
 * curve, the samples around a window, the 7-day retention, and the
 * attribution_metadata JSON (docs/schema.md).  No database, so testable
 * without a server; etl/attribute.c loads and writes.
 */
#ifndef XETL_ATTRIBUTE_MODEL_H
#define XETL_ATTRIBUTE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sbuf.h"
#include "stats/attrib.h"

#define ATTR_HOUR 3600

/* The shape used when a post has neither a fitted curve nor snapshots:
 * half of the 7-day impressions in about an hour (docs/models.md §1). */
#define ATTR_DEFAULT_C_H 1.0
#define ATTR_DEFAULT_THETA 1.0

struct apost {
    char tweet_id[32];
    char decision_id[40];
    int64_t posted_at;
    char group[128];
    const char *exposure_source;   /* decay | snapshots | latest_impressions | default_shape | none */
    double known;                  /* platform follows or NAN */
    int64_t known_as_of;
    double *age_h, *cum;           /* owned snapshot points */
    int n_pts;
    bool in_range;
};

struct attr_run {
    struct apost *p;
    int np;
    struct attrib_post *ap;
    char (*groups)[128];
    int ng;
    int64_t *t;                    /* follower samples */
    double *F;
    int ns;
    int64_t *day;                  /* daily_follows */
    double *new_f, *unf;
    int nd;
};

void attr_run_release(struct attr_run *r);

/* The index of a content group, added when new. */
int attr_group_index(struct attr_run *r, const char *g);

/*
 * A post's exposure curve and its source: fit's impressions curve (A, c, θ
 * all positive and finite: "decay"); else the latest impressions imp
 * (scraped at age_h) on the default shape ("latest_impressions"); else, with
 * X's own follows known, the default shape alone ("default_shape"); else
 * none.  Snapshots, when a post has them, replace the last three later.
 */
const char *attr_exposure(double A, double c_h, double theta, double imp, double age_h, bool known,
                          struct attrib_curve *out);

/*
 * Retention over the 7 days from the post's day: 1 − unfollows / new follows
 * of the account in those days, only when the export covers all 7 days and
 * they are over by as_of.  An account-level proxy (X does not say which
 * followers a post brought), NAN where the data do not support it.
 */
double attr_retention(const struct attr_run *r, int64_t posted_at, int64_t as_of);

/* Index of the last sample at or before t (else the first: the column is NOT NULL). */
int attr_sample_before(const struct attr_run *r, int64_t t);
/* Index of the first sample at or after t, else the last one (*matured false: window not over). */
int attr_sample_after(const struct attr_run *r, int64_t t, bool *matured);

/* One window's facts beside the model's result, for the metadata. */
struct attr_window {
    int wi;                /* index in attrib_windows_h (the last: 168 h) */
    bool matured;
    bool have_samples;
    int64_t before_at, after_at; /* when the two follower counts were sampled */
};

/* attribution_metadata of post j over one window, into sb. */
void attr_meta_json(struct sbuf *sb, const struct attr_run *r, int j, const struct attrib_result *res,
                    const struct attr_window *w);

#endif
