/*
 * etl/import_cols.h — what an export's columns mean: the header aliases.
 *
 * For: mapping a header row's names (any case, '_' or spaces, any order) to
 * the columns import knows, and telling the export format from which of
 * them a header has (docs/import.md lists every alias).  A repeated or
 * unknown column is kept by its own name, for the row's metadata.
 *
 * Not for: reading values (etl/import_parse.h) or loading rows.
 */
#ifndef XETL_IMPORT_COLS_H
#define XETL_IMPORT_COLS_H

#include <stdbool.h>

#include "etl/import.h"

enum import_col {
    C_ID, C_PERMALINK, C_TEXT, C_TIME,
    C_IMPRESSIONS, C_ENGAGEMENTS, C_ENG_RATE, C_RETWEETS, C_REPLIES, C_LIKES, C_QUOTES,
    C_BOOKMARKS, C_SHARES, C_PROFILE_CLICKS, C_URL_CLICKS, C_HASHTAG_CLICKS, C_DETAIL_EXPANDS,
    C_PERMALINK_CLICKS, C_APP_OPENS, C_APP_INSTALLS, C_FOLLOWS, C_UNFOLLOWS, C_EMAIL_TWEET,
    C_DIAL_PHONE, C_MEDIA_VIEWS, C_MEDIA_ENGAGEMENTS, C_VIDEO_VIEWS, C_CREATE_POST,
    C_PROMO_IMPRESSIONS,
    C_N
};

enum import_kind { K_ID, K_TEXT, K_TIME, K_COUNT, K_RATE };

/* The name a column has in metadata JSON ("user_profile_clicks"), and its kind. */
const char *import_col_key(enum import_col c);
enum import_kind import_col_kind(enum import_col c);

/* The column a header name stands for, or -1 ("Tweet id", "post_id", "New follows"). */
int import_col_of(const char *header);

struct colmap {
    int ncols;
    int idx[C_N];    /* field index of each known column, -1 when absent */
    int *known;      /* per field: its enum import_col, or -1 (kept in metadata by name) */
    char **names;    /* per field: the header as written */
};

/* Maps a header row; colmap_release frees it (also after a zeroed struct). */
void colmap_build(struct colmap *m, char *const *fields, int n);
void colmap_release(struct colmap *m);

/* The format a mapped header is (fields: the header row it was built from). */
enum import_format colmap_format(const struct colmap *m, char *const *fields);

#endif
