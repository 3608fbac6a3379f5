/* etl/accounts.c — see accounts.h. */
#include "etl/accounts.h"
#include "etl/db.h"
#include "common/sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Row i of a result of the account columns (account_id, handle, x_user_id, active, bot_content). */
static void row_to_account(const struct db_res *res, int i, struct account *a)
{
    const char *h = db_get_text(res, i, 1), *u = db_get_text(res, i, 2);
    a->id = db_get_int64(res, i, 0, 0);
    snprintf(a->handle, sizeof a->handle, "%s", h ? h : "");
    snprintf(a->user_id, sizeof a->user_id, "%s", u ? u : "");
    a->active = db_get_bool(res, i, 3, false);
    a->bot_content = db_get_bool(res, i, 4, false);
}

bool accounts_valid_handle(const char *h)
{
    size_t hl = strlen(h);
    return hl >= 1 && hl <= 15 && strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == hl;
}

int accounts_add(struct db *db, const char *handle, const char *user_id, bool bot_content,
                 struct account *out, struct xerr *err)
{
    const char *p[] = { handle, user_id, bot_content ? "true" : "false" };
    struct db_res *res = NULL;
    int rc;

    if (handle[0] == '@')
        p[0] = handle + 1;
    /* Checked here, not left to the table's CHECK, so a bad value is a clear 64. */
    size_t ul = strlen(user_id);
    if (!accounts_valid_handle(p[0]))
        return xerr_set(err, XETL_EX_USAGE, "invalid handle '%s': 1 to 15 letters, digits or '_'", p[0]);
    if (ul < 1 || ul > 20 || strspn(user_id, "0123456789") != ul)
        return xerr_set(err, XETL_EX_USAGE, "invalid user id '%s': 1 to 20 digits", user_id);
    if ((rc = db_query(db, "accounts/add", 3, p, &res, err)))
        return rc;
    if (db_nrows(res) == 0) {
        /* Provisioning scripts rerun: the same account again is not an error. */
        db_res_free(res);
        if ((rc = db_query(db, "accounts/same", 2, p, &res, err)))
            return rc;
        if (db_nrows(res) != 1) {
            db_res_free(res);
            return xerr_set(err, XETL_EX_DATAERR,
                            "account '%s' or user id '%s' is already registered with another user id or handle",
                            p[0], user_id);
        }
    }
    if (out)
        row_to_account(res, 0, out);
    db_res_free(res);
    return 0;
}

int accounts_load(struct db *db, char *const *handles, int n_handles, struct account_list *out,
                  struct xerr *err)
{
    struct db_res *res = NULL;
    int rc;

    out->v = NULL;
    out->n = 0;
    if (n_handles == 0) {
        if ((rc = db_query(db, "accounts/active", 0, NULL, &res, err)))
            return rc;
        out->n = db_nrows(res);
        out->v = xcalloc((size_t)out->n, sizeof *out->v);
        for (int i = 0; i < out->n; i++)
            row_to_account(res, i, &out->v[i]);
        db_res_free(res);
        return 0;
    }
    out->v = xcalloc((size_t)n_handles, sizeof *out->v);
    for (int i = 0; i < n_handles; i++) {
        const char *h = handles[i][0] == '@' ? handles[i] + 1 : handles[i];
        const char *p[] = { h };
        if ((rc = db_query(db, "accounts/by_handle", 1, p, &res, err)))
            goto fail;
        if (db_nrows(res) == 0) {
            db_res_free(res);
            xerr_set(err, XETL_EX_USAGE, "unknown account '%s' (see 'xetl account list')", h);
            goto fail;
        }
        row_to_account(res, 0, &out->v[out->n++]);
        db_res_free(res);
    }
    return 0;
fail:
    account_list_release(out);
    return err->code;
}

int accounts_exists(struct db *db, const char *handle, const char *user_id, bool *exists, struct xerr *err)
{
    const char *p[] = { handle[0] == '@' ? handle + 1 : handle, user_id };
    struct db_res *res = NULL;
    int rc = db_query(db, "accounts/same", 2, p, &res, err);
    *exists = !rc && db_nrows(res) > 0;
    db_res_free(res);
    return rc;
}

static const char *cell(const struct db_res *res, int i, const char *col)
{
    const char *v = db_get_text(res, i, db_col(res, col));
    return v ? v : "";
}

int accounts_list(struct db *db, void (*fn)(void *arg, const struct account_row *r), void *arg, struct xerr *err)
{
    struct db_res *res = NULL;
    int rc = db_query(db, "accounts/list", 0, NULL, &res, err);
    for (int i = 0; !rc && i < db_nrows(res); i++) {
        struct account_row r = { cell(res, i, "handle"), cell(res, i, "user_id"), cell(res, i, "active"),
                                 cell(res, i, "bot_content"), cell(res, i, "posts") };
        fn(arg, &r);
    }
    db_res_free(res);
    return rc;
}

void account_list_release(struct account_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
