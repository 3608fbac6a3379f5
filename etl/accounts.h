/*
 * etl/accounts.h — the accounts xetl tracks (xetl.accounts).
 */
#ifndef XETL_ACCOUNTS_H
#define XETL_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/xerr.h"

struct db;

struct account {
    int64_t id;           /* xetl.accounts.account_id */
    char handle[64];      /* without '@' */
    char user_id[32];     /* X user id, digits */
    bool active;
    bool bot_content;     /* the bot's content_metadata rows are this account's posts */
};

struct account_list {
    struct account *v;
    int n;
};

/* Whether h (without '@') is a possible X handle: 1 to 15 letters, digits or '_'. */
bool accounts_valid_handle(const char *h);

/* Adds an account; an existing handle or user id is an error (65) naming it. */
int accounts_add(struct db *db, const char *handle, const char *user_id, bool bot_content,
                 struct account *out, struct xerr *err);
/*
 * Loads accounts: the given handles (all must exist, else 64 naming the
 * unknown one) or, when n_handles is 0, every active account ordered by handle.
 */
int accounts_load(struct db *db, char *const *handles, int n_handles, struct account_list *out,
                  struct xerr *err);
void account_list_release(struct account_list *l);

/* Whether the account with this handle (any case, '@' optional) and user id is registered. */
int accounts_exists(struct db *db, const char *handle, const char *user_id, bool *exists, struct xerr *err);

/* One line of `xetl account list`, as text (valid during the callback only). */
struct account_row {
    const char *handle, *user_id, *active, *bot_content, *posts;
};
/* Every account by handle, with its number of posts, one call each. */
int accounts_list(struct db *db, void (*fn)(void *arg, const struct account_row *r), void *arg, struct xerr *err);

#endif
