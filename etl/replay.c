/*
 * etl/replay.c — see replay.h.  The statement is sql/queries/replay/landed.sql.
 */
#include "etl/replay.h"
#include "etl/db.h"
#include "etl/pull.h"

#include <stdio.h>

int replay_run(struct db *db, const struct config *cfg, const struct account *acct, const struct stage_args *a,
               struct stage_counts *counts, struct xerr *err)
{
    char aid[32], from[40], to[40];
    struct db_res *res = NULL;
    int rc;

    snprintf(aid, sizeof aid, "%lld", (long long)acct->id);
    const char *p[] = { aid, db_fmt_time(from, sizeof from, a->range.from), db_fmt_time(to, sizeof to, a->range.to) };
    if ((rc = db_query(db, "replay/landed", 3, p, &res, err)))
        return rc;
    for (int i = 0; i < db_nrows(res) && !rc; i++)
        rc = pull_replay(db, cfg, acct, a->run_id, db_get_int64(res, i, 0, 0), counts, err);
    db_res_free(res);
    return rc;
}
