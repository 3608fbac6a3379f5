/*
 * etl/pull_parse.h — X API v2 payloads read into typed stage rows, without a
 * database: the pure half of the pull stage (etl/pull_store.c stores them).
 *
 * What it is for: one parsed 200 body of /2/tweets, /2/users/:id/tweets or
 * /2/users/:id, for one account (its X user id), the bot's records of the
 * account's posts and an as-of, gives the rows pull_stage receives: one per
 * post (with its metrics when the endpoint carries them), one per partial
 * error of /2/tweets (deleted, protected), and the account's counters from
 * /2/users/:id.  What it skips is counted (another account's posts, posts
 * whose private metrics X refused, posts after the as-of).
 *
 * What it is not for: choosing posts, talking to X, SQL.
 */
#ifndef XETL_PULL_PARSE_H
#define XETL_PULL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/json.h"

/* One of the bot's posted rows (xetl.bot_posts), as pull reads it. */
struct pull_bot {
    char *tweet_id;
    char *decision_id;  /* NULL when the bot's id is not a UUID */
    char *kind;         /* post|reply|thread */
    int64_t posted_at;  /* 0 unknown */
    char *parent_tweet_id, *parent_username;
    char *ct_id, *ct_name, *formula, *hook, *genmeta;
};

/* Sorted by tweet_id (strcmp), one row per tweet. */
struct pull_bots {
    struct pull_bot *v;
    int n;
};

void pull_bots_sort(struct pull_bots *b);
const struct pull_bot *pull_bot_find(const struct pull_bots *b, const char *tweet_id);
void pull_bots_release(struct pull_bots *b);

/* The metrics of a stage row, in pull_stage's column order. */
enum pull_metric {
    PM_LIKES, PM_RETWEETS, PM_REPLIES, PM_QUOTES, PM_BOOKMARKS, PM_IMPRESSIONS,
    PM_URL_CLICKS, PM_PROFILE_CLICKS, PM_IMPRESSIONS_ORGANIC, PM_COUNT
};

/*
 * One row of pull_stage.  Text fields are borrowed from the parsed body or the
 * bot rows (valid while both live), except the two owned ones noted.
 */
struct pull_row {
    const char *tweet_id;
    int64_t response_id;
    bool has_metrics;
    bool has_created;
    int64_t created_at;
    const char *text, *kind, *parent_tweet_id, *parent_username;
    const char *decision_id, *origin, *ct_id, *ct_name, *formula, *hook, *genmeta;
    int64_t metric[PM_COUNT]; /* -1: NULL (absent, negative or over int4) */
    char *metrics_extra;      /* owned: {"non_public_metrics":…,"organic_metrics":…} or NULL */
    const char *err_status;   /* NULL, or deleted|protected|error */
    char *err_detail;         /* owned: "title: detail" of a partial error */
};

/* The parse of one account's bodies at one as-of. */
struct pull_parse {
    const char *user_id;           /* the account's X user id */
    const struct pull_bots *bots;
    int64_t as_of;
    struct pull_row *rows;         /* of the bodies since the last pull_parse_clear */
    int n_rows, cap_rows;
    long stage_rows;               /* rows made in all */
    long followers;                /* from /2/users/:id; -1 unknown */
    long following, tweets, listed;
    int64_t followers_response;
    long warnings;                 /* partial errors */
    long foreign;                  /* posts of another X user */
    struct pull_foreign {          /* those of them in the bot's table, with their author */
        char tweet_id[24], author_id[24];
    } *foreign_v;
    int n_foreign, cap_foreign;
    long field_refused;            /* posts whose private metrics X refused: not the token user's */
    char last_refused[24];
};

void pull_parse_init(struct pull_parse *p, const char *user_id, const struct pull_bots *bots, int64_t as_of);
/* Adds the rows of one body (a response of endpoint, landed as resp_id); returns how many. */
int pull_parse_body(struct pull_parse *p, const char *endpoint, const struct jv *body, int64_t resp_id);
/* Drops the rows held (after they were stored); the counters stay. */
void pull_parse_clear(struct pull_parse *p);
void pull_parse_release(struct pull_parse *p);

/* A tweet id as X writes them: 1 to 20 digits. */
bool pull_valid_id(const char *s);

/*
 * The bot's decision reference as a UUID in PostgreSQL's text form (lower case,
 * 8-4-4-4-12) into out, when it is 32 hex digits in groups of 8, 4, 4, 4 and 12,
 * each hyphen between groups optional, in either case; else false (the post's
 * decision is unknown).  Done here, not by a regex per row on the server.
 */
bool pull_decision_uuid(const char *ref, char out[37]);

#endif
