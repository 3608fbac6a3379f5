/* etl/import_cols.c — see import_cols.h. */
#include "etl/import_cols.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/sbuf.h"

/* key: the name used in metadata JSON. */
static const struct { const char *key; enum import_kind kind; } colinfo[C_N] = {
    [C_ID] = { "post_id", K_ID },
    [C_PERMALINK] = { "permalink", K_TEXT },
    [C_TEXT] = { "text", K_TEXT },
    [C_TIME] = { "time", K_TIME },
    [C_IMPRESSIONS] = { "impressions", K_COUNT },
    [C_ENGAGEMENTS] = { "engagements", K_COUNT },
    [C_ENG_RATE] = { "engagement_rate", K_RATE },
    [C_RETWEETS] = { "retweets", K_COUNT },
    [C_REPLIES] = { "replies", K_COUNT },
    [C_LIKES] = { "likes", K_COUNT },
    [C_QUOTES] = { "quotes", K_COUNT },
    [C_BOOKMARKS] = { "bookmarks", K_COUNT },
    [C_SHARES] = { "shares", K_COUNT },
    [C_PROFILE_CLICKS] = { "user_profile_clicks", K_COUNT },
    [C_URL_CLICKS] = { "url_clicks", K_COUNT },
    [C_HASHTAG_CLICKS] = { "hashtag_clicks", K_COUNT },
    [C_DETAIL_EXPANDS] = { "detail_expands", K_COUNT },
    [C_PERMALINK_CLICKS] = { "permalink_clicks", K_COUNT },
    [C_APP_OPENS] = { "app_opens", K_COUNT },
    [C_APP_INSTALLS] = { "app_installs", K_COUNT },
    [C_FOLLOWS] = { "follows", K_COUNT },
    [C_UNFOLLOWS] = { "unfollows", K_COUNT },
    [C_EMAIL_TWEET] = { "email_tweet", K_COUNT },
    [C_DIAL_PHONE] = { "dial_phone", K_COUNT },
    [C_MEDIA_VIEWS] = { "media_views", K_COUNT },
    [C_MEDIA_ENGAGEMENTS] = { "media_engagements", K_COUNT },
    [C_VIDEO_VIEWS] = { "video_views", K_COUNT },
    [C_CREATE_POST] = { "create_post", K_COUNT },
    [C_PROMO_IMPRESSIONS] = { "impressions_promoted", K_COUNT },
};

/* Header names (normalised: lowercase, '_' as space, single spaces). */
static const struct { const char *name; enum import_col col; } aliases[] = {
    { "tweet id", C_ID }, { "post id", C_ID }, { "tweetid", C_ID }, { "postid", C_ID },
    { "tweet permalink", C_PERMALINK }, { "post link", C_PERMALINK }, { "permalink", C_PERMALINK },
    { "tweet link", C_PERMALINK }, { "link", C_PERMALINK },
    { "tweet text", C_TEXT }, { "post text", C_TEXT }, { "text", C_TEXT },
    { "time", C_TIME }, { "date", C_TIME }, { "created at", C_TIME }, { "post date", C_TIME },
    { "posted at", C_TIME }, { "post time", C_TIME },
    { "impressions", C_IMPRESSIONS },
    { "engagements", C_ENGAGEMENTS },
    { "engagement rate", C_ENG_RATE },
    { "retweets", C_RETWEETS }, { "reposts", C_RETWEETS },
    { "replies", C_REPLIES },
    { "likes", C_LIKES },
    { "quotes", C_QUOTES }, { "quote tweets", C_QUOTES },
    { "bookmarks", C_BOOKMARKS },
    { "shares", C_SHARES },
    { "user profile clicks", C_PROFILE_CLICKS }, { "profile visits", C_PROFILE_CLICKS },
    { "profile clicks", C_PROFILE_CLICKS },
    { "url clicks", C_URL_CLICKS },
    { "hashtag clicks", C_HASHTAG_CLICKS },
    { "detail expands", C_DETAIL_EXPANDS },
    { "permalink clicks", C_PERMALINK_CLICKS },
    { "app opens", C_APP_OPENS },
    { "app installs", C_APP_INSTALLS },
    { "follows", C_FOLLOWS }, { "new follows", C_FOLLOWS },
    { "unfollows", C_UNFOLLOWS },
    { "email tweet", C_EMAIL_TWEET },
    { "dial phone", C_DIAL_PHONE },
    { "media views", C_MEDIA_VIEWS },
    { "media engagements", C_MEDIA_ENGAGEMENTS },
    { "video views", C_VIDEO_VIEWS },
    { "create post", C_CREATE_POST },
    { "promoted impressions", C_PROMO_IMPRESSIONS },
};

