/* etl/accounts.c — see accounts.h. */
#include "etl/accounts.h"
#include "etl/db.h"
#include "common/sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void row_to_account(const PGresult *res, int i, struct account *a)
{
    a->id = (int64_t)db_long(res, i, 0, 0);
    snprintf(a->handle, sizeof a->handle, "%s", PQgetvalue(res, i, 1));
    snprintf(a->user_id, sizeof a->user_id, "%s", PQgetvalue(res, i, 2));
    a->active = PQgetvalue(res, i, 3)[0] == 't';
    a->bot_content = PQgetvalue(res, i, 4)[0] == 't';
}

#define ACCOUNT_COLS "account_id, handle, x_user_id, active, bot_content"

int accounts_add(struct db *db, const char *handle, const char *user_id, bool bot_content,
                 struct account *out, struct xerr *err)
{
    const char *p[] = { handle, user_id, bot_content ? "true" : "false" };
    PGresult *res;

    if (handle[0] == '@')
        p[0] = handle + 1;
    /* Checked here, not left to the table's CHECK, so a bad value is a clear 65. */
    size_t hl = strlen(p[0]), ul = strlen(user_id);
    if (hl < 1 || hl > 15 || strspn(p[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != hl)
        return xerr_set(err, XETL_EX_USAGE, "invalid handle '%s': 1 to 15 letters, digits or '_'", p[0]);
    if (ul < 1 || ul > 20 || strspn(user_id, "0123456789") != ul)
        return xerr_set(err, XETL_EX_USAGE, "invalid user id '%s': 1 to 20 digits", user_id);
    res = db_exec(db,
                  "INSERT INTO xetl.accounts (handle, x_user_id, bot_content) VALUES ($1, $2, $3)"
                  " ON CONFLICT DO NOTHING RETURNING " ACCOUNT_COLS,
                  3, p, err);
    if (!res)
        return err->code;
    if (PQntuples(res) == 0) {
        /* Provisioning scripts rerun: the same account again is not an error. */
        PQclear(res);
        res = db_exec(db,
                      "SELECT " ACCOUNT_COLS " FROM xetl.accounts WHERE lower(handle) = lower($1) AND x_user_id = $2",
                      2, p, err);
        if (!res)
            return err->code;
        if (PQntuples(res) == 1) {
            if (out)
                row_to_account(res, 0, out);
            PQclear(res);
            return 0;
        }
        PQclear(res);
        return xerr_set(err, XETL_EX_DATAERR,
                        "account '%s' or user id '%s' is already registered with another user id or handle", p[0],
                        user_id);
    }
    if (out)
        row_to_account(res, 0, out);
    PQclear(res);
    return 0;
}

int accounts_load(struct db *db, char *const *handles, int n_handles, struct account_list *out,
                  struct xerr *err)
{
    PGresult *res;

    out->v = NULL;
    out->n = 0;
    if (n_handles == 0) {
        res = db_exec(db, "SELECT " ACCOUNT_COLS " FROM xetl.accounts WHERE active ORDER BY lower(handle)", 0,
                      NULL, err);
        if (!res)
            return err->code;
        out->n = PQntuples(res);
        out->v = xcalloc((size_t)out->n, sizeof *out->v);
        for (int i = 0; i < out->n; i++)
            row_to_account(res, i, &out->v[i]);
        PQclear(res);
        return 0;
    }
    out->v = xcalloc((size_t)n_handles, sizeof *out->v);
    for (int i = 0; i < n_handles; i++) {
        const char *h = handles[i][0] == '@' ? handles[i] + 1 : handles[i];
        const char *p[] = { h };
        res = db_exec(db, "SELECT " ACCOUNT_COLS " FROM xetl.accounts WHERE lower(handle) = lower($1)", 1, p,
                      err);
        if (!res)
            goto fail;
        if (PQntuples(res) == 0) {
            PQclear(res);
            xerr_set(err, XETL_EX_USAGE, "unknown account '%s' (see 'xetl account list')", h);
            goto fail;
        }
        row_to_account(res, 0, &out->v[out->n++]);
        PQclear(res);
    }
    return 0;
fail:
    account_list_release(out);
    return err->code;
}

void account_list_release(struct account_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