const char *import_col_key(enum import_col c)
{
    return colinfo[c].key;
}

enum import_kind import_col_kind(enum import_col c)
{
    return colinfo[c].kind;
}

static void normalise(const char *in, char *out, size_t n)
{
    size_t o = 0;
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 1 < n; p++) {
        unsigned char c = *p;
        if (c == '_' || isspace(c)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < n)
            out[o++] = ' ';
        space = false;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
}

int import_col_of(const char *header)
{
    char norm[128];
    normalise(header, norm, sizeof norm);
    for (size_t a = 0; a < sizeof aliases / sizeof aliases[0]; a++)
        if (!strcmp(norm, aliases[a].name))
            return (int)aliases[a].col;
    return -1;
}

void colmap_release(struct colmap *m)
{
    if (m->names)
        for (int i = 0; i < m->ncols; i++)
            free(m->names[i]);
    free(m->names);
    free(m->known);
    memset(m, 0, sizeof *m);
}

void colmap_build(struct colmap *m, char *const *fields, int n)
{
    m->ncols = n;
    m->known = xcalloc((size_t)n, sizeof *m->known);
    m->names = xcalloc((size_t)n, sizeof *m->names);
    for (int c = 0; c < C_N; c++)
        m->idx[c] = -1;
    for (int i = 0; i < n; i++) {
        int c = import_col_of(fields[i]);
        m->names[i] = xstrdup(fields[i]);
        m->known[i] = -1;
        if (c >= 0 && m->idx[c] < 0) { /* a repeated column is kept as an unknown one */
            m->idx[c] = i;
            m->known[i] = c;
        }
    }
}

enum import_format colmap_format(const struct colmap *m, char *const *fields)
{
    bool metric = m->idx[C_IMPRESSIONS] >= 0 || m->idx[C_LIKES] >= 0 || m->idx[C_ENGAGEMENTS] >= 0;
    if (m->idx[C_ID] >= 0) {
        if (m->idx[C_TIME] < 0 || !metric)
            return IMPORT_UNKNOWN;
        char norm[128];
        normalise(fields[m->idx[C_ID]], norm, sizeof norm);
        return !strcmp(norm, "tweet id") || !strcmp(norm, "tweetid") ? IMPORT_TWEET_ACTIVITY : IMPORT_CONTENT;
    }
    if (m->idx[C_TIME] >= 0 &&
        (m->idx[C_FOLLOWS] >= 0 || m->idx[C_UNFOLLOWS] >= 0 || metric))
        return IMPORT_OVERVIEW;
    return IMPORT_UNKNOWN;
}

enum import_format import_detect(char *const *fields, int n)
{
    struct colmap m = { 0 };
    colmap_build(&m, fields, n);
    enum import_format f = colmap_format(&m, fields);
    colmap_release(&m);
    return f;
}

const char *import_format_name(enum import_format f)
{
    switch (f) {
    case IMPORT_TWEET_ACTIVITY: return "tweet activity";
    case IMPORT_CONTENT: return "content";
    case IMPORT_OVERVIEW: return "account overview";
    default: return "unknown";
    }
}
